//! A one-line text input: typing, the cursor keys, Backspace/Delete, Home/End,
//! Ctrl-U to clear; a masked one shows `•` for each character.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Span;

use crate::theme::Theme;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    value: String,
    /// In characters, not bytes.
    cursor: usize,
    pub masked: bool,
}

impl Input {
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        let cursor = value.chars().count();
        Input {
            value,
            cursor,
            masked: false,
        }
    }

    pub fn masked(mut self) -> Self {
        self.masked = true;
        self
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn set(&mut self, value: impl Into<String>) {
        self.value = value.into();
        self.cursor = self.value.chars().count();
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.value
            .char_indices()
            .nth(chars)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Inserts pasted text at the cursor in one piece (a long paste costs one
    /// copy, not one scan per character); control characters such as line
    /// breaks are dropped, since the input is one line.
    pub fn insert_str(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        let at = self.byte_at(self.cursor);
        self.value.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    /// Applies an editing key; false if the key is not one an input uses.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.value.clear();
                self.cursor = 0;
            }
            KeyCode::Char(c) if !ctrl => {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Backspace => {}
            KeyCode::Delete if self.cursor < self.value.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.value.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.value.chars().count(),
            _ => return false,
        }
        true
    }

    /// The text as shown (masked or not), with the cursor drawn when focused.
    /// Long values show their end, where the cursor usually is.
    pub fn spans(&self, focused: bool, width: usize, theme: &Theme) -> Vec<Span<'static>> {
        let shown: Vec<char> = if self.masked {
            self.value.chars().map(|_| '•').collect()
        } else {
            self.value.chars().collect()
        };
        let width = width.max(2);
        let start = if focused && self.cursor + 1 > width {
            self.cursor + 1 - width
        } else {
            0
        };
        let end = (start + width).min(shown.len());
        let text: String = shown
            .get(start..end)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        if !focused {
            return vec![Span::raw(text)];
        }
        let rel = self.cursor - start;
        let before: String = text.chars().take(rel).collect();
        let at: String = text.chars().nth(rel).map_or(" ".into(), |c| c.to_string());
        let after: String = text.chars().skip(rel + 1).collect();
        vec![
            Span::styled(before, theme.focus()),
            Span::styled(at, theme.selected()),
            Span::styled(after, theme.focus()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_in_characters_not_bytes() {
        let mut i = Input::new("né");
        assert!(i.key(k(KeyCode::Left)));
        assert!(i.key(k(KeyCode::Char('x'))));
        assert_eq!(i.value(), "nxé");
        assert!(i.key(k(KeyCode::End)));
        assert!(i.key(k(KeyCode::Backspace)));
        assert_eq!(i.value(), "nx");
        assert!(!i.key(k(KeyCode::Enter)));
    }

    #[test]
    fn a_paste_lands_at_the_cursor_without_its_line_breaks() {
        let mut i = Input::new("ac");
        i.key(k(KeyCode::Left));
        i.insert_str("b\nß");
        assert_eq!(i.value(), "abßc");
        assert!(i.key(k(KeyCode::Char('!'))));
        assert_eq!(i.value(), "abß!c");
    }

    #[test]
    fn a_masked_input_never_shows_its_text() {
        let i = Input::new("secret").masked();
        let shown: String = i
            .spans(false, 20, &Theme::plain())
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(shown, "••••••");
    }
}
