//! The `filter=` grammar: text → [`Expr`] (an AST of names and literals).
//!
//! The AST is unresolved: identifiers are names with their position, literals are
//! untyped. `plan` resolves names against the catalog and coerces literals to the
//! column types, so this module knows nothing of any table. The text never reaches
//! SQL: every literal becomes a bound value later.
//!
//! Precedence, loosest first: OR, AND, NOT, then predicates. Keywords are
//! case-insensitive. See `parse` for the limits that keep hostile input cheap.

use std::cell::Cell;
use std::fmt;

use winnow::Parser;
use winnow::ascii::{Caseless, digit1, multispace0};
use winnow::combinator::{alt, dispatch, empty, fail, not, opt, preceded, repeat, terminated};
use winnow::error::{ErrMode, ModalResult, ParserError};
use winnow::stream::{LocatingSlice, Location, Stateful};
use winnow::token::{any, literal, one_of, take_while};

/// A column name as written in the filter, with its byte offset (0-based) in the text
/// so that the planner can point at an unknown column.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    /// A number exactly as written (`-12`, `3.50`, `1e3`): the planner converts it to
    /// the column's type, so no precision is lost here.
    Number(String),
    /// A single-quoted string with `''` already unescaped.
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// `contains`, `starts with`, `ends with`: a LIKE whose pattern we build, escaping
/// the user's `%` and `_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Contains,
    StartsWith,
    EndsWith,
}

/// A condition tree. Empty lists mean what the identities of their
/// connectives say, on purpose: `And([])` is true, `Or([])` is false, and an
/// `In` with no values is false (`not in` nothing: true). The text grammar
/// never produces them (`in ()` is refused); GraphQL's `where` does
/// (`_and: []`, `_or: []`, `{}`, `_in: []`), and the planner folds them.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        column: Ident,
        op: CmpOp,
        value: Literal,
    },
    /// `like` / `not like` with the user's own pattern (`%`, `_` are wildcards).
    Like {
        column: Ident,
        pattern: Literal,
        negated: bool,
    },
    Match {
        column: Ident,
        kind: MatchKind,
        value: Literal,
    },
    In {
        column: Ident,
        values: Vec<Literal>,
        negated: bool,
    },
    IsNull {
        column: Ident,
        negated: bool,
    },
    Between {
        column: Ident,
        low: Literal,
        high: Literal,
    },
}

/// A syntax error with the byte offset (0-based) where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at position {})", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}

/// Longest filter text accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 64 * 1024;
/// Deepest nesting of parentheses and `not` accepted.
pub const MAX_DEPTH: usize = 32;
/// Most predicates plus `in` list values accepted in one filter.
pub const MAX_TERMS: usize = 1000;

/// Parses a filter. Never panics; any input that is not a filter gives a
/// `FilterError` with a sentence and a position.
///
/// The text comes straight from a query string, so the limits are checked as the
/// parser goes rather than afterwards: the length before anything else, the nesting
/// before each recursive step (a wall of `(` fails at the 33rd, without touching the
/// stack), the term count as each predicate or `in` value is read. Work is linear in
/// the input.
///
/// `a and (b and c)` comes back as one flat `And` of three: grouping the same
/// operator changes nothing, and flat lists make shorter SQL.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    if input.len() > MAX_FILTER_LEN {
        return Err(FilterError {
            position: MAX_FILTER_LEN,
            message: format!("the filter is longer than {MAX_FILTER_LEN} bytes"),
        });
    }
    if input.trim_start_matches(WHITESPACE).is_empty() {
        return Err(FilterError {
            position: 0,
            message: "the filter is empty".into(),
        });
    }
    let budget = Budget::default();
    let mut stream = Input {
        input: LocatingSlice::new(input),
        state: &budget,
    };
    filter(&mut stream).map_err(|err| {
        let problem = match err {
            ErrMode::Backtrack(p) | ErrMode::Cut(p) => p,
            // Unreachable for a complete (non-`Partial`) stream; mapped rather than
            // trusted.
            ErrMode::Incomplete(_) => Problem {
                position: input.len(),
                message: None,
            },
        };
        FilterError {
            position: problem.position.min(input.len()),
            message: problem
                .message
                .unwrap_or_else(|| "the filter could not be understood".into()),
        }
    })
}

