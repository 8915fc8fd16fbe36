//! The app: a stack of screens, the calls in flight, and what is drawn over the
//! screens (help, `:` jump, the lost-connection banner). [`App::update`] is the
//! only place state changes: an [`Action`] comes in, state changes, and the
//! [`Effect`]s the runtime must carry out come out. Drawing reads state only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::{Action, CallId, Effect};
use crate::client::{Answer, Auth, Call, ClientError};
use crate::screen::{Cx, Handled, KeyHelp, Nav, Screen, ScreenId, Tag, Ui};
use crate::screens;
use crate::strings::common as s;
use crate::theme::Theme;
use crate::widgets::{input::Input, popup, spinner};

/// Who the console talks to, and as whom. The token lives here, in memory
/// only; it is never written anywhere.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub url: String,
    pub email: String,
    pub(crate) token: Option<String>,
}

impl Session {
    pub fn signed_in(&self) -> bool {
        self.token.is_some()
    }

    /// For the runtime only: it ends the session on the server when the
    /// console quits.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// A call in flight: whose it is, so its answer reaches that screen.
#[derive(Debug, Clone)]
struct Pending {
    id: CallId,
    owner: u64,
    tag: Tag,
    call: Call,
}

/// The server stopped answering: the calls that failed are sent again when the
/// countdown ends (or on `r`), and the banner stays until one is answered.
#[derive(Debug, Clone)]
pub struct Lost {
    pub reason: String,
    /// Ticks until the next retry.
    pub retry_in: u32,
    waiting: Vec<Pending>,
}

/// Ticks (of ~100 ms) between two retries after a lost connection.
const RETRY_TICKS: u32 = 30;
pub const TICKS_PER_SECOND: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Jump(Input),
}

struct Entry {
    uid: u64,
    screen: Box<dyn Screen>,
}

/// The stack and calls put aside while the admin logs in again after a 401.
struct Resume {
    stack: Vec<Entry>,
    calls: Vec<Pending>,
}

pub struct App {
    pub session: Session,
    pub theme: Theme,
    stack: Vec<Entry>,
    next_uid: u64,
    next_call: CallId,
    pending: Vec<Pending>,
    pub lost: Option<Lost>,
    pub overlay: Overlay,
    pub notice: Option<String>,
    frame: u64,
    resume: Option<Resume>,
}

/// Where the login starts: the fields it is prefilled with.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub url: String,
    pub email: String,
    pub password: String,
}

impl App {
    pub fn new(theme: Theme, start: Start) -> Self {
        let mut app = App {
            session: Session {
                url: start.url.clone(),
                email: start.email.clone(),
                token: None,
            },
            theme,
            stack: Vec::new(),
            next_uid: 0,
            next_call: 0,
            pending: Vec::new(),
            lost: None,
            overlay: Overlay::None,
            notice: None,
            frame: 0,
            resume: None,
        };
        let login = screens::login::Login::new(&start.url, &start.email, &start.password);
        app.push(Box::new(login), &mut Vec::new());
        app
    }

    /// The screen on top.
    pub fn screen(&self) -> Option<&dyn Screen> {
        self.stack.last().map(|e| e.screen.as_ref())
    }

    /// The screen on top as its own type (tests read its state).
    pub fn top<T: Screen>(&self) -> Option<&T> {
        self.stack
            .last()
            .and_then(|e| e.screen.as_any().downcast_ref::<T>())
    }

    pub fn screen_ids(&self) -> Vec<ScreenId> {
        self.stack.iter().map(|e| e.screen.id()).collect()
    }

    /// The calls in flight, oldest first (tests answer them).
    pub fn pending(&self) -> Vec<(CallId, Call)> {
        self.pending
            .iter()
            .map(|p| (p.id, p.call.clone()))
            .collect()
    }

    fn top_uid(&self) -> Option<u64> {
        self.stack.last().map(|e| e.uid)
    }

