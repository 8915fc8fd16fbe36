//! The rules editor: a role's name, description and whether it is active,
//! then its access rules, each a service, a component (completed from the
//! service's tables), verbs as toggles and an optional record filter.
//!
//! The client checks only what it can know (a name, and per rule a service, a
//! component and a verb); the filter's grammar and the tables are the
//! server's to judge, and its 400 names the rule and field
//! (`'access[1].filter' …`), so the message is put on that field.

use std::any::Any;
use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::strings::roles as s;
use crate::theme::Theme;
use crate::widgets::input::Input;
use crate::widgets::text::wrap;
use crate::wire::{AccessRule, Named, Resources, Role, RoleBody, Service};

const SERVICES: Tag = Tag(1);
const SAVE: Tag = Tag(2);
/// `Tag(TABLES + i)` answers the `i`-th tables request (see `RuleEditor::asked`).
const TABLES: u16 = 100;

/// The verbs a rule may allow, in the order of the keys 1–5.
pub const VERBS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Components that need no table: the server's wildcards.
const WILDCARDS: [&str; 3] = ["*", "_table/*", "_schema/*"];

/// Suggestions shown at once under the component being typed.
const SHOWN_SUGGESTIONS: usize = 6;

/// The width of the labels left of the values.
const LABEL: usize = 13;

/// A part of one rule that can have the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Service,
    Component,
    Verbs,
    Filter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Name,
    Description,
    Active,
    Rule(usize, Part),
    Save,
}

/// The messages on one rule's fields; `rule` is about the rule as a whole
/// (two rules about the same component).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleErrors {
    pub service: Option<String>,
    pub component: Option<String>,
    pub verbs: Option<String>,
    pub filter: Option<String>,
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRow {
    pub service: String,
    pub component: Input,
    pub verbs: [bool; 5],
    pub filter: Input,
    pub errors: RuleErrors,
}

impl RuleRow {
    fn new(service: &str) -> Self {
        RuleRow {
            service: service.to_string(),
            component: Input::default(),
            verbs: [true, false, false, false, false],
            filter: Input::default(),
            errors: RuleErrors::default(),
        }
    }

    fn from_wire(rule: &AccessRule) -> Self {
        let mut verbs = [false; 5];
        for v in &rule.verbs {
            if let Some(i) = VERBS.iter().position(|x| x.eq_ignore_ascii_case(v)) {
                verbs[i] = true;
            }
        }
        RuleRow {
            service: rule.service.clone(),
            component: Input::new(rule.component.clone()),
            verbs,
            filter: Input::new(rule.filter.clone().unwrap_or_default()),
            errors: RuleErrors::default(),
        }
    }

    fn to_wire(&self) -> AccessRule {
        let filter = self.filter.value().trim();
        AccessRule {
            service: self.service.clone(),
            component: self.component.value().trim().to_string(),
            verbs: VERBS
                .iter()
                .zip(self.verbs)
                .filter(|(_, on)| *on)
                .map(|(v, _)| (*v).to_string())
                .collect(),
            filter: (!filter.is_empty()).then(|| filter.to_string()),
        }
    }
}

/// A service's tables, for completing components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tables {
    Loading,
    Loaded(Vec<String>),
    Failed(String),
}

pub struct RuleEditor {
    /// The role being edited (PUT), or None for a new one (POST).
    pub id: Option<i64>,
    original_name: String,
    pub name: Input,
    pub name_error: Option<String>,
    pub description: Input,
    pub description_error: Option<String>,
    pub active: bool,
    pub rules: Vec<RuleRow>,
    pub focus: Focus,
    /// Which verb Space toggles while the verbs have the focus.
    pub verb_cursor: usize,
    /// The active services' names (a rule may name only those).
    pub services: Option<Result<Vec<String>, String>>,
    pub tables: HashMap<String, Tables>,
    /// The services whose tables were asked for, by tag offset.
    asked: Vec<String>,
    /// The highlighted suggestion (↑/↓), taken by Enter.
    pub pick: Option<usize>,
    /// Esc closed the suggestions; typing opens them again.
    hide_suggestions: bool,
    /// A message about the whole role (one no field is named in).
    pub error: Option<String>,
    pub saving: bool,
}