/// The whitespace `multispace0` skips; the empty-input check must agree with it.
const WHITESPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// Words that would make the grammar ambiguous as bare column names. Operator words
/// (`like`, `in`, `is`, …) are not reserved: they only ever follow a column, so a
/// column called `like` is still readable.
const RESERVED: [&str; 6] = ["and", "or", "not", "null", "true", "false"];

const VALUE_KINDS: &str = "a value (a 'quoted string', a number, true, false or null)";
const OPERATORS: &str = "(=, !=, >, like, in, is null, between …)";
const SEMICOLON: &str =
    "unexpected ';' — a filter is a single condition, statements cannot be chained";
const COMMENT: &str = "comments are not allowed in filters";
const ARITHMETIC: &str = "arithmetic is not allowed in filters; compare a column with a value";
const SUBQUERY: &str = "sub-queries are not allowed in filters";
const AFTER_OPEN: &str = " after '('";

/// Counts terms across the whole parse. A `Cell` because winnow hands `Stateful`
/// state out by shared reference; nothing that bumps it is ever backtracked over.
#[derive(Debug, Default)]
struct Budget {
    terms: Cell<usize>,
}

/// `LocatingSlice` supplies the byte offsets for `Ident.pos` and for errors.
type Input<'a> = Stateful<LocatingSlice<&'a str>, &'a Budget>;

type PResult<T> = ModalResult<T, Problem>;

/// winnow's error type for this grammar. `message` is `None` only for the cheap
/// backtracks of alternatives that did not match; every error that can reach the
/// user is a `Cut` with a sentence, so the first one found wins.
#[derive(Debug)]
struct Problem {
    position: usize,
    message: Option<String>,
}

impl<'a> ParserError<Input<'a>> for Problem {
    type Inner = Self;

    fn from_input(input: &Input<'a>) -> Self {
        Problem {
            position: input.current_token_start(),
            message: None,
        }
    }

    // winnow's default panics in debug builds; this parser must not panic on any input.
    fn assert(input: &Input<'a>, _message: &'static str) -> Self {
        Self::from_input(input)
    }

    fn into_inner(self) -> Result<Self, Self> {
        Ok(self)
    }
}

fn reject<T>(position: usize, message: impl Into<String>) -> PResult<T> {
    Err(ErrMode::Cut(Problem {
        position,
        message: Some(message.into()),
    }))
}

/// Nesting so far: `depth` bounds the recursion, `parens` tells a stray `)` from
/// one that closes a group.
#[derive(Debug, Clone, Copy)]
struct Nest {
    depth: usize,
    parens: usize,
}

impl Nest {
    const TOP: Nest = Nest {
        depth: 0,
        parens: 0,
    };

    /// Checked before recursing, so hostile nesting costs nothing but this test.
    fn deeper(self, at: usize, paren: bool) -> PResult<Nest> {
        if self.depth >= MAX_DEPTH {
            return reject(
                at,
                format!(
                    "the filter is nested too deeply (at most {MAX_DEPTH} levels of parentheses and 'not')"
                ),
            );
        }
        Ok(Nest {
            depth: self.depth + 1,
            parens: self.parens + usize::from(paren),
        })
    }
}

/// The operators spelled as words, recognised after a column.
#[derive(Debug, Clone, Copy)]
enum OpWord {
    Like,
    Not,
    Contains,
    Starts,
    Ends,
    In,
    Is,
    Between,
}

fn rest<'a>(i: &Input<'a>) -> &'a str {
    *i.input
}

fn at(i: &Input<'_>) -> usize {
    i.current_token_start()
}

