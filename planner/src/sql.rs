//! Plans → sea-query statements. Every value is a bound parameter; identifiers come
//! only from the catalog and are quoted by sea-query's backend builder.
//!
//! Pure: builds statements, runs nothing (see `exec`).

use sea_query::extension::postgres::PgExpr;
use sea_query::{
    Alias, Asterisk, Cond as SqCond, Condition, DeleteStatement, Expr, ExprTrait, Func,
    InsertStatement, JoinType, LikeExpr, LockType, NullOrdering, Order, OverStatement, Query,
    SelectStatement, UpdateStatement, Value, WindowStatement,
};

use crate::catalog::{Column, JsonType, RelationKind, Table};
use crate::filter::CmpOp;
use crate::plan::{AggFunc, Cond, LikeCase, OrderKey, Output, ReadPlan, RelatedPlan};

/// Alias of the per-parent row number in a limited related select.
const RN: &str = "__rn";

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// Alias of the i-th parent-key column in a related select.
pub fn key_alias(i: usize) -> String {
    format!("__k{i}")
}

/// A selected column: as itself, or for PostgreSQL types that travel as text,
/// as text (arrays as JSON), so that `wire` reads every type it can meet.
fn output(table: &str, c: &Column) -> Expr {
    match (&c.cast, c.json_type) {
        (Some(_), JsonType::Array) => Func::cust("array_to_json").arg(col(table, &c.name)).into(),
        (Some(_), JsonType::String) => col(table, &c.name).cast_as(Alias::new("text")),
        _ => col(table, &c.name),
    }
}

/// The type a bound value for `column` is cast to, if it travels as text
/// (`Column::cast`: PostgreSQL enums, arrays, numeric, …; MySQL decimals).
fn cast_of<'c>(cols: &'c [Column], column: &str) -> Option<&'c str> {
    cols.iter()
        .find(|c| c.name == column)
        .and_then(|c| c.cast.as_deref())
}

/// A bound value, cast when its column needs it.
fn bound(cast: Option<&str>, v: Value) -> Expr {
    match cast {
        Some(ty) => Expr::val(v).cast_as(Alias::new(ty)),
        None => Expr::val(v),
    }
}

fn bind(cols: &[Column], column: &str, v: Value) -> Expr {
    bound(cast_of(cols, column), v)
}

/// The WHERE condition of `c` on `table`, whose columns are `cols` (for casts;
/// empty for a junction table, whose keys are plain).
pub fn condition(c: &Cond, table: &str, cols: &[Column]) -> Condition {
    let leaf = |e: Expr| SqCond::all().add(e);
    match c {
        // The constants are spelled out (`WHERE FALSE`) rather than left to how
        // sea-query renders an empty condition: an empty OR matching every row
        // deleted whole tables once (docs/decisions.md, "Empty conditions").
        Cond::And(items) if items.is_empty() => leaf(Expr::Constant(true.into())),
        Cond::Or(items) if items.is_empty() => leaf(Expr::Constant(false.into())),
        Cond::And(items) => balanced(
            items.iter().map(|i| condition(i, table, cols)).collect(),
            false,
        ),
        Cond::Or(items) => balanced(
            items.iter().map(|i| condition(i, table, cols)).collect(),
            true,
        ),
        Cond::Not(inner) => condition(inner, table, cols).not(),
        Cond::Cmp { column, op, value } => {
            let l = col(table, column);
            let r = bind(cols, column, value.clone());
            leaf(match op {
                CmpOp::Eq => l.eq(r),
                CmpOp::Ne => l.ne(r),
                CmpOp::Gt => l.gt(r),
                CmpOp::Ge => l.gte(r),
                CmpOp::Lt => l.lt(r),
                CmpOp::Le => l.lte(r),
            })
        }
        Cond::IsNull {
            column,
            negated: false,
        } => leaf(col(table, column).is_null()),
        Cond::IsNull {
            column,
            negated: true,
        } => leaf(col(table, column).is_not_null()),
        Cond::In {
            column,
            values,
            negated,
        } => {
            let cast = cast_of(cols, column);
            let vals = values.iter().cloned().map(|v| bound(cast, v));
            leaf(if *negated {
                col(table, column).is_not_in(vals)
            } else {
                col(table, column).is_in(vals)
            })
        }
        Cond::Like {
            column,
            pattern,
            negated,
            escaped,
            case,
        } => {
            let (l, pattern) = match case {
                LikeCase::Native
                | LikeCase::ILike {
                    cast_to_text: false,
                } => (col(table, column), pattern.clone()),
                LikeCase::ILike { cast_to_text: true } => (
                    col(table, column).cast_as(Alias::new("text")),
                    pattern.clone(),
                ),
                LikeCase::Lower => (
                    Expr::expr(Func::lower(col(table, column))),
                    pattern.to_lowercase(),
                ),
            };
            let mut like = LikeExpr::new(pattern);
            // PostgreSQL's (I)LIKE escapes with `\` by default (and sea-query
            // misplaces ESCAPE after ILIKE).
            if *escaped && !matches!(case, LikeCase::ILike { .. }) {
                like = like.escape('\\');
            }
            leaf(match (case, negated) {
                (LikeCase::ILike { .. }, false) => l.ilike(like),
                (LikeCase::ILike { .. }, true) => l.not_ilike(like),
                (_, false) => l.like(like),
                (_, true) => l.not_like(like),
            })
        }
        Cond::Between { column, low, high } => leaf(col(table, column).between(
            bind(cols, column, low.clone()),
            bind(cols, column, high.clone()),
        )),
        Cond::KeyIn { columns, tuples } => key_in(table, columns, tuples, cols),
    }
}