    fn busy(&self, uid: u64) -> bool {
        self.pending.iter().any(|p| p.owner == uid)
            || self
                .lost
                .as_ref()
                .is_some_and(|l| l.waiting.iter().any(|p| p.owner == uid))
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut fx = Vec::new();
        match action {
            Action::Tick => self.tick(&mut fx),
            Action::Resize(..) => {}
            Action::Paste(text) => {
                if let Overlay::Jump(input) = &mut self.overlay {
                    input.insert_str(&text);
                } else if let Some(e) = self.stack.last_mut() {
                    e.screen.paste(&text);
                }
            }
            Action::Key(key) => self.key(key, &mut fx),
            Action::Loaded { id, answer } => self.loaded(id, answer, &mut fx),
        }
        fx
    }

    fn tick(&mut self, fx: &mut Vec<Effect>) {
        self.frame = self.frame.wrapping_add(1);
        let due = match &mut self.lost {
            Some(lost) => {
                lost.retry_in = lost.retry_in.saturating_sub(1);
                lost.retry_in == 0
            }
            None => false,
        };
        if due {
            self.retry(fx);
        }
    }

    /// Sends the calls a lost connection left waiting, again.
    fn retry(&mut self, fx: &mut Vec<Effect>) {
        if let Some(lost) = &mut self.lost {
            lost.retry_in = RETRY_TICKS;
            let waiting = std::mem::take(&mut lost.waiting);
            for p in waiting {
                self.send(p.owner, p.tag, p.call, fx);
            }
        }
    }

    fn send(&mut self, owner: u64, tag: Tag, call: Call, fx: &mut Vec<Effect>) {
        self.next_call += 1;
        let id = self.next_call;
        let token = match call.auth {
            Auth::Session => self.session.token.clone(),
            _ => None,
        };
        fx.push(Effect::Send {
            id,
            base: call
                .base
                .clone()
                .unwrap_or_else(|| self.session.url.clone()),
            token,
            call: Box::new(call.clone()),
        });
        self.pending.push(Pending {
            id,
            owner,
            tag,
            call,
        });
    }

