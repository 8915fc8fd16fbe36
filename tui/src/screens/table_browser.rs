//! A service's tables, read with the admin's session: on the left the tables,
//! on the right the open table's columns and a page of its rows. The rows are
//! asked for with the REST parameters the admin types (`filter`, `fields`,
//! `order`), so the browser is also a place to try a filter before an app
//! uses it; the server's refusal shows under the input it is about.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use serde_json::Value;

use crate::client::{Answer, ClientError, calls, decode};
use crate::screen::{Cx, Handled, KeyHelp, Screen, ScreenId, Tag, Ui};
use crate::strings::services as s;
use crate::theme::Theme;
use crate::widgets::input::Input;
use crate::widgets::list::List;
use crate::widgets::text::wrap;
use crate::wire::{Named, Resources, TableSchema};

const TABLES: Tag = Tag(1);
const SCHEMA: Tag = Tag(2);
/// Rows answers carry `ROWS + n`, n counting the requests, so an answer to a
/// request since replaced (another table, another filter) is dropped.
const ROWS: u16 = 1000;

/// Rows per page: what fits under the columns at 80×24.
pub const PAGE_SIZE: u32 = 10;
/// A column is not narrowed below this; past it, the last columns go.
const MIN_COL: usize = 10;
const MAX_COL: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Tables,
    Filter,
    Fields,
    Order,
}

const PANES: [Pane; 4] = [Pane::Tables, Pane::Filter, Pane::Fields, Pane::Order];

/// A page of rows as text, columns in the order the server sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// All the rows that match (`include_count`).
    pub count: Option<u64>,
}

pub struct TableBrowser {
    pub service: String,
    pub tables: Option<Result<Vec<String>, String>>,
    pub list: List,
    /// The table whose columns and rows are shown.
    pub table: Option<String>,
    pub schema: Option<Result<TableSchema, String>>,
    pub rows: Option<Result<Page, String>>,
    pub filter: Input,
    pub fields: Input,
    pub order: Input,
    /// The server's refusal of the input at the same place in [`PANES`]
    /// (index 0, the tables pane, is unused).
    pub errors: [Option<String>; 4],
    pub pane: Pane,
    /// Where the page shown starts.
    pub offset: u32,
    /// Where the page asked for starts; it becomes `offset` when it comes.
    asked: u32,
    rows_seq: u16,
}

impl TableBrowser {
    pub fn new(service: &str) -> Self {
        TableBrowser {
            service: service.to_string(),
            tables: None,
            list: List::new(vec![s::TABLES_HEAD], vec![1]),
            table: None,
            schema: None,
            rows: None,
            filter: Input::default(),
            fields: Input::default(),
            order: Input::default(),
            errors: Default::default(),
            pane: Pane::Tables,
            offset: 0,
            asked: 0,
            rows_seq: 0,
        }
    }

    fn pane_index(&self) -> usize {
        PANES.iter().position(|p| *p == self.pane).unwrap_or(0)
    }

    fn input_mut(&mut self) -> Option<&mut Input> {
        match self.pane {
            Pane::Tables => None,
            Pane::Filter => Some(&mut self.filter),
            Pane::Fields => Some(&mut self.fields),
            Pane::Order => Some(&mut self.order),
        }
    }

    fn selected_table(&self) -> Option<String> {
        match &self.tables {
            Some(Ok(names)) => self.list.selected().and_then(|i| names.get(i)).cloned(),
            _ => None,
        }
    }

    fn open(&mut self, table: String, cx: &mut Cx) {
        cx.call(SCHEMA, calls::table_schema(&self.service, &table));
        self.schema = None;
        self.rows = None;
        self.table = Some(table);
        self.offset = 0;
        self.load_rows(0, cx);
    }

    /// Asks for the page at `offset` with the inputs as typed.
    fn load_rows(&mut self, offset: u32, cx: &mut Cx) {
        let Some(table) = &self.table else { return };
        self.errors = Default::default();
        self.asked = offset;
        self.rows_seq = self.rows_seq.wrapping_add(1) % (u16::MAX - ROWS);
        let (limit, offset) = (PAGE_SIZE.to_string(), offset.to_string());
        let call = calls::rows(
            &self.service,
            table,
            &[
                ("limit", limit.as_str()),
                ("offset", offset.as_str()),
                ("include_count", "true"),
                ("filter", self.filter.value()),
                ("fields", self.fields.value()),
                ("order", self.order.value()),
            ],
        );
        cx.call(Tag(ROWS + self.rows_seq), call);
    }

