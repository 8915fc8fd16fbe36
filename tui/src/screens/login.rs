//! Login: server URL, email, password. Prefilled from `APIFORGE_URL`,
//! `APIFORGE_EMAIL` and `APIFORGE_PASSWORD`, so with all three set one Enter
//! logs in. The token the server answers goes to the app, in memory only.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::strings::{common as c, login as s};
use crate::widgets::form::{Field, Form, FormKey};
use crate::widgets::popup;
use crate::wire::LoginAnswer;

const LOGIN: Tag = Tag(1);

pub struct Login {
    pub form: Form,
    /// Why the login is shown again (the session ended).
    pub message: Option<String>,
}

impl Login {
    pub fn new(url: &str, email: &str, password: &str) -> Self {
        let mut form = Form::new(vec![
            Field::text("url", s::URL, "")
                .value(url)
                .aliases(&["url", "server"]),
            Field::text("email", s::EMAIL, "")
                .value(email)
                .aliases(&["email"]),
            Field::password("password", s::PASSWORD, "")
                .value(password)
                .aliases(&["password"]),
        ]);
        // Start where typing is still needed; with everything filled in, on
        // the password, so Enter logs in.
        form.focus = [url, email, password]
            .iter()
            .position(|v| v.is_empty())
            .unwrap_or(2);
        Login {
            form,
            message: None,
        }
    }

    fn submit(&mut self, cx: &mut Cx) {
        self.form.clear_errors();
        let (url, email, password) = (
            self.form.text("url").trim_end_matches('/').to_string(),
            self.form.text("email").to_string(),
            self.form
                .field("password")
                .map_or(String::new(), |f| f.input.value().to_string()),
        );
        for (key, v) in [("url", &url), ("email", &email), ("password", &password)] {
            if v.is_empty() {
                self.form.set_error(key, s::NEED_ALL);
            }
        }
        if !url.starts_with("http://") && !url.starts_with("https://") && !url.is_empty() {
            self.form
                .set_error("url", "the URL starts with http:// or https://");
        }
        if self.form.has_errors() {
            return;
        }
        cx.call(LOGIN, calls::login(&email, &password).base(&url));
    }
}

impl Screen for Login {
    fn id(&self) -> ScreenId {
        ScreenId::Login
    }
    fn title(&self) -> String {
        s::TITLE.into()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("Enter", s::SUBMIT),
            ("Tab S-Tab", c::NEXT_FIELD),
            ("Ctrl-U", "clear the field"),
        ]
    }
    fn typing(&self) -> bool {
        true
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        match self.form.key(key) {
            FormKey::Submit => self.submit(cx),
            FormKey::Consumed => {}
            FormKey::Ignored => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn paste(&mut self, text: &str) {
        self.form.paste(text);
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        if tag != LOGIN {
            return;
        }
        match decode::<LoginAnswer>(answer) {
            Ok(a) => {
                let url = self.form.text("url").trim_end_matches('/').to_string();
                self.message = None;
                cx.sign_in(&url, a.session_token, a.email);
            }
            Err(ClientError::Cancelled) => {}
            Err(ClientError::Api {
                status: 401,
                message,
                ..
            }) => {
                self.form.set_error("password", message);
                self.form.focus_on("password");
            }
            Err(e) => self.form.place_error(&e.to_string()),
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let r = popup::centered(area, 72, 12);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {} ", s::TITLE), t.title()));
        let inner = block.inner(r);
        frame.render_widget(block, r);
        let [msg, form] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(inner);
        let text = match &self.message {
            Some(m) => Line::from(Span::styled(m.clone(), t.warn())),
            None => Line::from(Span::styled(s::HINT, t.muted())),
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), msg);
        self.form.draw(frame, form, t, !ui.busy);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
