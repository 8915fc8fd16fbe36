//! Home: whether the server answers, and each service with what it still lacks
//! before an app can call it (`next_steps`).

use std::any::Any;
use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::{guide::Guide, service_detail::ServiceDetail, service_form::ServiceForm};
use crate::strings::home as s;
use crate::widgets::list::List;
use crate::wire::{NextSteps, Resources, Service};

const SERVICES: Tag = Tag(1);
const NEXT_STEPS: Tag = Tag(2);

pub struct Home {
    pub services: Option<Result<Vec<Service>, String>>,
    pub steps: HashMap<String, NextSteps>,
    pub list: List,
}

impl Default for Home {
    fn default() -> Self {
        Home {
            services: None,
            steps: HashMap::new(),
            list: List::new(vec!["Service", "Type", "Status"], vec![2, 1, 5]),
        }
    }
}

impl Home {
    fn rows(&mut self) {
        let rows = match &self.services {
            Some(Ok(services)) => services
                .iter()
                .map(|svc| {
                    let status = match self.steps.get(&svc.name) {
                        None => "…".to_string(),
                        Some(n) if n.ready => s::READY.to_string(),
                        Some(n) => {
                            let lacks: Vec<&str> = n
                                .steps
                                .iter()
                                .filter(|st| !st.done && st.step != "try")
                                .map(|st| st.step.as_str())
                                .collect();
                            format!("needs: {} (g: guided flow)", lacks.join(", "))
                        }
                    };
                    vec![svc.name.clone(), svc.kind.clone(), status]
                })
                .collect(),
            _ => Vec::new(),
        };
        self.list.set_rows(rows);
    }

    fn selected(&self) -> Option<&Service> {
        match &self.services {
            Some(Ok(list)) => self.list.selected().and_then(|i| list.get(i)),
            _ => None,
        }
    }
}

impl Screen for Home {
    fn id(&self) -> ScreenId {
        ScreenId::Home
    }
    fn title(&self) -> String {
        s::TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("s", "services"),
            ("n", "new service"),
            ("Enter", s::OPEN),
            ("g", s::GUIDE),
            ("r", "roles"),
            ("a", "apps & keys"),
            ("d", "admins"),
            ("l", "audit log"),
            ("/", "filter the services"),
        ]
    }
    fn typing(&self) -> bool {
        self.list.filtering
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(SERVICES, calls::services());
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        if self.list.key(key) {
            return Handled::Consumed;
        }
        match key.code {
            KeyCode::Char('s') => cx.jump(ScreenId::Services),
            KeyCode::Char('r') => cx.jump(ScreenId::Roles),
            KeyCode::Char('a') => cx.jump(ScreenId::Apps),
            KeyCode::Char('d') => cx.jump(ScreenId::Admins),
            KeyCode::Char('l') => cx.jump(ScreenId::Audit),
            KeyCode::Char('n') => cx.push(ServiceForm::create()),
            KeyCode::Enter => match self.selected() {
                Some(svc) => cx.push(ServiceDetail::new(&svc.name)),
                None => return Handled::Ignored,
            },
            KeyCode::Char('g') => match self.selected() {
                Some(svc) => cx.push(Guide::new(&svc.name)),
                None => return Handled::Ignored,
            },
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            SERVICES => match decode::<Resources<Service>>(answer) {
                Ok(list) => {
                    for svc in &list.resource {
                        cx.call(NEXT_STEPS, calls::next_steps(&svc.name));
                    }
                    self.services = Some(Ok(list.resource));
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.services = Some(Err(e.to_string())),
            },
            NEXT_STEPS => {
                if let Ok(n) = decode::<NextSteps>(answer) {
                    self.steps.insert(n.service.clone(), n);
                }
            }
            _ => {}
        }
        self.rows();
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let [head, _, list, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        let status = match &self.services {
            Some(Ok(_)) => Line::from(vec![
                Span::styled("● ", t.ok()),
                Span::raw(format!("{} {}", s::REACHABLE, ui.server)),
            ]),
            Some(Err(e)) => Line::from(Span::styled(format!("! {e}"), t.error())),
            None => Line::from(Span::styled(format!("{}…", s::REACHABLE), t.muted())),
        };
        frame.render_widget(Paragraph::new(status), head);
        let empty = match &self.services {
            Some(Ok(_)) => s::NO_SERVICES,
            _ => "",
        };
        self.list.draw(frame, list, t, empty);
        frame.render_widget(Paragraph::new(Span::styled(s::SCREENS, t.muted())), foot);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
