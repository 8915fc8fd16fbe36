//! Creating or editing a service: one form in the three sections of SPEC.md
//! (Basic, Caching, Advanced). The fields a type has no use for are hidden
//! (a SQLite service has a file, not a host). Everything the server would
//! refuse for its shape is checked here first, on the field, before any call;
//! what only the server can know (the file exists, the name is free, the
//! database answers) comes back as its sentence, put on the field it is about.
//!
//! After a create the guided flow takes over (the issue's "after a service is
//! created"); after an edit the admin goes back where they came from.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::{Map, Value};

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::screens::guide::Guide;
use crate::strings::{common as c, services as s};
use crate::widgets::form::{Field, Form, FormKey};
use crate::wire::{Service, ServiceBody, ServiceConfig, TestAnswer};

const SAVE: Tag = Tag(1);
const TEST: Tag = Tag(2);

/// The types a service can have, in the order the choice shows them.
pub const KINDS: &[&str] = &["sqlite", "postgres", "mysql"];
/// As the server's rule (server/src/admin/service/spec.rs).
const MAX_NAME_LEN: usize = 64;

/// The server's connection sentences and the field each is about, checked
/// before the labels are: they also hold words of other fields ("check the
/// host name", a host called `localhost` in a refusal about the database).
const ROUTES: &[(&str, &str)] = &[
    ("the host '", "host"),
    ("no answer within", "host"),
    ("nothing is listening", "port"),
    ("user name or password", "password"),
    ("the database '", "database"),
    ("the schema '", "schema"),
];

/// Fields no SQLite service uses.
const NOT_SQLITE: &[&str] = &["host", "port", "username", "password", "schema"];

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Create,
    /// `name` is the stored name (the PUT's path, even if the form renames
    /// it); `extra` the config keys the form has no field for.
    Edit {
        name: String,
        is_active: bool,
        extra: Map<String, Value>,
    },
}

/// What the last "Test connection" said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tested {
    Running,
    Ok(String),
    Failed,
}

pub struct ServiceForm {
    pub mode: Mode,
    pub form: Form,
    pub tested: Option<Tested>,
    /// A save is on its way: a second Enter does not send it twice.
    pub saving: bool,
    /// The type the hidden fields were last set for.
    kind: &'static str,
}

fn default_port(kind: &str) -> &'static str {
    match kind {
        "postgres" => "5432",
        "mysql" => "3306",
        _ => "",
    }
}

fn fields() -> Vec<Field> {
    vec![
        Field::text("name", s::NAME, s::BASIC),
        Field::text("label", s::LABEL, s::BASIC),
        Field::text("description", s::DESCRIPTION, s::BASIC),
        Field::choice("type", s::TYPE, s::BASIC, KINDS).aliases(&["service type"]),
        Field::text("host", s::HOST, s::BASIC),
        Field::text("port", s::PORT, s::BASIC).aliases(&["port"]),
        Field::text("database", s::DATABASE, s::BASIC).aliases(&["database", "sqlite", "file"]),
        Field::text("username", s::USERNAME, s::BASIC).aliases(&["user '"]),
        Field::password("password", s::PASSWORD, s::BASIC).aliases(&["password"]),
        Field::text("schema", s::SCHEMA, s::BASIC).aliases(&["schema"]),
        Field::toggle("cache_enabled", s::CACHE_ENABLED, s::CACHING, false),
        Field::text("cache_ttl", s::CACHE_TTL, s::CACHING)
            .value("60")
            .aliases(&["ttl"]),
        Field::text("max_records", s::MAX_RECORDS, s::ADVANCED)
            .value("1000")
            .aliases(&["max records"]),
        Field::toggle("read_only", s::READ_ONLY, s::ADVANCED, false),
        Field::text("allow_tables", s::ALLOW_TABLES, s::ADVANCED),
        Field::text("deny_tables", s::DENY_TABLES, s::ADVANCED),
        Field::text("pool_size", s::POOL_SIZE, s::ADVANCED).aliases(&["pool"]),
        Field::text("statement_timeout", s::STATEMENT_TIMEOUT, s::ADVANCED)
            .aliases(&["statement timeout"]),
    ]
}

