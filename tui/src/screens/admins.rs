//! Admins: the people who may do everything. `n` adds one (email and a masked
//! password), `d` deletes after a y/n question. The server refuses to delete
//! the last admin (409, with why); that sentence is shown above the list.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::apps::draw_form;
use crate::strings::admins as s;
use crate::widgets::form::{Field, Form, FormKey};
use crate::widgets::list::List;
use crate::widgets::popup::Confirm;
use crate::wire::{Admin, AdminBody, Resources};

const LIST: Tag = Tag(1);
const CREATE: Tag = Tag(2);
const DELETE: Tag = Tag(3);

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    None,
    Form(Form),
    Delete(Admin),
}

pub struct Admins {
    pub admins: Option<Result<Vec<Admin>, String>>,
    pub list: List,
    pub popup: Popup,
    /// A refused delete, shown above the list until the next key.
    pub error: Option<String>,
}

impl Default for Admins {
    fn default() -> Self {
        Admins {
            admins: None,
            list: List::new(vec![s::COL_EMAIL, s::COL_CREATED], vec![3, 2]),
            popup: Popup::None,
            error: None,
        }
    }
}

/// `2026-12-06T21:06:31.34Z` → `2026-12-06 21:06:31`: the second is enough.
pub fn when(at: &str) -> String {
    at.chars()
        .take(19)
        .map(|c| if c == 'T' { ' ' } else { c })
        .collect()
}

fn new_form() -> Form {
    Form::new(vec![
        Field::text("email", s::EMAIL, "").aliases(&["email"]),
        Field::password("password", s::PASSWORD, "").aliases(&["password"]),
    ])
}

impl Admins {
    fn rows(&mut self) {
        let rows = match &self.admins {
            Some(Ok(admins)) => admins
                .iter()
                .map(|a| vec![a.email.clone(), when(&a.created_at)])
                .collect(),
            _ => Vec::new(),
        };
        self.list.set_rows(rows);
    }

    pub fn selected(&self) -> Option<&Admin> {
        match &self.admins {
            Some(Ok(list)) => self.list.selected().and_then(|i| list.get(i)),
            _ => None,
        }
    }

    fn submit(form: &mut Form, cx: &mut Cx) {
        form.clear_errors();
        let email = form.text("email").to_string();
        let password = form
            .field("password")
            .map_or(String::new(), |f| f.input.value().to_string());
        if email.is_empty() {
            form.set_error("email", s::NEED_EMAIL);
        }
        if password.is_empty() {
            form.set_error("password", s::NEED_PASSWORD);
        }
        if let Some(i) = form.fields.iter().position(|f| f.error.is_some()) {
            form.focus = i;
            return;
        }
        cx.call(CREATE, calls::create_admin(&AdminBody { email, password }));
    }
}

impl Screen for Admins {
    fn id(&self) -> ScreenId {
        ScreenId::Admins
    }
    fn title(&self) -> String {
        s::TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![("n", s::NEW), ("d", s::DELETE), ("/", s::FILTER)]
    }
    fn typing(&self) -> bool {
        match &self.popup {
            Popup::Form(f) => f.typing(),
            Popup::None => self.list.filtering,
            Popup::Delete(_) => false,
        }
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(LIST, calls::admins());
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        self.error = None;
        match std::mem::replace(&mut self.popup, Popup::None) {
            Popup::None => {}
            Popup::Delete(admin) => {
                if key.code == KeyCode::Char('y') {
                    cx.call(DELETE, calls::delete_admin(admin.id));
                }
                return Handled::Consumed;
            }
            Popup::Form(mut form) => {
                if key.code == KeyCode::Esc {
                    return Handled::Consumed;
                }
                if form.key(key) == FormKey::Submit {
                    Admins::submit(&mut form, cx);
                }
                self.popup = Popup::Form(form);
                return Handled::Consumed;
            }
        }
        if self.list.key(key) {
            return Handled::Consumed;
        }
        match key.code {
            KeyCode::Char('n') => self.popup = Popup::Form(new_form()),
            KeyCode::Char('d') => match self.selected() {
                Some(a) => self.popup = Popup::Delete(a.clone()),
                None => return Handled::Ignored,
            },
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn paste(&mut self, text: &str) {
        if let Popup::Form(f) = &mut self.popup {
            f.paste(text);
        }
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            LIST => match decode::<Resources<Admin>>(answer) {
                Ok(list) => self.admins = Some(Ok(list.resource)),
                Err(ClientError::Cancelled) => {}
                Err(e) => self.admins = Some(Err(e.to_string())),
            },
            CREATE => match decode::<Admin>(answer) {
                Ok(a) => {
                    self.popup = Popup::None;
                    cx.notice(s::added(&a.email));
                    cx.call(LIST, calls::admins());
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => match &mut self.popup {
                    Popup::Form(f) => f.place_error(&e.to_string()),
                    _ => self.error = Some(e.to_string()),
                },
            },
            DELETE => match answer {
                Ok(v) => {
                    let email = v.get("email").and_then(|n| n.as_str()).unwrap_or_default();
                    cx.notice(s::deleted(email));
                    cx.call(LIST, calls::admins());
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
        let message = match (&self.error, &self.admins) {
            (Some(e), _) | (None, Some(Err(e))) => Some(e.as_str()),
            _ => None,
        };
        let empty = match &self.admins {
            Some(Ok(_)) => s::EMPTY,
            None => s::LOADING,
            _ => "",
        };
        self.list.draw_with_message(frame, area, t, message, empty);
        match &self.popup {
            Popup::None => {}
            Popup::Form(f) => draw_form(frame, area, s::FORM_TITLE, f, s::FORM_HINT, ui),
            Popup::Delete(a) => Confirm {
                question: s::confirm_delete(&a.email),
            }
            .draw(frame, area, t),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