impl RuleEditor {
    pub fn create() -> Self {
        RuleEditor {
            id: None,
            original_name: String::new(),
            name: Input::default(),
            name_error: None,
            description: Input::default(),
            description_error: None,
            active: true,
            rules: vec![RuleRow::new("")],
            focus: Focus::Name,
            verb_cursor: 0,
            services: None,
            tables: HashMap::new(),
            asked: Vec::new(),
            pick: None,
            hide_suggestions: false,
            error: None,
            saving: false,
        }
    }

    pub fn edit(role: Role) -> Self {
        RuleEditor {
            id: Some(role.id),
            original_name: role.name.clone(),
            name: Input::new(role.name),
            description: Input::new(role.description),
            active: role.is_active,
            rules: role.access.iter().map(RuleRow::from_wire).collect(),
            ..RuleEditor::create()
        }
    }

    /// The body a save sends.
    pub fn body(&self) -> RoleBody {
        RoleBody {
            name: self.name.value().trim().to_string(),
            description: self.description.value().trim().to_string(),
            is_active: Some(self.active),
            access: self.rules.iter().map(RuleRow::to_wire).collect(),
        }
    }

    /// Every place the focus can be, in Tab order.
    fn stops(&self) -> Vec<Focus> {
        let mut v = vec![Focus::Name, Focus::Description, Focus::Active];
        for i in 0..self.rules.len() {
            for p in [Part::Service, Part::Component, Part::Verbs, Part::Filter] {
                v.push(Focus::Rule(i, p));
            }
        }
        v.push(Focus::Save);
        v
    }

