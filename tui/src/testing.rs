//! What tests need to drive the app as the runtime would: keys in, calls
//! answered with canned JSON, the screen rendered on ratatui's `TestBackend`.
//! No terminal and no network, so state-machine and snapshot tests run fast.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use crate::action::{Action, Effect};
use crate::app::{App, Start};
use crate::client::{Answer, Call, ClientError};
use crate::theme::Theme;

pub const URL: &str = "http://127.0.0.1:8080";

/// An app past the login, at Home, with no service yet.
pub fn signed_in() -> App {
    let mut app = App::new(
        Theme::plain(),
        Start {
            url: URL.into(),
            email: "admin@example.com".into(),
            password: "secret".into(),
        },
    );
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/admin/session",
        Ok(
            json!({"session_token": "t0ken", "email": "admin@example.com", "expires_at": "2026-12-07T00:00:00Z"}),
        ),
    );
    answer(&mut app, "/system/service", Ok(json!({"resource": []})));
    app
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn press_mod(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, modifiers)))
}

/// Types `text` one key at a time.
pub fn type_str(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| press(app, KeyCode::Char(c)))
        .collect()
}

/// The oldest call in flight whose method and path read like `"POST /path"`
/// (or whose path contains `path`), if any.
pub fn find(app: &App, path: &str) -> Option<(u64, Call)> {
    app.pending().into_iter().find(|(_, c)| {
        let line = format!("{} {}", c.method.as_str(), c.path);
        line == path
            || line.starts_with(&format!("{path}?"))
            || c.path.ends_with(path)
            || line.ends_with(path)
    })
}

/// Answers the oldest call in flight matching `path` (see [`find`]).
///
/// # Panics
/// When no such call is in flight: the test expected one.
pub fn answer(app: &mut App, path: &str, answer: Answer) -> Vec<Effect> {
    let Some((id, _)) = find(app, path) else {
        panic!(
            "no call to {path} in flight; in flight: {:?}",
            app.pending()
        );
    };
    app.update(Action::Loaded { id, answer })
}

/// Answers every call in flight with what `f` says, until none is left (or
/// 100 rounds, so a screen that keeps asking does not hang the test).
pub fn answer_all(app: &mut App, f: impl Fn(&Call) -> Answer) {
    for _ in 0..100 {
        let Some((id, call)) = app.pending().into_iter().next() else {
            return;
        };
        app.update(Action::Loaded {
            id,
            answer: f(&call),
        });
    }
}

/// A refusal as the server sends it.
pub fn refusal(status: u16, message: &str) -> Answer {
    Err(ClientError::Api {
        status,
        message: message.into(),
        context: Value::Null,
    })
}

pub fn lost() -> Answer {
    Err(ClientError::Lost("could not connect".into()))
}

/// The screen as text, one line per row, trailing spaces cut.
pub fn render(app: &App, width: u16, height: u16) -> String {
    let backend = TestBackend::new(width, height);
    let mut terminal = Terminal::new(backend).unwrap_or_else(|e| match e {});
    if terminal.draw(|f| app.draw(f)).is_err() {
        return String::new();
    }
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