fn number<T: ToString>(n: Option<T>) -> String {
    n.map(|v| v.to_string()).unwrap_or_default()
}

/// The service name rule of the server, so a bad name is caught before a call.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some(s::NAME_REQUIRED);
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|ch| ch.is_ascii_alphabetic());
    let rest_ok = chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
    if !first_ok || !rest_ok || name.len() > MAX_NAME_LEN {
        return Some(s::NAME_RULE);
    }
    if name.eq_ignore_ascii_case("system") {
        return Some(s::NAME_RESERVED);
    }
    None
}

/// `a, b,,c` → `["a","b","c"]`; nothing → absent (the server's default: all).
fn table_list(text: &str) -> Option<Vec<String>> {
    let list: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    (!list.is_empty()).then_some(list)
}

impl ServiceForm {
    pub fn create() -> Self {
        let mut f = ServiceForm {
            mode: Mode::Create,
            form: Form::new(fields()),
            tested: None,
            saving: false,
            kind: "",
        };
        f.apply_kind();
        f
    }

    /// The form filled with `service` as stored; the password stays empty
    /// (the server never sends it) and empty means "keep it".
    pub fn edit(service: Service) -> Self {
        let cfg = service.config;
        let mut form = Form::new(fields());
        form.set_text("name", &service.name);
        form.set_text("label", &service.label);
        form.set_text("description", &service.description);
        form.set_choice("type", &service.kind);
        form.set_text("host", cfg.host.unwrap_or_default());
        form.set_text("port", number(cfg.port));
        form.set_text("database", cfg.database.unwrap_or_default());
        form.set_text("username", cfg.username.unwrap_or_default());
        form.set_text("schema", cfg.schema.unwrap_or_default());
        form.set_on("cache_enabled", cfg.cache_enabled.unwrap_or(false));
        form.set_text("cache_ttl", number(cfg.cache_ttl));
        form.set_text("max_records", number(cfg.max_records));
        form.set_on("read_only", cfg.read_only.unwrap_or(false));
        form.set_text(
            "allow_tables",
            cfg.allow_tables.unwrap_or_default().join(", "),
        );
        form.set_text(
            "deny_tables",
            cfg.deny_tables.unwrap_or_default().join(", "),
        );
        form.set_text("pool_size", number(cfg.pool_size));
        form.set_text("statement_timeout", number(cfg.statement_timeout));
        let mut f = ServiceForm {
            mode: Mode::Edit {
                name: service.name,
                is_active: service.is_active,
                extra: cfg.extra,
            },
            form,
            tested: None,
            saving: false,
            // The stored port stays as it is.
            kind: "",
        };
        f.kind = f.form.choice("type");
        f.apply_kind();
        f
    }

    /// Shows the fields the chosen type uses and hides the others; on a
    /// switch, an empty (or the other type's default) port becomes this
    /// type's default.
    fn apply_kind(&mut self) {
        let kind = self.form.choice("type");
        let sqlite = kind == "sqlite";
        for key in NOT_SQLITE {
            self.form.set_hidden(key, sqlite);
        }
        if kind == "mysql" {
            self.form.set_hidden("schema", true);
        }
        for f in self.form.fields.iter_mut().filter(|f| f.hidden) {
            f.error = None;
        }
        if let Some(f) = self.form.field_mut("database") {
            f.label = if sqlite { s::SQLITE_FILE } else { s::DATABASE };
        }
        if kind != self.kind {
            let port = self.form.text("port");
            if port.is_empty() || KINDS.iter().any(|k| default_port(k) == port) {
                self.form.set_text("port", default_port(kind));
            }
            self.kind = kind;
        }
    }

    fn shown(&self, key: &str) -> bool {
        self.form.field(key).is_some_and(|f| !f.hidden)
    }

    /// The field's text if it is shown and not empty.
    fn opt_text(&self, key: &str) -> Option<String> {
        let v = self.form.text(key);
        (self.shown(key) && !v.is_empty()).then(|| v.to_string())
    }

