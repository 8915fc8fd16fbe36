//! Apps & keys: every app with its role, whether it is active, the first
//! characters of its key and its rate limit. `n` makes one; its key (and a
//! rotated one, `o`) is shown once in a popup that says so, whole on one line
//! so it can be read off the screen or selected, and `c` copies it (OSC 52).
//! Closing the popup forgets the key: the screen keeps no copy of it.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::strings::apps as s;
use crate::theme::Theme;
use crate::widgets::form::{Field, Form, FormKey};
use crate::widgets::list::List;
use crate::widgets::popup::{self, Confirm};
use crate::widgets::text::wrap;
use crate::wire::{App, AppBody, AppWithKey, Resources, Role};

const LIST: Tag = Tag(1);
const ROLES: Tag = Tag(2);
const CREATE: Tag = Tag(3);
const ROTATE: Tag = Tag(4);
const PATCH: Tag = Tag(5);
const DELETE: Tag = Tag(6);

/// The highest rate limit the server takes (`MAX_RATE_LIMIT` there).
const MAX_RATE: i64 = 1_000_000;

/// A key just issued, until the popup closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShown {
    pub app: String,
    pub key: String,
    pub rotated: bool,
}

/// The create form: name, description, role (chosen among the roles, not
/// typed) and rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppForm {
    pub form: Form,
    /// None until `GET /role` answers.
    pub roles: Option<Vec<String>>,
    /// 0 is no role; `k` is `roles[k - 1]`.
    pub role: usize,
}

impl AppForm {
    fn new() -> Self {
        let mut form = Form::new(vec![
            Field::text("name", s::NAME, s::SECTION),
            Field::text("description", s::DESCRIPTION, s::SECTION),
            Field::text("role", s::ROLE, s::SECTION).value(s::ROLES_LOADING),
            Field::text("rate_limit_per_minute", s::RATE, s::SECTION).aliases(&["rate limit"]),
        ]);
        form.focus = 0;
        AppForm {
            form,
            roles: None,
            role: 0,
        }
    }

    pub fn role_name(&self) -> Option<&str> {
        self.role
            .checked_sub(1)
            .and_then(|k| self.roles.as_ref()?.get(k))
            .map(String::as_str)
    }

    fn show_role(&mut self) {
        let shown = match (&self.roles, self.role_name()) {
            (None, _) => s::ROLES_LOADING.to_string(),
            (Some(_), Some(name)) => name.to_string(),
            (Some(_), None) => s::NO_ROLE.to_string(),
        };
        self.form.set_text("role", shown);
    }

    fn on_role(&self) -> bool {
        self.form.focused().is_some_and(|f| f.key == "role")
    }

    /// ←/→/Space choose among the roles; a letter jumps to the next role
    /// starting with it.
    fn role_key(&mut self, key: KeyEvent) -> bool {
        let n = self.roles.as_ref().map_or(0, Vec::len) + 1;
        match key.code {
            KeyCode::Right | KeyCode::Char(' ') => self.role = (self.role + 1) % n,
            KeyCode::Left => self.role = (self.role + n - 1) % n,
            KeyCode::Char(ch) => {
                let roles = self.roles.clone().unwrap_or_default();
                let after = (1..=roles.len())
                    .map(|k| (self.role + k - 1) % roles.len().max(1))
                    .find(|&k| {
                        roles
                            .get(k)
                            .is_some_and(|r| r.to_lowercase().starts_with(ch.to_ascii_lowercase()))
                    });
                if let Some(k) = after {
                    self.role = k + 1;
                }
            }
            KeyCode::Backspace | KeyCode::Delete => self.role = 0,
            _ => return false,
        }
        if let Some(f) = self.form.field_mut("role") {
            f.error = None;
        }
        self.show_role();
        true
    }

    /// The body, or false with the problems on their fields.
    fn body(&mut self) -> Option<AppBody> {
        self.form.clear_errors();
        let name = self.form.text("name").to_string();
        if name.is_empty() {
            self.form.set_error("name", s::NEED_NAME);
        }
        let rate = self.form.text("rate_limit_per_minute").to_string();
        let rate = if rate.is_empty() {
            None
        } else {
            match rate.parse::<i64>() {
                Ok(n) if (1..=MAX_RATE).contains(&n) => Some(n),
                _ => {
                    self.form.set_error("rate_limit_per_minute", s::BAD_RATE);
                    None
                }
            }
        };
        if let Some(i) = self.form.fields.iter().position(|f| f.error.is_some()) {
            self.form.focus = i;
            return None;
        }
        Some(AppBody {
            name: Some(name),
            description: Some(self.form.text("description").to_string()),
            role: self.role_name().map(str::to_string),
            is_active: None,
            rate_limit_per_minute: rate,
        })
    }
}