/// `(a, b) IN ((1, 2), …)`, or `a IN (…)` for a one-column key.
fn key_in(table: &str, columns: &[String], tuples: &[Vec<Value>], cols: &[Column]) -> Condition {
    let casts: Vec<Option<&str>> = columns.iter().map(|c| cast_of(cols, c)).collect();
    if columns.len() == 1 {
        return SqCond::all().add(
            col(table, &columns[0]).is_in(
                tuples
                    .iter()
                    .filter_map(|t| t.first().cloned())
                    .map(|v| bound(casts[0], v)),
            ),
        );
    }
    // Row values are portable (SQLite ≥ 3.15, PostgreSQL, MySQL), but spelled as an
    // OR of ANDs the planner of every backend uses the key index.
    let each = tuples
        .iter()
        .map(|t| {
            columns
                .iter()
                .zip(&casts)
                .zip(t)
                .fold(SqCond::all(), |a, ((c, cast), v)| {
                    a.add(col(table, c).eq(bound(*cast, v.clone())))
                })
        })
        .collect();
    balanced(each, true)
}

/// Joins conditions with OR (`any`) or AND as a tree of small groups. sea-query
/// turns the items of one condition into a left-deep chain of binary
/// expressions, and building, rendering and dropping it recurse once per item: a
/// thousand ORed key pairs (`ids=` on a composite key) overflowed the stack. In
/// groups of 8 the depth grows with log₈ of the number of items instead.
fn balanced(items: Vec<Condition>, any: bool) -> Condition {
    const FAN: usize = 8;
    let group = |v: Vec<Condition>| {
        v.into_iter()
            .fold(if any { SqCond::any() } else { SqCond::all() }, |acc, c| {
                acc.add(c)
            })
    };
    let mut level = items;
    while level.len() > FAN {
        let mut next = Vec::with_capacity(level.len().div_ceil(FAN));
        let mut it = level.into_iter().peekable();
        while it.peek().is_some() {
            next.push(group(it.by_ref().take(FAN).collect()));
        }
        level = next;
    }
    group(level)
}

/// The plan's order, but for the columns in `ordered` (ordered by already).
fn apply_order(q: &mut SelectStatement, plan: &ReadPlan, table: &str, ordered: &[String]) {
    for k in &plan.order {
        let name = &plan.table.columns[k.column].name;
        if ordered.contains(name) {
            continue;
        }
        match nulls(k) {
            Some(n) => q.order_by_expr_with_nulls(col(table, name), direction(k), n),
            None => q.order_by_expr(col(table, name), direction(k)),
        };
    }
}

fn direction(k: &OrderKey) -> Order {
    if k.desc { Order::Desc } else { Order::Asc }
}

/// sea-query writes `NULLS FIRST/LAST`, or on MySQL its `IS NULL` equivalent.
fn nulls(k: &OrderKey) -> Option<NullOrdering> {
    k.nulls_first.map(|first| {
        if first {
            NullOrdering::First
        } else {
            NullOrdering::Last
        }
    })
}

fn aggregate(func: AggFunc, arg: Expr) -> Expr {
    match func {
        AggFunc::Count => Func::count(arg).into(),
        AggFunc::Sum => Func::sum(arg).into(),
        AggFunc::Avg => Func::avg(arg).into(),
        AggFunc::Min => Func::min(arg).into(),
        AggFunc::Max => Func::max(arg).into(),
    }
}

