//! The guided flow for one service: "create a role for it" → "create an API
//! key" → "try it", each step on one panel with its result under it.
//!
//! Steps 1 and 2 are one call, `POST /service/{name}/_quickstart`: the server
//! makes role `{name}_auto_role` with the chosen preset and app `{name}_app`
//! with that role, and answers the key. One call because the server makes both
//! or neither (it removes the role again when the app fails), so the flow never
//! leaves half of what it promised, and because it is one Enter fewer for a new
//! admin. The panel still shows both results apart: the role and its rules on
//! step 1, the app and its key on step 2.
//!
//! The flow run a second time is refused with 409 (the role or the app exists).
//! Changing an existing role's rules behind the admin's back would change what
//! other apps may do, so the role is kept as it is; what the admin comes back
//! for is a key, so the flow looks the app up and offers one: a new key for the
//! existing app (rotate; the old key stops working, said on screen before
//! Enter), or, when only the role is left, a new app with that role.
//!
//! Step 3 finds a table and its columns with the admin's session, then sends
//! the REST list and the same rows through GraphQL with the new key
//! (`Auth::Key`), and shows each call's status and first rows beside the curl
//! lines of exactly those calls. The status of a successful call is shown as
//! "200 OK": the client answers only the body of a 2xx, and both calls answer
//! 200 when they succeed.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::Value;

use crate::client::{Answer, Auth, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::strings::guide as s;
use crate::theme::Theme;
use crate::widgets::spinner;
use crate::widgets::text::wrap;
use crate::wire::{
    AccessRule, App, AppBody, AppWithKey, Named, QuickstartAnswer, QuickstartBody, Resources,
    TableSchema,
};

const QUICKSTART: Tag = Tag(1);
const APPS: Tag = Tag(2);
const REISSUE: Tag = Tag(3);
const TABLES: Tag = Tag(4);
const SCHEMA: Tag = Tag(5);
const REST: Tag = Tag(6);
const GRAPHQL: Tag = Tag(7);

/// Rows the "try it" calls ask for and show.
pub const ROWS: usize = 3;
/// Columns the GraphQL query selects (and the rows show).
const COLUMNS: usize = 3;

/// The three presets of the quickstart, in the order 1/2/3 pick them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Read,
    Write,
    Full,
}

/// Which parts of the service the role reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    Tables,
    Schema,
    All,
}

impl Level {
    const ALL: [Level; 3] = [Level::Read, Level::Write, Level::Full];
    fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        s::LEVELS[self.index()]
    }
}

impl Parts {
    const ALL: [Parts; 3] = [Parts::Tables, Parts::Schema, Parts::All];
    fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        s::PARTS_NAMES[self.index()]
    }
}

/// The step the panel is at (the one Enter acts on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Role,
    Try,
}

/// What is running now, so the spinner shows on its step and a cancel knows
/// what to reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Running {
    Quickstart,
    LookUp,
    Reissue,
    Tables,
    Schema,
    Calls,
}

/// After a 409: what Enter does instead of the quickstart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Again {
    /// A new key for the app made before.
    Rotate { id: i64, app: String },
    /// The role is there, its app is gone: make the app again.
    MakeApp { app: String, role: String },
}

/// The key, once the server issued it, and what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub role: String,
    /// The role's rules as one line, or that it was made before.
    pub rules: String,
    pub app: String,
    pub key: String,
}

/// One "try it" call's result: the status line and the first rows (or why
/// there are none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: String,
    pub ok: bool,
    pub rows: Vec<Vec<String>>,
    pub message: Option<String>,
}

pub struct Guide {
    pub service: String,
    pub level: Level,
    pub parts: Parts,
    /// True while ←/→ change the parts rather than the access level.
    pub on_parts: bool,
    pub running: Option<Running>,
    /// A refusal of steps 1-2, shown on step 1 (what the quickstart is about).
    pub role_error: Option<String>,
    pub again: Option<Again>,
    /// A refusal of the new key (rotate, or the app made again), on step 2.
    pub key_error: Option<String>,
    pub issued: Option<Issued>,
    pub table: Option<String>,
    pub columns: Vec<String>,
    pub rest: Option<Outcome>,
    pub graphql: Option<Outcome>,
    /// A refusal while finding the table, on step 3.
    pub try_error: Option<String>,
}