    fn step(&mut self, forward: bool) {
        let stops = self.stops();
        let n = stops.len();
        let at = stops.iter().position(|f| *f == self.focus).unwrap_or(0);
        self.focus = stops[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
        self.pick = None;
        self.hide_suggestions = false;
    }

    fn rule_index(&self) -> Option<usize> {
        match self.focus {
            Focus::Rule(i, _) => Some(i),
            _ => None,
        }
    }

    /// The focused text input, if the focus is on one.
    fn input_mut(&mut self) -> Option<&mut Input> {
        match self.focus {
            Focus::Name => Some(&mut self.name),
            Focus::Description => Some(&mut self.description),
            Focus::Rule(i, Part::Component) => self.rules.get_mut(i).map(|r| &mut r.component),
            Focus::Rule(i, Part::Filter) => self.rules.get_mut(i).map(|r| &mut r.filter),
            _ => None,
        }
    }

    fn on_text(&self) -> bool {
        matches!(
            self.focus,
            Focus::Name
                | Focus::Description
                | Focus::Rule(_, Part::Component)
                | Focus::Rule(_, Part::Filter)
        )
    }

    fn clear_focused_error(&mut self) {
        match self.focus {
            Focus::Name => self.name_error = None,
            Focus::Description => self.description_error = None,
            Focus::Rule(i, p) => {
                if let Some(r) = self.rules.get_mut(i) {
                    r.errors.rule = None;
                    match p {
                        Part::Service => r.errors.service = None,
                        Part::Component => r.errors.component = None,
                        Part::Verbs => r.errors.verbs = None,
                        Part::Filter => r.errors.filter = None,
                    }
                }
            }
            _ => {}
        }
    }

    fn active_services(&self) -> &[String] {
        match &self.services {
            Some(Ok(list)) => list,
            _ => &[],
        }
    }

    /// Asks for a service's tables once (again after a failure).
    fn ask_tables(&mut self, service: &str, cx: &mut Cx) {
        if service.is_empty()
            || matches!(
                self.tables.get(service),
                Some(Tables::Loading | Tables::Loaded(_))
            )
        {
            return;
        }
        let Ok(offset) = u16::try_from(self.asked.len()) else {
            return;
        };
        if offset >= u16::MAX - TABLES {
            return;
        }
        self.asked.push(service.to_string());
        self.tables.insert(service.to_string(), Tables::Loading);
        cx.call(Tag(TABLES + offset), calls::tables(service));
    }

    fn add_rule(&mut self, cx: &mut Cx) {
        let at = self.rule_index().map_or(self.rules.len(), |i| i + 1);
        let service = self
            .rule_index()
            .and_then(|i| self.rules.get(i))
            .map(|r| r.service.clone())
            .or_else(|| self.active_services().first().cloned())
            .unwrap_or_default();
        self.rules.insert(at, RuleRow::new(&service));
        self.focus = Focus::Rule(
            at,
            if service.is_empty() {
                Part::Service
            } else {
                Part::Component
            },
        );
        self.pick = None;
        self.hide_suggestions = false;
        self.ask_tables(&service, cx);
    }

    fn delete_rule(&mut self) {
        let Some(i) = self.rule_index() else { return };
        if i >= self.rules.len() {
            return;
        }
        self.rules.remove(i);
        self.focus = if self.rules.is_empty() {
            Focus::Active
        } else {
            Focus::Rule(i.min(self.rules.len() - 1), Part::Service)
        };
        self.pick = None;
    }

    /// ←/→ (or Space) on a rule's service: the next or previous active service.
    fn cycle_service(&mut self, i: usize, forward: bool, cx: &mut Cx) {
        let list = self.active_services().to_vec();
        if list.is_empty() {
            return;
        }
        let Some(rule) = self.rules.get_mut(i) else {
            return;
        };
        let n = list.len();
        let next = match list.iter().position(|x| *x == rule.service) {
            Some(at) if forward => (at + 1) % n,
            Some(at) => (at + n - 1) % n,
            None => 0,
        };
        rule.service = list[next].clone();
        rule.errors.service = None;
        let service = rule.service.clone();
        self.ask_tables(&service, cx);
    }

    fn toggle_verb(&mut self, i: usize, verb: usize) {
        if let Some(r) = self.rules.get_mut(i)
            && verb < VERBS.len()
        {
            r.verbs[verb] = !r.verbs[verb];
            r.errors.verbs = None;
        }
    }

    /// The components the focused rule's service offers, wildcards first,
    /// then the tables' records, then their schemas.
    fn candidates(&self, service: &str) -> Vec<String> {
        let mut out: Vec<String> = WILDCARDS.iter().map(|w| (*w).to_string()).collect();
        if let Some(Tables::Loaded(tables)) = self.tables.get(service) {
            out.extend(tables.iter().map(|t| format!("_table/{t}")));
            out.extend(tables.iter().map(|t| format!("_schema/{t}")));
        }
        out
    }

    /// The suggestions for the component being typed: those that start with
    /// the text (any case), then those that contain it. Empty when the focus
    /// is elsewhere or the text is already one of them.
    pub fn suggestions(&self) -> Vec<String> {
        let Focus::Rule(i, Part::Component) = self.focus else {
            return Vec::new();
        };
        let Some(rule) = self.rules.get(i) else {
            return Vec::new();
        };
        let typed = rule.component.value().trim().to_lowercase();
        let all = self.candidates(&rule.service);
        if all.iter().any(|c| c.to_lowercase() == typed) {
            return Vec::new();
        }
        let (mut starts, mut contains) = (Vec::new(), Vec::new());
        for c in all {
            let l = c.to_lowercase();
            if l.starts_with(&typed) {
                starts.push(c);
            } else if l.contains(&typed) {
                contains.push(c);
            }
        }
        starts.extend(contains);
        starts
    }

    fn suggestions_open(&self) -> bool {
        !self.hide_suggestions && !self.suggestions().is_empty()
    }

    /// Tab on a component: the only match, or the longest prefix the matches
    /// share. False when that adds nothing (then Tab moves on).
    pub fn complete(&mut self) -> bool {
        let Focus::Rule(i, Part::Component) = self.focus else {
            return false;
        };
        let all = self.suggestions();
        let Some(rule) = self.rules.get_mut(i) else {
            return false;
        };
        let typed = rule.component.value().trim().to_lowercase();
        let starts: Vec<&String> = all
            .iter()
            .filter(|c| c.to_lowercase().starts_with(&typed))
            .collect();
        let new = match (starts.as_slice(), all.as_slice()) {
            ([one], _) => (*one).clone(),
            ([], [one]) => one.clone(),
            ([], _) => return false,
            (many, _) => common_prefix(many),
        };
        if new.chars().count() <= typed.chars().count() && new.to_lowercase() == typed {
            return false;
        }
        rule.component.set(new);
        rule.errors.component = None;
        self.pick = None;
        true
    }

    fn take_pick(&mut self) -> bool {
        let (Some(p), Focus::Rule(i, Part::Component)) = (self.pick, self.focus) else {
            return false;
        };
        let Some(choice) = self.suggestions().get(p).cloned() else {
            return false;
        };
        if let Some(r) = self.rules.get_mut(i) {
            r.component.set(choice);
            r.errors.component = None;
        }
        self.pick = None;
        true
    }

    fn clear_errors(&mut self) {
        self.error = None;
        self.name_error = None;
        self.description_error = None;
        for r in &mut self.rules {
            r.errors = RuleErrors::default();
        }
    }

    /// What the client can check; the focus goes to the first problem.
    fn validate(&mut self) -> bool {
        let mut first: Option<Focus> = None;
        if self.name.value().trim().is_empty() {
            self.name_error = Some(s::NEED_NAME.into());
            first.get_or_insert(Focus::Name);
        }
        for (i, r) in self.rules.iter_mut().enumerate() {
            if r.service.is_empty() {
                r.errors.service = Some(s::NEED_SERVICE.into());
                first.get_or_insert(Focus::Rule(i, Part::Service));
            }
            if r.component.value().trim().is_empty() {
                r.errors.component = Some(s::NEED_COMPONENT.into());
                first.get_or_insert(Focus::Rule(i, Part::Component));
            }
            if !r.verbs.iter().any(|v| *v) {
                r.errors.verbs = Some(s::NEED_VERB.into());
                first.get_or_insert(Focus::Rule(i, Part::Verbs));
            }
        }
        match first {
            Some(f) => {
                self.focus = f;
                self.hide_suggestions = true;
                false
            }
            None => true,
        }
    }

    fn save(&mut self, cx: &mut Cx) {
        self.clear_errors();
        if !self.validate() {
            return;
        }
        let body = self.body();
        let call = match self.id {
            Some(id) => calls::update_role(id, &body),
            None => calls::create_role(&body),
        };
        self.saving = true;
        cx.call(SAVE, call);
    }

    /// Puts a server's refusal on the field it names: `'access[i].field'`
    /// on that rule's field, `'access[i]'` on the rule, `'name'` (or a
    /// taken name) on the name; anything else above the form.
    pub fn place_error(&mut self, message: &str) {
        if let Some((i, field)) = access_path(message)
            && let Some(r) = self.rules.get_mut(i)
        {
            let m = Some(message.to_string());
            let part = match field.as_deref() {
                Some("service") => {
                    r.errors.service = m;
                    Part::Service
                }
                Some("component") => {
                    r.errors.component = m;
                    Part::Component
                }
                Some("verbs") => {
                    r.errors.verbs = m;
                    Part::Verbs
                }
                Some("filter") => {
                    r.errors.filter = m;
                    Part::Filter
                }
                _ => {
                    r.errors.rule = m;
                    Part::Service
                }
            };
            self.focus = Focus::Rule(i, part);
            self.hide_suggestions = true;
            return;
        }
        if message.contains("'name'") || message.contains("role named") {
            self.name_error = Some(message.to_string());
            self.focus = Focus::Name;
        } else if message.contains("'description'") {
            self.description_error = Some(message.to_string());
            self.focus = Focus::Description;
        } else {
            self.error = Some(message.to_string());
        }
    }

    fn key_on_choice(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        let code = key.code;
        match (self.focus, code) {
            (Focus::Active, KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right) => {
                self.active = !self.active;
            }
            (Focus::Rule(i, Part::Service), KeyCode::Char(' ') | KeyCode::Right) => {
                self.cycle_service(i, true, cx);
            }
            (Focus::Rule(i, Part::Service), KeyCode::Left) => self.cycle_service(i, false, cx),
            (Focus::Rule(_, Part::Verbs), KeyCode::Left) => {
                self.verb_cursor = (self.verb_cursor + VERBS.len() - 1) % VERBS.len();
            }
            (Focus::Rule(_, Part::Verbs), KeyCode::Right) => {
                self.verb_cursor = (self.verb_cursor + 1) % VERBS.len();
            }
            (Focus::Rule(i, Part::Verbs), KeyCode::Char(' ')) => {
                self.toggle_verb(i, self.verb_cursor);
            }
            (Focus::Rule(i, _), KeyCode::Char(c @ '1'..='5')) => {
                let v = (c as usize) - ('1' as usize);
                self.toggle_verb(i, v);
                if matches!(self.focus, Focus::Rule(_, Part::Verbs)) {
                    self.verb_cursor = v;
                }
            }
            (_, KeyCode::Char('a')) => self.add_rule(cx),
            (Focus::Rule(..), KeyCode::Char('x')) => self.delete_rule(),
            _ => return Handled::Ignored,
        }
        Handled::Consumed
    }

    fn title_text(&self) -> String {
        match self.id {
            Some(_) => s::edit_title(&self.original_name),
            None => s::NEW_TITLE.into(),
        }
    }
}

/// `'access[3].filter' …` → (3, Some("filter")); `'access[3]' …` → (3, None).
fn access_path(message: &str) -> Option<(usize, Option<String>)> {
    let start = message.find("'access[")? + "'access[".len();
    let rest = &message[start..];
    let close = rest.find(']')?;
    let index: usize = rest[..close].parse().ok()?;
    let after = &rest[close + 1..];
    let field = after
        .strip_prefix('.')
        .and_then(|f| f.split('\'').next())
        .map(str::to_string);
    Some((index, field))
}

/// The `N` of a server's `(at position N)`: where in the filter it stopped.
pub(crate) fn error_position(message: &str) -> Option<usize> {
    let start = message.rfind("(at position ")? + "(at position ".len();
    let rest = &message[start..];
    rest[..rest.find(')')?].trim().parse().ok()
}

/// The longest prefix (any case) the strings share, spelled as the first.
fn common_prefix(items: &[&String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut len = first.chars().count();
    for other in &items[1..] {
        len = first
            .chars()
            .zip(other.chars())
            .take(len)
            .take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase()))
            .count();
    }
    first.chars().take(len).collect()
}