/// The top-level read. Selected columns come first in `plan.selected_columns()`
/// order (aggregates: `plan.output` order).
pub fn select(plan: &ReadPlan) -> SelectStatement {
    let t = plan.table.name.as_str();
    let mut q = Query::select();
    q.from(Alias::new(t));
    if plan.is_aggregate() || !plan.group.is_empty() {
        for o in &plan.output {
            match o {
                Output::Column(i) => {
                    q.expr(output(t, &plan.table.columns[*i]));
                }
                Output::Aggregate { func, column, .. } => {
                    let arg = match column {
                        Some(i) => col(t, &plan.table.columns[*i].name),
                        None => Expr::col(Asterisk),
                    };
                    q.expr(aggregate(*func, arg));
                }
            }
        }
        for g in &plan.group {
            q.add_group_by([col(t, &plan.table.columns[*g].name)]);
        }
    } else {
        for i in plan.selected_columns() {
            q.expr(output(t, &plan.table.columns[i]));
        }
    }
    if let Some(f) = &plan.filter {
        q.cond_where(condition(f, t, &plan.table.columns));
    }
    apply_order(&mut q, plan, t, &[]);
    if let Some(l) = plan.limit {
        q.limit(l);
    }
    if plan.offset > 0 {
        q.offset(plan.offset);
    }
    q
}

/// `COUNT(*)` of all rows the plan's filter matches (ignoring limit and offset).
pub fn count(plan: &ReadPlan) -> SelectStatement {
    let t = plan.table.name.as_str();
    if !plan.group.is_empty() {
        // Count the groups, not the rows.
        let mut inner = Query::select();
        inner.from(Alias::new(t));
        for g in &plan.group {
            let c = col(t, &plan.table.columns[*g].name);
            inner.expr(c.clone()).add_group_by([c]);
        }
        if let Some(f) = &plan.filter {
            inner.cond_where(condition(f, t, &plan.table.columns));
        }
        let mut q = Query::select();
        q.expr(Func::count(Expr::col(Asterisk)))
            .from_subquery(inner, Alias::new("g"));
        return q;
    }
    let mut q = Query::select();
    q.expr(Func::count(Expr::col(Asterisk))).from(Alias::new(t));
    if let Some(f) = &plan.filter {
        q.cond_where(condition(f, t, &plan.table.columns));
    }
    q
}

/// Rows of a relation for a batch of parents: one statement whatever the number of
/// parents. Selects the child's columns (`rp.plan.selected_columns()` order), then
/// the parent key as `__k0…`, so that `exec` can hand each row to its parent.
/// A per-parent `limit` becomes `ROW_NUMBER() OVER (PARTITION BY key …)`.
pub fn related_select(rp: &RelatedPlan, parent_keys: &[Vec<Value>]) -> SelectStatement {
    let rel = &rp.relation;
    let plan = &rp.plan;
    let t = plan.table.name.as_str();
    let mut q = Query::select();
    q.from(Alias::new(t));
    for i in plan.selected_columns() {
        q.expr_as(
            output(t, &plan.table.columns[i]),
            Alias::new(plan.table.columns[i].name.clone()),
        );
    }
    // Which columns carry the parent's key, and on which table.
    let (key_table, key_cols): (&str, &[String]) = match (&rel.kind, &rel.junction) {
        (RelationKind::ManyMany, Some(j)) => {
            let on =
                j.ref_columns
                    .iter()
                    .zip(&rel.ref_columns)
                    .fold(SqCond::all(), |acc, (jc, fc)| {
                        acc.add(col(&j.table, jc).equals((Alias::new(t), Alias::new(fc.clone()))))
                    });
            q.join(JoinType::InnerJoin, Alias::new(j.table.clone()), on);
            (j.table.as_str(), j.columns.as_slice())
        }
        _ => (t, rel.ref_columns.as_slice()),
    };
    for (i, c) in key_cols.iter().enumerate() {
        q.expr_as(col(key_table, c), Alias::new(key_alias(i)));
    }
    let key_table_cols: &[Column] = if key_table == t {
        &plan.table.columns
    } else {
        &[]
    };
    q.cond_where(condition(
        &Cond::KeyIn {
            columns: key_cols.to_vec(),
            tuples: parent_keys.to_vec(),
        },
        key_table,
        key_table_cols,
    ));
    if let Some(f) = &plan.filter {
        q.cond_where(condition(f, t, &plan.table.columns));
    }
    let Some(limit) = plan.limit else {
        // The parent's key first: the document groups rows per parent anyway,
        // so the answer is the same, and the database can walk the foreign key's
        // index instead of sorting every related row (SQLite's sorter held ~0.5 MB
        // per read of 347 albums' tracks).
        for c in key_cols {
            q.order_by_expr(col(key_table, c), Order::Asc);
        }
        // A to-one relation's key is the row's own: ordered by it already.
        let ordered = if key_table == t { key_cols } else { &[] };
        apply_order(&mut q, plan, t, ordered);
        return q;
    };
    let mut window = WindowStatement::new();
    for c in key_cols {
        window.add_partition_by(col(key_table, c));
    }
    for k in &plan.order {
        let c = col(t, &plan.table.columns[k.column].name);
        match nulls(k) {
            Some(n) => window.order_by_expr_with_nulls(c, direction(k), n),
            None => window.order_by_expr(c, direction(k)),
        };
    }
    q.expr_window_as(Func::cust("ROW_NUMBER"), window, Alias::new(RN));
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(q, Alias::new("r"))
        .and_where(Expr::col((Alias::new("r"), Alias::new(RN))).lte(limit));
    // The row number already follows the requested order within each parent (and
    // the order columns need not be among the selected ones, so `r.<col>` may not
    // exist): `exec` groups rows per parent, so ordering by it is enough.
    outer.order_by_expr(Expr::col((Alias::new("r"), Alias::new(RN))), Order::Asc);
    outer
}