    fn has_next(&self) -> bool {
        match &self.rows {
            Some(Ok(page)) => match page.count {
                Some(n) => u64::from(self.offset) + u64::from(PAGE_SIZE) < n,
                None => page.rows.len() as u32 >= PAGE_SIZE,
            },
            _ => false,
        }
    }

    /// A refusal of the rows goes under the input it is about, with the focus.
    fn rows_refused(&mut self, e: ClientError) {
        let message = e.to_string();
        let lower = message.to_lowercase();
        let pane = match e.status() {
            Some(400) if lower.contains("filter") => Some(Pane::Filter),
            Some(400) if lower.contains("order") => Some(Pane::Order),
            Some(400) if lower.contains("field") => Some(Pane::Fields),
            _ => None,
        };
        match pane {
            Some(p) => {
                self.pane = p;
                self.errors[self.pane_index()] = Some(message);
            }
            None => self.rows = Some(Err(message)),
        }
    }

    fn step(&mut self, forward: bool) {
        let i = self.pane_index();
        let n = PANES.len();
        self.pane = PANES[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }
}

/// A JSON value as one line of text.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
        other => other.to_string(),
    }
}

fn page_of(v: Value) -> Result<Page, ClientError> {
    let count = v
        .get("meta")
        .and_then(|m| m.get("count"))
        .and_then(Value::as_u64);
    let Some(items) = v.get("resource").and_then(Value::as_array) else {
        return Err(ClientError::Decode(
            "no \"resource\" list in the rows".into(),
        ));
    };
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        if let Some(obj) = item.as_object() {
            for k in obj.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(c).map(cell).unwrap_or_default())
                .collect()
        })
        .collect();
    Ok(Page {
        columns,
        rows,
        count,
    })
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `w` characters, with `…` when cut.
fn fit(s: &str, w: usize) -> String {
    if width(s) <= w {
        format!("{s:<w$}")
    } else if w == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(w - 1).collect();
        out.push('…');
        out
    }
}

/// Column widths that fit `room`: none wider than [`MAX_COL`] (or half a
/// wide screen), the widest shrink first (down to [`MIN_COL`]), then the
/// last columns are left out. Returns the widths of
/// the columns shown.
pub fn fit_columns(header: &[String], rows: &[Vec<String>], room: usize) -> Vec<usize> {
    let mut w: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .chain([width(h)])
                .max()
                .unwrap_or(1)
                .clamp(1, MAX_COL.max(room / 2))
        })
        .collect();
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(&w) > room {
        match w
            .iter()
            .enumerate()
            .filter(|(_, x)| **x > MIN_COL)
            .max_by_key(|(_, x)| **x)
        {
            Some((i, _)) => w[i] -= 1,
            None if w.len() > 1 => {
                w.pop();
            }
            None => {
                w[0] = room;
                break;
            }
        }
    }
    w
}