fn ws(i: &mut Input<'_>) -> PResult<()> {
    multispace0.void().parse_next(i)
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// A case-insensitive keyword that must end at a word boundary, so that `android`
/// is never `and` followed by `roid`.
fn kw<'a>(word: &'static str) -> impl Parser<Input<'a>, (), ErrMode<Problem>> {
    terminated(literal(Caseless(word)), not(one_of(is_ident_char))).void()
}

fn bare_word<'a>(i: &mut Input<'a>) -> PResult<&'a str> {
    (one_of(is_ident_start), take_while(0.., is_ident_char))
        .take()
        .parse_next(i)
}

/// Keeps echoed user text short in messages; counts chars so it cannot split one.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// Names the token at the start of `rest` for "… but found X" messages.
fn found(rest: &str) -> String {
    let Some(c) = rest.chars().next() else {
        return "the end of the filter".into();
    };
    if c == '\'' {
        "a 'quoted string'".into()
    } else if is_ident_char(c) {
        let word: String = rest.chars().take_while(|&c| is_ident_char(c)).collect();
        format!("'{}'", shorten(&word))
    } else {
        format!("'{}'", c.escape_debug())
    }
}

/// Tokens that are wrong wherever they appear, with a sentence that says why
/// rather than what was expected instead.
fn forbidden(rest: &str) -> Option<&'static str> {
    if rest.starts_with(';') {
        Some(SEMICOLON)
    } else if rest.starts_with("--") || rest.starts_with("/*") || rest.starts_with('#') {
        Some(COMMENT)
    } else {
        None
    }
}

/// Explains the usual mistakes found where an operator or a connective belongs.
fn misplaced(rest: &str) -> Option<&'static str> {
    forbidden(rest).or_else(|| {
        if rest.starts_with("&&") {
            Some("use 'and' instead of '&&' to combine conditions")
        } else if rest.starts_with("||") {
            Some("use 'or' instead of '||' to combine conditions")
        } else if rest.starts_with(['+', '-', '*', '/', '%']) {
            Some(ARITHMETIC)
        } else {
            None
        }
    })
}

/// Fails at the current token with `forbidden`'s sentence if it has one, else with
/// `message` built around a description of the token.
fn expected<T>(i: &Input<'_>, message: impl FnOnce(String) -> String) -> PResult<T> {
    let r = rest(i);
    match forbidden(r) {
        Some(m) => reject(at(i), m),
        None => reject(at(i), message(found(r))),
    }
}

fn count_term(i: &Input<'_>, position: usize) -> PResult<()> {
    let terms = i.state.terms.get() + 1;
    if terms > MAX_TERMS {
        return reject(
            position,
            format!("the filter has too many conditions and 'in' values (at most {MAX_TERMS})"),
        );
    }
    i.state.terms.set(terms);
    Ok(())
}

fn filter(i: &mut Input<'_>) -> PResult<Expr> {
    let expr = or_expr(i, Nest::TOP, "")?;
    ws(i)?;
    let r = rest(i);
    if r.is_empty() {
        return Ok(expr);
    }
    if r.starts_with(')') {
        return reject(
            at(i),
            "unbalanced parenthesis: this ')' has no matching '('",
        );
    }
    match misplaced(r) {
        Some(m) => reject(at(i), m),
        None => reject(
            at(i),
            "unexpected text after the end of the filter; join conditions with 'and' or 'or'",
        ),
    }
}

fn or_expr(i: &mut Input<'_>, nest: Nest, after: &'static str) -> PResult<Expr> {
    let first = and_expr(i, nest, after)?;
    let mut next_or = opt(preceded(ws, kw("or")));
    if next_or.parse_next(i)?.is_none() {
        return Ok(first);
    }
    let mut items = Vec::with_capacity(4);
    push_flat(&mut items, first, false);
    loop {
        push_flat(&mut items, and_expr(i, nest, " after 'or'")?, false);
        if next_or.parse_next(i)?.is_none() {
            return Ok(Expr::Or(items));
        }
    }
}