/// What is over the list, taking keys first.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    None,
    Form(AppForm),
    Key(KeyShown),
    Delete(App),
    Rotate(App),
}

pub struct Apps {
    pub apps: Option<Result<Vec<App>, String>>,
    pub list: List,
    pub popup: Popup,
    /// A refused change, shown above the list until the next key.
    pub error: Option<String>,
}

impl Default for Apps {
    fn default() -> Self {
        Apps {
            apps: None,
            list: List::new(
                vec![
                    s::COL_NAME,
                    s::COL_ROLE,
                    s::COL_ACTIVE,
                    s::COL_KEY,
                    s::COL_RATE,
                ],
                vec![3, 3, 1, 2, 2],
            ),
            popup: Popup::None,
            error: None,
        }
    }
}

impl Apps {
    fn rows(&mut self) {
        let rows = match &self.apps {
            Some(Ok(apps)) => apps
                .iter()
                .map(|a| {
                    vec![
                        a.name.clone(),
                        a.role.clone().unwrap_or_else(|| s::NO_ROLE.into()),
                        if a.is_active { s::YES } else { s::NO }.to_string(),
                        format!("{}…", a.api_key_prefix),
                        a.rate_limit_per_minute
                            .map_or_else(|| s::NO_LIMIT.to_string(), s::per_minute),
                    ]
                })
                .collect(),
            _ => Vec::new(),
        };
        self.list.set_rows(rows);
    }

    pub fn selected(&self) -> Option<&App> {
        match &self.apps {
            Some(Ok(list)) => self.list.selected().and_then(|i| list.get(i)),
            _ => None,
        }
    }

    /// The key on show, if any (tests check it is gone once closed).
    pub fn shown_key(&self) -> Option<&str> {
        match &self.popup {
            Popup::Key(k) => Some(&k.key),
            _ => None,
        }
    }

    fn popup_key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        let popup = std::mem::replace(&mut self.popup, Popup::None);
        match popup {
            Popup::None => return Handled::Ignored,
            Popup::Key(shown) => match key.code {
                KeyCode::Char('c') => {
                    cx.copy(shown.key.clone());
                    self.popup = Popup::Key(shown);
                }
                KeyCode::Enter | KeyCode::Esc => {
                    // `shown` is dropped here: the key is forgotten.
                    cx.call(LIST, calls::apps());
                }
                // Nothing else closes it: a stray q must not lose the key.
                _ => self.popup = Popup::Key(shown),
            },
            Popup::Delete(app) => {
                if key.code == KeyCode::Char('y') {
                    cx.call(DELETE, calls::delete_app(app.id));
                }
            }
            Popup::Rotate(app) => {
                if key.code == KeyCode::Char('y') {
                    cx.call(ROTATE, calls::rotate_app(app.id));
                }
            }
            Popup::Form(mut f) => {
                if key.code == KeyCode::Esc {
                    return Handled::Consumed;
                }
                if f.on_role() && f.role_key(key) {
                    self.popup = Popup::Form(f);
                    return Handled::Consumed;
                }
                match f.form.key(key) {
                    FormKey::Submit => {
                        if let Some(body) = f.body() {
                            cx.call(CREATE, calls::create_app(&body));
                        }
                    }
                    FormKey::Consumed | FormKey::Ignored => {}
                }
                self.popup = Popup::Form(f);
            }
        }
        Handled::Consumed
    }
}

