//! Requests → plans: names resolved against the catalog, values typed, limits applied.
//!
//! REST parameters (and, later, GraphQL arguments) are turned into a [`ReadInput`]
//! by their front end; [`plan_read`] turns that into a [`ReadPlan`] that `sql`
//! can build without looking anything up. Every user mistake is found here, as a
//! [`PlanError`] sentence, before any SQL exists. Pure: no I/O.

use std::sync::Arc;

use crate::Backend;
use sea_query::Value;
use serde_json::Value as Json;

use crate::catalog::{Catalog, Column, JsonType, Relation, Table};
use crate::filter::{self, CmpOp, Expr, Ident, Literal, MatchKind};
use crate::value::{self, ValueError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Bad input: 400.
    #[error("{0}")]
    Invalid(String),
    /// Unknown table or relation: 404 when it is the resource itself.
    #[error("{0}")]
    NotFound(String),
}

fn invalid(msg: impl Into<String>) -> PlanError {
    PlanError::Invalid(msg.into())
}

/// An output expression of `fields=`.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldInput {
    Column(String),
    /// `COUNT(*)`, `SUM(col)`, …: `column` is None for `*`.
    Aggregate {
        func: AggFunc,
        column: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFunc {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "count" => Some(AggFunc::Count),
            "sum" => Some(AggFunc::Sum),
            "avg" => Some(AggFunc::Avg),
            "min" => Some(AggFunc::Min),
            "max" => Some(AggFunc::Max),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "COUNT",
            AggFunc::Sum => "SUM",
            AggFunc::Avg => "AVG",
            AggFunc::Min => "MIN",
            AggFunc::Max => "MAX",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInput {
    pub column: String,
    pub desc: bool,
    /// `Some(true)`: NULLs first; `Some(false)`: last; `None`: the database's
    /// default (GraphQL's `asc_nulls_first`…; REST has no syntax for it).
    pub nulls_first: Option<bool>,
}

/// One key of a plan's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// Column index.
    pub column: usize,
    pub desc: bool,
    pub nulls_first: Option<bool>,
}

/// What a caller asks to read, in names; front ends produce this.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadInput {
    /// None: every column.
    pub fields: Option<Vec<FieldInput>>,
    pub filter: Option<Expr>,
    pub order: Vec<OrderInput>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub group: Vec<String>,
    /// Relation name → what to read of it.
    pub related: Vec<(String, ReadInput)>,
    /// `related=*`: every relation of the table, with default parameters.
    pub related_all: bool,
    /// How each row is laid out; `None` for REST's layout.
    pub shape: Option<Vec<ShapeItem>>,
}

/// One key of a row in a GraphQL answer, in selection order: GraphQL names
/// the keys (aliases), may repeat a column or relation under two aliases, and
/// adds `__typename`. REST's rows are the outputs by name, then the relations.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeItem {
    /// The value of output `index` (the position in `fields`).
    Output { key: String, index: usize },
    /// The rows of relation `index` (the position in `related`).
    Related { key: String, index: usize },
    /// A fixed string (`__typename`).
    Text { key: String, value: String },
}

/// A resolved condition: column names are known to exist, values are typed.
///
/// An empty list means what the connective's identity is: `And([])` is true
/// (nothing to satisfy) and `Or([])` is false (no alternative holds), so that
/// `_or: ids.map(…)` over no ids matches nothing and can never widen a write.
/// The smart constructors [`Cond::all`], [`Cond::any`] and [`Cond::negate`]
/// fold those constants away, so a plan holds one only at its top.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        column: String,
        op: CmpOp,
        value: Value,
    },
    IsNull {
        column: String,
        negated: bool,
    },
    In {
        column: String,
        values: Vec<Value>,
        negated: bool,
    },
    /// `pattern` uses `%`/`_` wildcards; when `escaped`, `\` escapes them.
    Like {
        column: String,
        pattern: String,
        negated: bool,
        escaped: bool,
        case: LikeCase,
    },
    Between {
        column: String,
        low: Value,
        high: Value,
    },
    /// Rows whose key columns equal one of the tuples (ids=, by-id access).
    KeyIn {
        columns: Vec<String>,
        tuples: Vec<Vec<Value>>,
    },
}

