//! Everything that can happen to the app, as data: keys, ticks, resizes and
//! the answers of calls. `App::update` is the only place that reacts to them.

use crossterm::event::KeyEvent;

use crate::client::{Answer, Call};

/// A running call's number, so its answer finds the screen that asked.
pub type CallId = u64;

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Resize(u16, u16),
    /// About ten times a second: the spinner turns, the banner counts down.
    Tick,
    Loaded {
        id: CallId,
        answer: Answer,
    },
}

/// What the app asks the runtime to do after an update; tests read these.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send `call` to the server at `base`, with the session `token` if the
    /// call uses the session.
    Send {
        id: CallId,
        base: String,
        token: Option<String>,
        call: Box<Call>,
    },
    Abort(CallId),
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    Quit,
}
