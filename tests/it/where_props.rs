//! A property test of row selection: generated GraphQL `where` trees and REST
//! `filter=` texts over Chinook's `Invoice`, each answered by the server and
//! evaluated here over the same 412 rows; the ids must be equal.
//!
//! The oracle is SQL's three-valued logic: a comparison with a NULL column is
//! UNKNOWN, NOT UNKNOWN is UNKNOWN, AND/OR are Kleene's, and a row is returned
//! only when the predicate is TRUE. On top of it, Hasura's `bool_exp` rules:
//! `_and: []` and `{}` are TRUE, `_or: []` is FALSE (so `_not: {}` is FALSE),
//! several keys of one object and several operators of one column AND together,
//! `_in: []` is FALSE and `_nin: []` TRUE (NULL column or not). REST: `x = null`
//! is `x is null`; `like` and its friends ignore case on every backend.
//!
//! Leaves are kept to what every backend agrees on: integer and two-decimal
//! comparisons, lists, NULL tests, equality on text taken from the data, and
//! `like` patterns of ASCII letters, `%` and `_` (not on MariaDB, whose collation
//! also ignores accents). No GraphQL `null` literal appears (refused by design),
//! nor an empty REST list (the grammar has none).
//!
//! Reproduce with `APIFORGE_PROP_SEED` (decimal or `0x…`; the seed is printed);
//! `APIFORGE_PROP_CASES` sets the number of cases of each kind. Each case draws
//! from its own generator (seed, kind, index), so case N is the same whatever
//! the count.

use std::cmp::Ordering;
use std::fmt;
use std::time::Instant;

use apiforge_tests::{Backend, TestServer, ids_of, table_path};
use serde_json::{Value, json};

// ---------------------------------------------------------------- the data

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    InvoiceId,
    CustomerId,
    Total,
    BillingState,
    BillingPostalCode,
    BillingCountry,
}

const COLS: [Col; 6] = [
    Col::InvoiceId,
    Col::CustomerId,
    Col::Total,
    Col::BillingState,
    Col::BillingPostalCode,
    Col::BillingCountry,
];

impl Col {
    fn name(self) -> &'static str {
        match self {
            Col::InvoiceId => "InvoiceId",
            Col::CustomerId => "CustomerId",
            Col::Total => "Total",
            Col::BillingState => "BillingState",
            Col::BillingPostalCode => "BillingPostalCode",
            Col::BillingCountry => "BillingCountry",
        }
    }
}

/// The columns of one `Invoice` row that the predicates read.
#[derive(Debug, Clone, Default)]
struct Row {
    id: i64,
    customer: i64,
    total: f64,
    state: Option<String>,
    postal: Option<String>,
    country: Option<String>,
}

enum Cell<'a> {
    Int(i64),
    Num(f64),
    Text(&'a str),
}

impl Row {
    /// `None` for NULL.
    fn cell(&self, c: Col) -> Option<Cell<'_>> {
        match c {
            Col::InvoiceId => Some(Cell::Int(self.id)),
            Col::CustomerId => Some(Cell::Int(self.customer)),
            Col::Total => Some(Cell::Num(self.total)),
            Col::BillingState => self.state.as_deref().map(Cell::Text),
            Col::BillingPostalCode => self.postal.as_deref().map(Cell::Text),
            Col::BillingCountry => self.country.as_deref().map(Cell::Text),
        }
    }

    fn from_json(r: &Value) -> Row {
        let int = |k: &str| {
            r[k].as_i64()
                .unwrap_or_else(|| panic!("{k} is not an integer in {r}"))
        };
        let text = |k: &str| match &r[k] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => panic!("{k} is not text in {r}: {other}"),
        };
        let total = match &r["Total"] {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .unwrap_or_else(|| panic!("Total is not a number in {r}"));
        Row {
            id: int("InvoiceId"),
            customer: int("CustomerId"),
            total,
            state: text("BillingState"),
            postal: text("BillingPostalCode"),
            country: text("BillingCountry"),
        }
    }
}

/// A literal. Decimals are cents (never negative), written with two decimals.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Int(i64),
    Dec(i64),
    Text(String),
}

fn dec_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

impl Val {
    fn rest(&self) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Dec(c) => dec_text(*c),
            Val::Text(t) => format!("'{}'", t.replace('\'', "''")),
        }
    }

    fn gql(&self) -> String {
        match self {
            Val::Text(t) => gql_string(t),
            other => other.rest(),
        }
    }
}

fn gql_string(t: &str) -> String {
    format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
}

/// How a cell compares with a literal of its column's type.
fn order(cell: &Cell<'_>, v: &Val) -> Ordering {
    match (cell, v) {
        (Cell::Int(a), Val::Int(b)) => a.cmp(b),
        (Cell::Num(a), Val::Dec(c)) => {
            let b: f64 = dec_text(*c).parse().unwrap();
            a.partial_cmp(&b).unwrap()
        }
        (Cell::Text(a), Val::Text(b)) => (*a).cmp(b.as_str()),
        _ => panic!("test bug: {v:?} compared with a column of another type"),
    }
}

