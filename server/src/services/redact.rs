//! Blanking a service's password out of a database driver's message.
//!
//! Our own sentences never contain the password; only a driver's text could
//! (by echoing a connection string), so only that text goes through here. A
//! plain substring replace would also hit the message's own words (password
//! `o` turned "could not" into "c<redacted>uld n<redacted>t"), which hides
//! nothing and shows the password to anyone who reads it: only whole
//! occurrences are blanked, not touching a letter or digit on a side where
//! the password itself begins or ends with one.
//!
//! Only the password as typed can appear: drivers get it in their typed
//! connect options (`connect.rs`), never inside a connection string, so no
//! escaped form of it exists to be echoed.

const REDACTED: &str = "<redacted>";

/// `text` with each whole occurrence of `password` replaced by `<redacted>`.
pub fn redact(text: &str, password: Option<&str>) -> String {
    match password.filter(|p| !p.is_empty()) {
        Some(password) => blank(text, password),
        None => text.to_owned(),
    }
}

fn blank(text: &str, needle: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(needle) {
        let start = from + found;
        let end = start + needle.len();
        if is_whole(text, start, end, needle) {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
            from = end;
        } else {
            // One character on: occurrences may overlap ("aa" in "aaa").
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether `text[start..end]` (equal to `needle`) is not part of a longer word.
fn is_whole(text: &str, start: usize, end: usize, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric();
    let before = !needle.starts_with(word) || !text[..start].chars().next_back().is_some_and(word);
    let after = !needle.ends_with(word) || !text[end..].chars().next().is_some_and(word);
    before && after
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_inside_the_messages_words_is_left_alone() {
        let text = "could not connect: connection refused";
        assert_eq!(redact(text, Some("o")), text);
        assert_eq!(redact(text, Some("on")), text);
        assert_eq!(
            redact("error returned from database: o", Some("o")),
            "error returned from database: <redacted>"
        );
    }

    #[test]
    fn whole_occurrences_are_redacted() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/x failed", Some("secret")),
            "postgres://app:<redacted>@db:5432/x failed"
        );
        assert_eq!(
            redact("secret, secret.secret secrets", Some("secret")),
            "<redacted>, <redacted>.<redacted> secrets"
        );
        assert_eq!(
            redact("password 'secret' rejected", Some("secret")),
            "password '<redacted>' rejected"
        );
    }

    #[test]
    fn a_password_as_a_whole_quoted_value() {
        assert_eq!(
            redact(
                "bad option \"pass word\" in u:pass word@h",
                Some("pass word")
            ),
            "bad option \"<redacted>\" in u:<redacted>@h"
        );
        assert_eq!(
            redact("value 'x!' for x", Some("x!")),
            "value '<redacted>' for x"
        );
        // A symbol at the password's edge is its own delimiter.
        assert_eq!(redact("ab@@cd", Some("@@")), "ab<redacted>cd");
    }

    #[test]
    fn no_password_no_change() {
        assert_eq!(redact("could not", None), "could not");
        assert_eq!(redact("could not", Some("")), "could not");
    }
}
