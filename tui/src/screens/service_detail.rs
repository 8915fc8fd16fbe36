//! One service: what it is, where its APIs and their documentation live, the
//! roles whose rules reach it, and a curl line to try it. From here the
//! guided flow, a schema refresh, the edit form and the table browser.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::guide::Guide;
use crate::screens::service_form::ServiceForm;
use crate::screens::table_browser::TableBrowser;
use crate::strings::services as s;
use crate::theme::Theme;
use crate::widgets::text::wrap;
use crate::wire::{RefreshAnswer, Resources, Role, Service};

const SERVICE: Tag = Tag(1);
const ROLES: Tag = Tag(2);
const REFRESH: Tag = Tag(3);

pub struct ServiceDetail {
    pub name: String,
    pub service: Option<Result<Service, String>>,
    /// Only the roles with a rule about this service.
    pub roles: Option<Result<Vec<Role>, String>>,
    /// The last refresh: how many tables, or why it failed.
    pub refreshed: Option<Result<u64, String>>,
}

impl ServiceDetail {
    pub fn new(name: &str) -> Self {
        ServiceDetail {
            name: name.to_string(),
            service: None,
            roles: None,
            refreshed: None,
        }
    }

    /// The REST base URL; the other URLs hang below it.
    pub fn rest_url(&self, server: &str) -> String {
        format!(
            "{}/api/v2/{}",
            server.trim_end_matches('/'),
            calls::seg(&self.name)
        )
    }

    /// The line `c` copies: lists the service's tables with an app's key.
    pub fn curl(&self, server: &str) -> String {
        format!(
            "curl -s -H \"X-Api-Key: $API_KEY\" '{}/_table'",
            self.rest_url(server)
        )
    }

    /// Where the data lives, as the admin would recognise it.
    fn location(svc: &Service) -> String {
        let cfg = &svc.config;
        let db = cfg.database.clone().unwrap_or_default();
        if svc.kind == "sqlite" {
            return db;
        }
        let host = cfg.host.clone().unwrap_or_else(|| "localhost".into());
        match cfg.port {
            Some(p) => format!("{host}:{p}/{db}"),
            None => format!("{host}/{db}"),
        }
    }

    fn lines(&self, ui: &Ui, width: usize) -> Vec<Line<'static>> {
        let t = ui.theme;
        let svc = match &self.service {
            None => return vec![Line::from(Span::styled(s::LOADING_SERVICE, t.muted()))],
            Some(Err(e)) => return vec![Line::from(Span::styled(format!("! {e}"), t.error()))],
            Some(Ok(svc)) => svc,
        };
        let mut out = Vec::new();
        let state = if svc.is_active {
            Span::styled(s::ACTIVE, t.ok())
        } else {
            Span::styled(s::INACTIVE, t.warn())
        };
        let mut head = vec![
            Span::styled(svc.name.clone(), t.title()),
            Span::raw(format!(" · {} · ", svc.kind)),
            state,
        ];
        if !svc.label.is_empty() && svc.label != svc.name {
            head.push(Span::raw(format!(" · {}", svc.label)));
        }
        out.push(Line::from(head));
        if !svc.description.is_empty() {
            out.push(Line::from(Span::styled(svc.description.clone(), t.muted())));
        }
        out.push(Line::from(""));
        let rest = self.rest_url(ui.server);
        let docs = format!("{}/docs", ui.server.trim_end_matches('/'));
        for (label, value) in [
            (s::REST, rest.clone()),
            (s::GRAPHQL, format!("{rest}/graphql")),
            (s::API_DOC, format!("{rest}/_doc")),
            (s::DOCS_PAGE, docs),
            (s::WHERE, Self::location(svc)),
        ] {
            out.push(row(label, value, t));
        }
        match &self.refreshed {
            Some(Ok(n)) => out.push(Line::from(Span::styled(
                format!("{} {n} {}", s::REFRESHED, s::TABLES_WORD),
                t.ok(),
            ))),
            Some(Err(e)) => out.push(Line::from(Span::styled(
                format!("! {} {e}", s::REFRESH_FAILED),
                t.error(),
            ))),
            None => {}
        }
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(s::ROLES_TITLE, t.title())));
        match &self.roles {
            None => out.push(Line::from(Span::styled("  …", t.muted()))),
            Some(Err(e)) => out.push(Line::from(Span::styled(format!("  ! {e}"), t.error()))),
            Some(Ok(roles)) if roles.is_empty() => {
                out.push(Line::from(Span::styled(
                    format!("  {}", s::NO_ROLES),
                    t.muted(),
                )));
            }
            Some(Ok(roles)) => {
                let w = roles
                    .iter()
                    .map(|r| r.name.chars().count())
                    .max()
                    .unwrap_or(0);
                for role in roles {
                    let rules: Vec<String> = role
                        .access
                        .iter()
                        .filter(|a| a.service == self.name)
                        .map(|a| {
                            let mut r = format!("{} {}", a.verbs.join(","), a.component);
                            if let Some(f) = a.filter.as_deref().filter(|f| !f.is_empty()) {
                                r.push_str(&format!(" [{f}]"));
                            }
                            r
                        })
                        .collect();
                    out.push(Line::from(vec![
                        Span::styled(format!("  {:<w$}  ", role.name), t.key()),
                        Span::raw(rules.join("; ")),
                    ]));
                }
            }
        }
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(s::TRY_TITLE, t.title())));
        // Wrapped by hand so the continuation stays indented under it.
        for (i, part) in wrap(&self.curl(ui.server), width.saturating_sub(4))
            .into_iter()
            .enumerate()
        {
            let indent = if i == 0 { "  " } else { "    " };
            out.push(Line::from(format!("{indent}{part}")));
        }
        out
    }
}

