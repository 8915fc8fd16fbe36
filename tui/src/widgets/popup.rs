//! Popups: a box over the middle of the screen that takes keys first (the
//! screens that open one check it before their own keys).

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::theme::Theme;

/// A `width` × `height` box centred in `area` (shrunk to fit a small terminal).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Draws a bordered, titled box with wrapped lines, clearing what is under it.
pub fn draw(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, theme: &Theme) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), theme.title()));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// A yes/no question (deleting something): `y` confirms, anything else keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
}

impl Confirm {
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let r = centered(area, 60, 6);
        draw(
            frame,
            r,
            "Confirm",
            vec![
                Line::from(self.question.clone()),
                Line::from(""),
                Line::from(Span::styled(
                    crate::strings::common::CONFIRM_DELETE,
                    theme.key(),
                )),
            ],
            theme,
        );
    }
}