    /// Parses a number field, naming the rule on the field when it is broken.
    fn opt_number<T: std::str::FromStr + PartialOrd>(
        &mut self,
        key: &str,
        min: T,
        max: Option<T>,
        rule: &str,
    ) -> Option<T> {
        let text = self.opt_text(key)?;
        match text.parse::<T>() {
            Ok(n) if n >= min && max.as_ref().is_none_or(|m| n <= *m) => Some(n),
            _ => {
                self.form.set_error(key, rule);
                None
            }
        }
    }

    /// The body the form describes, with every client-side problem put on its
    /// field; `None` when there is one. `for_test` checks only what opening
    /// the database needs (a test may run before the service is named).
    fn body(&mut self, for_test: bool) -> Option<ServiceBody> {
        self.form.clear_errors();
        let kind = self.form.choice("type");
        let mut name = self.form.text("name").to_string();
        match name_problem(&name) {
            Some(_) if for_test => name = "test".into(),
            Some(problem) => self.form.set_error("name", problem),
            None => {}
        }
        if self.form.text("database").is_empty() {
            let need = if kind == "sqlite" {
                s::FILE_REQUIRED
            } else {
                s::DATABASE_REQUIRED
            };
            self.form.set_error("database", need);
        }
        let port = self.opt_number::<u16>("port", 1, None, s::PORT_RULE);
        let cache_ttl = self.opt_number::<u64>("cache_ttl", 0, None, s::NUMBER_RULE);
        let max_records = self.opt_number::<u64>("max_records", 0, None, s::NUMBER_RULE);
        let pool_size = self.opt_number::<u32>("pool_size", 1, None, s::POOL_RULE);
        let statement_timeout =
            self.opt_number::<u64>("statement_timeout", 0, None, s::NUMBER_RULE);
        if let Some(first) = self.form.fields.iter().position(|f| f.error.is_some()) {
            self.form.focus = first;
            return None;
        }
        // The password is sent as typed (spaces may be part of it), and only
        // when typed: on an edit, absent keeps the stored one.
        let password = self
            .form
            .field("password")
            .filter(|f| !f.hidden)
            .map(|f| f.input.value().to_string())
            .filter(|p| !p.is_empty());
        let (is_active, extra) = match &self.mode {
            Mode::Create => (None, Map::new()),
            Mode::Edit {
                is_active, extra, ..
            } => (Some(*is_active), extra.clone()),
        };
        let label = match self.form.text("label") {
            "" => name.clone(),
            l => l.to_string(),
        };
        Some(ServiceBody {
            label,
            description: self.form.text("description").to_string(),
            kind: kind.to_string(),
            config: ServiceConfig {
                host: self.opt_text("host"),
                port,
                database: self.opt_text("database"),
                username: self.opt_text("username"),
                password,
                schema: self.opt_text("schema"),
                cache_enabled: Some(self.form.on("cache_enabled")),
                cache_ttl,
                max_records,
                read_only: Some(self.form.on("read_only")),
                allow_tables: table_list(self.form.text("allow_tables")),
                deny_tables: table_list(self.form.text("deny_tables")),
                pool_size,
                statement_timeout,
                extra,
            },
            name,
            is_active: if for_test { None } else { is_active },
        })
    }

    fn submit(&mut self, cx: &mut Cx) {
        if self.saving {
            return;
        }
        let Some(body) = self.body(false) else {
            return;
        };
        self.saving = true;
        let call = match &self.mode {
            Mode::Create => calls::create_service(&body),
            Mode::Edit { name, .. } => calls::update_service(name, &body),
        };
        cx.call(SAVE, call);
    }

    fn test(&mut self, cx: &mut Cx) {
        if self.tested == Some(Tested::Running) {
            return;
        }
        let Some(body) = self.body(true) else {
            self.tested = None;
            return;
        };
        self.tested = Some(Tested::Running);
        cx.call(TEST, calls::test_service(&body));
    }