fn and_expr(i: &mut Input<'_>, nest: Nest, after: &'static str) -> PResult<Expr> {
    let first = unary(i, nest, after)?;
    let mut next_and = opt(preceded(ws, kw("and")));
    if next_and.parse_next(i)?.is_none() {
        return Ok(first);
    }
    let mut items = Vec::with_capacity(4);
    push_flat(&mut items, first, true);
    loop {
        push_flat(&mut items, unary(i, nest, " after 'and'")?, true);
        if next_and.parse_next(i)?.is_none() {
            return Ok(Expr::And(items));
        }
    }
}

/// Splices a parenthesised group of the same connective into its parent.
fn push_flat(items: &mut Vec<Expr>, expr: Expr, and: bool) {
    match expr {
        Expr::And(inner) if and => items.extend(inner),
        Expr::Or(inner) if !and => items.extend(inner),
        other => items.push(other),
    }
}

fn unary(i: &mut Input<'_>, nest: Nest, after: &'static str) -> PResult<Expr> {
    ws(i)?;
    let start = at(i);
    if opt(kw("not")).parse_next(i)?.is_some() {
        let nest = nest.deeper(start, false)?;
        let inner = unary(i, nest, " after 'not'")?;
        return Ok(Expr::Not(Box::new(inner)));
    }
    primary(i, nest, after)
}

fn primary(i: &mut Input<'_>, nest: Nest, after: &'static str) -> PResult<Expr> {
    let open = at(i);
    if opt('(').parse_next(i)?.is_none() {
        return predicate(i, nest, after);
    }
    let inner = nest.deeper(open, true)?;
    let expr = or_expr(i, inner, AFTER_OPEN)?;
    ws(i)?;
    if opt(')').parse_next(i)?.is_some() {
        return Ok(expr);
    }
    let r = rest(i);
    if r.is_empty() {
        return reject(
            at(i),
            format!("unbalanced parenthesis: the '(' at position {open} is never closed"),
        );
    }
    match misplaced(r) {
        Some(m) => reject(at(i), m),
        None => reject(
            at(i),
            format!("expected 'and', 'or' or ')' but found {}", found(r)),
        ),
    }
}

fn column(i: &mut Input<'_>, nest: Nest, after: &'static str) -> PResult<Ident> {
    let start = at(i);
    let r = rest(i);
    if let Some(m) = forbidden(r) {
        return reject(start, m);
    }
    match r.chars().next() {
        Some('"') => Ok(Ident {
            name: quoted_ident(i)?,
            pos: start,
        }),
        Some(c) if is_ident_start(c) => {
            let word = bare_word(i)?;
            if is_reserved(word) {
                return reject(
                    start,
                    format!(
                        "expected a condition{after} but found the keyword '{word}' (a column with that name must be written in double quotes: \"{word}\")"
                    ),
                );
            }
            Ok(Ident {
                name: word.to_owned(),
                pos: start,
            })
        }
        None => reject(
            start,
            format!("expected a condition{after} but the filter ends here"),
        ),
        Some(')') if after == AFTER_OPEN => reject(
            start,
            "empty parentheses: expected a condition between '(' and ')'",
        ),
        Some(')') if nest.parens == 0 => reject(
            start,
            "unbalanced parenthesis: this ')' has no matching '('",
        ),
        Some('\'') => reject(
            start,
            "expected a column name but found a 'quoted string'; a condition starts with a column, as in Name = 'value'",
        ),
        Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => reject(
            start,
            "expected a column name but found a number; a condition starts with a column, as in Id = 5",
        ),
        Some(_) => expected(i, |f| {
            format!("expected a condition{after} (a column name, 'not' or '(') but found {f}")
        }),
    }
}

/// `"Some Name"` with `""` for a quote, for names that are not plain identifiers.
fn quoted_ident(i: &mut Input<'_>) -> PResult<String> {
    let start = at(i);
    let name = delimited_text(i, '"', "\"\"", "\"")?;
    let Some(name) = name else {
        return reject(
            at(i),
            format!("unterminated column name starting at position {start}"),
        );
    };
    if name.is_empty() {
        return reject(start, "empty column name");
    }
    Ok(name)
}