/// SQL `LIKE` as the API means it: `%` any run, `_` one character, no escape,
/// case ignored (ASCII; every value here is ASCII).
fn like(pattern: &str, text: &str) -> bool {
    let t: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    // at[j]: the pattern read so far matches t[..j].
    let mut at = vec![false; t.len() + 1];
    at[0] = true;
    for pc in pattern.chars().map(|c| c.to_ascii_lowercase()) {
        let mut next = vec![false; t.len() + 1];
        if pc == '%' {
            let mut any = false;
            for j in 0..=t.len() {
                any |= at[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = at[j - 1] && (pc == '_' || pc == t[j - 1]);
            }
        }
        at = next;
    }
    at[t.len()]
}

// ---------------------------------------------------------------- predicates

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

const OPS: [Op; 6] = [Op::Eq, Op::Ne, Op::Gt, Op::Ge, Op::Lt, Op::Le];

impl Op {
    fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    fn gql(self) -> &'static str {
        match self {
            Op::Eq => "_eq",
            Op::Ne => "_neq",
            Op::Gt => "_gt",
            Op::Ge => "_gte",
            Op::Lt => "_lt",
            Op::Le => "_lte",
        }
    }

    fn holds(self, o: Ordering) -> bool {
        match self {
            Op::Eq => o == Ordering::Equal,
            Op::Ne => o != Ordering::Equal,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Contains,
    Starts,
    Ends,
}

#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    Cmp(Col, Op, Val),
    /// `in` / `not in` (`true`); an empty list only from GraphQL.
    In(Col, Vec<Val>, bool),
    /// `is null` / `is not null` (`true`).
    IsNull(Col, bool),
    /// REST's `= null` / `!= null` (`true`): the same as `IsNull`.
    EqNull(Col, bool),
    /// `like` / `not like` (`true`).
    Like(Col, String, bool),
    /// REST only.
    Between(Col, Val, Val),
    /// REST only: `contains`, `starts with`, `ends with` (the value has no wildcard).
    Match(Col, Match, String),
}

impl Leaf {
    fn eval(&self, r: &Row) -> Option<bool> {
        match self {
            Leaf::Cmp(c, op, v) => r.cell(*c).map(|x| op.holds(order(&x, v))),
            Leaf::In(_, vals, negated) if vals.is_empty() => Some(*negated),
            Leaf::In(c, vals, negated) => r.cell(*c).map(|x| {
                let found = vals.iter().any(|v| order(&x, v) == Ordering::Equal);
                found != *negated
            }),
            Leaf::IsNull(c, negated) | Leaf::EqNull(c, negated) => {
                Some(r.cell(*c).is_none() != *negated)
            }
            Leaf::Like(c, p, negated) => r.cell(*c).map(|x| match x {
                Cell::Text(t) => like(p, t) != *negated,
                _ => panic!("test bug: like on {c:?}"),
            }),
            Leaf::Between(c, lo, hi) => r
                .cell(*c)
                .map(|x| order(&x, lo) != Ordering::Less && order(&x, hi) != Ordering::Greater),
            Leaf::Match(c, kind, v) => r.cell(*c).map(|x| {
                let Cell::Text(t) = x else {
                    panic!("test bug: {kind:?} on {c:?}")
                };
                let (t, v) = (t.to_ascii_lowercase(), v.to_ascii_lowercase());
                match kind {
                    Match::Contains => t.contains(&v),
                    Match::Starts => t.starts_with(&v),
                    Match::Ends => t.ends_with(&v),
                }
            }),
        }
    }

    /// The REST spelling (`kw` writes a keyword, in some letter case).
    fn rest(&self, kw: &mut dyn FnMut(&'static str) -> String) -> String {
        let list = |vals: &[Val]| vals.iter().map(Val::rest).collect::<Vec<_>>().join(", ");
        match self {
            Leaf::Cmp(c, op, v) => format!("{} {} {}", c.name(), op.sql(), v.rest()),
            Leaf::In(c, vals, false) => format!("{} {} ({})", c.name(), kw("in"), list(vals)),
            Leaf::In(c, vals, true) => {
                format!("{} {} {} ({})", c.name(), kw("not"), kw("in"), list(vals))
            }
            Leaf::IsNull(c, false) => format!("{} {} {}", c.name(), kw("is"), kw("null")),
            Leaf::IsNull(c, true) => {
                format!("{} {} {} {}", c.name(), kw("is"), kw("not"), kw("null"))
            }
            Leaf::EqNull(c, negated) => {
                let op = if *negated { "!=" } else { "=" };
                format!("{} {op} {}", c.name(), kw("null"))
            }
            Leaf::Like(c, p, false) => format!(
                "{} {} {}",
                c.name(),
                kw("like"),
                Val::Text(p.clone()).rest()
            ),
            Leaf::Like(c, p, true) => format!(
                "{} {} {} {}",
                c.name(),
                kw("not"),
                kw("like"),
                Val::Text(p.clone()).rest()
            ),
            Leaf::Between(c, lo, hi) => format!(
                "{} {} {} {} {}",
                c.name(),
                kw("between"),
                lo.rest(),
                kw("and"),
                hi.rest()
            ),
            Leaf::Match(c, kind, v) => {
                let words = match kind {
                    Match::Contains => kw("contains"),
                    Match::Starts => format!("{} {}", kw("starts"), kw("with")),
                    Match::Ends => format!("{} {}", kw("ends"), kw("with")),
                };
                format!("{} {words} {}", c.name(), Val::Text(v.clone()).rest())
            }
        }
    }
}

/// The logical tree both sides are evaluated on. `All([])` is TRUE, `Any([])`
/// FALSE (GraphQL only: REST lists are never empty).
#[derive(Debug, Clone, PartialEq)]
enum Pred {
    All(Vec<Pred>),
    Any(Vec<Pred>),
    Not(Box<Pred>),
    Leaf(Leaf),
}

impl Pred {
    /// TRUE, FALSE or UNKNOWN (`None`).
    fn eval(&self, r: &Row) -> Option<bool> {
        match self {
            Pred::All(items) => {
                let mut unknown = false;
                for i in items {
                    match i.eval(r) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                (!unknown).then_some(true)
            }
            Pred::Any(items) => {
                let mut unknown = false;
                for i in items {
                    match i.eval(r) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                (!unknown).then_some(false)
            }
            Pred::Not(inner) => inner.eval(r).map(|b| !b),
            Pred::Leaf(l) => l.eval(r),
        }
    }

    /// The ids of the rows for which the predicate is TRUE, in row order.
    fn select(&self, rows: &[Row]) -> Vec<i64> {
        rows.iter()
            .filter(|r| self.eval(r) == Some(true))
            .map(|r| r.id)
            .collect()
    }

    /// A `filter=` text: every sub-expression in parentheses.
    fn rest(&self, kw: &mut dyn FnMut(&'static str) -> String) -> String {
        let group = |items: &[Pred],
                     word: &'static str,
                     kw: &mut dyn FnMut(&'static str) -> String| {
            assert!(
                !items.is_empty(),
                "test bug: an empty list has no REST spelling"
            );
            let parts: Vec<String> = items.iter().map(|i| format!("({})", i.rest(kw))).collect();
            let mut out = String::new();
            for (n, p) in parts.iter().enumerate() {
                if n > 0 {
                    out.push(' ');
                    out.push_str(&kw(word));
                    out.push(' ');
                }
                out.push_str(p);
            }
            out
        };
        match self {
            Pred::All(items) => group(items, "and", kw),
            Pred::Any(items) => group(items, "or", kw),
            Pred::Not(inner) => format!("{} ({})", kw("not"), inner.rest(kw)),
            Pred::Leaf(l) => l.rest(kw),
        }
    }
}

/// The canonical logic (for failure messages): TRUE / FALSE for empty lists.
impl fmt::Display for Pred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Pred], word: &str| -> fmt::Result {
            write!(f, "(")?;
            for (n, i) in items.iter().enumerate() {
                if n > 0 {
                    write!(f, " {word} ")?;
                }
                write!(f, "{i}")?;
            }
            write!(f, ")")
        };
        match self {
            Pred::All(items) if items.is_empty() => write!(f, "TRUE"),
            Pred::Any(items) if items.is_empty() => write!(f, "FALSE"),
            Pred::All(items) => join(f, items, "AND"),
            Pred::Any(items) => join(f, items, "OR"),
            Pred::Not(inner) => write!(f, "NOT {inner}"),
            Pred::Leaf(Leaf::In(c, vals, negated)) if vals.is_empty() => {
                write!(
                    f,
                    "{} {}IN ()",
                    c.name(),
                    if *negated { "NOT " } else { "" }
                )
            }
            Pred::Leaf(l) => write!(f, "{}", l.rest(&mut |w: &'static str| w.to_uppercase())),
        }
    }
}

// ---------------------------------------------------------------- GraphQL bool_exp

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LikeOp {
    Like,
    Nlike,
    Ilike,
    Nilike,
}

impl LikeOp {
    fn name(self) -> &'static str {
        match self {
            LikeOp::Like => "_like",
            LikeOp::Nlike => "_nlike",
            LikeOp::Ilike => "_ilike",
            LikeOp::Nilike => "_nilike",
        }
    }
}

/// One operator of a column object (`{Total: {_gt: 1.00, _lt: 5.00}}`).
#[derive(Debug, Clone, PartialEq)]
enum GqlOp {
    Cmp(Op, Val),
    /// `_in` / `_nin` (`true`).
    In(Vec<Val>, bool),
    IsNull(bool),
    Like(LikeOp, String),
}

impl GqlOp {
    fn name(&self) -> &'static str {
        match self {
            GqlOp::Cmp(op, _) => op.gql(),
            GqlOp::In(_, false) => "_in",
            GqlOp::In(_, true) => "_nin",
            GqlOp::IsNull(_) => "_is_null",
            GqlOp::Like(op, _) => op.name(),
        }
    }

    fn leaf(&self, c: Col) -> Leaf {
        match self {
            GqlOp::Cmp(op, v) => Leaf::Cmp(c, *op, v.clone()),
            GqlOp::In(vals, negated) => Leaf::In(c, vals.clone(), *negated),
            GqlOp::IsNull(null) => Leaf::IsNull(c, !null),
            GqlOp::Like(op, p) => {
                Leaf::Like(c, p.clone(), matches!(op, LikeOp::Nlike | LikeOp::Nilike))
            }
        }
    }
}

/// One key of a `bool_exp` object (keys of one object are distinct).
#[derive(Debug, Clone, PartialEq)]
enum Key {
    And(Vec<BoolExp>),
    Or(Vec<BoolExp>),
    Not(Box<BoolExp>),
    Col(Col, Vec<GqlOp>),
}

#[derive(Debug, Clone, PartialEq, Default)]
struct BoolExp(Vec<Key>);

impl BoolExp {
    /// The logic the server must apply.
    fn pred(&self) -> Pred {
        Pred::All(
            self.0
                .iter()
                .map(|k| match k {
                    Key::And(items) => Pred::All(items.iter().map(BoolExp::pred).collect()),
                    Key::Or(items) => Pred::Any(items.iter().map(BoolExp::pred).collect()),
                    Key::Not(inner) => Pred::Not(Box::new(inner.pred())),
                    Key::Col(c, ops) => {
                        Pred::All(ops.iter().map(|o| Pred::Leaf(o.leaf(*c))).collect())
                    }
                })
                .collect(),
        )
    }

    fn render(&self, out: &mut String) {
        out.push('{');
        for (n, k) in self.0.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            match k {
                Key::And(items) | Key::Or(items) => {
                    out.push_str(if matches!(k, Key::And(_)) {
                        "_and: ["
                    } else {
                        "_or: ["
                    });
                    for (n, i) in items.iter().enumerate() {
                        if n > 0 {
                            out.push_str(", ");
                        }
                        i.render(out);
                    }
                    out.push(']');
                }
                Key::Not(inner) => {
                    out.push_str("_not: ");
                    inner.render(out);
                }
                Key::Col(c, ops) => {
                    out.push_str(c.name());
                    out.push_str(": {");
                    for (n, o) in ops.iter().enumerate() {
                        if n > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(o.name());
                        out.push_str(": ");
                        match o {
                            GqlOp::Cmp(_, v) => out.push_str(&v.gql()),
                            GqlOp::In(vals, _) => {
                                let vals: Vec<String> = vals.iter().map(Val::gql).collect();
                                out.push_str(&format!("[{}]", vals.join(", ")));
                            }
                            GqlOp::IsNull(b) => out.push_str(&b.to_string()),
                            GqlOp::Like(_, p) => out.push_str(&gql_string(p)),
                        }
                    }
                    out.push('}');
                }
            }
        }
        out.push('}');
    }

    fn text(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }

    /// Counts the edge cases a run must contain.
    fn census(&self, c: &mut Census) {
        if self.0.is_empty() {
            c.empty_object += 1;
        }
        for k in &self.0 {
            match k {
                Key::And(items) | Key::Or(items) => {
                    if items.is_empty() {
                        if matches!(k, Key::And(_)) {
                            c.empty_and += 1;
                        } else {
                            c.empty_or += 1;
                        }
                    }
                    items.iter().for_each(|i| i.census(c));
                }
                Key::Not(inner) => {
                    if inner.0.is_empty() {
                        c.not_empty += 1;
                    }
                    inner.census(c);
                }
                Key::Col(_, ops) => {
                    for o in ops {
                        match o {
                            GqlOp::In(v, false) if v.is_empty() => c.empty_in += 1,
                            GqlOp::In(v, true) if v.is_empty() => c.empty_nin += 1,
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default)]
struct Census {
    empty_object: usize,
    empty_and: usize,
    empty_or: usize,
    not_empty: usize,
    empty_in: usize,
    empty_nin: usize,
}

// ---------------------------------------------------------------- generation

/// SplitMix64: small, seedable, and stable across versions of everything.
struct Rng(u64);

impl Rng {
    /// The generator of case `index` of kind `salt` under `seed`.
    fn for_case(seed: u64, salt: u64, index: usize) -> Rng {
        let mut r = Rng(seed ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.0 ^= (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Inclusive.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn by weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = (self.next() % u64::from(total)) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// A keyword in lower, upper or title case.
    fn keyword(&mut self, w: &str) -> String {
        match self.below(6) {
            0 => w.to_uppercase(),
            1 => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            _ => w.to_owned(),
        }
    }
}

/// Values to draw literals from (taken from the data, so that equality hits),
/// and what the backend allows.
struct Pools<'a> {
    states: Vec<String>,
    postals: Vec<String>,
    countries: Vec<String>,
    totals: Vec<i64>,
    /// `like` and its friends (not on MariaDB).
    like: bool,
    /// Whether a text literal goes through the harness unchanged: on PostgreSQL
    /// it rewrites the suite's names (`Total`) even inside GraphQL strings.
    plain: Box<dyn Fn(&str) -> bool + 'a>,
}

impl<'a> Pools<'a> {
    fn new(rows: &[Row], like: bool, plain: Box<dyn Fn(&str) -> bool + 'a>) -> Pools<'a> {
        let distinct = |f: &dyn Fn(&Row) -> Option<String>| {
            let mut v: Vec<String> = rows.iter().filter_map(f).filter(|t| plain(t)).collect();
            v.sort();
            v.dedup();
            v
        };
        let mut totals: Vec<i64> = rows
            .iter()
            .map(|r| (r.total * 100.0).round() as i64)
            .collect();
        totals.sort_unstable();
        totals.dedup();
        Pools {
            states: distinct(&|r| r.state.clone()),
            postals: distinct(&|r| r.postal.clone()),
            countries: distinct(&|r| r.country.clone()),
            totals,
            like,
            plain,
        }
    }

    fn value(&self, rng: &mut Rng, c: Col) -> Val {
        match c {
            Col::InvoiceId => Val::Int(if rng.chance(85) {
                rng.range(1, 412)
            } else {
                *rng.pick(&[-1, 0, 413, 500, 100_000])
            }),
            Col::CustomerId => Val::Int(if rng.chance(85) {
                rng.range(1, 59)
            } else {
                *rng.pick(&[-3, 0, 60, 1000])
            }),
            Col::Total => Val::Dec(match rng.below(20) {
                0..=9 => *rng.pick(&self.totals),
                10..=16 => rng.range(0, 2700),
                _ => *rng.pick(&[0, 1, 99, 100, 2586, 2587, 99_999]),
            }),
            Col::BillingState => self.text(rng, &self.states, &["ZZ", "Nowhere"]),
            Col::BillingPostalCode => self.text(rng, &self.postals, &["ZZ 999", "x"]),
            Col::BillingCountry => self.text(rng, &self.countries, &["Atlantis", "Narnia"]),
        }
    }

    fn text(&self, rng: &mut Rng, data: &[String], absent: &[&str]) -> Val {
        Val::Text(if rng.chance(90) {
            rng.pick(data).clone()
        } else {
            (*rng.pick(absent)).to_owned()
        })
    }

    fn values(&self, rng: &mut Rng, c: Col, min: usize) -> Vec<Val> {
        let n = min + rng.below(4);
        (0..n).map(|_| self.value(rng, c)).collect()
    }

    /// A `like` pattern: a piece of a country name (or of a word found in none)
    /// with some letters turned into `_`, some case flipped, and `%` around or
    /// inside.
    fn pattern(&self, rng: &mut Rng) -> String {
        let fixed = ["%", "", "_", "%_%", "%%", "____", "%a%", "%A%"];
        if rng.chance(8) {
            return (*rng.pick(&fixed)).to_owned();
        }
        let base: Vec<char> = if rng.chance(85) {
            rng.pick(&self.countries).chars().collect()
        } else {
            rng.pick(&["Atlantis", "Qz", "Brasil", "Austr"])
                .chars()
                .collect()
        };
        let from = rng.below(base.len().max(1));
        let len = rng.below(base.len() - from + 1);
        let mut p = String::new();
        if rng.chance(60) {
            p.push('%');
        }
        for (n, ch) in base[from..from + len].iter().enumerate() {
            if n > 0 && rng.chance(5) {
                p.push('%');
            }
            if rng.chance(12) {
                p.push('_');
            } else if rng.chance(30) {
                p.push(if ch.is_ascii_uppercase() {
                    ch.to_ascii_lowercase()
                } else {
                    ch.to_ascii_uppercase()
                });
            } else {
                p.push(*ch);
            }
        }
        if rng.chance(60) {
            p.push('%');
        }
        if (self.plain)(&p) {
            return p;
        }
        // The suite's names are CamelCase: a lower-case word is never one.
        let lower = p.to_ascii_lowercase();
        if (self.plain)(&lower) {
            lower
        } else {
            "%".into()
        }
    }

    /// A `contains` / `starts with` / `ends with` value: letters of a country.
    fn piece(&self, rng: &mut Rng) -> String {
        let base: Vec<char> = rng.pick(&self.countries).chars().collect();
        let from = rng.below(base.len());
        let len = 1 + rng.below((base.len() - from).min(5));
        let s: String = base[from..from + len].iter().collect();
        let s = if rng.chance(30) {
            s.to_ascii_uppercase()
        } else {
            s
        };
        if (self.plain)(&s) {
            s
        } else {
            s.to_ascii_lowercase()
        }
    }

    // ---- GraphQL

    fn bool_exp(&self, rng: &mut Rng, depth: u32) -> BoolExp {
        let n = rng.weighted(&[6, 58, 26, 10]);
        let mut keys: Vec<Key> = Vec::with_capacity(n);
        let mut used: Vec<&'static str> = Vec::new();
        let mut tries = 0;
        while keys.len() < n && tries < 20 {
            tries += 1;
            let logical = depth > 0 && rng.chance(50);
            let name = if logical {
                *rng.pick(&["_and", "_or", "_not"])
            } else {
                rng.pick(&COLS).name()
            };
            if used.contains(&name) {
                continue;
            }
            used.push(name);
            let list = |rng: &mut Rng| -> Vec<BoolExp> {
                let len = rng.weighted(&[20, 30, 30, 20]);
                (0..len).map(|_| self.bool_exp(rng, depth - 1)).collect()
            };
            keys.push(match name {
                "_and" => Key::And(list(rng)),
                "_or" => Key::Or(list(rng)),
                "_not" => Key::Not(Box::new(self.bool_exp(rng, depth - 1))),
                _ => {
                    let c = *COLS.iter().find(|c| c.name() == name).unwrap();
                    Key::Col(c, self.column_ops(rng, c))
                }
            });
        }
        BoolExp(keys)
    }

    /// Distinct operators for one column object (rarely none: `{Total: {}}`).
    fn column_ops(&self, rng: &mut Rng, c: Col) -> Vec<GqlOp> {
        let n = rng.weighted(&[3, 72, 20, 5]);
        let mut ops: Vec<GqlOp> = Vec::with_capacity(n);
        let mut tries = 0;
        while ops.len() < n && tries < 20 {
            tries += 1;
            let op = self.gql_op(rng, c);
            if ops.iter().all(|o| o.name() != op.name()) {
                ops.push(op);
            }
        }
        ops
    }

    fn gql_op(&self, rng: &mut Rng, c: Col) -> GqlOp {
        let list = |rng: &mut Rng| self.values(rng, c, 0);
        match c {
            Col::InvoiceId | Col::CustomerId | Col::Total => match rng.weighted(&[70, 12, 12, 6]) {
                0 => GqlOp::Cmp(*rng.pick(&OPS), self.value(rng, c)),
                1 => GqlOp::In(list(rng), false),
                2 => GqlOp::In(list(rng), true),
                _ => GqlOp::IsNull(rng.chance(50)),
            },
            Col::BillingState | Col::BillingPostalCode => match rng.weighted(&[30, 15, 15, 40]) {
                0 => GqlOp::Cmp(*rng.pick(&[Op::Eq, Op::Ne]), self.value(rng, c)),
                1 => GqlOp::In(list(rng), false),
                2 => GqlOp::In(list(rng), true),
                _ => GqlOp::IsNull(rng.chance(50)),
            },
            Col::BillingCountry => {
                let like_weight = if self.like { 60 } else { 0 };
                match rng.weighted(&[20, 8, 8, 4, like_weight]) {
                    0 => GqlOp::Cmp(*rng.pick(&[Op::Eq, Op::Ne]), self.value(rng, c)),
                    1 => GqlOp::In(list(rng), false),
                    2 => GqlOp::In(list(rng), true),
                    3 => GqlOp::IsNull(rng.chance(50)),
                    _ => GqlOp::Like(
                        *rng.pick(&[LikeOp::Like, LikeOp::Nlike, LikeOp::Ilike, LikeOp::Nilike]),
                        self.pattern(rng),
                    ),
                }
            }
        }
    }

    // ---- REST

    /// A tree with lists of 1 to 3 items (the grammar has no empty list).
    fn pred(&self, rng: &mut Rng, depth: u32) -> Pred {
        if depth == 0 || rng.chance(30) {
            return Pred::Leaf(self.leaf(rng));
        }
        let list = |rng: &mut Rng| -> Vec<Pred> {
            let len = 1 + rng.below(3);
            (0..len).map(|_| self.pred(rng, depth - 1)).collect()
        };
        match rng.weighted(&[4, 4, 2]) {
            0 => Pred::All(list(rng)),
            1 => Pred::Any(list(rng)),
            _ => Pred::Not(Box::new(self.pred(rng, depth - 1))),
        }
    }

    fn leaf(&self, rng: &mut Rng) -> Leaf {
        let c = *rng.pick(&COLS);
        let null = |rng: &mut Rng| {
            if rng.chance(50) {
                Leaf::IsNull(c, rng.chance(50))
            } else {
                Leaf::EqNull(c, rng.chance(50))
            }
        };
        match c {
            Col::InvoiceId | Col::CustomerId | Col::Total => match rng.weighted(&[65, 20, 10, 5]) {
                0 => Leaf::Cmp(c, *rng.pick(&OPS), self.value(rng, c)),
                1 => Leaf::In(c, self.values(rng, c, 1), rng.chance(50)),
                2 => Leaf::Between(c, self.value(rng, c), self.value(rng, c)),
                _ => null(rng),
            },
            Col::BillingState | Col::BillingPostalCode => match rng.weighted(&[35, 25, 40]) {
                0 => Leaf::Cmp(c, *rng.pick(&[Op::Eq, Op::Ne]), self.value(rng, c)),
                1 => Leaf::In(c, self.values(rng, c, 1), rng.chance(50)),
                _ => null(rng),
            },
            Col::BillingCountry => {
                let like_weight = if self.like { 45 } else { 0 };
                match rng.weighted(&[15, 10, 5, like_weight, like_weight / 2]) {
                    0 => Leaf::Cmp(c, *rng.pick(&[Op::Eq, Op::Ne]), self.value(rng, c)),
                    1 => Leaf::In(c, self.values(rng, c, 1), rng.chance(50)),
                    2 => null(rng),
                    3 => Leaf::Like(c, self.pattern(rng), rng.chance(40)),
                    _ => Leaf::Match(
                        c,
                        *rng.pick(&[Match::Contains, Match::Starts, Match::Ends]),
                        self.piece(rng),
                    ),
                }
            }
        }
    }
}

// ---------------------------------------------------------------- running

const DEFAULT_SEED: u64 = 0x00A1_F0E6_E5EE_D001;
const GQL_SALT: u64 = 1;
const REST_SALT: u64 = 2;
/// Aliased root fields per GraphQL request.
const BATCH: usize = 50;
/// Requests in flight at once.
const LANES: usize = 4;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => v.replace('_', "").parse(),
    };
    Some(parsed.unwrap_or_else(|e| panic!("{name}={v}: {e}")))
}

fn seed() -> u64 {
    env_u64("APIFORGE_PROP_SEED").unwrap_or(DEFAULT_SEED)
}

/// Cases of each kind: APIFORGE_PROP_CASES, else 10,000 on SQLite and fewer on
/// the server backends (each case costs a round trip there).
fn cases(backend: Backend) -> usize {
    env_u64("APIFORGE_PROP_CASES").map_or(
        match backend {
            Backend::Sqlite => 10_000,
            _ => 2_000,
        },
        |n| n as usize,
    )
}

/// The 412 invoices, read once through REST.
async fn invoices(s: &TestServer) -> Vec<Row> {
    let rows: Vec<Row> = s
        .list("Invoice", &[("limit", "1000"), ("order", "InvoiceId")])
        .await
        .iter()
        .map(Row::from_json)
        .collect();
    assert_eq!(rows.len(), 412, "Chinook has 412 invoices");
    assert!(
        rows.iter().any(|r| r.state.is_none()),
        "no NULL BillingState"
    );
    assert!(
        rows.iter().any(|r| r.postal.is_none()),
        "no NULL BillingPostalCode"
    );
    rows
}

/// Literal pools from the data; no `like` on MariaDB. On PostgreSQL the harness
/// maps the suite's names in the whole GraphQL text (strings too), so a literal
/// it would change is kept out.
fn pools<'a>(s: &'a TestServer, rows: &[Row]) -> Pools<'a> {
    Pools::new(
        rows,
        s.backend != Backend::MariaDb,
        Box::new(move |t: &str| s.path(t) == t),
    )
}

/// One case whose answer differs from the oracle's.
struct Mismatch {
    index: usize,
    request: String,
    logic: String,
    expected: Vec<i64>,
    got: Vec<i64>,
    /// An error answer instead of rows.
    error: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let missing: Vec<i64> = self
            .expected
            .iter()
            .filter(|i| !self.got.contains(i))
            .copied()
            .collect();
        let extra: Vec<i64> = self
            .got
            .iter()
            .filter(|i| !self.expected.contains(i))
            .copied()
            .collect();
        let few = |v: &[i64]| {
            let head: Vec<String> = v.iter().take(8).map(i64::to_string).collect();
            if v.len() > 8 {
                format!("[{}, … ({} in all)]", head.join(", "), v.len())
            } else {
                format!("[{}]", head.join(", "))
            }
        };
        writeln!(f, "  case {}:", self.index)?;
        writeln!(f, "    sent:     {}", self.request)?;
        writeln!(f, "    logic:    {}", self.logic)?;
        if let Some(e) = &self.error {
            return write!(f, "    answered: {e}");
        }
        write!(
            f,
            "    expected {} rows, got {}: missing {}, extra {}",
            self.expected.len(),
            self.got.len(),
            few(&missing),
            few(&extra)
        )
    }
}

/// Prints the count and the first mismatches; fails if there is any.
fn verdict(
    kind: &str,
    s: &TestServer,
    seed: u64,
    compared: usize,
    times: [Instant; 2],
    mut bad: Vec<Mismatch>,
) {
    bad.sort_by_key(|m| m.index);
    let [started, generated] = times;
    println!(
        "where_props {kind} on {:?}: {compared} cases compared, {} mismatches (seed {seed:#x}); \
         {:.1} s ({:.1} s generating and evaluating)",
        s.backend,
        bad.len(),
        started.elapsed().as_secs_f64(),
        (generated - started).as_secs_f64()
    );
    if bad.is_empty() {
        return;
    }
    for m in bad.iter().take(10) {
        println!("{m}");
    }
    panic!(
        "{kind}: {} of {compared} cases differ from the oracle on {:?} (APIFORGE_PROP_SEED={seed:#x}); first: case {}: {}",
        bad.len(),
        s.backend,
        bad[0].index,
        bad[0].request
    );
}

/// `items` cut into `LANES` runs (some maybe empty).
fn lanes<T>(items: &[T]) -> [&[T]; LANES] {
    let per = items.len().div_ceil(LANES).max(1);
    let mut out: [&[T]; LANES] = [&[]; LANES];
    for (n, chunk) in items.chunks(per).enumerate() {
        out[n] = chunk;
    }
    out
}

/// How many cases selected no row, some rows, every row.
#[derive(Debug, Default)]
struct Spread {
    none: usize,
    some: usize,
    all: usize,
}

impl Spread {
    fn add(&mut self, selected: usize, total: usize) {
        match selected {
            0 => self.none += 1,
            n if n == total => self.all += 1,
            _ => self.some += 1,
        }
    }

    /// A generator that drifted into trivial predicates would compare little.
    fn check(&self, kind: &str) {
        let n = self.none + self.some + self.all;
        println!(
            "where_props {kind}: selected none {}, some {}, all {}",
            self.none, self.some, self.all
        );
        assert!(
            n < 100 || self.some * 4 >= n,
            "test bug: only {} of {n} {kind} cases select some but not all rows",
            self.some
        );
    }
}

struct GqlCase {
    index: usize,
    exp: BoolExp,
    pred: Pred,
    expected: Vec<i64>,
}

async fn run_graphql(s: &TestServer, seed: u64, batches: &[Vec<GqlCase>]) -> Vec<Mismatch> {
    let mut bad = Vec::new();
    for batch in batches {
        let mut q = String::from("{");
        for (n, c) in batch.iter().enumerate() {
            q.push_str(&format!(" c{n}: Invoice(where: "));
            c.exp.render(&mut q);
            q.push_str(", order_by: {InvoiceId: asc}) { InvoiceId }");
        }
        q.push_str(" }");
        let body = s.graphql(&q, json!({})).await;
        assert!(
            body.get("errors").is_none(),
            "GraphQL errors (APIFORGE_PROP_SEED={seed:#x}, cases {}..): {}\nquery: {q}",
            batch[0].index,
            body["errors"]
        );
        for (n, c) in batch.iter().enumerate() {
            let got = ids_of(
                body["data"][format!("c{n}")]
                    .as_array()
                    .unwrap_or_else(|| panic!("no list for c{n}: {body}")),
                "InvoiceId",
            );
            if got != c.expected {
                bad.push(Mismatch {
                    index: c.index,
                    request: c.exp.text(),
                    logic: c.pred.to_string(),
                    expected: c.expected.clone(),
                    got,
                    error: None,
                });
            }
        }
    }
    bad
}

struct RestCase {
    index: usize,
    filter: String,
    pred: Pred,
    expected: Vec<i64>,
}

async fn run_rest(s: &TestServer, cases: &[RestCase]) -> Vec<Mismatch> {
    let mut bad = Vec::new();
    for c in cases {
        let path = table_path(
            "Invoice",
            &[
                ("filter", &c.filter),
                ("fields", "InvoiceId"),
                ("order", "InvoiceId"),
                ("limit", "1000"),
            ],
        );
        let (status, body) = s.get(&path).await;
        let (got, error) = match body["resource"].as_array() {
            Some(rows) if status == 200 => (ids_of(rows, "InvoiceId"), None),
            _ => (Vec::new(), Some(format!("{status} {body}"))),
        };
        if got != c.expected || error.is_some() {
            bad.push(Mismatch {
                index: c.index,
                request: c.filter.clone(),
                logic: c.pred.to_string(),
                expected: c.expected.clone(),
                got,
                error,
            });
        }
    }
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_where_trees_match_the_oracle() {
    let Some(s) = crate::start().await else {
        return;
    };
    let started = Instant::now();
    let seed = seed();
    let n = cases(s.backend);
    println!(
        "where_props graphql on {:?}: seed {seed:#x}, {n} cases",
        s.backend
    );
    let rows = invoices(&s).await;
    let pools = pools(&s, &rows);
    let mut census = Census::default();
    let mut spread = Spread::default();
    let cases: Vec<GqlCase> = (0..n)
        .map(|index| {
            let mut rng = Rng::for_case(seed, GQL_SALT, index);
            let depth = rng.below(5) as u32;
            let exp = pools.bool_exp(&mut rng, depth);
            exp.census(&mut census);
            let pred = exp.pred();
            let expected = pred.select(&rows);
            spread.add(expected.len(), rows.len());
            GqlCase {
                index,
                exp,
                pred,
                expected,
            }
        })
        .collect();
    drop(pools);
    let generated = Instant::now();
    println!("where_props graphql: {census:?}");
    spread.check("graphql");
    if n >= 1000 {
        for (what, count) in [
            ("{}", census.empty_object),
            ("_and: []", census.empty_and),
            ("_or: []", census.empty_or),
            ("_not: {}", census.not_empty),
            ("_in: []", census.empty_in),
            ("_nin: []", census.empty_nin),
        ] {
            assert!(count > 0, "test bug: no {what} in {n} cases");
        }
    }
    let mut batches: Vec<Vec<GqlCase>> = Vec::new();
    for c in cases {
        match batches.last_mut() {
            Some(b) if b.len() < BATCH => b.push(c),
            _ => batches.push(vec![c]),
        }
    }
    let [a, b, c, d] = lanes(&batches);
    let (a, b, c, d) = tokio::join!(
        run_graphql(&s, seed, a),
        run_graphql(&s, seed, b),
        run_graphql(&s, seed, c),
        run_graphql(&s, seed, d)
    );
    let bad = [a, b, c, d].into_iter().flatten().collect();
    verdict("graphql", &s, seed, n, [started, generated], bad);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_filters_match_the_oracle() {
    let Some(s) = crate::start().await else {
        return;
    };
    let started = Instant::now();
    let seed = seed();
    let n = cases(s.backend);
    println!(
        "where_props rest on {:?}: seed {seed:#x}, {n} cases",
        s.backend
    );
    let rows = invoices(&s).await;
    let pools = pools(&s, &rows);
    let mut spread = Spread::default();
    let cases: Vec<RestCase> = (0..n)
        .map(|index| {
            let mut rng = Rng::for_case(seed, REST_SALT, index);
            let depth = rng.below(5) as u32;
            let pred = pools.pred(&mut rng, depth);
            let filter = pred.rest(&mut |w| rng.keyword(w));
            let expected = pred.select(&rows);
            spread.add(expected.len(), rows.len());
            RestCase {
                index,
                filter,
                pred,
                expected,
            }
        })
        .collect();
    drop(pools);
    let generated = Instant::now();
    spread.check("rest");
    let [a, b, c, d] = lanes(&cases);
    let (a, b, c, d) = tokio::join!(
        run_rest(&s, a),
        run_rest(&s, b),
        run_rest(&s, c),
        run_rest(&s, d)
    );
    let bad = [a, b, c, d].into_iter().flatten().collect();
    verdict("rest", &s, seed, n, [started, generated], bad);
}

// ---------------------------------------------------------------- the oracle itself

fn row(id: i64, state: Option<&str>, country: &str) -> Row {
    Row {
        id,
        customer: 1,
        total: 1.98,
        state: state.map(str::to_owned),
        postal: None,
        country: Some(country.to_owned()),
    }
}

fn state_is(v: &str) -> Pred {
    Pred::Leaf(Leaf::Cmp(Col::BillingState, Op::Eq, Val::Text(v.into())))
}

#[test]
fn oracle_empty_groups_and_lists() {
    let rows = [row(1, Some("CA"), "Canada"), row(2, None, "France")];
    let exp = |keys: Vec<Key>| BoolExp(keys).pred().select(&rows);
    let col = |ops: Vec<GqlOp>| Key::Col(Col::BillingState, ops);
    assert_eq!(exp(vec![]), [1, 2], "{{}} is TRUE");
    assert_eq!(exp(vec![Key::And(vec![])]), [1, 2], "_and: [] is TRUE");
    assert_eq!(
        exp(vec![Key::Or(vec![])]),
        Vec::<i64>::new(),
        "_or: [] is FALSE"
    );
    assert_eq!(
        exp(vec![Key::Not(Box::default())]),
        Vec::<i64>::new(),
        "_not: {{}} is FALSE"
    );
    assert_eq!(
        exp(vec![Key::Not(Box::new(BoolExp(vec![Key::Or(vec![])])))]),
        [1, 2],
        "_not: {{_or: []}} is TRUE"
    );
    assert_eq!(
        exp(vec![Key::Or(vec![BoolExp::default()])]),
        [1, 2],
        "_or: [{{}}] is TRUE"
    );
    assert_eq!(
        exp(vec![col(vec![])]),
        [1, 2],
        "a column without operators is TRUE"
    );
    assert_eq!(
        exp(vec![col(vec![GqlOp::In(vec![], false)])]),
        Vec::<i64>::new(),
        "_in: []"
    );
    assert_eq!(
        exp(vec![col(vec![GqlOp::In(vec![], true)])]),
        [1, 2],
        "_nin: [] holds for a NULL column too"
    );
    assert_eq!(
        exp(vec![col(vec![GqlOp::In(
            vec![Val::Text("XX".into())],
            true
        )])]),
        [1],
        "_nin with values is UNKNOWN for NULL"
    );
    assert_eq!(
        exp(vec![Key::Not(Box::new(BoolExp(vec![col(vec![
            GqlOp::In(vec![], true)
        ])])))]),
        Vec::<i64>::new()
    );
    // Two keys, two operators: AND.
    assert_eq!(
        exp(vec![col(vec![
            GqlOp::IsNull(false),
            GqlOp::Cmp(Op::Ne, Val::Text("CA".into()))
        ]),]),
        Vec::<i64>::new()
    );
    assert_eq!(
        exp(vec![
            col(vec![GqlOp::IsNull(false)]),
            Key::Col(
                Col::BillingCountry,
                vec![GqlOp::Like(LikeOp::Ilike, "c%".into())]
            ),
        ]),
        [1]
    );
}

#[test]
fn oracle_three_valued_logic() {
    let null = row(1, None, "France");
    let ca = row(2, Some("CA"), "Canada");
    let t = Pred::All(vec![]);
    let f = Pred::Any(vec![]);
    let unknown = state_is("CA");
    assert_eq!(unknown.eval(&null), None);
    assert_eq!(
        Pred::Not(Box::new(unknown.clone())).eval(&null),
        None,
        "NOT UNKNOWN"
    );
    assert_eq!(
        Pred::Not(Box::new(unknown.clone())).select(&[null.clone(), ca.clone()]),
        Vec::<i64>::new()
    );
    assert_eq!(
        Pred::Any(vec![unknown.clone(), t.clone()]).eval(&null),
        Some(true)
    );
    assert_eq!(
        Pred::Any(vec![unknown.clone(), f.clone()]).eval(&null),
        None
    );
    assert_eq!(
        Pred::All(vec![unknown.clone(), f.clone()]).eval(&null),
        Some(false)
    );
    assert_eq!(
        Pred::All(vec![unknown.clone(), t.clone()]).eval(&null),
        None
    );
    let ne = Pred::Leaf(Leaf::Cmp(Col::BillingState, Op::Ne, Val::Text("CA".into())));
    assert_eq!(
        ne.select(&[null.clone(), ca.clone()]),
        Vec::<i64>::new(),
        "!= excludes NULL"
    );
    for (leaf, on_null) in [
        (Leaf::IsNull(Col::BillingState, false), true),
        (Leaf::IsNull(Col::BillingState, true), false),
        (Leaf::EqNull(Col::BillingState, false), true),
        (Leaf::EqNull(Col::BillingState, true), false),
    ] {
        assert_eq!(leaf.eval(&null), Some(on_null), "{leaf:?}");
        assert_eq!(leaf.eval(&ca), Some(!on_null), "{leaf:?}");
    }
    assert_eq!(
        Leaf::In(Col::BillingState, vec![Val::Text("CA".into())], true).eval(&null),
        None,
        "NOT IN with a NULL column"
    );
    assert_eq!(
        Leaf::Between(Col::Total, Val::Dec(198), Val::Dec(198)).eval(&ca),
        Some(true)
    );
    assert_eq!(
        Leaf::Between(Col::Total, Val::Dec(199), Val::Dec(100)).eval(&ca),
        Some(false)
    );
    assert_eq!(
        Leaf::Cmp(Col::Total, Op::Ge, Val::Dec(198)).eval(&ca),
        Some(true)
    );
    assert_eq!(
        Leaf::Cmp(Col::Total, Op::Gt, Val::Dec(198)).eval(&ca),
        Some(false)
    );
}

#[test]
fn oracle_like() {
    for (p, t, m) in [
        ("%", "", true),
        ("", "", true),
        ("", "a", false),
        ("_", "", false),
        ("c%", "Canada", true),
        ("CAN%", "Canada", true),
        ("%ADA", "Canada", true),
        ("c_n_d_", "Canada", true),
        ("c_n_d", "Canada", false),
        ("%a%a%a%", "Canada", true),
        ("%a%a%a%a%", "Canada", false),
        ("%ch r%", "Czech Republic", true),
        ("united%", "USA", false),
        ("%%", "x", true),
    ] {
        assert_eq!(like(p, t), m, "{t:?} LIKE {p:?}");
    }
    let m = |k, v: &str| {
        Leaf::Match(Col::BillingCountry, k, v.into()).eval(&row(1, None, "Czech Republic"))
    };
    assert_eq!(m(Match::Contains, "REP"), Some(true));
    assert_eq!(m(Match::Starts, "cz"), Some(true));
    assert_eq!(m(Match::Starts, "rep"), Some(false));
    assert_eq!(m(Match::Ends, "LIC"), Some(true));
}

/// Every generated filter is one the REST grammar reads, and the renderings are
/// the expected texts.
#[test]
fn renderings() {
    let rows = [
        row(1, Some("CA"), "Canada"),
        row(2, None, "Czech Republic"),
        Row {
            postal: Some("T6G 2C7".into()),
            ..row(3, Some("SP"), "Brazil")
        },
    ];
    let pools = Pools::new(&rows, true, Box::new(|_| true));
    for index in 0..2000 {
        let mut rng = Rng::for_case(DEFAULT_SEED, REST_SALT, index);
        let depth = rng.below(5) as u32;
        let pred = pools.pred(&mut rng, depth);
        let filter = pred.rest(&mut |w| rng.keyword(w));
        if let Err(e) = apiforge::query::filter::parse(&filter) {
            panic!("case {index}: {filter:?} does not parse: {e}");
        }
    }
    let exp = BoolExp(vec![
        Key::Or(vec![]),
        Key::Not(Box::default()),
        Key::Col(
            Col::Total,
            vec![GqlOp::Cmp(Op::Gt, Val::Dec(100)), GqlOp::In(vec![], true)],
        ),
        Key::And(vec![BoolExp(vec![Key::Col(
            Col::BillingState,
            vec![GqlOp::In(
                vec![Val::Text("CA".into()), Val::Text("SP".into())],
                false,
            )],
        )])]),
    ]);
    assert_eq!(
        exp.text(),
        r#"{_or: [], _not: {}, Total: {_gt: 1.00, _nin: []}, _and: [{BillingState: {_in: ["CA", "SP"]}}]}"#
    );
    assert_eq!(
        exp.pred().to_string(),
        "(FALSE AND NOT TRUE AND (Total > 1.00 AND Total NOT IN ()) AND (((BillingState IN ('CA', 'SP')))))"
    );
    let pred = Pred::Any(vec![
        Pred::Not(Box::new(Pred::Leaf(Leaf::EqNull(Col::BillingState, true)))),
        Pred::All(vec![
            Pred::Leaf(Leaf::Like(Col::BillingCountry, "%it'%".into(), true)),
            Pred::Leaf(Leaf::Between(Col::Total, Val::Dec(99), Val::Dec(2586))),
        ]),
    ]);
    assert_eq!(
        pred.rest(&mut |w| w.to_owned()),
        "(not (BillingState != null)) or ((BillingCountry not like '%it''%') and (Total between 0.99 and 25.86))"
    );
}