/// The lines to copy: the key into `$API_KEY`, then the two calls step 3 ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurlLines {
    pub export: String,
    pub rest: String,
    pub graphql: String,
}

impl CurlLines {
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.export, self.rest, self.graphql)
    }
}

impl Guide {
    pub fn new(service: &str) -> Self {
        Guide {
            service: service.to_string(),
            level: Level::Read,
            parts: Parts::All,
            on_parts: false,
            running: None,
            role_error: None,
            again: None,
            key_error: None,
            issued: None,
            table: None,
            columns: Vec::new(),
            rest: None,
            graphql: None,
            try_error: None,
        }
    }

    pub fn role_name(&self) -> String {
        format!("{}_auto_role", self.service)
    }

    pub fn app_name(&self) -> String {
        format!("{}_app", self.service)
    }

    /// The key on screen, if one was issued.
    pub fn key_text(&self) -> Option<&str> {
        self.issued.as_ref().map(|i| i.key.as_str())
    }

    fn choose(&mut self, i: usize) {
        if self.on_parts {
            self.parts = Parts::ALL[i.min(2)];
        } else {
            self.level = Level::ALL[i.min(2)];
        }
    }

    fn shift(&mut self, by: isize) {
        let now = if self.on_parts {
            self.parts.index()
        } else {
            self.level.index()
        };
        self.choose(now.saturating_add_signed(by).min(2));
    }

    /// Enter on step 1: the quickstart, or after a 409 what it offered.
    fn make(&mut self, cx: &mut Cx) {
        self.role_error = None;
        self.key_error = None;
        match self.again.clone() {
            None => {
                let body = QuickstartBody {
                    level: self.level.name().into(),
                    components: self.parts.name().into(),
                };
                cx.call(QUICKSTART, calls::quickstart(&self.service, &body));
                self.running = Some(Running::Quickstart);
            }
            Some(Again::Rotate { id, .. }) => {
                cx.call(REISSUE, calls::rotate_app(id));
                self.running = Some(Running::Reissue);
            }
            Some(Again::MakeApp { app, role }) => {
                let body = AppBody {
                    name: Some(app),
                    description: Some("made by the guided flow".into()),
                    role: Some(role),
                    ..AppBody::default()
                };
                cx.call(REISSUE, calls::create_app(&body));
                self.running = Some(Running::Reissue);
            }
        }
    }

    /// Enter on step 3: first a table (with the session), then the calls.
    fn try_it(&mut self, cx: &mut Cx) {
        self.try_error = None;
        self.rest = None;
        self.graphql = None;
        cx.call(TABLES, calls::tables(&self.service));
        self.running = Some(Running::Tables);
    }

    fn key_auth(&self) -> Auth {
        Auth::Key(self.key_text().unwrap_or_default().to_string())
    }

    fn rest_path(&self, table: &str) -> String {
        format!(
            "/api/v2/{}/_table/{}?limit={ROWS}",
            calls::seg(&self.service),
            calls::seg(table)
        )
    }

    /// The GraphQL query step 3 sends: the table's list field with the
    /// columns the rows show (SPEC.md "GraphQL": names as in the database).
    pub fn query(&self, table: &str) -> String {
        let cols = if self.columns.is_empty() {
            "__typename".to_string()
        } else {
            self.columns.join(" ")
        };
        format!("{{ {table}(limit: {ROWS}) {{ {cols} }} }}")
    }

    /// The curl lines of the calls step 3 ran, with the key in `$API_KEY`.
    pub fn curl_lines(&self, server: &str) -> Option<CurlLines> {
        let (issued, table) = (self.issued.as_ref()?, self.table.as_ref()?);
        let base = server.trim_end_matches('/');
        let body = serde_json::json!({ "query": self.query(table) }).to_string();
        Some(CurlLines {
            export: format!("export API_KEY={}", quoted(&issued.key)),
            rest: format!(
                "curl -s -H \"X-Api-Key: $API_KEY\" {}",
                quoted(&format!("{base}{}", self.rest_path(table)))
            ),
            graphql: format!(
                "curl -s -H \"X-Api-Key: $API_KEY\" -H 'Content-Type: application/json' -d {} {}",
                quoted(&body),
                quoted(&format!(
                    "{base}/api/v2/{}/graphql",
                    calls::seg(&self.service)
                ))
            ),
        })
    }

