//! Colours and emphasis. Only the terminal's own named colours and modifiers are
//! used, never a fixed background, so text stays readable on light and dark
//! terminals; with `NO_COLOR` set (https://no-color.org) only modifiers remain.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Self {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    pub fn plain() -> Self {
        Theme { color: false }
    }

    fn tint(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    /// The field with the focus.
    pub fn focus(&self) -> Style {
        self.tint(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        self.tint(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.tint(Color::Green).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.tint(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn muted(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub fn key(&self) -> Style {
        self.tint(Color::Cyan).add_modifier(Modifier::BOLD)
    }
}
