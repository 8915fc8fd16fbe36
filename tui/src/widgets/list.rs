//! A list of rows with a header, one selected, narrowed by `/` and a filter
//! that matches any cell (case-insensitive). ↑/↓ (or k/j), PgUp/PgDn, Home/End.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::input::Input;
use super::text::wrap;
use crate::strings::common as s;
use crate::theme::Theme;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Index into the filtered rows.
    selected: usize,
    pub filter: Input,
    /// True while the filter line takes typed text.
    pub filtering: bool,
    /// Relative widths of the columns.
    pub widths: Vec<u16>,
}

impl List {
    pub fn new(header: Vec<&'static str>, widths: Vec<u16>) -> Self {
        List {
            header,
            widths,
            ..List::default()
        }
    }

    /// Replaces the rows, keeping the selection where it was when possible.
    pub fn set_rows(&mut self, rows: Vec<Vec<String>>) {
        self.rows = rows;
        self.selected = self.selected.min(self.visible().len().saturating_sub(1));
    }

    /// The indexes (into `rows`) of the rows the filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.value().trim().to_lowercase();
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                needle.is_empty() || r.iter().any(|c| c.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The selected row's index into `rows`.
    pub fn selected(&self) -> Option<usize> {
        self.visible().get(self.selected).copied()
    }

    pub fn select(&mut self, row: usize) {
        if let Some(at) = self.visible().iter().position(|&i| i == row) {
            self.selected = at;
        }
    }

    /// Applies a list key; `Ignored` keys are the screen's.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        if self.filtering {
            match key.code {
                KeyCode::Enter | KeyCode::Esc | KeyCode::Tab => self.filtering = false,
                KeyCode::Down => return self.move_by(1),
                KeyCode::Up => return self.move_by(-1),
                _ => {
                    let used = self.filter.key(key);
                    self.selected = 0;
                    return used;
                }
            }
            return true;
        }
        match key.code {
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Down | KeyCode::Char('j') => return self.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => return self.move_by(-1),
            KeyCode::PageDown => return self.move_by(10),
            KeyCode::PageUp => return self.move_by(-10),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = self.visible().len().saturating_sub(1),
            _ => return false,
        }
        true
    }

    fn move_by(&mut self, by: i64) -> bool {
        let n = self.visible().len() as i64;
        if n > 0 {
            self.selected = (self.selected as i64 + by).clamp(0, n - 1) as usize;
        }
        true
    }

    /// Draws the list below `message` (a refusal, wrapped to its height), the
    /// way every list screen shows what went wrong without hiding the rows.
    pub fn draw_with_message(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        message: Option<&str>,
        empty: &str,
    ) {
        let lines: Vec<String> = message
            .map(|m| wrap(&format!("! {m}"), area.width as usize))
            .unwrap_or_default();
        let [head, list] =
            Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Min(1)])
                .areas(area);
        let lines: Vec<Line> = lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.error())))
            .collect();
        frame.render_widget(Paragraph::new(lines), head);
        self.draw(frame, list, theme, empty);
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, empty: &str) {
        let show_filter = self.filtering || !self.filter.value().is_empty();
        let [filter_area, table_area] = Layout::vertical([
            Constraint::Length(u16::from(show_filter)),
            Constraint::Min(1),
        ])
        .areas(area);
        if show_filter {
            let mut spans = vec![Span::styled(format!("/{} ", s::FILTER), theme.key())];
            spans.extend(
                self.filter
                    .spans(self.filtering, area.width as usize, theme),
            );
            frame.render_widget(Paragraph::new(Line::from(spans)), filter_area);
        }
        let visible = self.visible();
        if visible.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(empty.to_string(), theme.muted())),
                table_area,
            );
            return;
        }
        let rows = visible
            .iter()
            .map(|&i| Row::new(self.rows[i].iter().map(|c| Cell::from(c.clone()))));
        let widths: Vec<Constraint> = self.widths.iter().map(|w| Constraint::Fill(*w)).collect();
        let table = Table::new(rows, widths)
            .header(Row::new(self.header.iter().copied()).style(theme.title()))
            .row_highlight_style(theme.selected())
            .highlight_symbol("› ");
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
    }
}