fn row(label: &str, value: String, t: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<10} "), t.title()),
        Span::raw(value),
    ])
}

impl Screen for ServiceDetail {
    fn id(&self) -> ScreenId {
        ScreenId::ServiceDetail
    }
    fn title(&self) -> String {
        format!("{} {}", s::DETAIL_TITLE, self.name)
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("g", s::GUIDE),
            ("f", s::REFRESH),
            ("e", s::EDIT),
            ("t", s::TABLES),
            ("c", s::COPY),
        ]
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(SERVICE, calls::service(&self.name));
        cx.call(ROLES, calls::roles());
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        match key.code {
            KeyCode::Char('g') => cx.push(Guide::new(&self.name)),
            KeyCode::Char('f') => {
                self.refreshed = None;
                cx.call(REFRESH, calls::refresh_service(&self.name));
            }
            KeyCode::Char('e') => match &self.service {
                Some(Ok(svc)) => cx.push(ServiceForm::edit(svc.clone())),
                _ => return Handled::Ignored,
            },
            KeyCode::Char('t') => cx.push(TableBrowser::new(&self.name)),
            KeyCode::Char('c') => cx.copy(self.curl(cx.server)),
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, _cx: &mut Cx) {
        match tag {
            SERVICE => match decode::<Service>(answer) {
                Ok(svc) => self.service = Some(Ok(svc)),
                Err(ClientError::Cancelled) => {}
                Err(e) => self.service = Some(Err(e.to_string())),
            },
            ROLES => match decode::<Resources<Role>>(answer) {
                Ok(list) => {
                    let reach: Vec<Role> = list
                        .resource
                        .into_iter()
                        .filter(|r| r.access.iter().any(|a| a.service == self.name))
                        .collect();
                    self.roles = Some(Ok(reach));
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.roles = Some(Err(e.to_string())),
            },
            REFRESH => match decode::<RefreshAnswer>(answer) {
                Ok(a) => self.refreshed = Some(Ok(a.tables)),
                Err(ClientError::Cancelled) => {}
                Err(e) => self.refreshed = Some(Err(e.to_string())),
            },
            _ => {}
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let inner = Rect {
            x: area.x + 1,
            width: area.width.saturating_sub(2),
            ..area
        };
        frame.render_widget(
            Paragraph::new(self.lines(ui, inner.width as usize)).wrap(Wrap { trim: false }),
            inner,
        );
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