/// A multi-row INSERT: one statement for every record with the same columns.
pub fn insert(
    table: &Table,
    columns: &[String],
    rows: Vec<Vec<Value>>,
    returning: &[String],
) -> InsertStatement {
    let mut q = Query::insert();
    q.into_table(Alias::new(table.name.clone()))
        .columns(columns.iter().map(|c| Alias::new(c.clone())));
    let casts: Vec<Option<&str>> = columns.iter().map(|c| cast_of(&table.columns, c)).collect();
    for r in rows {
        q.values_panic(casts.iter().zip(r).map(|(cast, v)| bound(*cast, v)));
    }
    if !returning.is_empty() {
        q.returning(Query::returning().columns(returning.iter().map(|c| Alias::new(c.clone()))));
    }
    q
}

/// `INSERT … DEFAULT VALUES` for a record with no fields.
pub fn insert_defaults(table: &str, returning: &[String]) -> InsertStatement {
    let mut q = Query::insert();
    q.into_table(Alias::new(table)).or_default_values();
    if !returning.is_empty() {
        q.returning(Query::returning().columns(returning.iter().map(|c| Alias::new(c.clone()))));
    }
    q
}

pub fn update(table: &Table, set: Vec<(String, Value)>, filter: &Cond) -> UpdateStatement {
    let t = table.name.as_str();
    let mut q = Query::update();
    q.table(Alias::new(t))
        .values(set.into_iter().map(|(c, v)| {
            let e = bind(&table.columns, &c, v);
            (Alias::new(c), e)
        }))
        .cond_where(condition(filter, t, &table.columns));
    q
}

pub fn delete(table: &Table, filter: &Cond) -> DeleteStatement {
    let t = table.name.as_str();
    let mut q = Query::delete();
    q.from_table(Alias::new(t))
        .cond_where(condition(filter, t, &table.columns));
    q
}

/// The key columns of the rows a filter matches (to report what a write touched).
pub fn select_keys(table: &Table, key: &[String], filter: &Cond) -> SelectStatement {
    let t = table.name.as_str();
    let mut q = Query::select();
    q.from(Alias::new(t));
    for k in key {
        q.expr(col(t, k));
    }
    q.cond_where(condition(filter, t, &table.columns));
    for k in key {
        q.order_by_expr(col(t, k), Order::Asc);
    }
    q
}

/// [`select_keys`] with the rows locked until the write's transaction ends
/// (`FOR UPDATE`; SQLite has one writer and needs none), so that the rows a
/// write matched, read back and changed are the same rows, whatever other
/// writers do meanwhile.
pub fn lock_keys(table: &Table, key: &[String], filter: &Cond) -> SelectStatement {
    let mut q = select_keys(table, key, filter);
    q.lock(LockType::Update);
    q
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use sea_query::{MysqlQueryBuilder, PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    /// `SELECT … WHERE <c>` on each backend.
    fn rendered(c: &Cond) -> Vec<String> {
        let mut q = Query::select();
        q.column(Asterisk).from(Alias::new("t"));
        q.cond_where(condition(c, "t", &[]));
        vec![
            q.to_string(SqliteQueryBuilder),
            q.to_string(PostgresQueryBuilder),
            q.to_string(MysqlQueryBuilder),
        ]
    }

    #[test]
    fn an_empty_or_is_written_false_and_an_empty_and_true() {
        for sql in rendered(&Cond::FALSE) {
            assert!(sql.ends_with("WHERE FALSE"), "{sql}");
        }
        for sql in rendered(&Cond::TRUE) {
            assert!(sql.ends_with("WHERE TRUE"), "{sql}");
        }
        for sql in rendered(&Cond::Not(Box::new(Cond::FALSE))) {
            assert!(sql.ends_with("WHERE NOT FALSE"), "{sql}");
        }
    }
}
