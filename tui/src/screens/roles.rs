//! Roles: every role with whether it is active, how many rules it has and the
//! services those rules reach; `n` opens the rules editor on a new role, `e` or
//! Enter on the selected one, `d` deletes after a y/n question.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::rule_editor::RuleEditor;
use crate::strings::roles as s;
use crate::widgets::list::List;
use crate::widgets::popup::Confirm;
use crate::wire::{Resources, Role};

const LIST: Tag = Tag(1);
const DELETE: Tag = Tag(2);

pub struct Roles {
    /// None until the first answer; the error's sentence if the list failed.
    pub roles: Option<Result<Vec<Role>, String>>,
    pub list: List,
    /// The role a `d` asks about, until y or another key.
    pub confirm: Option<(Role, Confirm)>,
    /// A refused delete, shown above the list until the next key.
    pub error: Option<String>,
}

impl Default for Roles {
    fn default() -> Self {
        Roles {
            roles: None,
            list: List::new(
                vec![s::COL_NAME, s::COL_ACTIVE, s::COL_RULES, s::COL_SERVICES],
                vec![3, 1, 1, 4],
            ),
            confirm: None,
            error: None,
        }
    }
}

/// The distinct services a role's rules name, in the order first named.
pub fn services_of(role: &Role) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &role.access {
        if !out.contains(&r.service) {
            out.push(r.service.clone());
        }
    }
    out
}

impl Roles {
    fn rows(&mut self) {
        let rows = match &self.roles {
            Some(Ok(roles)) => roles
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        if r.is_active { s::YES } else { s::NO }.to_string(),
                        r.access.len().to_string(),
                        services_of(r).join(", "),
                    ]
                })
                .collect(),
            _ => Vec::new(),
        };
        self.list.set_rows(rows);
    }

    pub fn selected(&self) -> Option<&Role> {
        match &self.roles {
            Some(Ok(list)) => self.list.selected().and_then(|i| list.get(i)),
            _ => None,
        }
    }
}

impl Screen for Roles {
    fn id(&self) -> ScreenId {
        ScreenId::Roles
    }
    fn title(&self) -> String {
        s::TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("n", s::NEW),
            ("e Enter", s::EDIT),
            ("d", s::DELETE),
            ("/", s::FILTER),
            ("↑↓ j k", s::MOVE),
        ]
    }
    fn typing(&self) -> bool {
        self.list.filtering
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(LIST, calls::roles());
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        self.error = None;
        if let Some((role, _)) = self.confirm.take() {
            if key.code == KeyCode::Char('y') {
                cx.call(DELETE, calls::delete_role(role.id));
            }
            return Handled::Consumed;
        }
        if self.list.key(key) {
            return Handled::Consumed;
        }
        match key.code {
            KeyCode::Char('n') => cx.push(RuleEditor::create()),
            KeyCode::Char('e') | KeyCode::Enter => match self.selected() {
                Some(role) => cx.push(RuleEditor::edit(role.clone())),
                None => return Handled::Ignored,
            },
            KeyCode::Char('d') => match self.selected() {
                Some(role) => {
                    let question = s::confirm_delete(&role.name);
                    self.confirm = Some((role.clone(), Confirm { question }));
                }
                None => return Handled::Ignored,
            },
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            LIST => match decode::<Resources<Role>>(answer) {
                Ok(list) => self.roles = Some(Ok(list.resource)),
                Err(ClientError::Cancelled) => {}
                Err(e) => self.roles = Some(Err(e.to_string())),
            },
            DELETE => match answer {
                Ok(v) => {
                    let name = v.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                    cx.notice(s::deleted(name));
                    cx.call(LIST, calls::roles());
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
        let message = match (&self.error, &self.roles) {
            (Some(e), _) | (None, Some(Err(e))) => Some(e.as_str()),
            _ => None,
        };
        let empty = match &self.roles {
            Some(Ok(_)) => s::EMPTY,
            None => s::LOADING,
            _ => "",
        };
        self.list.draw_with_message(frame, area, t, message, empty);
        if let Some((_, c)) = &self.confirm {
            c.draw(frame, area, t);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