fn string(i: &mut Input<'_>) -> PResult<String> {
    let start = at(i);
    match delimited_text(i, '\'', "''", "'")? {
        Some(s) => Ok(s),
        None => reject(
            at(i),
            format!("unterminated string starting at position {start}"),
        ),
    }
}

/// Reads `quote … quote` with a doubled quote as the escape; `None` when the closing
/// quote is missing (the input is then fully consumed).
fn delimited_text(
    i: &mut Input<'_>,
    quote: char,
    doubled: &'static str,
    single: &'static str,
) -> PResult<Option<String>> {
    literal(quote).parse_next(i)?;
    let text = repeat(
        0..,
        alt((take_while(1.., move |c| c != quote), doubled.value(single))),
    )
    .fold(String::new, |mut acc, piece: &str| {
        acc.push_str(piece);
        acc
    })
    .parse_next(i)?;
    Ok(opt(quote).parse_next(i)?.map(|_| text))
}

/// `-?digits(.digits)?([eE][+-]?digits)?`, kept as written. A number that runs on
/// into letters or dots (`12abc`, `1.`, `1e`, `1.2.3`) is an error, not a number
/// followed by something else.
fn number(i: &mut Input<'_>) -> PResult<Literal> {
    let start = at(i);
    let text = (
        opt('-'),
        digit1,
        opt(('.', digit1)),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)),
    )
        .take()
        .parse_next(i)?;
    if rest(i).starts_with(|c: char| is_ident_char(c) || c == '.') {
        let tail: &str = take_while(0.., |c: char| is_ident_char(c) || c == '.').parse_next(i)?;
        return reject(
            start,
            format!(
                "malformed number '{}'; write numbers like 42, -3.5 or 1e3",
                shorten(&format!("{text}{tail}"))
            ),
        );
    }
    Ok(Literal::Number(text.to_owned()))
}

/// Whether `rest` (just after a `(`) opens a sub-query.
fn opens_subquery(rest: &str) -> bool {
    let r = rest.trim_start_matches(WHITESPACE);
    r.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"))
        && !r.get(6..).is_some_and(|t| t.starts_with(is_ident_char))
}

fn value(i: &mut Input<'_>, after: &str) -> PResult<Literal> {
    ws(i)?;
    let start = at(i);
    let r = rest(i);
    let mut chars = r.chars();
    let first = chars.next();
    let second_is_digit = chars.next().is_some_and(|c| c.is_ascii_digit());
    match first {
        Some('\'') => Ok(Literal::Str(string(i)?)),
        Some(c) if c.is_ascii_digit() => number(i),
        Some('-') if second_is_digit => number(i),
        Some('.') if second_is_digit => reject(
            start,
            "a number needs a digit before the decimal point (write 0.5, not .5)",
        ),
        Some('"') => reject(
            start,
            "double quotes are for column names; write values in single quotes, as in 'text'",
        ),
        Some('(') if r.strip_prefix('(').is_some_and(opens_subquery) => reject(start, SUBQUERY),
        Some(c) if is_ident_start(c) => word_value(i, after),
        _ => expected(i, |f| {
            format!("expected {VALUE_KINDS} after '{after}' but found {f}")
        }),
    }
}

