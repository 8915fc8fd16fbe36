//! The services: every one with its type, label and whether it is active,
//! filtered with `/`. From here a service is opened, created, edited (loaded
//! fresh first, so the form starts from what the server holds), deleted after
//! a y/n question, or its tables browsed.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::{
    guide::Guide, service_detail::ServiceDetail, service_form::ServiceForm,
    table_browser::TableBrowser,
};
use crate::strings::services as s;
use crate::widgets::list::List;
use crate::widgets::popup::Confirm;
use crate::wire::{Resources, Service};

const LIST: Tag = Tag(1);
const LOAD_FOR_EDIT: Tag = Tag(2);
const DELETE: Tag = Tag(3);

pub struct Services {
    /// `None` until the first answer.
    pub services: Option<Result<Vec<Service>, String>>,
    pub list: List,
    /// The delete question, with the service it is about.
    pub confirm: Option<(String, Confirm)>,
    /// The last refusal (of a delete or an edit's load).
    pub error: Option<String>,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            services: None,
            list: List::new(
                vec![s::COL_NAME, s::COL_TYPE, s::COL_LABEL, s::COL_ACTIVE],
                vec![3, 2, 4, 1],
            ),
            confirm: None,
            error: None,
        }
    }
}

impl Services {
    fn selected(&self) -> Option<&Service> {
        match &self.services {
            Some(Ok(list)) => self.list.selected().and_then(|i| list.get(i)),
            _ => None,
        }
    }

    fn selected_name(&self) -> Option<String> {
        self.selected().map(|svc| svc.name.clone())
    }

    fn rows(&mut self) {
        let rows = match &self.services {
            Some(Ok(list)) => list
                .iter()
                .map(|svc| {
                    vec![
                        svc.name.clone(),
                        svc.kind.clone(),
                        svc.label.clone(),
                        if svc.is_active { s::YES } else { s::NO }.to_string(),
                    ]
                })
                .collect(),
            _ => Vec::new(),
        };
        self.list.set_rows(rows);
    }

    /// The popup takes every key: `y` deletes, anything else keeps.
    fn confirm_key(&mut self, key: KeyEvent, cx: &mut Cx) {
        if let Some((name, _)) = self.confirm.take()
            && key.code == KeyCode::Char('y')
        {
            cx.call(DELETE, calls::delete_service(&name));
        }
    }
}

impl Screen for Services {
    fn id(&self) -> ScreenId {
        ScreenId::Services
    }
    fn title(&self) -> String {
        s::LIST_TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("Enter", s::OPEN),
            ("n", s::NEW),
            ("e", s::EDIT),
            ("d", s::DELETE),
            ("t", s::TABLES),
            ("g", s::GUIDE),
            ("/", s::FILTER),
            ("↑↓ j k", s::MOVE),
        ]
    }
    fn typing(&self) -> bool {
        self.list.filtering
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(LIST, calls::services());
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        if self.confirm.is_some() {
            self.confirm_key(key, cx);
            return Handled::Consumed;
        }
        if self.list.key(key) {
            return Handled::Consumed;
        }
        if key.code == KeyCode::Char('n') {
            cx.push(ServiceForm::create());
            return Handled::Consumed;
        }
        let Some(name) = self.selected_name() else {
            return Handled::Ignored;
        };
        match key.code {
            KeyCode::Enter => cx.push(ServiceDetail::new(&name)),
            KeyCode::Char('e') => {
                self.error = None;
                cx.call(LOAD_FOR_EDIT, calls::service(&name));
            }
            KeyCode::Char('d') => {
                self.error = None;
                let question = format!("{} '{name}'? {}", s::DELETE_QUESTION, s::DELETE_WARNING);
                self.confirm = Some((name, Confirm { question }));
            }
            KeyCode::Char('t') => cx.push(TableBrowser::new(&name)),
            KeyCode::Char('g') => cx.push(Guide::new(&name)),
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            LIST => match decode::<Resources<Service>>(answer) {
                Ok(list) => {
                    self.services = Some(Ok(list.resource));
                    self.rows();
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.services = Some(Err(e.to_string())),
            },
            LOAD_FOR_EDIT => match decode::<Service>(answer) {
                Ok(svc) => cx.push(ServiceForm::edit(svc)),
                Err(ClientError::Cancelled) => {}
                Err(e) => self.error = Some(e.to_string()),
            },
            DELETE => match answer {
                Ok(_) => {
                    cx.notice(s::DELETED);
                    cx.call(LIST, calls::services());
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.error = Some(e.to_string()),
            },
            _ => {}
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let error_h = u16::from(self.error.is_some());
        let [list, error] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(error_h)]).areas(area);
        match &self.services {
            None => frame.render_widget(
                Paragraph::new(Span::styled(s::LOADING_LIST, t.muted())),
                list,
            ),
            Some(Err(e)) => frame.render_widget(
                Paragraph::new(Line::from(Span::styled(format!("! {e}"), t.error()))),
                list,
            ),
            Some(Ok(all)) => {
                let empty = if all.is_empty() {
                    s::NO_SERVICES
                } else {
                    s::NO_MATCH
                };
                self.list.draw(frame, list, t, empty);
            }
        }
        if let Some(e) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(format!("! {e}"), t.error())),
                error,
            );
        }
        if let Some((_, confirm)) = &self.confirm {
            confirm.draw(frame, area, t);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