    fn key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        self.notice = None;
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            fx.push(Effect::Quit);
            return;
        }
        match &mut self.overlay {
            Overlay::Help => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::F(1)
                ) {
                    self.overlay = Overlay::None;
                }
                return;
            }
            Overlay::Jump(input) => {
                match key.code {
                    KeyCode::Esc => self.overlay = Overlay::None,
                    KeyCode::Enter => {
                        let name = input.value().trim().to_lowercase();
                        self.overlay = Overlay::None;
                        match screens::by_name(&name) {
                            Some(id) if self.session.signed_in() => {
                                self.apply(vec![Nav::Jump(id)], fx)
                            }
                            _ => self.notice = Some(s::JUMP_UNKNOWN.into()),
                        }
                    }
                    _ => {
                        input.key(key);
                    }
                }
                return;
            }
            Overlay::None => {}
        }
        let Some(uid) = self.top_uid() else { return };
        let typing = self.screen().is_some_and(|s| s.typing());
        // Esc first stops what the screen is waiting for.
        if key.code == KeyCode::Esc && self.busy(uid) {
            self.cancel(uid, fx);
            return;
        }
        if self.lost.is_some() && !typing && key.code == KeyCode::Char('r') {
            self.retry(fx);
            return;
        }
        if self.with_top(fx, |screen, cx| screen.key(key, cx)) == Some(Handled::Consumed) {
            return;
        }
        match key.code {
            KeyCode::F(1) => self.overlay = Overlay::Help,
            KeyCode::Char('?') if !typing => self.overlay = Overlay::Help,
            KeyCode::Char(':') if !typing && self.session.signed_in() => {
                self.overlay = Overlay::Jump(Input::default())
            }
            KeyCode::Char('q') if !typing => {
                if self.stack.len() > 1 {
                    self.apply(vec![Nav::Pop], fx);
                } else {
                    fx.push(Effect::Quit);
                }
            }
            KeyCode::Esc if self.stack.len() > 1 => self.apply(vec![Nav::Pop], fx),
            _ => {}
        }
    }

    /// Stops the calls of screen `uid`; the screen hears `Cancelled` for each.
    fn cancel(&mut self, uid: u64, fx: &mut Vec<Effect>) {
        let mut stopped: Vec<Pending> = Vec::new();
        self.pending.retain(|p| {
            if p.owner == uid {
                stopped.push(p.clone());
                false
            } else {
                true
            }
        });
        if let Some(lost) = &mut self.lost {
            lost.waiting.retain(|p| {
                if p.owner == uid {
                    stopped.push(p.clone());
                    false
                } else {
                    true
                }
            });
            if lost.waiting.is_empty() && self.pending.is_empty() {
                self.lost = None;
            }
        }
        for p in stopped {
            fx.push(Effect::Abort(p.id));
            self.deliver(p.owner, p.tag, Err(ClientError::Cancelled), fx);
        }
        self.notice = Some(s::CANCELLED.into());
    }

    fn loaded(&mut self, id: CallId, answer: Answer, fx: &mut Vec<Effect>) {
        let Some(at) = self.pending.iter().position(|p| p.id == id) else {
            return; // cancelled, or its screen is gone
        };
        let p = self.pending.remove(at);
        if let Err(ClientError::Lost(reason)) = &answer {
            let lost = self.lost.get_or_insert_with(|| Lost {
                reason: String::new(),
                retry_in: RETRY_TICKS,
                waiting: Vec::new(),
            });
            lost.reason = reason.clone();
            lost.waiting.push(p);
            return;
        }
        // Any answer means the server is back: send what was waiting now.
        if let Some(l) = self.lost.take() {
            for w in l.waiting {
                self.send(w.owner, w.tag, w.call, fx);
            }
        }
        let expired = matches!(answer, Err(ClientError::Api { status: 401, .. }))
            && p.call.auth == Auth::Session
            && self.session.signed_in();
        if expired {
            self.expired(p, fx);
            return;
        }
        self.deliver(p.owner, p.tag, answer, fx);
    }

    /// A 401 on a session call: the session ended. The stack is put aside, with
    /// the call, and Login is shown; after the login both come back.
    fn expired(&mut self, p: Pending, fx: &mut Vec<Effect>) {
        self.session.token = None;
        let mut calls = vec![p];
        calls.append(&mut self.pending);
        for c in &calls {
            fx.push(Effect::Abort(c.id));
        }
        let stack = std::mem::take(&mut self.stack);
        let stack = stack
            .into_iter()
            .filter(|e| e.screen.id() != ScreenId::Login)
            .collect();
        self.resume = Some(Resume { stack, calls });
        let mut login = screens::login::Login::new(&self.session.url, &self.session.email, "");
        login.message = Some(s::SESSION_EXPIRED.into());
        self.push(Box::new(login), fx);
    }

    /// Called by the app when Login succeeded.
    fn signed_in(&mut self, token: String, email: String, fx: &mut Vec<Effect>) {
        self.session.token = Some(token);
        self.session.email = email;
        if let Some(resume) = self.resume.take()
            && !resume.stack.is_empty()
        {
            self.stack = resume.stack;
            for c in resume.calls {
                if self.stack.iter().any(|e| e.uid == c.owner) {
                    self.send(c.owner, c.tag, c.call, fx);
                }
            }
            return;
        }
        self.stack.clear();
        self.push(Box::new(screens::home::Home::default()), fx);
    }

    fn deliver(&mut self, owner: u64, tag: Tag, answer: Answer, fx: &mut Vec<Effect>) {
        let Some(i) = self.stack.iter().position(|e| e.uid == owner) else {
            return;
        };
        self.with_screen(i, fx, |screen, cx| screen.loaded(tag, answer, cx));
    }

    fn with_top<R>(
        &mut self,
        fx: &mut Vec<Effect>,
        f: impl FnOnce(&mut dyn Screen, &mut Cx) -> R,
    ) -> Option<R> {
        let i = self.stack.len().checked_sub(1)?;
        Some(self.with_screen(i, fx, f))
    }

    /// Runs `f` on the screen at `i` and carries out what it asked for.
    fn with_screen<R>(
        &mut self,
        i: usize,
        fx: &mut Vec<Effect>,
        f: impl FnOnce(&mut dyn Screen, &mut Cx) -> R,
    ) -> R {
        let mut calls = Vec::new();
        let mut nav = Vec::new();
        let mut copies = Vec::new();
        let mut notice = None;
        let mut signed_in = None;
        let owner = self.stack[i].uid;
        let r = {
            let mut cx = Cx {
                calls: &mut calls,
                nav: &mut nav,
                copies: &mut copies,
                notice: &mut notice,
                signed_in: &mut signed_in,
                server: &self.session.url,
            };
            f(self.stack[i].screen.as_mut(), &mut cx)
        };
        if let Some((url, token, email)) = signed_in {
            self.session.url = url;
            self.signed_in(token, email, fx);
            return r;
        }
        for (tag, call) in calls {
            self.send(owner, tag, call, fx);
        }
        for text in copies {
            fx.push(Effect::Copy(text));
            self.notice = Some(s::COPIED.into());
        }
        if notice.is_some() {
            self.notice = notice;
        }
        self.apply(nav, fx);
        r
    }

    fn push(&mut self, screen: Box<dyn Screen>, fx: &mut Vec<Effect>) {
        self.next_uid += 1;
        self.stack.push(Entry {
            uid: self.next_uid,
            screen,
        });
        let i = self.stack.len() - 1;
        self.with_screen(i, fx, |s, cx| s.enter(cx));
    }

    /// Removes the top screen, stopping its calls.
    fn drop_top(&mut self, fx: &mut Vec<Effect>) {
        if let Some(e) = self.stack.pop() {
            self.pending.retain(|p| {
                if p.owner == e.uid {
                    fx.push(Effect::Abort(p.id));
                    false
                } else {
                    true
                }
            });
            if let Some(lost) = &mut self.lost {
                lost.waiting.retain(|p| p.owner != e.uid);
            }
        }
    }

    fn apply(&mut self, nav: Vec<Nav>, fx: &mut Vec<Effect>) {
        for n in nav {
            match n {
                Nav::Push(s) => self.push(s, fx),
                Nav::Replace(s) => {
                    self.drop_top(fx);
                    self.push(s, fx);
                }
                Nav::Pop => {
                    if self.stack.len() > 1 {
                        self.drop_top(fx);
                        let i = self.stack.len() - 1;
                        self.with_screen(i, fx, |s, cx| s.enter(cx));
                    }
                }
                Nav::Jump(id) => {
                    while self.stack.len() > 1 {
                        self.drop_top(fx);
                    }
                    match screens::make(id) {
                        Some(s) if id != ScreenId::Home => self.push(s, fx),
                        _ => {
                            let i = self.stack.len() - 1;
                            self.with_screen(i, fx, |s, cx| s.enter(cx));
                        }
                    }
                }
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        // Two lines, so the retry key still shows on 80 columns with a long URL.
        let banner = if self.lost.is_some() { 2 } else { 0 };
        let [title, body, banner_area, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(banner),
            Constraint::Length(1),
        ])
        .areas(area);
        let Some(top) = self.stack.last() else { return };
        let t = &self.theme;
        let who = if self.session.signed_in() {
            format!("{} @ {}", self.session.email, self.session.url)
        } else {
            self.session.url.clone()
        };
        let left = format!(" {} · {}", s::APP, top.screen.title());
        let pad =
            (area.width as usize).saturating_sub(left.chars().count() + who.chars().count() + 1);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(left, t.title()),
                Span::raw(" ".repeat(pad)),
                Span::styled(who, t.muted()),
            ])),
            title,
        );
        let busy = self.busy(top.uid);
        let ui = Ui {
            theme: t,
            busy,
            frame: self.frame,
            server: &self.session.url,
        };
        top.screen.draw(frame, body, &ui);
        if let Some(lost) = &self.lost {
            let secs = lost.retry_in.div_ceil(TICKS_PER_SECOND);
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!(
                        " {} {} ({}) · {} {secs} s · {}",
                        s::LOST,
                        self.session.url,
                        lost.reason,
                        s::RETRYING,
                        s::RETRY_NOW
                    ),
                    t.warn(),
                ))
                .wrap(ratatui::widgets::Wrap { trim: true }),
                banner_area,
            );
        }
        let line = if busy {
            Line::from(vec![
                Span::styled(format!(" {} ", spinner(self.frame)), t.key()),
                Span::raw(s::LOADING),
            ])
        } else if let Some(n) = &self.notice {
            Line::from(Span::styled(format!(" {n}"), t.warn()))
        } else {
            help_line(
                &top.screen.keys(),
                self.stack.len() > 1,
                top.screen.typing(),
                area.width,
                t,
            )
        };
        frame.render_widget(Paragraph::new(line), status);
        match &self.overlay {
            Overlay::None => {}
            Overlay::Help => self.draw_help(frame, area, top.screen.keys()),
            Overlay::Jump(input) => {
                let r = popup::centered(area, 50, 3);
                popup::draw(
                    frame,
                    r,
                    s::JUMP_TITLE,
                    vec![Line::from(input.spans(true, 46, t))],
                    t,
                );
            }
        }
    }

    fn draw_help(&self, frame: &mut Frame, area: Rect, keys: Vec<KeyHelp>) {
        let t = &self.theme;
        let mut all = keys;
        all.extend(global_keys(self.stack.len() > 1));
        let w = all
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        let mut lines: Vec<Line> = all
            .iter()
            .map(|(k, what)| {
                Line::from(vec![
                    Span::styled(format!("{k:<w$}"), t.key()),
                    Span::raw(*what),
                ])
            })
            .collect();
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(s::HELP_CLOSE, t.muted())));
        let h = (lines.len() as u16 + 2).min(area.height);
        let r = popup::centered(area, 64, h);
        popup::draw(frame, r, s::HELP_TITLE, lines, t);
    }
}

