//! The audit log, newest first, a page at a time (PgDn older, PgUp newer).
//! `/` opens a filter that the server applies (`filter=`, the data API's
//! grammar over id, at, actor, action, object_type and object); a filter it
//! refuses (400, with the position of the problem) is shown under the input,
//! which stays open to be fixed.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::admins::when;
use crate::screens::rule_editor::error_position;
use crate::strings::audit as s;
use crate::widgets::input::Input;
use crate::widgets::list::List;
use crate::widgets::text::wrap;
use crate::wire::{AuditEntry, Resources};

const LIST: Tag = Tag(1);

/// Entries per page.
pub const PAGE: u32 = 50;

pub struct Audit {
    pub entries: Option<Result<Vec<AuditEntry>, String>>,
    pub list: List,
    /// Entries skipped: the page shown starts after them.
    pub offset: u32,
    pub filter: Input,
    /// The filter the page shown was read with.
    pub applied: String,
    /// True while the filter input has the focus.
    pub editing: bool,
    /// The server's refusal of the filter.
    pub filter_error: Option<String>,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            entries: None,
            list: List::new(
                vec![
                    s::COL_WHEN,
                    s::COL_WHO,
                    s::COL_ACTION,
                    s::COL_TYPE,
                    s::COL_OBJECT,
                ],
                vec![5, 5, 2, 2, 4],
            ),
            offset: 0,
            filter: Input::default(),
            applied: String::new(),
            editing: false,
            filter_error: None,
        }
    }
}

impl Audit {
    fn load(&self, cx: &mut Cx) {
        cx.call(LIST, calls::audit(PAGE, self.offset, &self.applied));
    }

    fn rows(&mut self) {
        let rows = match &self.entries {
            Some(Ok(entries)) => entries
                .iter()
                .map(|e| {
                    vec![
                        when(&e.at),
                        e.actor.clone(),
                        e.action.clone(),
                        e.object_type.clone(),
                        e.object.clone(),
                    ]
                })
                .collect(),
            _ => Vec::new(),
        };
        self.list.set_rows(rows);
    }

    pub fn selected(&self) -> Option<&AuditEntry> {
        match &self.entries {
            Some(Ok(list)) => self.list.selected().and_then(|i| list.get(i)),
            _ => None,
        }
    }

    fn count(&self) -> usize {
        match &self.entries {
            Some(Ok(list)) => list.len(),
            _ => 0,
        }
    }
}

impl Screen for Audit {
    fn id(&self) -> ScreenId {
        ScreenId::Audit
    }
    fn title(&self) -> String {
        s::TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("PgDn", s::NEXT),
            ("PgUp", s::PREV),
            ("/", s::SET_FILTER),
            ("↑↓ j k", s::MOVE),
        ]
    }
    fn typing(&self) -> bool {
        self.editing
    }
    fn enter(&mut self, cx: &mut Cx) {
        self.load(cx);
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        if self.editing {
            match key.code {
                KeyCode::Enter => {
                    self.applied = self.filter.value().trim().to_string();
                    self.offset = 0;
                    self.filter_error = None;
                    self.load(cx);
                }
                KeyCode::Esc => {
                    self.editing = false;
                    self.filter_error = None;
                    self.filter.set(self.applied.clone());
                }
                _ => {
                    if !self.filter.key(key) {
                        return Handled::Ignored;
                    }
                }
            }
            return Handled::Consumed;
        }
        match key.code {
            KeyCode::Char('/') => self.editing = true,
            KeyCode::PageDown => {
                if self.count() < PAGE as usize {
                    cx.notice(s::LAST_PAGE);
                } else {
                    self.offset += PAGE;
                    self.load(cx);
                }
            }
            KeyCode::PageUp => {
                if self.offset == 0 {
                    cx.notice(s::FIRST_PAGE);
                } else {
                    self.offset = self.offset.saturating_sub(PAGE);
                    self.load(cx);
                }
            }
            _ => {
                return if self.list.key(key) {
                    Handled::Consumed
                } else {
                    Handled::Ignored
                };
            }
        }
        Handled::Consumed
    }
    fn paste(&mut self, text: &str) {
        if self.editing {
            self.filter.insert_str(text);
        }
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, _cx: &mut Cx) {
        if tag != LIST {
            return;
        }
        match decode::<Resources<AuditEntry>>(answer) {
            Ok(list) => {
                self.entries = Some(Ok(list.resource));
                self.editing = false;
                self.filter_error = None;
                self.rows();
                self.list.select(0);
            }
            Err(ClientError::Cancelled) => {}
            Err(ClientError::Api {
                status: 400,
                message,
                ..
            }) if !self.applied.is_empty() => {
                self.filter_error = Some(message);
                self.editing = true;
            }
            Err(e) => self.entries = Some(Err(e.to_string())),
        }
        self.rows();
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let width = area.width as usize;
        let mut top: Vec<Line> = Vec::new();
        if self.editing || !self.applied.is_empty() {
            let mut spans = vec![Span::styled(format!("/{} ", s::FILTER), t.key())];
            spans.extend(self.filter.spans(
                self.editing,
                width.saturating_sub(s::FILTER.len() + 3),
                t,
            ));
            top.push(Line::from(spans));
        }
        if let Some(e) = &self.filter_error {
            let prefix = s::FILTER.chars().count() + 2;
            if let Some(at) = error_position(e)
                && self.filter.value() == self.applied
                && prefix + at < width
            {
                top.push(Line::from(Span::styled(
                    format!("{:w$}^", "", w = prefix + at),
                    t.error(),
                )));
            }
            for l in wrap(&format!("! {e}"), width.saturating_sub(1)) {
                top.push(Line::from(Span::styled(l, t.error())));
            }
        }
        if self.editing {
            for l in wrap(s::FILTER_HINT, width.saturating_sub(1)) {
                top.push(Line::from(Span::styled(l, t.muted())));
            }
            top.push(Line::from(Span::styled(s::FILTER_KEYS, t.muted())));
        }
        if let Some(Err(e)) = &self.entries {
            for l in wrap(&format!("! {e}"), width.saturating_sub(1)) {
                top.push(Line::from(Span::styled(l, t.error())));
            }
        }
        let n = self.count() as u32;
        if n > 0 {
            top.push(Line::from(Span::styled(
                s::page(self.offset + 1, self.offset + n),
                t.muted(),
            )));
        }
        let detail = self
            .selected()
            .filter(|e| !e.detail.is_null())
            .map(|e| format!("{}: {}", s::DETAIL, e.detail));
        let detail_lines = detail
            .as_deref()
            .map(|d| wrap(d, width.saturating_sub(1)))
            .unwrap_or_default();
        let detail_h = detail_lines.len().min(3) as u16;
        let [head, list, foot] = Layout::vertical([
            Constraint::Length(top.len() as u16),
            Constraint::Min(1),
            Constraint::Length(detail_h),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(top), head);
        let empty = match &self.entries {
            Some(Ok(_)) if self.applied.is_empty() => s::EMPTY,
            Some(Ok(_)) => s::EMPTY_FILTERED,
            None => s::LOADING,
            _ => "",
        };
        self.list.draw(frame, list, t, empty);
        frame.render_widget(
            Paragraph::new(
                detail_lines
                    .into_iter()
                    .take(3)
                    .map(|l| Line::from(Span::styled(l, t.muted())))
                    .collect::<Vec<_>>(),
            ),
            foot,
        );
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
