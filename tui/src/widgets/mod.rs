//! The pieces screens are built of: a text input, a form of fields, a
//! filterable list, popups and the spinner. They hold state and draw it; the
//! screens decide what a key means.

pub mod form;
pub mod input;
pub mod list;
pub mod popup;
pub mod text;

/// The spinner's frames (ASCII: every terminal font has them).
const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

pub fn spinner(frame: u64) -> &'static str {
    SPINNER[(frame % SPINNER.len() as u64) as usize]
}