fn global_keys(can_go_back: bool) -> Vec<KeyHelp> {
    let mut k = vec![("? F1", s::HELP), (":", s::JUMP)];
    if can_go_back {
        k.push(("q Esc", s::BACK));
    } else {
        k.push(("q", s::QUIT));
    }
    k.push(("Ctrl-C", s::QUIT));
    k
}

/// The status line: as many of the screen's keys as fit, then help and back,
/// which always show.
fn help_line(
    keys: &[KeyHelp],
    can_go_back: bool,
    typing: bool,
    width: u16,
    t: &Theme,
) -> Line<'static> {
    let globals: [KeyHelp; 2] = [
        (if typing { "F1" } else { "?" }, s::HELP),
        match (typing, can_go_back) {
            (false, true) => ("q", s::BACK),
            (false, false) => ("q", s::QUIT),
            (true, true) => ("Esc", s::BACK),
            (true, false) => ("Ctrl-C", s::QUIT),
        },
    ];
    let cost = |(k, what): &KeyHelp| k.chars().count() + what.chars().count() + 4;
    let mut room = (width as usize).saturating_sub(1 + globals.iter().map(cost).sum::<usize>());
    let mut shown: Vec<KeyHelp> = Vec::new();
    for k in keys {
        if cost(k) > room {
            break;
        }
        room -= cost(k);
        shown.push(*k);
    }
    shown.extend(globals);
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, what)) in shown.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", t.muted()));
        }
        spans.push(Span::styled((*k).to_string(), t.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}