impl Screen for Apps {
    fn id(&self) -> ScreenId {
        ScreenId::Apps
    }
    fn title(&self) -> String {
        s::TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("n", s::NEW),
            ("o", s::ROTATE),
            ("x", s::TOGGLE),
            ("d", s::DELETE),
            ("/", s::FILTER),
        ]
    }
    fn typing(&self) -> bool {
        match &self.popup {
            Popup::Form(f) => f.form.typing() && !f.on_role(),
            Popup::None => self.list.filtering,
            _ => false,
        }
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(LIST, calls::apps());
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        self.error = None;
        if self.popup != Popup::None {
            return self.popup_key(key, cx);
        }
        if self.list.key(key) {
            return Handled::Consumed;
        }
        let Some(app) = self.selected().cloned() else {
            if key.code == KeyCode::Char('n') {
                self.popup = Popup::Form(AppForm::new());
                cx.call(ROLES, calls::roles());
                return Handled::Consumed;
            }
            return Handled::Ignored;
        };
        match key.code {
            KeyCode::Char('n') => {
                self.popup = Popup::Form(AppForm::new());
                cx.call(ROLES, calls::roles());
            }
            KeyCode::Char('o') => self.popup = Popup::Rotate(app),
            KeyCode::Char('d') => self.popup = Popup::Delete(app),
            KeyCode::Char('x') => cx.call(
                PATCH,
                calls::patch_app(
                    app.id,
                    &AppBody {
                        is_active: Some(!app.is_active),
                        ..AppBody::default()
                    },
                ),
            ),
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn paste(&mut self, text: &str) {
        if let Popup::Form(f) = &mut self.popup
            && !f.on_role()
        {
            f.form.paste(text);
        }
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            LIST => match decode::<Resources<App>>(answer) {
                Ok(list) => self.apps = Some(Ok(list.resource)),
                Err(ClientError::Cancelled) => {}
                Err(e) => self.apps = Some(Err(e.to_string())),
            },
            ROLES => {
                if let Popup::Form(f) = &mut self.popup {
                    match decode::<Resources<Role>>(answer) {
                        Ok(list) => {
                            f.roles = Some(list.resource.into_iter().map(|r| r.name).collect());
                            f.role = 0;
                        }
                        Err(ClientError::Cancelled) => f.roles = Some(Vec::new()),
                        Err(e) => {
                            f.roles = Some(Vec::new());
                            f.form.set_error("role", e.to_string());
                        }
                    }
                    f.show_role();
                }
            }
            CREATE | ROTATE => match decode::<AppWithKey>(answer) {
                Ok(a) => {
                    self.popup = Popup::Key(KeyShown {
                        app: a.app.name,
                        key: a.api_key,
                        rotated: tag == ROTATE,
                    });
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => match &mut self.popup {
                    Popup::Form(f) => f.form.place_error(&e.to_string()),
                    _ => self.error = Some(e.to_string()),
                },
            },
            PATCH => match decode::<App>(answer) {
                Ok(a) => {
                    cx.notice(if a.is_active {
                        s::reactivated(&a.name)
                    } else {
                        s::deactivated(&a.name)
                    });
                    cx.call(LIST, calls::apps());
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.error = Some(e.to_string()),
            },
            DELETE => match answer {
                Ok(v) => {
                    let name = v.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                    cx.notice(s::deleted(name));
                    cx.call(LIST, calls::apps());
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.error = Some(e.to_string()),
            },
            _ => {}
        }
        self.rows();
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let message = match (&self.error, &self.apps) {
            (Some(e), _) | (None, Some(Err(e))) => Some(e.as_str()),
            _ => None,
        };
        let empty = match &self.apps {
            Some(Ok(_)) => s::EMPTY,
            None => s::LOADING,
            _ => "",
        };
        self.list.draw_with_message(frame, area, t, message, empty);
        match &self.popup {
            Popup::None => {}
            Popup::Form(f) => draw_form(frame, area, s::FORM_TITLE, &f.form, s::FORM_HINT, ui),
            Popup::Key(k) => draw_key(frame, area, k, t),
            Popup::Delete(a) => Confirm {
                question: s::confirm_delete(&a.name),
            }
            .draw(frame, area, t),
            Popup::Rotate(a) => {
                let r = popup::centered(area, 64, 6);
                popup::draw(
                    frame,
                    r,
                    s::CONFIRM_TITLE,
                    vec![
                        Line::from(s::confirm_rotate(&a.name)),
                        Line::from(""),
                        Line::from(Span::styled(s::CONFIRM_ROTATE_KEYS, t.key())),
                    ],
                    t,
                );
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A form in a box over the list, with its keys under it.
pub(crate) fn draw_form(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    form: &Form,
    hint: &str,
    ui: &Ui,
) {
    let t = ui.theme;
    // Room for every field and its message (two lines each at most, in a
    // box this wide), the spare line the form keeps under the focus, and
    // the keys line.
    let errors = form.fields.iter().filter(|f| f.error.is_some()).count()
        + usize::from(form.error.is_some());
    let h = (form.fields.len() + errors * 2 + 5) as u16;
    let r = popup::centered(area, 72, h);
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), t.title()));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [fields, _, keys] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    form.draw(frame, fields, t, !ui.busy);
    frame.render_widget(Paragraph::new(Span::styled(hint, t.muted())), keys);
}

/// The key popup: what happened, that it is shown once, the key alone on
/// its line (nothing before it, so a mouse selection takes only the key).
fn draw_key(frame: &mut Frame, area: Rect, k: &KeyShown, t: &Theme) {
    let w = (k.key.chars().count() as u16 + 2).max(70).min(area.width);
    let inner = usize::from(w.saturating_sub(3));
    let said = if k.rotated {
        s::key_rotated(&k.app)
    } else {
        s::key_created(&k.app)
    };
    let mut lines: Vec<Line> = wrap(&said, inner).into_iter().map(Line::from).collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(k.key.clone(), t.title())));
    lines.push(Line::from(""));
    lines.extend(
        wrap(s::KEY_ONCE, inner)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.warn()))),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(s::KEY_KEYS, t.key())));
    let r = popup::centered(area, w, lines.len() as u16 + 2);
    popup::draw(frame, r, s::KEY_TITLE, lines, t);
}
