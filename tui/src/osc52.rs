//! Copying to the clipboard of the terminal the admin sits at, even over SSH:
//! OSC 52 asks the terminal itself to set its clipboard. Terminals that do not
//! support it ignore the sequence; the key stays on screen to copy by hand.

use base64::Engine;

/// The escape sequence that puts `text` on the clipboard.
pub fn sequence(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_text_travels_base64_encoded() {
        assert_eq!(super::sequence("afk_1"), "\x1b]52;c;YWZrXzE=\x07");
    }
}