/// Header and rows laid out in columns of `widths`, one line each.
fn table_lines(
    header: &[String],
    rows: &[Vec<String>],
    widths: &[usize],
    t: &Theme,
) -> Vec<Line<'static>> {
    let join = |cells: &[String]| {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| fit(cells.get(i).map_or("", String::as_str), *w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![Line::from(Span::styled(join(header), t.title()))];
    out.extend(rows.iter().map(|r| Line::from(join(r))));
    out
}

impl TableBrowser {
    fn draw_inputs(&self, room: usize, t: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        let label_w = [s::FILTER_LABEL, s::FIELDS_LABEL, s::ORDER_LABEL]
            .iter()
            .map(|l| width(l))
            .max()
            .unwrap_or(0);
        for (i, (label, input)) in [
            (s::FILTER_LABEL, &self.filter),
            (s::FIELDS_LABEL, &self.fields),
            (s::ORDER_LABEL, &self.order),
        ]
        .into_iter()
        .enumerate()
        {
            let focused = self.pane == PANES[i + 1];
            let marker = if focused { "›" } else { " " };
            let mut spans = vec![Span::styled(
                format!("{marker}{label:<label_w$} "),
                if focused { t.focus() } else { t.title() },
            )];
            spans.extend(input.spans(focused, room.saturating_sub(label_w + 2), t));
            out.push(Line::from(spans));
            if let Some(e) = &self.errors[i + 1] {
                let pad = " ".repeat(label_w + 2);
                for l in wrap(&format!("! {e}"), room.saturating_sub(label_w + 2)) {
                    out.push(Line::from(Span::styled(format!("{pad}{l}"), t.error())));
                }
            }
        }
        out
    }

    fn status(&self, t: &Theme) -> Line<'static> {
        let Some(table) = &self.table else {
            let text = match &self.tables {
                Some(Ok(names)) if names.is_empty() => s::NO_TABLES_LONG,
                _ => s::PICK_TABLE,
            };
            return Line::from(Span::styled(text, t.muted()));
        };
        let mut spans = vec![Span::styled(table.clone(), t.title())];
        match &self.rows {
            Some(Ok(page)) if page.rows.is_empty() => {
                spans.push(Span::raw(format!(" · {}", s::NO_ROWS)))
            }
            Some(Ok(page)) => {
                let first = self.offset + 1;
                let last = self.offset + page.rows.len() as u32;
                let mut text = format!(" · {} {first}–{last}", s::ROWS_HEAD.to_lowercase());
                if let Some(n) = page.count {
                    text.push_str(&format!(" {} {n}", s::OF));
                }
                spans.push(Span::raw(text));
            }
            Some(Err(e)) => spans.push(Span::styled(format!(" · ! {e}"), t.error())),
            None => spans.push(Span::styled(" · …", t.muted())),
        }
        Line::from(spans)
    }

    fn columns_lines(&self, t: &Theme, room: usize, height: usize) -> Vec<Line<'static>> {
        let schema = match &self.schema {
            Some(Ok(schema)) => schema,
            Some(Err(e)) => return vec![Line::from(Span::styled(format!("! {e}"), t.error()))],
            None => return Vec::new(),
        };
        let header: Vec<String> = [
            s::COLUMNS_HEAD,
            s::COL_TYPE,
            s::COL_DB_TYPE,
            s::COL_NULL,
            s::COL_PK,
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        let rows: Vec<Vec<String>> = schema
            .fields
            .iter()
            .map(|f| {
                vec![
                    f.name.clone(),
                    f.kind.clone(),
                    f.db_type.clone(),
                    if f.allow_null { s::YES } else { "" }.to_string(),
                    if f.is_primary_key { s::YES } else { "" }.to_string(),
                ]
            })
            .collect();
        let widths = fit_columns(&header, &rows, room);
        // The header takes a line; if the columns do not all fit, the last
        // line says how many more there are.
        let fits = height.saturating_sub(1);
        if rows.len() <= fits {
            return table_lines(&header, &rows, &widths, t);
        }
        let shown = fits.saturating_sub(1);
        let mut out = table_lines(&header, &rows[..shown], &widths, t);
        out.push(Line::from(Span::styled(
            format!("+{} {}", rows.len() - shown, s::MORE_FIELDS),
            t.muted(),
        )));
        out
    }

    fn rows_lines(&self, t: &Theme, room: usize) -> Vec<Line<'static>> {
        let Some(Ok(page)) = &self.rows else {
            return Vec::new();
        };
        if page.columns.is_empty() {
            return Vec::new();
        }
        let widths = fit_columns(&page.columns, &page.rows, room);
        let mut out = table_lines(&page.columns, &page.rows, &widths, t);
        let hidden = page.columns.len() - widths.len();
        if hidden > 0 {
            out.push(Line::from(Span::styled(
                format!("+{hidden} {}", s::MORE_COLUMNS),
                t.muted(),
            )));
        }
        out
    }
}

