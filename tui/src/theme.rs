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
        Theme::with_no_color(std::env::var_os("NO_COLOR"))
    }

    /// `NO_COLOR` set to anything but the empty string turns colour off.
    pub fn with_no_color(no_color: Option<std::ffi::OsString>) -> Self {
        Theme {
            color: no_color.is_none_or(|v| v.is_empty()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_leaves_only_modifiers() {
        let plain = Theme::with_no_color(Some("1".into()));
        assert!(!plain.color);
        for style in [
            plain.error(),
            plain.ok(),
            plain.warn(),
            plain.focus(),
            plain.key(),
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
            assert!(
                style.add_modifier.contains(Modifier::BOLD),
                "still stands out: {style:?}"
            );
        }
        assert!(
            Theme::with_no_color(Some("".into())).color,
            "empty means unset"
        );
        assert!(Theme::with_no_color(None).color);
        // Never a background: readable on light and dark terminals alike.
        let colored = Theme::with_no_color(None);
        for style in [
            colored.error(),
            colored.ok(),
            colored.warn(),
            colored.focus(),
            colored.selected(),
        ] {
            assert_eq!(style.bg, None);
        }
    }
}