impl Cond {
    /// The condition every row satisfies.
    pub const TRUE: Cond = Cond::And(Vec::new());
    /// The condition no row satisfies.
    pub const FALSE: Cond = Cond::Or(Vec::new());

    pub fn is_true(&self) -> bool {
        matches!(self, Cond::And(items) if items.is_empty())
    }

    pub fn is_false(&self) -> bool {
        matches!(self, Cond::Or(items) if items.is_empty())
    }

    /// The conjunction of `items`: nested ANDs spliced in, `TRUE`s dropped, and
    /// `FALSE` as soon as one item is false.
    pub fn all(items: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::fold(items, true)
    }

    /// The disjunction of `items`: nested ORs spliced in, `FALSE`s dropped, and
    /// `TRUE` as soon as one item is true.
    pub fn any(items: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::fold(items, false)
    }

    /// AND (`and`) or OR of `items`, whose identity (an empty list of the same
    /// connective) vanishes and whose absorbing constant wins.
    fn fold(items: impl IntoIterator<Item = Cond>, and: bool) -> Cond {
        let mut out = Vec::new();
        for item in items {
            match item {
                Cond::And(inner) if and => out.extend(inner),
                Cond::Or(inner) if !and => out.extend(inner),
                c if (and && c.is_false()) || (!and && c.is_true()) => return c,
                c => out.push(c),
            }
        }
        if out.len() == 1
            && let Some(only) = out.pop()
        {
            return only;
        }
        if and { Cond::And(out) } else { Cond::Or(out) }
    }

    /// NOT `c`, with the constants swapped and a double negation removed.
    /// (SQL's NOT of UNKNOWN stays UNKNOWN either way, so this changes no row.)
    pub fn negate(c: Cond) -> Cond {
        match c {
            c if c.is_true() => Cond::FALSE,
            c if c.is_false() => Cond::TRUE,
            Cond::Not(inner) => *inner,
            c => Cond::Not(Box::new(c)),
        }
    }
}

/// How a `like` (and `contains`, `starts with`, `ends with`) ignores case, which
/// it does on every backend (docs/decisions.md): SQLite's LIKE already does;
/// PostgreSQL has ILIKE (on the text of non-text columns: uuid, enums); MySQL's
/// LIKE follows the column's collation, so both sides are lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeCase {
    Native,
    ILike { cast_to_text: bool },
    Lower,
}