impl Screen for TableBrowser {
    fn id(&self) -> ScreenId {
        ScreenId::TableBrowser
    }
    fn title(&self) -> String {
        format!("{} {}", s::BROWSER_TITLE, self.service)
    }
    fn keys(&self) -> Vec<KeyHelp> {
        let enter = if self.pane == Pane::Tables {
            s::OPEN_TABLE
        } else {
            s::APPLY
        };
        vec![
            ("Enter", enter),
            ("Tab S-Tab", s::NEXT_PANE),
            ("PgDn PgUp", s::PAGE),
            ("↑↓", s::MOVE),
            ("/", s::FILTER_TABLES),
        ]
    }
    fn typing(&self) -> bool {
        self.pane != Pane::Tables || self.list.filtering
    }
    fn enter(&mut self, cx: &mut Cx) {
        cx.call(TABLES, calls::tables(&self.service));
    }
    fn key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        match key.code {
            KeyCode::PageDown if !self.list.filtering => {
                if self.has_next() {
                    self.load_rows(self.offset + PAGE_SIZE, cx);
                }
                return Handled::Consumed;
            }
            KeyCode::PageUp if !self.list.filtering => {
                if self.offset > 0 {
                    self.load_rows(self.offset.saturating_sub(PAGE_SIZE), cx);
                }
                return Handled::Consumed;
            }
            KeyCode::Tab | KeyCode::BackTab if !self.list.filtering => {
                self.step(key.code == KeyCode::Tab);
                return Handled::Consumed;
            }
            _ => {}
        }
        if self.pane == Pane::Tables {
            if self.list.key(key) {
                return Handled::Consumed;
            }
            if key.code == KeyCode::Enter
                && let Some(table) = self.selected_table()
            {
                self.open(table, cx);
                return Handled::Consumed;
            }
            return Handled::Ignored;
        }
        if key.code == KeyCode::Enter {
            self.load_rows(0, cx);
            return Handled::Consumed;
        }
        let i = self.pane_index();
        let used = self.input_mut().is_some_and(|input| input.key(key));
        if used {
            self.errors[i] = None;
            Handled::Consumed
        } else {
            Handled::Ignored
        }
    }
    fn paste(&mut self, text: &str) {
        if let Some(input) = self.input_mut() {
            input.insert_str(text);
        } else if self.list.filtering {
            self.list.filter.insert_str(text);
        }
    }
    fn loaded(&mut self, tag: Tag, answer: Answer, cx: &mut Cx) {
        match tag {
            TABLES => match decode::<Resources<Named>>(answer) {
                Ok(list) => {
                    let names: Vec<String> = list.resource.into_iter().map(|n| n.name).collect();
                    self.list
                        .set_rows(names.iter().map(|n| vec![n.clone()]).collect());
                    self.tables = Some(Ok(names));
                    if self.table.is_none()
                        && let Some(first) = self.selected_table()
                    {
                        self.open(first, cx);
                    }
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.tables = Some(Err(e.to_string())),
            },
            SCHEMA => match decode::<TableSchema>(answer) {
                Ok(schema) if self.table.as_deref() == Some(schema.name.as_str()) => {
                    self.schema = Some(Ok(schema));
                }
                Ok(_) | Err(ClientError::Cancelled) => {}
                Err(e) => self.schema = Some(Err(e.to_string())),
            },
            Tag(n) if n == ROWS + self.rows_seq => match answer.and_then(page_of) {
                Ok(page) => {
                    self.offset = self.asked;
                    self.rows = Some(Ok(page));
                }
                Err(ClientError::Cancelled) => {}
                Err(e) => self.rows_refused(e),
            },
            _ => {}
        }
    }
    fn draw(&self, frame: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let names_w = match &self.tables {
            Some(Ok(names)) => names.iter().map(|n| width(n)).max().unwrap_or(0),
            _ => 0,
        };
        let left_w = (names_w as u16 + 5).clamp(14, (area.width / 3).max(14));
        let [left, right] =
            Layout::horizontal([Constraint::Length(left_w), Constraint::Min(10)]).areas(area);
        let block = Block::default().borders(Borders::RIGHT);
        let list_area = block.inner(left);
        frame.render_widget(block, left);
        match &self.tables {
            None => frame.render_widget(
                Paragraph::new(Span::styled(s::LOADING_TABLES, t.muted())),
                list_area,
            ),
            Some(Ok(names)) if names.is_empty() => frame.render_widget(
                Paragraph::new(Span::styled(s::NO_TABLES, t.muted())),
                list_area,
            ),
            Some(Err(e)) => frame.render_widget(
                Paragraph::new(Span::styled(format!("! {e}"), t.error()))
                    .wrap(ratatui::widgets::Wrap { trim: false }),
                list_area,
            ),
            Some(Ok(_)) => self.list.draw(frame, list_area, t, s::NO_TABLES),
        }
        let right = Rect {
            x: right.x + 1,
            width: right.width.saturating_sub(1),
            ..right
        };
        let room = right.width as usize;
        let inputs = self.draw_inputs(room, t);
        let rows = self.rows_lines(t, room);
        let rest = (right.height as usize).saturating_sub(inputs.len() + 1);
        // The rows first (a page is what the admin came for), the columns
        // in what is left, at least their header and one line.
        let rows_h = rows.len().min(rest.saturating_sub(3));
        let columns_h = rest.saturating_sub(rows_h + 1).max(2);
        let columns = self.columns_lines(t, room, columns_h);
        let [inputs_area, status_area, columns_area, _, rows_area] = Layout::vertical([
            Constraint::Length(inputs.len() as u16),
            Constraint::Length(1),
            Constraint::Length(columns.len() as u16),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(right);
        frame.render_widget(Paragraph::new(inputs), inputs_area);
        frame.render_widget(Paragraph::new(self.status(t)), status_area);
        frame.render_widget(Paragraph::new(columns), columns_area);
        frame.render_widget(Paragraph::new(rows), rows_area);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