impl Screen for RuleEditor {
    fn id(&self) -> ScreenId {
        ScreenId::RuleEditor
    }
    fn title(&self) -> String {
        self.title_text()
    }
    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            ("Ctrl-S", s::K_SAVE),
            ("Tab S-Tab", s::K_NEXT),
            ("1-5", s::K_VERB),
            ("a Ctrl-A", s::K_ADD),
            ("x Ctrl-X", s::K_DEL),
            ("Space", s::K_SPACE),
            ("← →", s::K_CHOOSE),
            ("Tab", s::K_COMPLETE),
            ("↑ ↓ Enter", s::K_PICK),
            ("Enter", s::K_ENTER),
        ]
    }
    fn typing(&self) -> bool {
        self.on_text() && !self.saving
    }
    fn enter(&mut self, cx: &mut Cx) {
        if !matches!(self.services, Some(Ok(_))) {
            self.services = None;
            cx.call(SERVICES, calls::services());
        }
        let wanted: Vec<String> = self.rules.iter().map(|r| r.service.clone()).collect();
        for svc in wanted {
            self.ask_tables(&svc, cx);
        }
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        if self.saving {
            return Handled::Ignored;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl {
            match key.code {
                KeyCode::Char('s') => self.save(cx),
                KeyCode::Char('a') => self.add_rule(cx),
                KeyCode::Char('x') => self.delete_rule(),
                KeyCode::Char('u') => {
                    if let Some(input) = self.input_mut() {
                        input.key(key);
                    }
                    self.clear_focused_error();
                }
                _ => return Handled::Ignored,
            }
            return Handled::Consumed;
        }
        if self.suggestions_open() {
            let n = self.suggestions().len().min(SHOWN_SUGGESTIONS);
            match key.code {
                KeyCode::Down => {
                    self.pick = Some(self.pick.map_or(0, |p| (p + 1) % n));
                    return Handled::Consumed;
                }
                KeyCode::Up => {
                    self.pick = Some(self.pick.map_or(n - 1, |p| (p + n - 1) % n));
                    return Handled::Consumed;
                }
                KeyCode::Enter if self.pick.is_some() => {
                    self.take_pick();
                    return Handled::Consumed;
                }
                KeyCode::Esc => {
                    self.hide_suggestions = true;
                    self.pick = None;
                    return Handled::Consumed;
                }
                _ => {}
            }
        }
        match key.code {
            KeyCode::Tab => {
                if !self.complete() {
                    self.step(true);
                }
                return Handled::Consumed;
            }
            KeyCode::Down => {
                self.step(true);
                return Handled::Consumed;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.step(false);
                return Handled::Consumed;
            }
            KeyCode::Enter => {
                if self.focus == Focus::Save {
                    self.save(cx);
                } else {
                    self.step(true);
                }
                return Handled::Consumed;
            }
            _ => {}
        }
        if self.on_text() {
            let Some(input) = self.input_mut() else {
                return Handled::Ignored;
            };
            if !input.key(key) {
                return Handled::Ignored;
            }
            self.clear_focused_error();
            self.pick = None;
            self.hide_suggestions = false;
            return Handled::Consumed;
        }
        self.key_on_choice(key, cx)
    }
    fn paste(&mut self, text: &str) {
        if let Some(input) = self.input_mut() {
            input.insert_str(text);
        }
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            SERVICES => match decode::<Resources<Service>>(answer) {
                Ok(list) => {
                    let names: Vec<String> = list
                        .resource
                        .into_iter()
                        .filter(|svc| svc.is_active)
                        .map(|svc| svc.name)
                        .collect();
                    if let Some(first) = names.first().cloned() {
                        for r in &mut self.rules {
                            if r.service.is_empty() {
                                r.service = first.clone();
                            }
                        }
                        self.ask_tables(&first, cx);
                    }
                    self.services = Some(Ok(names));
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.services = Some(Err(e.to_string())),
            },
            SAVE => {
                self.saving = false;
                match decode::<Role>(answer) {
                    Ok(role) => {
                        cx.notice(s::saved(&role.name));
                        cx.pop();
                    }
                    Err(ClientError::Cancelled) => {}
                    Err(e) => self.place_error(&e.to_string()),
                }
            }
            Tag(n) if n >= TABLES => {
                let Some(service) = self.asked.get(usize::from(n - TABLES)).cloned() else {
                    return;
                };
                let state = match decode::<Resources<Named>>(answer) {
                    Ok(list) => Tables::Loaded(list.resource.into_iter().map(|t| t.name).collect()),
                    Err(ClientError::Cancelled) => {
                        self.tables.remove(&service);
                        return;
                    }
                    Err(e) => Tables::Failed(e.to_string()),
                };
                self.tables.insert(service, state);
            }
            _ => {}
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let [body, save] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        let width = body.width as usize;
        let mut lines: Vec<Line> = Vec::new();
        let mut focus_line = 0;
        let mut component_line: Option<(usize, usize)> = None;
        let err = |lines: &mut Vec<Line>, indent: usize, text: &str| {
            for l in wrap(&format!("! {text}"), width.saturating_sub(indent + 1)) {
                lines.push(Line::from(Span::styled(
                    format!("{:indent$}{l}", ""),
                    t.error(),
                )));
            }
        };
        if let Some(e) = &self.error {
            err(&mut lines, 0, e);
        }
        if let Some(Err(e)) = &self.services {
            err(&mut lines, 0, &s::services_failed(e));
        }
        let value_w = width.saturating_sub(LABEL + 2);
        let editing = !self.saving;
        // Name, description, active.
        for (f, label, input, e) in [
            (Focus::Name, s::NAME, &self.name, &self.name_error),
            (
                Focus::Description,
                s::DESCRIPTION,
                &self.description,
                &self.description_error,
            ),
        ] {
            let focused = editing && self.focus == f;
            if focused {
                focus_line = lines.len();
            }
            let mut spans = vec![label_span(label, focused, LABEL + 1, t)];
            spans.extend(input.spans(focused, value_w, t));
            lines.push(Line::from(spans));
            if let Some(e) = e {
                err(&mut lines, LABEL + 1, e);
            }
        }
        let focused = editing && self.focus == Focus::Active;
        if focused {
            focus_line = lines.len();
        }
        lines.push(Line::from(vec![
            label_span(s::ACTIVE, focused, LABEL + 1, t),
            Span::styled(
                if self.active { "[x] yes" } else { "[ ] no" },
                if focused {
                    t.selected()
                } else {
                    Style::default()
                },
            ),
        ]));
        lines.push(Line::from(vec![
            Span::styled(format!("── {} ── ", s::RULES), t.title()),
            Span::styled(s::RULES_HINT, t.muted()),
        ]));
        if self.rules.is_empty() {
            lines.push(Line::from(Span::styled(s::NO_RULES, t.muted())));
        }
        let inner = 3;
        let sub_label = 11;
        for (i, r) in self.rules.iter().enumerate() {
            let at = |p: Part| editing && self.focus == Focus::Rule(i, p);
            let number = format!("{:<inner$}", i + 1);
            let rule_focused = editing && self.rule_index() == Some(i);
            // Line 1: service and component.
            let mut spans = vec![Span::styled(
                format!("{}{number}", if rule_focused { "›" } else { " " }),
                if rule_focused { t.focus() } else { t.title() },
            )];
            spans.push(label_span(s::SERVICE, at(Part::Service), sub_label, t));
            let svc = if r.service.is_empty() {
                s::NO_SERVICE.to_string()
            } else {
                r.service.clone()
            };
            // The value stays where it is with the focus; ←/→ says how to change it.
            let hint = if at(Part::Service) {
                format!(" {}", s::ARROWS)
            } else {
                String::new()
            };
            let svc_w = 18usize.max(svc.chars().count() + hint.chars().count() + 1);
            spans.push(Span::styled(
                svc.clone(),
                if at(Part::Service) {
                    t.selected()
                } else {
                    Style::default()
                },
            ));
            spans.push(Span::styled(hint.clone(), t.muted()));
            spans.push(Span::raw(format!(
                "{:w$}",
                "",
                w = svc_w - svc.chars().count() - hint.chars().count()
            )));
            spans.push(label_span(s::COMPONENT, at(Part::Component), 11, t));
            let used = 1 + inner + sub_label + svc_w + 11;
            spans.extend(
                r.component
                    .spans(at(Part::Component), width.saturating_sub(used + 1), t),
            );
            if at(Part::Service) || at(Part::Component) {
                focus_line = lines.len();
            }
            if at(Part::Component) {
                component_line = Some((lines.len(), used));
            }
            lines.push(Line::from(spans));
            let pad = 1 + inner;
            if let Some(e) = &r.errors.rule {
                err(&mut lines, pad, e);
            }
            if let Some(e) = &r.errors.service {
                err(&mut lines, pad + sub_label, e);
            }
            if let Some(e) = &r.errors.component {
                err(&mut lines, pad + sub_label, e);
            }
            // Line 2: verbs.
            let mut spans = vec![
                Span::raw(format!("{:pad$}", "")),
                label_span(s::VERBS, at(Part::Verbs), sub_label, t),
            ];
            for (j, v) in VERBS.iter().enumerate() {
                let on = r.verbs[j];
                let style = if at(Part::Verbs) && self.verb_cursor == j {
                    t.selected()
                } else if on {
                    t.title()
                } else {
                    t.muted()
                };
                spans.push(Span::styled(
                    format!("[{}] {v}", if on { "x" } else { " " }),
                    style,
                ));
                spans.push(Span::raw("  "));
            }
            if at(Part::Verbs) {
                focus_line = lines.len();
            }
            lines.push(Line::from(spans));
            if let Some(e) = &r.errors.verbs {
                err(&mut lines, pad + sub_label, e);
            }
            // Line 3: filter.
            let mut spans = vec![
                Span::raw(format!("{:pad$}", "")),
                label_span(s::FILTER_LABEL, at(Part::Filter), sub_label, t),
            ];
            if r.filter.value().is_empty() && !at(Part::Filter) {
                spans.push(Span::styled(s::FILTER_HINT, t.muted()));
            } else {
                spans.extend(r.filter.spans(
                    at(Part::Filter),
                    width.saturating_sub(pad + sub_label + 1),
                    t,
                ));
            }
            if at(Part::Filter) {
                focus_line = lines.len();
            }
            lines.push(Line::from(spans));
            if let Some(e) = &r.errors.filter {
                // A caret under the character the server stopped at.
                if let Some(at) = error_position(e)
                    && at < width.saturating_sub(pad + sub_label + 1)
                {
                    lines.push(Line::from(Span::styled(
                        format!("{:w$}^", "", w = pad + sub_label + at),
                        t.error(),
                    )));
                }
                err(&mut lines, pad + sub_label, e);
            }
        }
        let height = body.height as usize;
        // Keep the focused line, and the lines its messages take, in view.
        let scroll = (focus_line + 4).saturating_sub(height);
        let scroll = scroll.min(focus_line);
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), body);

        // The save button, always in view.
        let on_save = editing && self.focus == Focus::Save;
        let button = format!("[ {} ]", s::SAVE);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(" "),
                Span::styled(button, if on_save { t.selected() } else { t.key() }),
                Span::styled(
                    format!("  {}", if self.saving { s::SAVING } else { s::SAVE_HINT }),
                    t.muted(),
                ),
            ])),
            save,
        );

        // The suggestions, under the component being typed.
        if let (Some((line, x)), true) = (component_line, editing && !self.hide_suggestions) {
            let row = line.saturating_sub(scroll);
            self.draw_suggestions(frame, body, row as u16, x as u16, t);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl RuleEditor {
    fn draw_suggestions(&self, frame: &mut Frame, body: Rect, row: u16, x: u16, t: &Theme) {
        let Focus::Rule(i, Part::Component) = self.focus else {
            return;
        };
        let Some(rule) = self.rules.get(i) else {
            return;
        };
        let found = self.suggestions();
        let mut lines: Vec<Line> = found
            .iter()
            .take(SHOWN_SUGGESTIONS)
            .enumerate()
            .map(|(j, c)| {
                Line::from(Span::styled(
                    format!(" {c}"),
                    if self.pick == Some(j) {
                        t.selected()
                    } else {
                        Style::default()
                    },
                ))
            })
            .collect();
        if found.len() > SHOWN_SUGGESTIONS {
            lines.push(Line::from(Span::styled(
                format!(" … +{}", found.len() - SHOWN_SUGGESTIONS),
                t.muted(),
            )));
        }
        match self.tables.get(&rule.service) {
            Some(Tables::Loading) => {
                lines.push(Line::from(Span::styled(
                    format!(" {}", s::TABLES_LOADING),
                    t.muted(),
                )));
            }
            Some(Tables::Failed(e)) => {
                lines.push(Line::from(Span::styled(
                    format!(" {}", s::tables_failed(e)),
                    t.error(),
                )));
            }
            _ => {}
        }
        if found.is_empty() {
            return;
        }
        let w = lines
            .iter()
            .map(|l| l.width())
            .max()
            .unwrap_or(0)
            .max(s::SUGGESTIONS.chars().count() + 2)
            + 3;
        let h = lines.len() + 2;
        let w = (w as u16).min(body.width);
        let h = (h as u16).min(body.height);
        let x = body.x + x.min(body.width.saturating_sub(w));
        let below = body.y + row + 1;
        let y = if below + h <= body.y + body.height {
            below
        } else {
            (body.y + row).saturating_sub(h).max(body.y)
        };
        let r = Rect::new(x, y, w, h);
        frame.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {} ", s::SUGGESTIONS), t.muted()));
        frame.render_widget(Paragraph::new(lines).block(block), r);
    }
}

fn label_span(label: &str, focused: bool, width: usize, t: &Theme) -> Span<'static> {
    let marker = if focused { "›" } else { " " };
    Span::styled(
        format!("{marker}{label:<w$}", w = width.saturating_sub(1)),
        if focused { t.focus() } else { t.title() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_path_names_the_rule_and_field() {
        assert_eq!(
            access_path("'access[1].filter' is not a valid filter: x (at position 10)"),
            Some((1, Some("filter".into())))
        );
        assert_eq!(
            access_path("'access[2]' is about the same service and component as 'access[0]'"),
            Some((2, None))
        );
        assert_eq!(access_path("'name' is required"), None);
    }

    #[test]
    fn the_position_of_a_filter_error_is_read() {
        assert_eq!(
            error_position("'access[1].filter' is not a valid filter: x (at position 10)"),
            Some(10)
        );
        assert_eq!(
            error_position("Invalid filter: '==' is not an operator; use '=' (at position 7)."),
            Some(7)
        );
        assert_eq!(error_position("no position here"), None);
    }
}