impl LikeCase {
    pub fn of(c: &Column, backend: Backend) -> Self {
        match backend {
            Backend::Postgres => LikeCase::ILike {
                cast_to_text: c.json_type != JsonType::String || c.cast.is_some(),
            },
            Backend::MySql => LikeCase::Lower,
            _ => LikeCase::Native,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Column(usize),
    Aggregate {
        func: AggFunc,
        column: Option<usize>,
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReadPlan {
    pub table: Arc<Table>,
    pub output: Vec<Output>,
    pub group: Vec<usize>,
    pub filter: Option<Cond>,
    pub order: Vec<OrderKey>,
    /// For a related plan: per parent row.
    pub limit: Option<u64>,
    pub offset: u64,
    pub related: Vec<RelatedPlan>,
    /// See [`ShapeItem`]; checked against `output` and `related` when planned.
    pub shape: Option<Vec<ShapeItem>>,
    /// What the whole answer may hold; read from the root plan.
    pub budget: Budget,
}

/// Most rows and bytes one read may answer, related rows included, counted as
/// written: a row embedded under several parents counts once per parent. A
/// 128-byte request (80 tracks → their playlists → those playlists' tracks)
/// answered 103 MB, because per-parent limits bound each level, not the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub rows: u64,
    pub bytes: u64,
}

impl Budget {
    pub const UNLIMITED: Budget = Budget {
        rows: u64::MAX,
        bytes: u64::MAX,
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelatedPlan {
    pub relation: Relation,
    /// Reads `relation.ref_table`.
    pub plan: ReadPlan,
}

impl ReadPlan {
    pub fn is_aggregate(&self) -> bool {
        self.output
            .iter()
            .any(|o| matches!(o, Output::Aggregate { .. }))
    }

    /// Columns the SQL must select: the output plus what relations join on.
    pub fn selected_columns(&self) -> Vec<usize> {
        let mut cols: Vec<usize> = self
            .output
            .iter()
            .filter_map(|o| match o {
                Output::Column(i) => Some(*i),
                Output::Aggregate { .. } => None,
            })
            .collect();
        for rel in &self.related {
            for name in &rel.relation.columns {
                if let Some(i) = self.table.column_index(name)
                    && !cols.contains(&i)
                {
                    cols.push(i);
                }
            }
        }
        cols
    }
}

/// Limits that come from the service, not the request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_records: u64,
    pub backend: Backend,
    pub budget: Budget,
    /// Most terms in an order or a group (the service's `max_list_items`):
    /// past a few thousand a database refuses the statement, so the caller is
    /// told the limit instead.
    pub max_list_items: usize,
}

/// Largest limit or offset sent to the database (`i64::MAX`: drivers bind them
/// as signed integers, and SQLite's would panic on more).
const MAX_SQL_INT: u64 = i64::MAX as u64;

/// Most values in one `ids=` (every one becomes a bound parameter).
pub const MAX_ID_VALUES: usize = 10_000;

/// Deepest `related` nesting accepted.
pub const MAX_RELATED_DEPTH: usize = 4;

pub fn table<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a Arc<Table>, PlanError> {
    catalog.table(name).ok_or_else(|| {
        PlanError::NotFound(format!("Table '{name}' does not exist in this service."))
    })
}

pub fn plan_read(
    table: &Arc<Table>,
    input: &ReadInput,
    catalog: &Catalog,
    limits: Limits,
) -> Result<ReadPlan, PlanError> {
    plan_level(table, input, catalog, limits, 0, true)
}

fn plan_level(
    table: &Arc<Table>,
    input: &ReadInput,
    catalog: &Catalog,
    limits: Limits,
    depth: usize,
    top: bool,
) -> Result<ReadPlan, PlanError> {
    let column = |name: &str, what: &str| -> Result<usize, PlanError> {
        table
            .column_index(name)
            .ok_or_else(|| unknown_column(table, name, what))
    };

    let output = match &input.fields {
        None => (0..table.columns.len()).map(Output::Column).collect(),
        Some(fields) => {
            let mut out = Vec::with_capacity(fields.len());
            for f in fields {
                match f {
                    FieldInput::Column(name) if name == "*" => {
                        out.extend((0..table.columns.len()).map(Output::Column));
                    }
                    FieldInput::Column(name) => out.push(Output::Column(column(name, "fields")?)),
                    FieldInput::Aggregate { func, column: c } => {
                        let idx = match c {
                            Some(c) => Some(column(c, "fields")?),
                            None => None,
                        };
                        if let Some(i) = idx {
                            let ty = table.columns[i].json_type;
                            if matches!(func, AggFunc::Sum | AggFunc::Avg) && !ty.is_numeric() {
                                return Err(invalid(format!(
                                    "{}({}) needs a numeric field; '{}' is {}.",
                                    func.name(),
                                    table.columns[i].name,
                                    table.columns[i].name,
                                    ty.df_name()
                                )));
                            }
                        } else if *func != AggFunc::Count {
                            return Err(invalid(format!(
                                "{}(*) is not valid; name a field, as in {}(Milliseconds).",
                                func.name(),
                                func.name()
                            )));
                        }
                        let name = format!(
                            "{}({})",
                            func.name(),
                            idx.map_or("*", |i| table.columns[i].name.as_str())
                        );
                        out.push(Output::Aggregate {
                            func: *func,
                            column: idx,
                            name,
                        });
                    }
                }
            }
            // Each output once (`fields=*,Name` names Name twice): a JSON object
            // cannot hold a key twice. A set, as `fields=` may be long.
            let mut seen = std::collections::HashSet::with_capacity(out.len());
            out.retain(|o| {
                seen.insert(match o {
                    Output::Column(i) => (None, Some(*i)),
                    Output::Aggregate { func, column, .. } => (Some(*func), *column),
                })
            });
            out
        }
    };

    too_many("group=", input.group.len(), limits)?;
    too_many("order= (GraphQL: order_by)", input.order.len(), limits)?;
    let group = input
        .group
        .iter()
        .map(|g| column(g, "group"))
        .collect::<Result<Vec<_>, _>>()?;
    let aggregate = output.iter().any(|o| matches!(o, Output::Aggregate { .. }));
    if aggregate || !group.is_empty() {
        for o in &output {
            if let Output::Column(i) = o
                && !group.contains(i)
            {
                return Err(invalid(format!(
                    "Field '{}' must be in group= when fields= has aggregates.",
                    table.columns[*i].name
                )));
            }
        }
        if !input.related.is_empty() || input.related_all {
            return Err(invalid(
                "related= cannot be combined with aggregates or group=.",
            ));
        }
    }

    // A filter that holds for every row is no filter; one that holds for none
    // stays, and the statement says `WHERE FALSE`.
    let filter = match &input.filter {
        Some(expr) => Some(resolve(table, expr, limits.backend)?).filter(|c| !c.is_true()),
        None => None,
    };

    let mut order = Vec::with_capacity(input.order.len());
    for o in &input.order {
        let idx = column(&o.column, "order")?;
        if aggregate && !group.contains(&idx) {
            return Err(invalid(format!(
                "order= field '{}' must be in group= when fields= has aggregates.",
                o.column
            )));
        }
        order.push(OrderKey {
            column: idx,
            desc: o.desc,
            nulls_first: o.nulls_first,
        });
    }
    // Rows come in key order, after any order= (whose ties the key breaks), so
    // that paging is stable and every backend answers in the same order.
    if !aggregate {
        for k in &table.primary_key {
            if let Some(i) = table.column_index(k)
                && !order.iter().any(|o| o.column == i)
            {
                order.push(OrderKey {
                    column: i,
                    desc: false,
                    nulls_first: None,
                });
            }
        }
    }

    // `Some(0)` asks for no rows (GraphQL's `limit: 0`, as Hasura answers it);
    // REST reads a limit below 1 as "the default" before it gets here.
    let limit = match input.limit {
        Some(l) if top => Some(l.min(limits.max_records)),
        Some(l) => Some(l),
        None if top => Some(limits.max_records),
        None => None,
    }
    // Bound as a signed 64-bit parameter: a larger value must not reach the driver.
    .map(|l| l.min(MAX_SQL_INT));
    if !top && input.offset.is_some_and(|o| o > 0) {
        return Err(invalid(
            "offset is not supported on related records; use REL.limit and REL.filter.",
        ));
    }

    let mut related = Vec::new();
    if (input.related_all || !input.related.is_empty()) && depth >= MAX_RELATED_DEPTH {
        return Err(invalid(format!(
            "related= nests at most {MAX_RELATED_DEPTH} levels deep."
        )));
    }
    if input.related_all {
        for rel in &table.relations {
            if input.related.iter().any(|(n, _)| n == &rel.name) {
                continue;
            }
            related.push(plan_relation(
                table,
                rel,
                &ReadInput::default(),
                catalog,
                limits,
                depth,
            )?);
        }
    }
    for (name, sub) in &input.related {
        let rel = table.relation(name).ok_or_else(|| {
            let known: Vec<&str> = table.relations.iter().map(|r| r.name.as_str()).collect();
            invalid(format!(
                "Table '{}' has no relation '{name}'. Its relations are: {}.",
                table.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        related.push(plan_relation(table, rel, sub, catalog, limits, depth)?);
    }

    Ok(ReadPlan {
        table: table.clone(),
        group,
        filter,
        order,
        limit,
        offset: input.offset.unwrap_or(0).min(MAX_SQL_INT),
        shape: checked_shape(input.shape.as_ref(), output.len(), related.len())?,
        output,
        related,
        budget: limits.budget,
    })
}

/// Refuses a list (`order=`, `group=`) longer than the service accepts.
fn too_many(what: &str, len: usize, limits: Limits) -> Result<(), PlanError> {
    if len > limits.max_list_items {
        return Err(invalid(format!(
            "{what} lists {len} terms; at most {} are accepted (the service's max_list_items setting).",
            limits.max_list_items
        )));
    }
    Ok(())
}

/// A shape whose indexes all point at an output or a relation of the plan.
fn checked_shape(
    shape: Option<&Vec<ShapeItem>>,
    outputs: usize,
    related: usize,
) -> Result<Option<Vec<ShapeItem>>, PlanError> {
    let Some(items) = shape else {
        return Ok(None);
    };
    for item in items {
        let fits = match item {
            ShapeItem::Output { index, .. } => *index < outputs,
            ShapeItem::Related { index, .. } => *index < related,
            ShapeItem::Text { .. } => true,
        };
        if !fits {
            return Err(invalid("the selection does not match the fields read"));
        }
    }
    Ok(Some(items.clone()))
}

fn plan_relation(
    _table: &Arc<Table>,
    rel: &Relation,
    sub: &ReadInput,
    catalog: &Catalog,
    limits: Limits,
    depth: usize,
) -> Result<RelatedPlan, PlanError> {
    let target = catalog.table(&rel.ref_table).ok_or_else(|| {
        invalid(format!(
            "Relation '{}' points at table '{}', which is not exposed.",
            rel.name, rel.ref_table
        ))
    })?;
    if sub
        .fields
        .as_ref()
        .is_some_and(|f| f.iter().any(|x| matches!(x, FieldInput::Aggregate { .. })))
    {
        return Err(invalid(format!(
            "{}.fields cannot hold aggregates.",
            rel.name
        )));
    }
    let plan = plan_level(target, sub, catalog, limits, depth + 1, false)?;
    Ok(RelatedPlan {
        relation: rel.clone(),
        plan,
    })
}

fn unknown_column(table: &Table, name: &str, what: &str) -> PlanError {
    let known: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    invalid(format!(
        "Unknown field '{name}' in {what}: table '{}' has {}.",
        table.name,
        known.join(", ")
    ))
}

/// The key used for by-id access: the primary key, or `id_field=` when given.
pub fn key_columns(table: &Table, id_field: Option<&str>) -> Result<Vec<String>, PlanError> {
    if let Some(spec) = id_field.filter(|s| !s.trim().is_empty()) {
        let cols: Vec<String> = spec.split(',').map(|s| s.trim().to_string()).collect();
        for c in &cols {
            if table.column(c).is_none() {
                return Err(unknown_column(table, c, "id_field"));
            }
        }
        return Ok(cols);
    }
    if table.primary_key.is_empty() {
        let what = if table.is_view {
            "is a view, which has no primary key"
        } else {
            "has no primary key"
        };
        return Err(invalid(format!(
            "'{}' {what}, so its records cannot be written or addressed by id; name the key with id_field=.",
            table.name
        )));
    }
    Ok(table.primary_key.clone())
}

/// The sentence for an id that matches more than one record: `id_field=` named
/// fields that are not unique, and a request by id must name one record.
pub fn not_unique(table: &Table, key: &[String], id: &str) -> String {
    format!(
        "More than one record in table '{}' has {} '{id}': id_field={} is not unique, so this id names no single record. Use a unique id_field, or filter= to address all of them.",
        table.name,
        key.join(","),
        key.join(",")
    )
}

/// Splits an id (`5`, or `1,2` for a composite key) into one value per key column.
pub fn split_id(key: &[String], id: &str) -> Result<Vec<Json>, PlanError> {
    let parts: Vec<&str> = if key.len() == 1 {
        vec![id]
    } else {
        id.split(',').collect()
    };
    if parts.len() != key.len() {
        return Err(invalid(format!(
            "This table's key has {} fields ({}); give the id as {} values separated by commas.",
            key.len(),
            key.join(", "),
            key.len()
        )));
    }
    Ok(parts
        .into_iter()
        .map(|p| Json::String(p.to_string()))
        .collect())
}

/// `ids=1,2,3` (or `1,2,1,3` for a two-field key) as key tuples.
pub fn split_ids(key: &[String], ids: &str) -> Result<Vec<Vec<Json>>, PlanError> {
    let parts: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(invalid("ids= is empty."));
    }
    if parts.len() > MAX_ID_VALUES {
        return Err(invalid(format!(
            "ids= lists {} values; at most {MAX_ID_VALUES} are accepted: use filter= or several requests.",
            parts.len()
        )));
    }
    if !parts.len().is_multiple_of(key.len()) {
        return Err(invalid(format!(
            "ids= must list whole keys: this table's key has {} fields ({}).",
            key.len(),
            key.join(", ")
        )));
    }
    Ok(parts
        .chunks(key.len())
        .map(|c| c.iter().map(|p| Json::String((*p).to_string())).collect())
        .collect())
}

/// Rows whose `key` columns equal one of `tuples`, values typed per column.
pub fn key_in(
    table: &Table,
    key: &[String],
    tuples: &[Vec<Json>],
    backend: Backend,
) -> Result<Cond, PlanError> {
    if key.is_empty() {
        return Err(invalid(format!(
            "Table '{}' has no primary key; name the key with id_field=.",
            table.name
        )));
    }
    let cols: Vec<&Column> = key
        .iter()
        .map(|k| {
            table
                .column(k)
                .ok_or_else(|| unknown_column(table, k, "id_field"))
        })
        .collect::<Result<_, _>>()?;
    let mut typed = Vec::with_capacity(tuples.len());
    for t in tuples {
        if t.len() != cols.len() {
            return Err(invalid(format!(
                "Each id needs {} values ({}).",
                cols.len(),
                key.join(", ")
            )));
        }
        let row = cols
            .iter()
            .zip(t)
            .map(|(c, v)| {
                value::to_sql(c, v, backend).map_err(|e| invalid(format!("Bad id: {e}.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        typed.push(row);
    }
    Ok(Cond::KeyIn {
        columns: key.to_vec(),
        tuples: typed,
    })
}

fn literal_json(lit: &Literal) -> Json {
    match lit {
        Literal::Null => Json::Null,
        Literal::Bool(b) => Json::Bool(*b),
        Literal::Number(n) => {
            serde_json::from_str::<Json>(n).unwrap_or_else(|_| Json::String(n.clone()))
        }
        Literal::Str(s) => Json::String(s.clone()),
    }
}

/// Resolves a filter AST against `table`: names must exist, values must fit.
pub fn resolve(table: &Table, expr: &Expr, backend: Backend) -> Result<Cond, PlanError> {
    let col = |id: &Ident| -> Result<&Column, PlanError> {
        table.column(&id.name).ok_or_else(|| {
            let known: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            invalid(format!(
                "Invalid filter: unknown field '{}' (at position {}); table '{}' has {}.",
                id.name,
                id.pos,
                table.name,
                known.join(", ")
            ))
        })
    };
    let typed = |c: &Column, id: &Ident, lit: &Literal| -> Result<Value, PlanError> {
        value::to_sql(c, &literal_json(lit), backend).map_err(|ValueError(e)| {
            invalid(format!("Invalid filter: {e} (at position {}).", id.pos))
        })
    };
    let text = |c: &Column, id: &Ident, lit: &Literal, op: &str| -> Result<String, PlanError> {
        if !c.json_type.is_text() {
            return Err(invalid(format!(
                "Invalid filter: '{op}' works on text fields; '{}' is {} (at position {}).",
                c.name,
                c.json_type.df_name(),
                id.pos
            )));
        }
        match lit {
            Literal::Str(s) => Ok(s.clone()),
            _ => Err(invalid(format!(
                "Invalid filter: '{op}' needs a quoted string (at position {}).",
                id.pos
            ))),
        }
    };
    Ok(match expr {
        Expr::And(items) => Cond::all(
            items
                .iter()
                .map(|e| resolve(table, e, backend))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Expr::Or(items) => Cond::any(
            items
                .iter()
                .map(|e| resolve(table, e, backend))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Expr::Not(inner) => Cond::negate(resolve(table, inner, backend)?),
        Expr::Compare {
            column,
            op,
            value: Literal::Null,
        } => {
            let c = col(column)?;
            match op {
                CmpOp::Eq => Cond::IsNull {
                    column: c.name.clone(),
                    negated: false,
                },
                CmpOp::Ne => Cond::IsNull {
                    column: c.name.clone(),
                    negated: true,
                },
                _ => {
                    return Err(invalid(format!(
                        "Invalid filter: null cannot be ordered; use 'is null' or 'is not null' (at position {}).",
                        column.pos
                    )));
                }
            }
        }
        Expr::Compare { column, op, value } => {
            let c = col(column)?;
            Cond::Cmp {
                column: c.name.clone(),
                op: *op,
                value: typed(c, column, value)?,
            }
        }
        Expr::Like {
            column,
            pattern,
            negated,
        } => {
            let c = col(column)?;
            Cond::Like {
                column: c.name.clone(),
                pattern: text(c, column, pattern, "like")?,
                negated: *negated,
                escaped: false,
                case: LikeCase::of(c, backend),
            }
        }
        Expr::Match {
            column,
            kind,
            value,
        } => {
            let c = col(column)?;
            let op = match kind {
                MatchKind::Contains => "contains",
                MatchKind::StartsWith => "starts with",
                MatchKind::EndsWith => "ends with",
            };
            let raw = text(c, column, value, op)?;
            let esc = escape_like(&raw);
            let pattern = match kind {
                MatchKind::Contains => format!("%{esc}%"),
                MatchKind::StartsWith => format!("{esc}%"),
                MatchKind::EndsWith => format!("%{esc}"),
            };
            Cond::Like {
                column: c.name.clone(),
                pattern,
                negated: false,
                escaped: true,
                case: LikeCase::of(c, backend),
            }
        }
        Expr::In {
            column,
            values,
            negated,
        } => {
            let c = col(column)?;
            if values.contains(&Literal::Null) {
                return Err(invalid(format!(
                    "Invalid filter: null cannot be in an 'in' list; use 'or {} is null' (at position {}).",
                    c.name, column.pos
                )));
            }
            // No value to be in: false, and `not in` nothing is true, for
            // NULLs too (no comparison is made).
            if values.is_empty() {
                return Ok(if *negated { Cond::TRUE } else { Cond::FALSE });
            }
            Cond::In {
                column: c.name.clone(),
                values: values
                    .iter()
                    .map(|v| typed(c, column, v))
                    .collect::<Result<_, _>>()?,
                negated: *negated,
            }
        }
        Expr::IsNull { column, negated } => Cond::IsNull {
            column: col(column)?.name.clone(),
            negated: *negated,
        },
        Expr::Between { column, low, high } => {
            let c = col(column)?;
            Cond::Between {
                column: c.name.clone(),
                low: typed(c, column, low)?,
                high: typed(c, column, high)?,
            }
        }
    })
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Parses and resolves a filter text in one step (used for `REL.filter=` and writes).
pub fn filter_cond(table: &Table, text: &str, backend: Backend) -> Result<Cond, PlanError> {
    let expr = filter::parse(text).map_err(|e| invalid(format!("Invalid filter: {e}.")))?;
    resolve(table, &expr, backend)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn leaf(n: i64) -> Cond {
        Cond::Cmp {
            column: "a".into(),
            op: CmpOp::Eq,
            value: Value::BigInt(Some(n)),
        }
    }

    #[test]
    fn empty_lists_are_the_identities_of_their_connectives() {
        assert!(Cond::all([]).is_true());
        assert!(Cond::any([]).is_false());
        assert!(Cond::negate(Cond::all([])).is_false());
        assert!(Cond::negate(Cond::any([])).is_true());
    }

    #[test]
    fn constants_fold_away() {
        // x AND TRUE = x; x OR FALSE = x.
        assert_eq!(Cond::all([leaf(1), Cond::TRUE]), leaf(1));
        assert_eq!(Cond::any([leaf(1), Cond::FALSE]), leaf(1));
        // x AND FALSE = FALSE; x OR TRUE = TRUE, whatever x is.
        assert!(Cond::all([leaf(1), Cond::FALSE]).is_false());
        assert!(Cond::any([leaf(1), Cond::TRUE]).is_true());
        // An empty OR inside an AND makes the whole AND false: the shape of
        // `delete_T(where: {_or: [], x: …})`, which must delete nothing.
        assert!(Cond::all([leaf(1), Cond::any([])]).is_false());
        // Nested lists of the same connective are spliced in.
        assert_eq!(
            Cond::all([leaf(1), Cond::And(vec![leaf(2), leaf(3)])]),
            Cond::And(vec![leaf(1), leaf(2), leaf(3)])
        );
        assert_eq!(Cond::negate(Cond::negate(leaf(1))), leaf(1));
    }

    fn album() -> Table {
        let column = |name: &str, ty: JsonType| Column {
            name: name.into(),
            db_type: "INTEGER".into(),
            json_type: ty,
            nullable: false,
            default: None,
            is_primary_key: name == "AlbumId",
            auto_increment: false,
            cast: None,
        };
        Table {
            name: "Album".into(),
            is_view: false,
            columns: vec![
                column("AlbumId", JsonType::Integer),
                column("Title", JsonType::String),
            ],
            primary_key: vec!["AlbumId".into()],
            foreign_keys: vec![],
            relations: vec![],
        }
    }

    fn resolved(expr: &Expr) -> Cond {
        resolve(&album(), expr, Backend::Sqlite).unwrap()
    }

    #[test]
    fn empty_ast_lists_resolve_to_constants() {
        let id = Ident {
            name: "AlbumId".into(),
            pos: 0,
        };
        assert!(resolved(&Expr::Or(vec![])).is_false());
        assert!(resolved(&Expr::And(vec![])).is_true());
        assert!(resolved(&Expr::Not(Box::new(Expr::And(vec![])))).is_false());
        let empty_in = |negated| Expr::In {
            column: id.clone(),
            values: vec![],
            negated,
        };
        assert!(resolved(&empty_in(false)).is_false());
        assert!(resolved(&empty_in(true)).is_true());
        // `_or: [{}]` is true, and `{_or: [], AlbumId: …}` is false.
        assert!(resolved(&Expr::Or(vec![Expr::And(vec![])])).is_true());
        let eq = Expr::Compare {
            column: id,
            op: CmpOp::Eq,
            value: Literal::Number("1".into()),
        };
        assert!(resolved(&Expr::And(vec![Expr::Or(vec![]), eq])).is_false());
    }

    #[test]
    fn a_true_filter_is_no_filter_and_a_false_one_stays() {
        let t = Arc::new(album());
        let catalog = Catalog::default();
        let limits = Limits {
            max_records: 10,
            backend: Backend::Sqlite,
            budget: Budget::UNLIMITED,
            max_list_items: 10,
        };
        let read = |filter| {
            plan_read(
                &t,
                &ReadInput {
                    filter: Some(filter),
                    ..ReadInput::default()
                },
                &catalog,
                limits,
            )
            .unwrap()
        };
        assert_eq!(read(Expr::And(vec![])).filter, None);
        assert!(read(Expr::Or(vec![])).filter.unwrap().is_false());
    }
}