    /// The step Enter acts on: trying the key once there is one.
    pub fn step(&self) -> Step {
        if self.issued.is_some() {
            Step::Try
        } else {
            Step::Role
        }
    }

    fn issued_from(&mut self, issued: Issued) {
        self.issued = Some(issued);
        self.again = None;
    }

    fn loaded_quickstart(&mut self, answer: Answer, cx: &mut Cx) {
        match decode::<QuickstartAnswer>(answer) {
            Ok(q) => self.issued_from(Issued {
                rules: rules_line(&q.role.access),
                role: q.role.name,
                app: q.app.name,
                key: q.api_key,
            }),
            Err(ClientError::Api {
                status: 409,
                message,
                ..
            }) => {
                // Made before: find the app, to offer a key for it.
                self.role_error = Some(message);
                cx.call(APPS, calls::apps());
                self.running = Some(Running::LookUp);
            }
            Err(e) => self.role_error = Some(refusal(&e)),
        }
    }

    fn loaded_apps(&mut self, answer: Answer) {
        match decode::<Resources<App>>(answer) {
            Ok(list) => {
                let app = self.app_name();
                self.again = Some(match list.resource.into_iter().find(|a| a.name == app) {
                    Some(a) => Again::Rotate {
                        id: a.id,
                        app: a.name,
                    },
                    None => Again::MakeApp {
                        app,
                        role: self.role_name(),
                    },
                });
            }
            Err(e) => self.role_error = Some(refusal(&e)),
        }
    }

    fn loaded_reissue(&mut self, answer: Answer) {
        match decode::<AppWithKey>(answer) {
            Ok(a) => {
                let role = a.app.role.clone().unwrap_or_default();
                let rules = if role.is_empty() {
                    s::NO_ROLE.to_string()
                } else {
                    s::reused_role(&role)
                };
                self.issued_from(Issued {
                    role,
                    rules,
                    app: a.app.name,
                    key: a.api_key,
                });
            }
            Err(e) => self.key_error = Some(refusal(&e)),
        }
    }

    fn loaded_tables(&mut self, answer: Answer, cx: &mut Cx) {
        match decode::<Resources<Named>>(answer) {
            Ok(list) => match list.resource.into_iter().next() {
                Some(t) => {
                    cx.call(SCHEMA, calls::table_schema(&self.service, &t.name));
                    self.table = Some(t.name);
                    self.running = Some(Running::Schema);
                }
                None => self.try_error = Some(s::NO_TABLE.into()),
            },
            Err(e) => self.try_error = Some(refusal(&e)),
        }
    }

    fn loaded_schema(&mut self, answer: Answer, cx: &mut Cx) {
        let (schema, table) = match (decode::<TableSchema>(answer), self.table.clone()) {
            (Ok(schema), Some(table)) => (schema, table),
            (Err(e), _) => return self.try_error = Some(refusal(&e)),
            (Ok(_), None) => return,
        };
        // Columns a GraphQL selection can name, in the table's order.
        self.columns = schema
            .fields
            .iter()
            .map(|f| f.name.clone())
            .filter(|n| graphql_name(n))
            .take(COLUMNS)
            .collect();
        let auth = self.key_auth();
        cx.call(
            REST,
            calls::rows(&self.service, &table, &[("limit", &ROWS.to_string())]).auth(auth.clone()),
        );
        cx.call(
            GRAPHQL,
            calls::graphql(&self.service, &self.query(&table)).auth(auth),
        );
        self.running = Some(Running::Calls);
    }

    fn loaded_rest(&mut self, answer: Answer) {
        self.rest = Some(match answer {
            Ok(body) => {
                let rows = body.get("resource").cloned().unwrap_or(Value::Null);
                Outcome::ok(self.rows_of(&rows))
            }
            Err(e) => Outcome::failed(&e),
        });
        self.calls_done();
    }