/// A bare word where a value belongs: a literal keyword, or one of the things a
/// filter cannot do (call a function, run a sub-query, name another column).
fn word_value(i: &mut Input<'_>, after: &str) -> PResult<Literal> {
    let start = at(i);
    let word = bare_word(i)?;
    if word.eq_ignore_ascii_case("true") {
        return Ok(Literal::Bool(true));
    }
    if word.eq_ignore_ascii_case("false") {
        return Ok(Literal::Bool(false));
    }
    if word.eq_ignore_ascii_case("null") {
        return Ok(Literal::Null);
    }
    if word.eq_ignore_ascii_case("select") {
        return reject(start, SUBQUERY);
    }
    if rest(i).trim_start_matches(WHITESPACE).starts_with('(') {
        return reject(
            start,
            format!(
                "functions are not allowed in filters (found '{}(')",
                shorten(word)
            ),
        );
    }
    if is_reserved(word) {
        return reject(
            start,
            format!("expected {VALUE_KINDS} after '{after}' but found the keyword '{word}'"),
        );
    }
    let word = shorten(word);
    reject(
        start,
        format!(
            "expected {VALUE_KINDS} after '{after}' but found '{word}'; text must be in single quotes ('{word}') and a column cannot be compared with another column"
        ),
    )
}

/// The patterns of `like`, `contains`, … are text by nature, so anything else is a
/// syntax error here rather than a type error later.
fn text_value(i: &mut Input<'_>, after: &str) -> PResult<Literal> {
    ws(i)?;
    match rest(i).chars().next() {
        Some('\'') => Ok(Literal::Str(string(i)?)),
        Some('"') => reject(
            at(i),
            "double quotes are for column names; write values in single quotes, as in 'text'",
        ),
        _ => expected(i, |f| {
            format!("expected a 'quoted string' after '{after}' but found {f}")
        }),
    }
}

fn predicate(i: &mut Input<'_>, nest: Nest, after: &'static str) -> PResult<Expr> {
    let column = column(i, nest, after)?;
    count_term(i, column.pos)?;
    ws(i)?;
    let op_at = at(i);
    // Dispatching on the first char instead of trying each symbol in turn: this is
    // the hot path of the commonest filters, and failed alternatives cost.
    let symbol = opt(dispatch! {any;
        '<' => alt(('>'.value(CmpOp::Ne), '='.value(CmpOp::Le), empty.value(CmpOp::Lt))),
        '>' => alt(('='.value(CmpOp::Ge), empty.value(CmpOp::Gt))),
        '!' => '='.value(CmpOp::Ne),
        '=' => empty.value(CmpOp::Eq),
        _ => fail,
    }
    .with_taken())
    .parse_next(i)?;
    if let Some((op, text)) = symbol {
        if op == CmpOp::Eq {
            let (wrong, right) = match rest(i).chars().next() {
                Some('=') => ("==", "="),
                Some('>') => ("=>", ">="),
                Some('<') => ("=<", "<="),
                _ => ("", ""),
            };
            if !wrong.is_empty() {
                return reject(
                    op_at,
                    format!("'{wrong}' is not an operator; use '{right}'"),
                );
            }
        }
        let value = value(i, text)?;
        return Ok(Expr::Compare { column, op, value });
    }
    let word = opt(alt((
        kw("like").value(OpWord::Like),
        kw("not").value(OpWord::Not),
        kw("contains").value(OpWord::Contains),
        kw("starts").value(OpWord::Starts),
        kw("ends").value(OpWord::Ends),
        kw("in").value(OpWord::In),
        kw("is").value(OpWord::Is),
        kw("between").value(OpWord::Between),
    )))
    .parse_next(i)?;
    let Some(word) = word else {
        return no_operator(i, &column);
    };
    Ok(match word {
        OpWord::Like => Expr::Like {
            pattern: text_value(i, "like")?,
            column,
            negated: false,
        },
        OpWord::Not => {
            ws(i)?;
            if opt(kw("like")).parse_next(i)?.is_some() {
                Expr::Like {
                    pattern: text_value(i, "not like")?,
                    column,
                    negated: true,
                }
            } else if opt(kw("in")).parse_next(i)?.is_some() {
                Expr::In {
                    values: in_list(i, "not in")?,
                    column,
                    negated: true,
                }
            } else {
                return expected(i, |f| {
                    format!(
                        "expected 'like' or 'in' after 'not' but found {f} (other tests are negated as not (Name contains 'x'))"
                    )
                });
            }
        }
        OpWord::Contains => Expr::Match {
            value: text_value(i, "contains")?,
            column,
            kind: MatchKind::Contains,
        },
        OpWord::Starts => {
            expect_with(i, "starts")?;
            Expr::Match {
                value: text_value(i, "starts with")?,
                column,
                kind: MatchKind::StartsWith,
            }
        }
        OpWord::Ends => {
            expect_with(i, "ends")?;
            Expr::Match {
                value: text_value(i, "ends with")?,
                column,
                kind: MatchKind::EndsWith,
            }
        }
        OpWord::In => Expr::In {
            values: in_list(i, "in")?,
            column,
            negated: false,
        },
        OpWord::Is => {
            ws(i)?;
            let negated = opt(kw("not")).parse_next(i)?.is_some();
            ws(i)?;
            if opt(kw("null")).parse_next(i)?.is_none() {
                return expected(i, |f| {
                    if negated {
                        format!("expected 'null' after 'is not' but found {f}")
                    } else {
                        format!("expected 'null' or 'not null' after 'is' but found {f}")
                    }
                });
            }
            Expr::IsNull { column, negated }
        }
        OpWord::Between => {
            let low = value(i, "between")?;
            ws(i)?;
            if opt(kw("and")).parse_next(i)?.is_none() {
                return expected(i, |f| {
                    format!(
                        "expected 'and' between the two values of 'between' (as in Price between 1 and 10) but found {f}"
                    )
                });
            }
            let high = value(i, "between … and")?;
            Expr::Between { column, low, high }
        }
    })
}

