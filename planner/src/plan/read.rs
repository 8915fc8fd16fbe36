//! Read inputs (what a front end asks, in names) and read plans (resolved).

use std::sync::Arc;

use super::{Cond, Context, PlanError, Verb, invalid, resolve, unknown_column};
use crate::Backend;
use crate::catalog::{Relation, Table};
use crate::filter::Expr;

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

/// Deepest `related` nesting accepted.
pub const MAX_RELATED_DEPTH: usize = 4;

/// Plans a read; front ends call it through [`super::Context::read`].
pub(crate) fn plan_read(
    ctx: &Context<'_>,
    table: &Arc<Table>,
    input: &ReadInput,
) -> Result<ReadPlan, PlanError> {
    plan_level(ctx, table, input, 0, true)
}

/// One level of a read: the caller's GET on the table is checked first (a
/// refusal says so before any mistake in the request is looked at), and its
/// record filter is ANDed into the level's own, so lists, counts, aggregates,
/// reads by id and embedded rows all see only the rows the role may read.
fn plan_level(
    ctx: &Context<'_>,
    table: &Arc<Table>,
    input: &ReadInput,
    depth: usize,
    top: bool,
) -> Result<ReadPlan, PlanError> {
    let limits = ctx.limits;
    let guard = ctx.guard(table, Verb::Get)?;
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
    let asked = match &input.filter {
        Some(expr) => Some(resolve(table, expr, limits.backend)?),
        None => None,
    };
    let filter = match (asked, guard) {
        (Some(a), Some(g)) => Some(Cond::all([a, g])),
        (a, g) => a.or(g),
    }
    .filter(|c| !c.is_true());

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
        // `related=*` means every relation the caller may read: one whose
        // table the role may not GET is left out, not refused.
        for rel in &table.relations {
            if input.related.iter().any(|(n, _)| n == &rel.name)
                || !ctx.access.table(&rel.ref_table, Verb::Get).allowed()
            {
                continue;
            }
            related.push(plan_relation(ctx, rel, &ReadInput::default(), depth)?);
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
        related.push(plan_relation(ctx, rel, sub, depth)?);
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
    ctx: &Context<'_>,
    rel: &Relation,
    sub: &ReadInput,
    depth: usize,
) -> Result<RelatedPlan, PlanError> {
    let target = ctx.catalog.table(&rel.ref_table).ok_or_else(|| {
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
    let plan = plan_level(ctx, target, sub, depth + 1, false).map_err(|e| match e {
        PlanError::Forbidden(m) => PlanError::Forbidden(format!(
            "{m} (It is reached through relation '{}'.)",
            rel.name
        )),
        other => other,
    })?;
    Ok(RelatedPlan {
        relation: rel.clone(),
        plan,
    })
}
