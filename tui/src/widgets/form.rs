//! A form: labelled fields in sections, one with the focus, each with its own
//! error line. Tab/Shift-Tab (or ↓/↑) move, Space toggles, ←/→ choose, Enter
//! submits. A server's refusal is put on the field it names.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::input::Input;
use super::text::wrap;
use crate::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Shown as `•`; never prefilled from the server.
    Password,
    Toggle(bool),
    Choice(&'static [&'static str], usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The wire name (`database`, `cache_ttl`): what server messages name.
    pub key: &'static str,
    pub label: &'static str,
    pub section: &'static str,
    pub kind: Kind,
    pub input: Input,
    pub error: Option<String>,
    /// Not shown and skipped by Tab (a SQLite service has no host).
    pub hidden: bool,
    /// Other words a server message may use for this field.
    pub aliases: &'static [&'static str],
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, section: &'static str) -> Self {
        Field {
            key,
            label,
            section,
            kind: Kind::Text,
            input: Input::default(),
            error: None,
            hidden: false,
            aliases: &[],
        }
    }
    pub fn password(key: &'static str, label: &'static str, section: &'static str) -> Self {
        Field {
            kind: Kind::Password,
            input: Input::default().masked(),
            ..Field::text(key, label, section)
        }
    }
    pub fn toggle(key: &'static str, label: &'static str, section: &'static str, on: bool) -> Self {
        Field {
            kind: Kind::Toggle(on),
            ..Field::text(key, label, section)
        }
    }
    pub fn choice(
        key: &'static str,
        label: &'static str,
        section: &'static str,
        options: &'static [&'static str],
    ) -> Self {
        Field {
            kind: Kind::Choice(options, 0),
            ..Field::text(key, label, section)
        }
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.input.set(v);
        self
    }
    pub fn aliases(mut self, a: &'static [&'static str]) -> Self {
        self.aliases = a;
        self
    }
    fn is_text(&self) -> bool {
        matches!(self.kind, Kind::Text | Kind::Password)
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Consumed,
    Submit,
    Ignored,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A message about the whole form (one no field is named in).
    pub error: Option<String>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Self {
        Form {
            fields,
            focus: 0,
            error: None,
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    /// The text of a text field, trimmed; "" for an unknown key.
    pub fn text(&self, key: &str) -> &str {
        self.field(key).map_or("", |f| f.input.value().trim())
    }

    pub fn set_text(&mut self, key: &str, value: impl Into<String>) {
        if let Some(f) = self.field_mut(key) {
            f.input.set(value);
        }
    }

    pub fn on(&self, key: &str) -> bool {
        matches!(self.field(key).map(|f| &f.kind), Some(Kind::Toggle(true)))
    }

    pub fn set_on(&mut self, key: &str, on: bool) {
        if let Some(f) = self.field_mut(key) {
            f.kind = Kind::Toggle(on);
        }
    }

    pub fn choice(&self, key: &str) -> &'static str {
        match self.field(key).map(|f| &f.kind) {
            Some(Kind::Choice(options, i)) => options.get(*i).copied().unwrap_or(""),
            _ => "",
        }
    }

    pub fn set_choice(&mut self, key: &str, value: &str) {
        if let Some(f) = self.field_mut(key)
            && let Kind::Choice(options, i) = &mut f.kind
            && let Some(at) = options.iter().position(|o| *o == value)
        {
            *i = at;
        }
    }

    pub fn set_hidden(&mut self, key: &str, hidden: bool) {
        if let Some(f) = self.field_mut(key) {
            f.hidden = hidden;
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn focus_on(&mut self, key: &str) {
        if let Some(i) = self.index(key) {
            self.focus = i;
        }
    }

    /// True while the focused field takes typed text.
    pub fn typing(&self) -> bool {
        self.focused().is_some_and(Field::is_text)
    }

    pub fn set_error(&mut self, key: &str, message: impl Into<String>) {
        if let Some(i) = self.index(key) {
            self.fields[i].error = Some(message.into());
        }
    }

    pub fn clear_errors(&mut self) {
        self.error = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    pub fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }

    /// Puts a server's message on the field it is about, found by the wire
    /// name in quotes (`'config.database'`), then an alias (the words the
    /// server uses for it), then a bare wire name, then the label; a message naming none goes above the form. The
    /// focus moves to that field so the admin can fix it at once.
    pub fn place_error(&mut self, message: &str) {
        let lower = message.to_lowercase();
        let quoted = |k: &str| {
            lower.contains(&format!("'{k}'"))
                || lower.contains(&format!(".{k}'"))
                || lower.contains(&format!("'config.{k}"))
        };
        let word = |k: &str| {
            lower
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == k)
        };
        let visible = |f: &&Field| !f.hidden;
        let found = self
            .fields
            .iter()
            .position(|f| visible(&f) && quoted(f.key))
            .or_else(|| {
                self.fields
                    .iter()
                    .position(|f| visible(&f) && f.aliases.iter().any(|a| lower.contains(a)))
            })
            .or_else(|| {
                self.fields
                    .iter()
                    .position(|f| visible(&f) && f.key.contains('_') && word(f.key))
            })
            .or_else(|| {
                self.fields
                    .iter()
                    .position(|f| visible(&f) && lower.contains(&f.label.to_lowercase()))
            });
        match found {
            Some(i) => {
                self.fields[i].error = Some(message.to_string());
                self.focus = i;
            }
            None => self.error = Some(message.to_string()),
        }
    }

    fn step(&mut self, forward: bool) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        let mut i = self.focus;
        for _ in 0..n {
            i = if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            if !self.fields[i].hidden {
                self.focus = i;
                return;
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> FormKey {
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.step(true),
            KeyCode::BackTab | KeyCode::Up => self.step(false),
            KeyCode::Enter => return FormKey::Submit,
            _ => {
                let Some(f) = self.fields.get_mut(self.focus) else {
                    return FormKey::Ignored;
                };
                let used = match &mut f.kind {
                    Kind::Toggle(on) if matches!(key.code, KeyCode::Char(' ')) => {
                        *on = !*on;
                        true
                    }
                    Kind::Choice(options, i) => match key.code {
                        KeyCode::Right | KeyCode::Char(' ') => {
                            *i = (*i + 1) % options.len().max(1);
                            true
                        }
                        KeyCode::Left => {
                            *i = (*i + options.len().max(1) - 1) % options.len().max(1);
                            true
                        }
                        _ => false,
                    },
                    Kind::Text | Kind::Password => f.input.key(key),
                    Kind::Toggle(_) => false,
                };
                if !used {
                    return FormKey::Ignored;
                }
                f.error = None;
            }
        }
        FormKey::Consumed
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self.fields.get_mut(self.focus)
            && f.is_text()
        {
            f.input.insert_str(text);
        }
    }

    /// Draws the fields under their section headers, scrolled so the focused
    /// one is visible.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, active: bool) {
        let label_w = self
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        let value_w = (area.width as usize).saturating_sub(label_w + 3);
        let mut lines: Vec<Line> = Vec::new();
        let mut focus_line = 0;
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("! {e}"), theme.error())));
        }
        let mut section = "";
        for (i, f) in self.fields.iter().enumerate() {
            if f.hidden {
                continue;
            }
            if f.section != section && !f.section.is_empty() {
                section = f.section;
                lines.push(Line::from(Span::styled(
                    format!("── {section} "),
                    theme.title(),
                )));
            }
            let focused = active && i == self.focus;
            if focused {
                focus_line = lines.len();
            }
            let marker = if focused { "›" } else { " " };
            let mut spans = vec![Span::styled(
                format!("{marker}{:<label_w$}", f.label),
                if focused {
                    theme.focus()
                } else {
                    theme.title()
                },
            )];
            match &f.kind {
                Kind::Text | Kind::Password => spans.extend(f.input.spans(focused, value_w, theme)),
                Kind::Toggle(on) => spans.push(Span::styled(
                    if *on { "[x] yes" } else { "[ ] no" },
                    if focused {
                        theme.selected()
                    } else {
                        Default::default()
                    },
                )),
                Kind::Choice(options, at) => {
                    for (j, o) in options.iter().enumerate() {
                        let style = if j == *at {
                            if focused {
                                theme.selected()
                            } else {
                                theme.title()
                            }
                        } else {
                            theme.muted()
                        };
                        spans.push(Span::styled(format!(" {o} "), style));
                    }
                }
            }
            lines.push(Line::from(spans));
            if let Some(e) = &f.error {
                // Wrapped under the value, so a long sentence stays beside its field.
                let indent = label_w + 1;
                let room = (area.width as usize).saturating_sub(indent + 2).max(10);
                for (j, part) in wrap(e, room).into_iter().enumerate() {
                    let mark = if j == 0 { "! " } else { "  " };
                    lines.push(Line::from(Span::styled(
                        format!("{:indent$}{mark}{part}", ""),
                        theme.error(),
                    )));
                }
            }
        }
        let height = area.height as usize;
        let scroll = focus_line.saturating_sub(height.saturating_sub(2));
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .scroll((scroll as u16, 0)),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn form() -> Form {
        Form::new(vec![
            Field::text("name", "Name", "Basic"),
            Field::text("host", "Host", "Basic"),
            Field::text("database", "Database", "Basic").aliases(&["sqlite file"]),
            Field::text("cache_ttl", "Cache TTL (s)", "Caching"),
        ])
    }

    #[test]
    fn a_server_message_lands_on_the_field_it_names() {
        let mut f = form();
        f.place_error("SQLite file '/x.db' does not exist");
        assert_eq!(
            f.field("database").and_then(|x| x.error.as_deref()),
            Some("SQLite file '/x.db' does not exist")
        );
        assert_eq!(f.focus, 2);
        f.clear_errors();
        f.place_error("'config.cache_ttl' must be a number");
        assert!(f.field("cache_ttl").is_some_and(|x| x.error.is_some()));
        f.clear_errors();
        f.place_error("the server is having a bad day");
        assert_eq!(f.error.as_deref(), Some("the server is having a bad day"));
    }

    #[test]
    fn an_alias_wins_over_a_label_the_sentence_also_contains() {
        let mut f = Form::new(vec![
            Field::text("name", "Name", "Basic"),
            Field::text("host", "Host", "Basic").aliases(&["host name"]),
        ]);
        f.place_error("check the host name: it does not resolve");
        assert!(f.field("host").is_some_and(|x| x.error.is_some()));
        assert!(f.field("name").is_some_and(|x| x.error.is_none()));
    }

    #[test]
    fn tab_skips_hidden_fields_and_wraps() {
        let mut f = form();
        f.set_hidden("host", true);
        f.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        assert_eq!(f.focused().map(|x| x.key), Some("database"));
        f.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        f.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(f.focused().map(|x| x.key), Some("cache_ttl"));
    }
}