fn expect_with(i: &mut Input<'_>, first: &str) -> PResult<()> {
    ws(i)?;
    if opt(kw("with")).parse_next(i)?.is_some() {
        return Ok(());
    }
    expected(i, |f| {
        format!("expected 'with' after '{first}' but found {f}")
    })
}

/// Explains what is wrong where an operator should follow `column`.
fn no_operator<T>(i: &Input<'_>, column: &Ident) -> PResult<T> {
    let r = rest(i);
    let name = shorten(&column.name);
    let exists_call = column.name.eq_ignore_ascii_case("exists") && r.starts_with('(');
    if exists_call || column.name.eq_ignore_ascii_case("select") {
        return reject(column.pos, SUBQUERY);
    }
    if r.starts_with('(') {
        return reject(
            column.pos,
            format!("functions are not allowed in filters (found '{name}(')"),
        );
    }
    if let Some(m) = misplaced(r) {
        return reject(at(i), m);
    }
    reject(
        at(i),
        format!(
            "expected an operator after column '{name}' {OPERATORS} but found {}",
            found(r)
        ),
    )
}

/// `( value, value, … )` after `in`; every value counts towards `MAX_TERMS`.
fn in_list(i: &mut Input<'_>, after: &str) -> PResult<Vec<Literal>> {
    ws(i)?;
    let open = at(i);
    if opt('(').parse_next(i)?.is_none() {
        return expected(i, |f| {
            format!("expected '(' after '{after}', as in Id in (1, 2, 3), but found {f}")
        });
    }
    ws(i)?;
    if rest(i).starts_with(')') {
        return reject(at(i), "an 'in' list needs at least one value");
    }
    if opens_subquery(rest(i)) {
        return reject(at(i), SUBQUERY);
    }
    let mut values = Vec::new();
    let mut value_after = "(";
    loop {
        ws(i)?;
        let value_at = at(i);
        let v = value(i, value_after)?;
        count_term(i, value_at)?;
        values.push(v);
        ws(i)?;
        if opt(',').parse_next(i)?.is_some() {
            value_after = ",";
            continue;
        }
        if opt(')').parse_next(i)?.is_some() {
            return Ok(values);
        }
        if rest(i).is_empty() {
            return reject(
                at(i),
                format!(
                    "unbalanced parenthesis: the 'in' list opened at position {open} is never closed"
                ),
            );
        }
        return expected(i, |f| {
            format!("expected ',' or ')' in the 'in' list but found {f}")
        });
    }
}

#[cfg(test)]
mod tests;
