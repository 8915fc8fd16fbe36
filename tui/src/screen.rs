//! What every screen is to the app: it handles keys, receives the answers of
//! the calls it made, and draws itself from its state. Screens never touch the
//! network or the screen stack directly; they ask through [`Cx`].

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::client::{Answer, Call};
use crate::theme::Theme;

/// The screens `:` can jump to, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScreenId {
    Login,
    Home,
    Services,
    ServiceForm,
    ServiceDetail,
    TableBrowser,
    Roles,
    RuleEditor,
    Apps,
    Admins,
    Audit,
    Guide,
}

/// Which of a screen's calls an answer belongs to. Each screen names its own
/// (`Tag(n)` with its constants), so screens stay independent of each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(pub u16);

/// Whether a key was used; one a screen ignores goes to the app's own keys
/// (`?`, `:`, `q`, Esc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Consumed,
    Ignored,
}

/// One line of the help overlay: the key as written, and what it does.
pub type KeyHelp = (&'static str, &'static str);

/// A change to the stack of screens, applied by the app after the handler.
pub enum Nav {
    Push(Box<dyn Screen>),
    /// Back to the screen below (Home stays).
    Pop,
    /// Swap the current screen for another (a form that saved becomes the detail page).
    Replace(Box<dyn Screen>),
    /// Go to a top-level screen by name, on top of Home.
    Jump(ScreenId),
}

/// What a screen may ask of the app while it handles something.
pub struct Cx<'a> {
    pub(crate) calls: &'a mut Vec<(Tag, Call)>,
    pub(crate) nav: &'a mut Vec<Nav>,
    pub(crate) copies: &'a mut Vec<String>,
    pub(crate) notice: &'a mut Option<String>,
    /// Set by Login: (server URL, session token, email).
    pub(crate) signed_in: &'a mut Option<(String, String, String)>,
    /// The server's base URL, for the URLs and curl lines screens show.
    pub server: &'a str,
}

impl Cx<'_> {
    /// Runs `call` off the UI thread; its answer comes back to this screen's
    /// [`Screen::loaded`] with `tag`.
    pub fn call(&mut self, tag: Tag, call: Call) {
        self.calls.push((tag, call));
    }
    pub fn push(&mut self, screen: impl Screen + 'static) {
        self.nav.push(Nav::Push(Box::new(screen)));
    }
    pub fn replace(&mut self, screen: impl Screen + 'static) {
        self.nav.push(Nav::Replace(Box::new(screen)));
    }
    pub fn pop(&mut self) {
        self.nav.push(Nav::Pop);
    }
    pub fn jump(&mut self, to: ScreenId) {
        self.nav.push(Nav::Jump(to));
    }
    /// Copies `text` to the clipboard of the terminal the admin sits at.
    pub fn copy(&mut self, text: impl Into<String>) {
        self.copies.push(text.into());
    }
    /// Login succeeded: the app keeps the token and goes on (Home, or back to
    /// where a 401 interrupted).
    pub fn sign_in(&mut self, url: &str, token: String, email: String) {
        *self.signed_in = Some((url.to_string(), token, email));
    }
    /// A one-line message in the status bar until the next key.
    pub fn notice(&mut self, text: impl Into<String>) {
        *self.notice = Some(text.into());
    }
}

/// What a screen needs to draw besides its own state.
pub struct Ui<'a> {
    pub theme: &'a Theme,
    /// True while one of this screen's calls runs.
    pub busy: bool,
    /// Turns with each tick, for the spinner.
    pub frame: u64,
    pub server: &'a str,
}

pub trait Screen: Any {
    fn id(&self) -> ScreenId;
    /// The title bar's text.
    fn title(&self) -> String;
    /// Every key of the screen, for `?` and the help line (first ones first).
    fn keys(&self) -> Vec<KeyHelp>;
    /// Called when the screen is shown (pushed, or uncovered by a Pop): load what it shows.
    fn enter(&mut self, _cx: &mut Cx) {}
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled;
    fn paste(&mut self, _text: &str) {}
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx);
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui);
    /// True while a text field has the focus: then `q`, `?` and `:` are typed,
    /// not commands (F1 still opens the help).
    fn typing(&self) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}
