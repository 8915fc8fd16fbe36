//! User-provided text in log lines.
//!
//! The text log format writes field values as they are: a login email such as
//! `"x\n2026-12-06T11:00:00Z  INFO admin login ok"` would forge a second log
//! line, and `"\x1b[31m"` would recolour the terminal of whoever reads the log.
//! Anything a client sent goes through [`escaped`] before it is logged.

use std::fmt;

/// Past this many characters the rest is summarised: a request body may hold
/// megabytes of "email", and one log line should not.
const MAX_CHARS: usize = 200;

/// `text` with control characters, quotes, backslashes and invisible
/// characters escaped as Rust does (`\n`, `\u{1b}`, `\u{202e}`), cut after
/// [`MAX_CHARS`] characters.
pub fn escaped(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// See [`escaped`]; formats lazily, so a line filtered out costs nothing.
#[derive(Clone, Copy)]
pub struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        match text.char_indices().nth(MAX_CHARS) {
            None => write!(f, "{}", text.escape_debug()),
            Some((cut, _)) => write!(
                f,
                "{}… ({} more bytes)",
                text[..cut].escape_debug(),
                text.len() - cut
            ),
        }
    }
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn newlines_and_escape_sequences_cannot_reach_the_log_raw() {
        let forged = "a@b.c\n2026-12-06T11:00:00Z  INFO admin login ok";
        let out = escaped(forged).to_string();
        assert!(!out.contains('\n'), "{out}");
        assert!(out.starts_with("a@b.c\\n2026"), "{out}");

        let out = escaped("\x1b[31mred\x1b[0m\r\t\u{202e}\"\\").to_string();
        assert!(!out.chars().any(char::is_control), "{out}");
        assert_eq!(out, "\\u{1b}[31mred\\u{1b}[0m\\r\\t\\u{202e}\\\"\\\\");
        assert_eq!(
            escaped("admin@example.com").to_string(),
            "admin@example.com"
        );
        assert_eq!(format!("{:?}", escaped("a\nb")), "\"a\\nb\"");
    }

    #[test]
    fn long_text_is_cut() {
        let long = "é".repeat(10_000);
        let out = escaped(&long).to_string();
        assert!(out.chars().count() < 250, "{}", out.len());
        assert!(out.ends_with(&format!("({} more bytes)", 2 * (10_000 - 200))));
    }
}