    fn loaded_graphql(&mut self, answer: Answer) {
        self.graphql = Some(match answer {
            Ok(body) => {
                let first_error = body
                    .get("errors")
                    .and_then(Value::as_array)
                    .and_then(|e| e.first())
                    .map(|e| {
                        e.get("message")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    });
                let table = self.table.clone().unwrap_or_default();
                let rows = body
                    .get("data")
                    .and_then(|d| d.get(&table))
                    .cloned()
                    .unwrap_or(Value::Null);
                let mut o = Outcome::ok(self.rows_of(&rows));
                if let Some(m) = first_error {
                    o.ok = false;
                    o.message = Some(m);
                }
                o
            }
            Err(e) => Outcome::failed(&e),
        });
        self.calls_done();
    }

    fn calls_done(&mut self) {
        if self.rest.is_some() && self.graphql.is_some() {
            self.running = None;
        }
    }

    /// The first rows, as the text of the chosen columns.
    fn rows_of(&self, rows: &Value) -> Vec<Vec<String>> {
        rows.as_array()
            .map(|rows| {
                rows.iter()
                    .take(ROWS)
                    .map(|r| {
                        self.columns
                            .iter()
                            .map(|c| r.get(c).map(cell).unwrap_or_default())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn cancelled(&mut self) {
        match self.running.take() {
            Some(Running::Calls) => {
                let stop = Outcome {
                    status: s::CANCELLED.into(),
                    ok: false,
                    rows: Vec::new(),
                    message: None,
                };
                self.rest.get_or_insert_with(|| stop.clone());
                self.graphql.get_or_insert(stop);
            }
            Some(Running::Tables | Running::Schema) => {
                self.try_error = Some(s::CANCELLED.into());
            }
            Some(Running::Reissue) => self.key_error = Some(s::CANCELLED.into()),
            Some(Running::Quickstart | Running::LookUp) => {
                self.role_error.get_or_insert_with(|| s::CANCELLED.into());
            }
            None => {}
        }
    }
}

impl Outcome {
    fn ok(rows: Vec<Vec<String>>) -> Self {
        Outcome {
            status: format!("200 {}", s::reason(200)),
            ok: true,
            rows,
            message: None,
        }
    }

    fn failed(e: &ClientError) -> Self {
        let (status, message) = match e {
            ClientError::Api {
                status, message, ..
            } => (
                format!("{status} {}", s::reason(*status)),
                Some(message.clone()),
            ),
            ClientError::Cancelled => (s::CANCELLED.into(), None),
            other => (s::UNREADABLE.into(), Some(other.to_string())),
        };
        Outcome {
            status: status.trim_end().to_string(),
            ok: false,
            rows: Vec::new(),
            message,
        }
    }
}

/// A refusal as shown on its step: the status and the envelope's sentence.
fn refusal(e: &ClientError) -> String {
    match e {
        ClientError::Api {
            status, message, ..
        } => format!("{status}: {message}"),
        other => other.to_string(),
    }
}

/// A role's rules as one line: `_table/* GET · _schema/* GET`.
fn rules_line(access: &[AccessRule]) -> String {
    access
        .iter()
        .map(|r| format!("{} {}", r.component, r.verbs.join(" ")))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A JSON value as a table cell.
fn cell(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

/// Whether GraphQL can name `n` as it is (`[_A-Za-z][_0-9A-Za-z]*`).
fn graphql_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// A shell word in single quotes.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Lines a server's sentence takes below a step: wrapped at words, at most
/// three lines (the last cut with … when more), each indented by `indent`.
fn wrapped(text: &str, indent: usize, width: usize, style: Style) -> Vec<Line<'static>> {
    const MOST: usize = 3;
    let room = width.saturating_sub(indent + 1).max(10);
    let mut rows = wrap(text, room);
    if rows.len() > MOST {
        let rest = rows.split_off(MOST - 1).join(" ");
        rows.push(fit(&rest, room));
    }
    rows.into_iter()
        .map(|r| {
            Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(fit(&r, room), style),
            ])
        })
        .collect()
}

/// `text` cut to `width` columns, with … when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Screen for Guide {
    fn id(&self) -> ScreenId {
        ScreenId::Guide
    }
    fn title(&self) -> String {
        format!("{} · {}", s::TITLE, self.service)
    }
    fn keys(&self) -> Vec<KeyHelp> {
        match self.step() {
            Step::Role if self.again.is_some() => vec![("Enter", s::KEY_AGAIN_HELP)],
            Step::Role => vec![
                ("Enter", s::KEY_MAKE_HELP),
                (s::KEY_CHOOSE, s::KEY_CHOOSE_HELP),
                (s::KEY_ROW, s::KEY_ROW_HELP),
            ],
            Step::Try => vec![
                ("Enter", s::KEY_TRY_HELP),
                ("c", s::KEY_COPY_HELP),
                ("y", s::KEY_CURL_HELP),
            ],
        }
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        if self.running.is_some() {
            // Esc (cancel) is the app's; nothing else starts while a step runs.
            return match key.code {
                KeyCode::Enter => Handled::Consumed,
                _ => Handled::Ignored,
            };
        }
        match (self.step(), key.code) {
            (Step::Role, KeyCode::Enter) => self.make(cx),
            (Step::Role, KeyCode::Left | KeyCode::Char('h')) if self.again.is_none() => {
                self.shift(-1)
            }
            (Step::Role, KeyCode::Right | KeyCode::Char('l')) if self.again.is_none() => {
                self.shift(1)
            }
            (Step::Role, KeyCode::Char(c @ '1'..='3')) if self.again.is_none() => {
                self.choose(usize::from(c as u8 - b'1'))
            }
            (Step::Role, KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab)
                if self.again.is_none() =>
            {
                self.on_parts = !self.on_parts
            }
            (Step::Try, KeyCode::Enter) => self.try_it(cx),
            (Step::Try, KeyCode::Char('c')) => match self.key_text() {
                Some(k) => cx.copy(k),
                None => return Handled::Ignored,
            },
            (Step::Try, KeyCode::Char('y')) => match self.curl_lines(cx.server) {
                Some(lines) => cx.copy(lines.text()),
                None => return Handled::Ignored,
            },
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        if matches!(answer, Err(ClientError::Cancelled)) {
            self.cancelled();
            return;
        }
        // Each answer ends what it ran; the next call (if any) sets it again.
        if tag != REST && tag != GRAPHQL {
            self.running = None;
        }
        match tag {
            QUICKSTART => self.loaded_quickstart(answer, cx),
            APPS => self.loaded_apps(answer),
            REISSUE => self.loaded_reissue(answer),
            TABLES => self.loaded_tables(answer, cx),
            SCHEMA => self.loaded_schema(answer, cx),
            REST => self.loaded_rest(answer),
            GRAPHQL => self.loaded_graphql(answer),
            _ => {}
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let lines = self.lines(area.width as usize, area.height as usize, ui);
        frame.render_widget(Paragraph::new(lines), area);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Where the text of a step starts (after "✓ 1 API key  ").
const INDENT: usize = 5;
const LABEL: usize = 9;

impl Guide {
    fn lines(&self, width: usize, height: usize, ui: &Ui) -> Vec<Line<'static>> {
        let t = ui.theme;
        let spin = |what: &str| Span::styled(format!("{} {what}", spinner(ui.frame)), t.key());
        let mut out = vec![
            Line::from(vec![
                Span::styled(format!(" {} ", self.service), t.title()),
                Span::styled(format!("· {}", s::INTRO), t.muted()),
            ]),
            Line::from(""),
        ];
        let text_w = width.saturating_sub(INDENT + LABEL + 1);
        let indent = " ".repeat(INDENT);
        let sub = |text: String, style: Style| {
            Line::from(vec![
                Span::raw(" ".repeat(INDENT)),
                Span::styled(fit(&text, width.saturating_sub(INDENT)), style),
            ])
        };

        // Step 1: the role.
        let done1 = self.issued.is_some();
        let mut head = self.head(1, s::STEP_ROLE, done1, self.step() == Step::Role, t);
        match (&self.issued, self.running) {
            (Some(i), _) => head.push(Span::raw(fit(&format!("{}: {}", i.role, i.rules), text_w))),
            (None, Some(Running::Quickstart)) => head.push(spin(s::MAKING)),
            (None, Some(Running::LookUp)) => head.push(spin(s::LOOKING)),
            (None, _) => head.push(Span::raw(self.role_name())),
        }
        out.push(Line::from(head));
        if !done1 {
            if self.again.is_none() {
                out.push(self.choice_line(
                    s::LEVEL,
                    &s::LEVELS,
                    self.level.index(),
                    s::LEVEL_HELP[self.level.index()],
                    !self.on_parts,
                    t,
                ));
                out.push(self.choice_line(
                    s::PARTS,
                    &s::PARTS_NAMES,
                    self.parts.index(),
                    s::PARTS_HELP[self.parts.index()],
                    self.on_parts,
                    t,
                ));
            }
            if let Some(e) = &self.role_error {
                // A 409 is not a failure: the flow ran before, and goes on.
                let style = if self.again.is_some() || self.running == Some(Running::LookUp) {
                    t.warn()
                } else {
                    t.error()
                };
                out.extend(wrapped(e, INDENT, width, style));
            }
            if self.running.is_none() {
                let offer = match &self.again {
                    None => s::will_make(&self.role_name(), &self.app_name()),
                    Some(Again::Rotate { app, .. }) => s::offer_rotate(app),
                    Some(Again::MakeApp { app, role }) => s::offer_app(app, role),
                };
                out.push(sub(offer, t.key()));
            }
        }

        // Step 2: the key.
        let mut head = self.head(2, s::STEP_KEY, done1, false, t);
        match (&self.issued, self.running) {
            (Some(i), _) => head.push(Span::raw(s::app_line(&i.app))),
            (None, Some(Running::Reissue)) => head.push(spin(s::REISSUING)),
            (None, _) => {
                let how = if self.again.is_some() {
                    s::KEY_NEW
                } else {
                    s::KEY_WITH_ROLE
                };
                head.push(Span::styled(
                    format!("{} · {how}", self.app_name()),
                    t.muted(),
                ))
            }
        }
        out.push(Line::from(head));
        if let Some(e) = &self.key_error {
            out.extend(wrapped(e, INDENT, width, t.error()));
        }
        if let Some(i) = &self.issued {
            // The key whole, alone on its line, to select or read off.
            out.push(Line::from(vec![
                Span::raw(indent.clone()),
                Span::styled(i.key.clone(), t.ok()),
            ]));
            out.push(sub(s::SHOWN_ONCE.into(), t.warn()));
        }

        // Step 3: try it.
        let tried = self.rest.is_some() || self.graphql.is_some();
        let mut head = self.head(3, s::STEP_TRY, tried, self.step() == Step::Try, t);
        head.push(match self.running {
            Some(Running::Tables | Running::Schema) => spin(s::FINDING),
            Some(Running::Calls) => spin(s::CALLING),
            _ if !done1 => Span::styled(s::TRY_FIRST, t.muted()),
            _ if tried => Span::styled(s::TRY_AGAIN, t.key()),
            _ => Span::styled(s::TRY_READY, t.key()),
        });
        out.push(Line::from(head));
        if let Some(e) = &self.try_error {
            out.extend(wrapped(e, INDENT, width, t.error()));
        }
        if let Some(table) = &self.table
            && (tried || self.running == Some(Running::Calls))
        {
            let widths = self.widths(width);
            let rest_call = format!("GET {}", self.rest_path(table));
            out.extend(self.outcome_lines(
                (s::REST, &rest_call),
                self.rest.as_ref(),
                &widths,
                width,
                true,
                t,
            ));
            let query = self.query(table);
            out.extend(self.outcome_lines(
                (s::GRAPHQL, &query),
                self.graphql.as_ref(),
                &widths,
                width,
                false,
                t,
            ));
            if let Some(c) = self.curl_lines(ui.server) {
                out.push(sub(s::CURL.into(), t.muted()));
                // Whole when the panel has room for them, else cut (y copies
                // them whole either way).
                let room = width.saturating_sub(INDENT).max(1);
                let lines = [c.export, c.rest, c.graphql];
                let rows: usize = lines.iter().map(|l| l.chars().count().div_ceil(room)).sum();
                let whole = out.len() + rows <= height;
                for l in lines {
                    if whole {
                        let chars: Vec<char> = l.chars().collect();
                        for piece in chars.chunks(room) {
                            out.push(sub(piece.iter().collect(), Style::new()));
                        }
                    } else {
                        out.push(sub(l, Style::new()));
                    }
                }
            }
        }
        out
    }

    /// "✓ 1 Role     " with the marker of where the step is.
    fn head(&self, n: u8, label: &str, done: bool, current: bool, t: &Theme) -> Vec<Span<'static>> {
        let (mark, style) = if done {
            ("✓", t.ok())
        } else if current {
            ("▶", t.key())
        } else {
            ("·", t.muted())
        };
        vec![
            Span::styled(format!(" {mark} {n} "), style),
            Span::styled(format!("{label:<LABEL$} "), t.title()),
        ]
    }

    fn choice_line(
        &self,
        label: &str,
        names: &[&str; 3],
        chosen: usize,
        help: &str,
        focused: bool,
        t: &Theme,
    ) -> Line<'static> {
        // The marks say it without colour too (NO_COLOR, a plain snapshot).
        let (mark, label_style) = if focused {
            ("›", t.focus())
        } else {
            (" ", t.muted())
        };
        let mut spans = vec![
            Span::raw(" ".repeat(INDENT - 2)),
            Span::styled(format!("{mark} {label:<8}"), label_style),
        ];
        for (i, name) in names.iter().enumerate() {
            spans.push(if i == chosen {
                Span::styled(format!("[{} {name}]", i + 1), t.selected())
            } else {
                Span::raw(format!(" {} {name} ", i + 1))
            });
        }
        spans.push(Span::styled(format!("  {help}"), t.muted()));
        Line::from(spans)
    }

    /// Each column's width in the rows of step 3: as wide as its widest
    /// value, the whole cut to fit.
    fn widths(&self, width: usize) -> Vec<usize> {
        let room = width.saturating_sub(INDENT + LABEL + 1);
        let all = self.rest.iter().chain(self.graphql.iter());
        let mut w: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for o in all {
            for row in &o.rows {
                for (i, v) in row.iter().enumerate() {
                    if let Some(x) = w.get_mut(i) {
                        *x = (*x).max(v.chars().count());
                    }
                }
            }
        }
        // Narrow the widest column until the row fits (two spaces between).
        let gaps = 2 * w.len().saturating_sub(1);
        while w.iter().sum::<usize>() + gaps > room {
            let Some(max) = w.iter_mut().max() else { break };
            if *max <= 4 {
                break;
            }
            *max -= 1;
        }
        w
    }

    /// One call's block of step 3: `(label, call)` with the status, then the
    /// server's message or the rows.
    fn outcome_lines(
        &self,
        (label, call): (&str, &str),
        outcome: Option<&Outcome>,
        widths: &[usize],
        width: usize,
        header: bool,
        t: &Theme,
    ) -> Vec<Line<'static>> {
        let pad = " ".repeat(INDENT + LABEL + 1);
        let row_line = |cells: &[String], style: Style| {
            let text = cells
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{:<w$}", fit(c, *w)))
                .collect::<Vec<_>>()
                .join("  ");
            Line::from(vec![
                Span::raw(pad.clone()),
                Span::styled(text.trim_end().to_string(), style),
            ])
        };
        let mut head = vec![
            Span::raw(" ".repeat(INDENT)),
            Span::styled(format!("{label:<LABEL$} "), t.title()),
        ];
        let status_w;
        match outcome {
            Some(o) => {
                let style = if o.ok { t.ok() } else { t.error() };
                status_w = o.status.chars().count() + 2;
                head.push(Span::styled(format!("{}  ", o.status), style));
            }
            None => {
                status_w = 0;
            }
        }
        let room = width.saturating_sub(INDENT + LABEL + 1 + status_w);
        head.push(Span::styled(fit(call, room), t.muted()));
        let mut out = vec![Line::from(head)];
        let Some(o) = outcome else { return out };
        if let Some(m) = &o.message {
            out.extend(wrapped(m, pad.len(), width, t.error()));
        }
        if o.ok && o.rows.is_empty() {
            out.push(Line::from(vec![
                Span::raw(pad.clone()),
                Span::styled(s::NO_ROWS, t.muted()),
            ]));
        } else if !o.rows.is_empty() {
            if header {
                out.push(row_line(&self.columns, t.muted()));
            }
            for r in &o.rows {
                out.push(row_line(r, Style::new()));
            }
        }
        out
    }
}
