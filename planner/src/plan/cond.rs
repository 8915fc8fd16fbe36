//! Conditions: the filter AST resolved against a table, with typed values.

use sea_query::Value;
use serde_json::Value as Json;

use super::{PlanError, invalid};
use crate::Backend;
use crate::catalog::{Column, JsonType, Table};
use crate::filter::{self, CmpOp, Expr, Ident, Literal, MatchKind};
use crate::value::{self, ValueError};

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