    /// Puts a server's refusal on the field it is about: a connection
    /// sentence by [`ROUTES`], the rest by the field's wire name, alias or
    /// label (`Form::place_error`); the focus moves there.
    pub fn place(&mut self, message: &str) {
        let lower = message.to_lowercase();
        let credentials = if self.shown("password") {
            "password"
        } else {
            "username"
        };
        let routed = ROUTES
            .iter()
            .find(|(words, _)| lower.contains(words))
            .map(|(_, key)| if *key == "password" { credentials } else { key })
            .filter(|k| self.shown(k));
        match routed {
            Some(key) => {
                self.form.set_error(key, message);
                self.form.focus_on(key);
            }
            None => self.form.place_error(message),
        }
    }

    fn refused(&mut self, e: ClientError) {
        match e {
            ClientError::Cancelled => {}
            ClientError::Api {
                status: 400 | 404 | 409 | 422,
                message,
                ..
            } => self.place(&message),
            other => self.form.error = Some(other.to_string()),
        }
    }
}

impl Screen for ServiceForm {
    fn id(&self) -> ScreenId {
        ScreenId::ServiceForm
    }
    fn title(&self) -> String {
        match &self.mode {
            Mode::Create => s::NEW_TITLE.into(),
            Mode::Edit { name, .. } => format!("{} {name}", s::EDIT_TITLE),
        }
    }
    fn keys(&self) -> Vec<KeyHelp> {
        let submit = match self.mode {
            Mode::Create => s::SUBMIT_NEW,
            Mode::Edit { .. } => s::SUBMIT_EDIT,
        };
        vec![
            ("Enter", submit),
            ("Ctrl-T F2", s::TEST),
            ("Tab S-Tab", c::NEXT_FIELD),
            ("←→ Space", s::CHOOSE),
            ("Ctrl-U", s::CLEAR),
        ]
    }
    fn typing(&self) -> bool {
        self.form.typing()
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        let test = key.code == KeyCode::F(2)
            || (key.code == KeyCode::Char('t') && key.modifiers.contains(KeyModifiers::CONTROL));
        if test {
            self.test(cx);
            return Handled::Consumed;
        }
        match self.form.key(key) {
            FormKey::Submit => self.submit(cx),
            FormKey::Consumed => self.apply_kind(),
            FormKey::Ignored => return Handled::Ignored,
        }
        Handled::Consumed
    }
    fn paste(&mut self, text: &str) {
        self.form.paste(text);
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            SAVE => {
                self.saving = false;
                match decode::<Service>(answer) {
                    Ok(saved) => match self.mode {
                        Mode::Create => cx.replace(Guide::new(&saved.name)),
                        Mode::Edit { .. } => {
                            cx.notice(s::SAVED);
                            cx.pop();
                        }
                    },
                    Err(e) => self.refused(e),
                }
            }
            TEST => match decode::<TestAnswer>(answer) {
                Ok(a) if a.success => self.tested = Some(Tested::Ok(a.message)),
                Ok(a) => {
                    self.tested = Some(Tested::Failed);
                    self.place(&a.message);
                }
                Err(ClientError::Cancelled) => self.tested = None,
                Err(e) => {
                    self.tested = Some(Tested::Failed);
                    self.refused(e);
                }
            },
            _ => {}
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let [head, status, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
        ])
        .areas(area);
        let hint = match self.mode {
            Mode::Create => s::FORM_HINT_NEW,
            Mode::Edit { .. } => s::FORM_HINT_EDIT,
        };
        frame.render_widget(Paragraph::new(Span::styled(hint, t.muted())), head);
        let line = match &self.tested {
            Some(Tested::Running) => Line::from(Span::styled(s::TESTING, t.muted())),
            Some(Tested::Ok(m)) => Line::from(Span::styled(format!("✓ {m}"), t.ok())),
            Some(Tested::Failed) => Line::from(Span::styled(s::TEST_FAILED, t.error())),
            None if self.form.fields.iter().any(|f| f.error.is_some()) => {
                Line::from(Span::styled(s::FIX_FIELDS, t.error()))
            }
            None => Line::from(""),
        };
        frame.render_widget(Paragraph::new(line), status);
        self.form.draw(frame, body, t, true);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
