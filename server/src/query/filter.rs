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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn ok(text: &str) -> Expr {
        match parse(text) {
            Ok(e) => e,
            Err(e) => panic!("{text:?} should parse, got: {e}"),
        }
    }

    fn err(text: &str) -> FilterError {
        match parse(text) {
            Ok(e) => panic!("{text:?} should fail, got: {e:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the error position and that the message contains `needle`.
    #[track_caller]
    fn assert_err(text: &str, position: usize, needle: &str) {
        let e = err(text);
        assert_eq!(e.position, position, "position for {text:?}: {e}");
        assert!(
            e.message.contains(needle),
            "message for {text:?} should contain {needle:?}, got {:?}",
            e.message
        );
    }

    fn id(name: &str, pos: usize) -> Ident {
        Ident {
            name: name.into(),
            pos,
        }
    }

    fn num(n: &str) -> Literal {
        Literal::Number(n.into())
    }

    fn st(s: &str) -> Literal {
        Literal::Str(s.into())
    }

    fn cmp(name: &str, pos: usize, op: CmpOp, value: Literal) -> Expr {
        Expr::Compare {
            column: id(name, pos),
            op,
            value,
        }
    }

    fn eq(name: &str, pos: usize, n: &str) -> Expr {
        cmp(name, pos, CmpOp::Eq, num(n))
    }

    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    // ---- predicates ----

    #[test]
    fn comparison_operators() {
        for (text, op) in [
            ("a = 1", CmpOp::Eq),
            ("a != 1", CmpOp::Ne),
            ("a <> 1", CmpOp::Ne),
            ("a > 1", CmpOp::Gt),
            ("a >= 1", CmpOp::Ge),
            ("a < 1", CmpOp::Lt),
            ("a <= 1", CmpOp::Le),
        ] {
            assert_eq!(ok(text), cmp("a", 0, op, num("1")), "{text}");
            let tight = text.replace(' ', "");
            assert_eq!(ok(&tight), cmp("a", 0, op, num("1")), "{tight}");
        }
    }

    #[test]
    fn no_spaces_and_negative_values() {
        assert_eq!(ok("GenreId=1"), eq("GenreId", 0, "1"));
        assert_eq!(ok("a<>-1"), cmp("a", 0, CmpOp::Ne, num("-1")));
        assert_eq!(ok("a<-1"), cmp("a", 0, CmpOp::Lt, num("-1")));
        assert_eq!(ok("a>=2.5"), cmp("a", 0, CmpOp::Ge, num("2.5")));
        assert_eq!(ok("a='x'"), cmp("a", 0, CmpOp::Eq, st("x")));
    }

    #[test]
    fn like_and_not_like() {
        assert_eq!(
            ok("Title like 'A%'"),
            Expr::Like {
                column: id("Title", 0),
                pattern: st("A%"),
                negated: false
            }
        );
        assert_eq!(
            ok("Title  NOT   LIKE '%_x'"),
            Expr::Like {
                column: id("Title", 0),
                pattern: st("%_x"),
                negated: true
            }
        );
        assert_eq!(
            ok("Title like'A'"),
            Expr::Like {
                column: id("Title", 0),
                pattern: st("A"),
                negated: false
            }
        );
    }

    #[test]
    fn match_operators() {
        let m = |kind, v: &str| Expr::Match {
            column: id("Name", 0),
            kind,
            value: st(v),
        };
        assert_eq!(ok("Name contains 'ab'"), m(MatchKind::Contains, "ab"));
        assert_eq!(ok("Name starts with 'ab'"), m(MatchKind::StartsWith, "ab"));
        assert_eq!(ok("Name ends with 'ab'"), m(MatchKind::EndsWith, "ab"));
        assert_eq!(ok("Name Starts With 'ab'"), m(MatchKind::StartsWith, "ab"));
        assert_eq!(
            ok("Name STARTS \t\n WITH 'ab'"),
            m(MatchKind::StartsWith, "ab")
        );
        assert_eq!(ok("Name ends    with'ab'"), m(MatchKind::EndsWith, "ab"));
        assert_eq!(ok("Name CONTAINS '100%_'"), m(MatchKind::Contains, "100%_"));
    }

    #[test]
    fn in_and_not_in() {
        assert_eq!(
            ok("a in (1, 'x', null, TRUE, -2.5)"),
            Expr::In {
                column: id("a", 0),
                values: vec![
                    num("1"),
                    st("x"),
                    Literal::Null,
                    Literal::Bool(true),
                    num("-2.5")
                ],
                negated: false
            }
        );
        assert_eq!(
            ok("a NOT  IN(1,2)"),
            Expr::In {
                column: id("a", 0),
                values: vec![num("1"), num("2")],
                negated: true
            }
        );
        assert_eq!(
            ok("a In ( 'only' )"),
            Expr::In {
                column: id("a", 0),
                values: vec![st("only")],
                negated: false
            }
        );
    }

    #[test]
    fn is_null_and_is_not_null() {
        let is = |negated| Expr::IsNull {
            column: id("a", 0),
            negated,
        };
        assert_eq!(ok("a is null"), is(false));
        assert_eq!(ok("a IS NULL"), is(false));
        assert_eq!(ok("a is not null"), is(true));
        assert_eq!(ok("a IS  NOT   NULL"), is(true));
        assert_eq!(ok("a Is\tNot\nNull"), is(true));
    }

    #[test]
    fn between() {
        let b = Expr::Between {
            column: id("a", 0),
            low: num("1"),
            high: num("5"),
        };
        assert_eq!(ok("a between 1 and 5"), b);
        assert_eq!(ok("a BETWEEN 1 AnD 5"), b);
        // The `and` inside `between` is not a connective; the next one is.
        assert_eq!(
            ok("a between 'a' and 'm' and b = 1"),
            Expr::And(vec![
                Expr::Between {
                    column: id("a", 0),
                    low: st("a"),
                    high: st("m")
                },
                eq("b", 26, "1"),
            ])
        );
    }

    #[test]
    fn literals() {
        assert_eq!(ok("a = true"), cmp("a", 0, CmpOp::Eq, Literal::Bool(true)));
        assert_eq!(
            ok("a = FALSE"),
            cmp("a", 0, CmpOp::Eq, Literal::Bool(false))
        );
        assert_eq!(ok("a = Null"), cmp("a", 0, CmpOp::Eq, Literal::Null));
        assert_eq!(ok("a != null"), cmp("a", 0, CmpOp::Ne, Literal::Null));
    }

    #[test]
    fn numbers_are_kept_as_written() {
        for n in [
            "0",
            "-12",
            "3.5",
            "3.50",
            "1e3",
            "-2.5E-3",
            "1E+5",
            "007",
            "123456789012345678901234567890",
        ] {
            assert_eq!(ok(&format!("a = {n}")), eq("a", 0, n), "{n}");
        }
    }

    #[test]
    fn strings_and_escapes() {
        let s = |text: &str| match ok(text) {
            Expr::Compare {
                value: Literal::Str(s),
                ..
            } => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(s("a = 'O''Brien'"), "O'Brien");
        assert_eq!(s("a = ''"), "");
        assert_eq!(s("a = ''''"), "'");
        assert_eq!(s("a = ''''''"), "''");
        assert_eq!(s("a = 'héllo ✓ 日本'"), "héllo ✓ 日本");
        assert_eq!(
            s("a = 'x; drop -- /* ) ( \" and or'"),
            "x; drop -- /* ) ( \" and or"
        );
        assert_eq!(s("a = 'two\nlines'"), "two\nlines");
    }

    #[test]
    fn identifiers() {
        assert_eq!(ok("_a_1 = 1"), eq("_a_1", 0, "1"));
        assert_eq!(ok("\"Some Name\" = 1"), eq("Some Name", 0, "1"));
        assert_eq!(ok("\"say \"\"hi\"\"\" = 1"), eq("say \"hi\"", 0, "1"));
        assert_eq!(ok("\"and\" = 1"), eq("and", 0, "1"));
        assert_eq!(
            ok("\"NULL\" is null"),
            Expr::IsNull {
                column: id("NULL", 0),
                negated: false
            }
        );
        assert_eq!(ok("\"é\"=1"), eq("é", 0, "1"));
        // Operator words are not reserved: they only ever follow a column.
        assert_eq!(
            ok("like like 'x'"),
            Expr::Like {
                column: id("like", 0),
                pattern: st("x"),
                negated: false
            }
        );
        assert_eq!(
            ok("is is null"),
            Expr::IsNull {
                column: id("is", 0),
                negated: false
            }
        );
        // A keyword prefix is still an identifier.
        assert_eq!(ok("android = 1"), eq("android", 0, "1"));
        assert_eq!(ok("notes = 1"), eq("notes", 0, "1"));
        assert_eq!(ok("nullable = 1"), eq("nullable", 0, "1"));
    }

    #[test]
    fn identifier_positions() {
        assert_eq!(
            ok("  a = 1 and\t\"b c\" = 2 or (d is null)"),
            Expr::Or(vec![
                Expr::And(vec![eq("a", 2, "1"), eq("b c", 12, "2")]),
                Expr::IsNull {
                    column: id("d", 26),
                    negated: false
                },
            ])
        );
        // Offsets are bytes, not chars.
        assert_eq!(
            ok("a = 'é' and b = 1"),
            Expr::And(vec![cmp("a", 0, CmpOp::Eq, st("é")), eq("b", 13, "1")])
        );
    }

    #[test]
    fn whitespace_is_flexible() {
        assert_eq!(ok("  \t\na\t=\n1  \r\n"), eq("a", 4, "1"));
        assert_eq!(
            ok("(Title like 'A%') and (ArtistId > 10)"),
            Expr::And(vec![
                Expr::Like {
                    column: id("Title", 1),
                    pattern: st("A%"),
                    negated: false
                },
                cmp("ArtistId", 23, CmpOp::Gt, num("10")),
            ])
        );
        assert_eq!(
            ok("(a=1)and(b=2)"),
            Expr::And(vec![eq("a", 1, "1"), eq("b", 9, "2")])
        );
        assert_eq!(ok("not(a=1)"), not(eq("a", 4, "1")));
    }

    // ---- precedence and flattening ----

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            ok("a=1 or b=2 and c=3"),
            Expr::Or(vec![
                eq("a", 0, "1"),
                Expr::And(vec![eq("b", 7, "2"), eq("c", 15, "3")])
            ])
        );
        assert_eq!(
            ok("a=1 and b=2 or c=3"),
            Expr::Or(vec![
                Expr::And(vec![eq("a", 0, "1"), eq("b", 8, "2")]),
                eq("c", 15, "3")
            ])
        );
        assert_eq!(
            ok("a=1 AND b=2 OR c=3 AND d=4"),
            Expr::Or(vec![
                Expr::And(vec![eq("a", 0, "1"), eq("b", 8, "2")]),
                Expr::And(vec![eq("c", 15, "3"), eq("d", 23, "4")]),
            ])
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        assert_eq!(
            ok("not a=1 and b=2"),
            Expr::And(vec![not(eq("a", 4, "1")), eq("b", 12, "2")])
        );
        assert_eq!(
            ok("a=1 or not b=2 and c=3"),
            Expr::Or(vec![
                eq("a", 0, "1"),
                Expr::And(vec![not(eq("b", 11, "2")), eq("c", 19, "3")])
            ])
        );
        assert_eq!(ok("NOT not a=1"), not(not(eq("a", 8, "1"))));
        assert_eq!(
            ok("a = 1 and not b is null"),
            Expr::And(vec![
                eq("a", 0, "1"),
                not(Expr::IsNull {
                    column: id("b", 14),
                    negated: false
                })
            ])
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        assert_eq!(
            ok("(a=1 or b=2) and c=3"),
            Expr::And(vec![
                Expr::Or(vec![eq("a", 1, "1"), eq("b", 8, "2")]),
                eq("c", 17, "3")
            ])
        );
        assert_eq!(
            ok("not (a=1 and b=2)"),
            not(Expr::And(vec![eq("a", 5, "1"), eq("b", 13, "2")]))
        );
        assert_eq!(
            ok("a=1 and (b=2 or c=3)"),
            Expr::And(vec![
                eq("a", 0, "1"),
                Expr::Or(vec![eq("b", 9, "2"), eq("c", 16, "3")])
            ])
        );
        assert_eq!(ok("((a=1))"), eq("a", 2, "1"));
    }

    #[test]
    fn chains_are_flattened() {
        assert_eq!(
            ok("a=1 and b=2 and c=3"),
            Expr::And(vec![eq("a", 0, "1"), eq("b", 8, "2"), eq("c", 16, "3")])
        );
        assert_eq!(
            ok("a=1 or b=2 or c=3"),
            Expr::Or(vec![eq("a", 0, "1"), eq("b", 7, "2"), eq("c", 14, "3")])
        );
        assert_eq!(
            ok("(a=1 and b=2) and c=3"),
            Expr::And(vec![eq("a", 1, "1"), eq("b", 9, "2"), eq("c", 18, "3")])
        );
        assert_eq!(
            ok("a=1 and (b=2 and (c=3))"),
            Expr::And(vec![eq("a", 0, "1"), eq("b", 9, "2"), eq("c", 18, "3")])
        );
        assert_eq!(
            ok("(a=1 or b=2) or (c=3 and d=4)"),
            Expr::Or(vec![
                eq("a", 1, "1"),
                eq("b", 8, "2"),
                Expr::And(vec![eq("c", 17, "3"), eq("d", 25, "4")]),
            ])
        );
        // `not` is a boundary: nothing is spliced through it.
        assert_eq!(
            ok("a=1 and not (b=2 and c=3)"),
            Expr::And(vec![
                eq("a", 0, "1"),
                not(Expr::And(vec![eq("b", 13, "2"), eq("c", 21, "3")]))
            ])
        );
    }

    // ---- errors ----

    #[test]
    fn empty_filter() {
        assert_err("", 0, "the filter is empty");
        assert_err("  \t\r\n ", 0, "the filter is empty");
    }

    #[test]
    fn error_positions_for_common_mistakes() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "Title",
                5,
                "expected an operator after column 'Title' (=, !=, >, like, in, is null, between …) but found the end of the filter",
            ),
            ("Title 'x'", 6, "expected an operator after column 'Title'"),
            ("Title !", 6, "expected an operator after column 'Title'"),
            (
                "Title =",
                7,
                "expected a value (a 'quoted string', a number, true, false or null) after '='",
            ),
            (
                "Title >= ",
                9,
                "expected a value (a 'quoted string', a number, true, false or null) after '>='",
            ),
            (
                "Title = 'abc",
                12,
                "unterminated string starting at position 8",
            ),
            (
                "Title = 'it''s",
                14,
                "unterminated string starting at position 8",
            ),
            (
                "a = 1 and",
                9,
                "expected a condition after 'and' but the filter ends here",
            ),
            (
                "a = 1 or ",
                9,
                "expected a condition after 'or' but the filter ends here",
            ),
            (
                "not",
                3,
                "expected a condition after 'not' but the filter ends here",
            ),
            ("a = 1 and not", 13, "expected a condition after 'not'"),
            ("a = 1 and or b = 2", 10, "found the keyword 'or'"),
            ("null = 1", 0, "found the keyword 'null'"),
            ("TRUE = a", 0, "double quotes: \"TRUE\""),
            (
                "(a = 1",
                6,
                "unbalanced parenthesis: the '(' at position 0 is never closed",
            ),
            (
                "((a = 1) or (b = 2)",
                19,
                "the '(' at position 0 is never closed",
            ),
            (
                "a = 1)",
                5,
                "unbalanced parenthesis: this ')' has no matching '('",
            ),
            (")", 0, "unbalanced parenthesis"),
            ("a = 1 and )", 10, "unbalanced parenthesis"),
            ("()", 1, "empty parentheses"),
            (
                "(a = 1 and )",
                11,
                "expected a condition after 'and' (a column name, 'not' or '(') but found ')'",
            ),
            (
                "a = 1 b = 2",
                6,
                "unexpected text after the end of the filter",
            ),
            (
                "a = 1 android = 2",
                6,
                "unexpected text after the end of the filter",
            ),
            (
                "a = 'x' 'y'",
                8,
                "unexpected text after the end of the filter",
            ),
            (
                "a = 1 and (b = 2 c = 3)",
                17,
                "expected 'and', 'or' or ')' but found 'c'",
            ),
            ("a == 1", 2, "'==' is not an operator; use '='"),
            ("a => 1", 2, "use '>='"),
            ("a =< 1", 2, "use '<='"),
            ("a = 1 && b = 2", 6, "use 'and' instead of '&&'"),
            ("a = 1 || b = 2", 6, "use 'or' instead of '||'"),
            ("a is 1", 5, "expected 'null' or 'not null' after 'is'"),
            ("a is not 1", 9, "expected 'null' after 'is not'"),
            (
                "a is",
                4,
                "expected 'null' or 'not null' after 'is' but found the end of the filter",
            ),
            ("a starts 'x'", 9, "expected 'with' after 'starts'"),
            (
                "a ends without 'x'",
                7,
                "expected 'with' after 'ends' but found 'without'",
            ),
            (
                "a between 1 or 2",
                12,
                "expected 'and' between the two values of 'between'",
            ),
            (
                "a between 1 and",
                15,
                "expected a value (a 'quoted string', a number, true, false or null) after 'between … and'",
            ),
            ("a in 1, 2", 5, "expected '(' after 'in'"),
            ("a not in 1", 9, "expected '(' after 'not in'"),
            ("a in ()", 6, "an 'in' list needs at least one value"),
            (
                "a in (1 2)",
                8,
                "expected ',' or ')' in the 'in' list but found '2'",
            ),
            (
                "a in (1, 2",
                10,
                "the 'in' list opened at position 5 is never closed",
            ),
            ("a in (1,)", 8, "after ','"),
            ("a in (,1)", 6, "after '('"),
            (
                "a like 5",
                7,
                "expected a 'quoted string' after 'like' but found '5'",
            ),
            (
                "a not like null",
                11,
                "expected a 'quoted string' after 'not like'",
            ),
            (
                "a contains",
                10,
                "expected a 'quoted string' after 'contains'",
            ),
            ("a like \"x\"", 7, "double quotes are for column names"),
            (
                "a not 5",
                6,
                "expected 'like' or 'in' after 'not' but found '5'",
            ),
            (
                "a not between 1 and 2",
                6,
                "expected 'like' or 'in' after 'not'",
            ),
            ("a = 12abc", 4, "malformed number '12abc'"),
            ("a = 1. and b = 2", 4, "malformed number '1.'"),
            ("a = 1.2.3", 4, "malformed number '1.2.3'"),
            ("a = 1e", 4, "malformed number '1e'"),
            ("a = 1and b = 2", 4, "malformed number '1and'"),
            (
                "a = .5",
                4,
                "a number needs a digit before the decimal point",
            ),
            ("a = -", 4, "expected a value"),
            ("a = - 1", 4, "expected a value"),
            (
                "a = +1",
                4,
                "expected a value (a 'quoted string', a number, true, false or null) after '=' but found '+'",
            ),
            (
                "a = \"x\"",
                4,
                "double quotes are for column names; write values in single quotes",
            ),
            (
                "'x' = a",
                0,
                "expected a column name but found a 'quoted string'",
            ),
            ("5 = a", 0, "expected a column name but found a number"),
            ("-5 = a", 0, "expected a column name but found a number"),
            ("\"\" = 1", 0, "empty column name"),
            (
                "\"abc = 1",
                8,
                "unterminated column name starting at position 0",
            ),
            (
                "a = 1 and \"b",
                12,
                "unterminated column name starting at position 10",
            ),
            (
                "é = 1",
                0,
                "expected a condition (a column name, 'not' or '(') but found 'é'",
            ),
            (
                "a = 'x' é",
                8,
                "unexpected text after the end of the filter",
            ),
            ("a = and", 4, "found the keyword 'and'"),
            ("a = 1 and and b = 1", 10, "found the keyword 'and'"),
            ("a\u{0} = 1", 1, "found '\\0'"),
        ];
        for &(text, position, needle) in cases {
            assert_err(text, position, needle);
        }
    }

    #[test]
    fn rejected_constructs() {
        let cases: &[(&str, usize, &str)] = &[
            ("a = 1; drop table t", 5, SEMICOLON),
            ("a = 1;", 5, SEMICOLON),
            (";", 0, SEMICOLON),
            ("a = ;", 4, SEMICOLON),
            ("a ; = 1", 2, SEMICOLON),
            ("(a = 1;)", 6, SEMICOLON),
            ("a = 1 -- comment", 6, COMMENT),
            ("a = 1 /* comment */", 6, COMMENT),
            ("/* x */ a = 1", 0, COMMENT),
            ("a = 1 # x", 6, COMMENT),
            ("a -- x", 2, COMMENT),
            ("-- x\na = 1", 0, COMMENT),
            ("a = 1 and -- x", 10, COMMENT),
            ("a = --1", 4, COMMENT),
            ("a in (1, -- x", 9, COMMENT),
            ("a = 1 and #", 10, COMMENT),
            (
                "lower(Title) = 'x'",
                0,
                "functions are not allowed in filters (found 'lower(')",
            ),
            (
                "a = 1 and upper (Name) = 'X'",
                10,
                "functions are not allowed in filters",
            ),
            (
                "\"lower\"(x) = 1",
                0,
                "functions are not allowed in filters",
            ),
            (
                "Title = lower('x')",
                8,
                "functions are not allowed in filters",
            ),
            (
                "a in (1, abs(-2))",
                9,
                "functions are not allowed in filters",
            ),
            ("Id in (select Id from t)", 7, SUBQUERY),
            ("Id in ( SELECT 1)", 8, SUBQUERY),
            ("Id = (select max(Id) from t)", 5, SUBQUERY),
            ("Id = select 1", 5, SUBQUERY),
            ("exists (select 1)", 0, SUBQUERY),
            ("select * from t", 0, SUBQUERY),
            ("(select 1)", 1, SUBQUERY),
            (
                "Title = Name",
                8,
                "a column cannot be compared with another column",
            ),
            (
                "Title = Beatles",
                8,
                "text must be in single quotes ('Beatles')",
            ),
            (
                "a in (1, b)",
                9,
                "a column cannot be compared with another column",
            ),
            (
                "a between b and 2",
                10,
                "a column cannot be compared with another column",
            ),
            ("a = 1 + 2", 6, ARITHMETIC),
            ("a = 1 - 2", 6, ARITHMETIC),
            ("a = 1 * 2", 6, ARITHMETIC),
            ("a + 1 = 2", 2, ARITHMETIC),
            ("a * 2 > 3", 2, ARITHMETIC),
            ("a % 2 = 0", 2, ARITHMETIC),
            ("a / 2 = 0", 2, ARITHMETIC),
            ("a = 1 -2", 6, ARITHMETIC),
            ("(a = 1 + 2)", 7, ARITHMETIC),
        ];
        for &(text, position, needle) in cases {
            assert_err(text, position, needle);
        }
    }

    #[test]
    fn display_appends_the_position() {
        assert_eq!(
            err("a = 1;").to_string(),
            format!("{SEMICOLON} (at position 5)")
        );
    }

    #[test]
    fn unicode_never_splits_a_char() {
        for text in [
            "é",
            "aé",
            "a é",
            "a = é",
            "a = 1 é",
            "(é",
            "a in (é)",
            "a like é",
            "\"é",
            "'é",
            "a = 'é",
            "✓✓✓",
            "a = 1 and ✓",
            "a\u{200b}= 1",
        ] {
            let e = err(text);
            assert!(
                e.position <= text.len() && text.is_char_boundary(e.position),
                "{text:?}: {e}"
            );
        }
    }

    // ---- limits ----

    #[track_caller]
    fn assert_fast(start: Instant) {
        // Generous for unoptimised builds on a busy machine; linear work takes
        // microseconds, anything quadratic on 64 KiB would take far longer.
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn input_length_limit() {
        let long = "a".repeat(MAX_FILTER_LEN + 1);
        let e = err(&long);
        assert_eq!(e.position, MAX_FILTER_LEN);
        assert_eq!(e.message, "the filter is longer than 65536 bytes");

        // Exactly at the limit is fine.
        let prefix = "a = '";
        let fits = format!("{prefix}{}'", "x".repeat(MAX_FILTER_LEN - prefix.len() - 1));
        assert_eq!(fits.len(), MAX_FILTER_LEN);
        assert!(parse(&fits).is_ok());

        let start = Instant::now();
        let e = err(&"(".repeat(100_000));
        assert_eq!(e.position, MAX_FILTER_LEN);
        let e = err(&"not ".repeat(100_000));
        assert_eq!(e.position, MAX_FILTER_LEN);
        assert_fast(start);
    }

    #[test]
    fn nesting_limit() {
        let parens = |n: usize| format!("{}a = 1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(ok(&parens(MAX_DEPTH)), eq("a", MAX_DEPTH, "1"));
        assert_err(
            &parens(MAX_DEPTH + 1),
            MAX_DEPTH,
            "the filter is nested too deeply",
        );

        let nots = |n: usize| format!("{}a = 1", "not ".repeat(n));
        let mut expected = eq("a", 4 * MAX_DEPTH, "1");
        for _ in 0..MAX_DEPTH {
            expected = not(expected);
        }
        assert_eq!(ok(&nots(MAX_DEPTH)), expected);
        assert_err(&nots(MAX_DEPTH + 1), 4 * MAX_DEPTH, "nested too deeply");

        // Parentheses and `not` share one budget.
        let mixed = |n: usize| format!("{}a = 1{}", "not (".repeat(n), ")".repeat(n));
        assert!(parse(&mixed(MAX_DEPTH / 2)).is_ok());
        assert_err(
            &mixed(MAX_DEPTH / 2 + 1),
            5 * (MAX_DEPTH / 2),
            "nested too deeply",
        );

        // Sibling groups do not add up: only depth counts.
        let siblings = vec![parens(MAX_DEPTH); 20].join(" or ");
        assert!(parse(&siblings).is_ok());
    }

    #[test]
    fn hostile_nesting_under_the_length_limit_fails_fast() {
        let start = Instant::now();
        assert_err(&"(".repeat(MAX_FILTER_LEN), MAX_DEPTH, "nested too deeply");
        assert_err(
            &"not ".repeat(MAX_FILTER_LEN / 4),
            4 * MAX_DEPTH,
            "nested too deeply",
        );
        assert_err(
            &"not(".repeat(MAX_FILTER_LEN / 4),
            4 * (MAX_DEPTH / 2),
            "nested too deeply",
        );
        assert_err(
            &"((((((((((((((((((((((((((((((((((((((((".repeat(1600),
            MAX_DEPTH,
            "nested too deeply",
        );
        assert_fast(start);
    }

    #[test]
    fn term_limit() {
        let ors = |n: usize| vec!["a = 1"; n].join(" or ");
        match ok(&ors(MAX_TERMS)) {
            Expr::Or(items) => assert_eq!(items.len(), MAX_TERMS),
            other => panic!("{other:?}"),
        }
        // The 1001st predicate starts after 1000 copies of "a = 1 or ".
        assert_err(&ors(MAX_TERMS + 1), MAX_TERMS * 9, "too many conditions");

        // In-list values count too: one predicate plus 999 values is the limit.
        let list = |n: usize| format!("a in ({})", vec!["1"; n].join(","));
        assert!(parse(&list(MAX_TERMS - 1)).is_ok());
        assert_err(
            &list(MAX_TERMS),
            6 + 2 * (MAX_TERMS - 1),
            "too many conditions",
        );

        let start = Instant::now();
        let e = err(&vec!["a=1"; 9_000].join(" or "));
        assert!(e.message.contains("too many conditions"));
        let e = err(&format!("a in ({})", vec!["1"; 30_000].join(",")));
        assert!(e.message.contains("too many conditions"));
        assert_fast(start);
    }

    // ---- properties ----

    mod props {
        use super::*;
        use proptest::collection::vec;
        use proptest::prelude::any;
        use proptest::prelude::*;
        use proptest::sample::select;

        fn check(text: &str) -> Result<(), TestCaseError> {
            if let Err(e) = parse(text) {
                prop_assert!(e.position <= text.len(), "{text:?}: {e}");
                prop_assert!(text.is_char_boundary(e.position), "{text:?}: {e}");
                prop_assert!(!e.message.is_empty());
            }
            Ok(())
        }

        const TOKENS: &[&str] = &[
            "(",
            ")",
            "'",
            "\"",
            "and",
            "or",
            "not",
            "AND",
            "Or",
            "=",
            "!=",
            "<>",
            "<",
            ">=",
            "==",
            "in",
            "not in",
            "like",
            "is",
            "null",
            "NULL",
            "true",
            "between",
            "starts",
            "with",
            "contains",
            "ends",
            "1",
            "-2.5",
            "1e3",
            ".",
            "0x",
            "Name",
            "_x1",
            "\"Odd Name\"",
            "'x'",
            "'O''B'",
            "''",
            " ",
            " ",
            "  ",
            "\t",
            "\n",
            ";",
            ",",
            "--",
            "/*",
            "*/",
            "#",
            "+",
            "-",
            "&&",
            "||",
            "é",
            "✓",
            "select",
            "lower(",
            "exists",
        ];

        /// A tiny deterministic generator, so the printer's choices of spacing,
        /// casing and redundant parentheses come from the proptest seed.
        struct Printer {
            out: String,
            state: u64,
        }

        impl Printer {
            fn pick(&mut self, n: u64) -> u64 {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                self.state % n
            }

            fn gap(&mut self) {
                const GAPS: [&str; 6] = [" ", " ", " ", "  ", "\t", "\r\n "];
                let g = GAPS[self.pick(GAPS.len() as u64) as usize];
                self.out.push_str(g);
            }

            fn maybe_gap(&mut self) {
                if self.pick(2) == 0 {
                    self.gap();
                }
            }

            fn word(&mut self, w: &str) {
                for c in w.chars() {
                    let c = if self.pick(3) == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    };
                    self.out.push(c);
                }
            }

            fn ident(&mut self, id: &Ident) -> Ident {
                let pos = self.out.len();
                let bare = id.name.starts_with(is_ident_start)
                    && id.name.chars().all(is_ident_char)
                    && !is_reserved(&id.name);
                if bare && self.pick(4) != 0 {
                    self.out.push_str(&id.name);
                } else {
                    self.out.push('"');
                    self.out.push_str(&id.name.replace('"', "\"\""));
                    self.out.push('"');
                }
                Ident {
                    name: id.name.clone(),
                    pos,
                }
            }

            fn literal(&mut self, l: &Literal) {
                match l {
                    Literal::Null => self.word("null"),
                    Literal::Bool(b) => self.word(if *b { "true" } else { "false" }),
                    Literal::Number(n) => self.out.push_str(n),
                    Literal::Str(s) => {
                        self.out.push('\'');
                        self.out.push_str(&s.replace('\'', "''"));
                        self.out.push('\'');
                    }
                }
            }

            /// Prints `e` and returns it with the positions it was printed at.
            fn expr(&mut self, e: &Expr, min_prec: u8) -> Expr {
                let prec = match e {
                    Expr::Or(_) => 1,
                    Expr::And(_) => 2,
                    Expr::Not(_) => 3,
                    _ => 4,
                };
                let paren = prec < min_prec || self.pick(8) == 0;
                if paren {
                    self.out.push('(');
                    self.maybe_gap();
                }
                let printed = match e {
                    Expr::Or(items) => Expr::Or(self.list(items, "or", 2)),
                    Expr::And(items) => Expr::And(self.list(items, "and", 3)),
                    Expr::Not(inner) => {
                        self.word("not");
                        self.gap();
                        Expr::Not(Box::new(self.expr(inner, 3)))
                    }
                    Expr::Compare { column, op, value } => {
                        let column = self.ident(column);
                        self.maybe_gap();
                        let sym = match op {
                            CmpOp::Eq => "=",
                            CmpOp::Ne if self.pick(2) == 0 => "!=",
                            CmpOp::Ne => "<>",
                            CmpOp::Gt => ">",
                            CmpOp::Ge => ">=",
                            CmpOp::Lt => "<",
                            CmpOp::Le => "<=",
                        };
                        self.out.push_str(sym);
                        self.maybe_gap();
                        self.literal(value);
                        Expr::Compare {
                            column,
                            op: *op,
                            value: value.clone(),
                        }
                    }
                    Expr::Like {
                        column,
                        pattern,
                        negated,
                    } => {
                        let column = self.ident(column);
                        self.gap();
                        if *negated {
                            self.word("not");
                            self.gap();
                        }
                        self.word("like");
                        self.gap();
                        self.literal(pattern);
                        Expr::Like {
                            column,
                            pattern: pattern.clone(),
                            negated: *negated,
                        }
                    }
                    Expr::Match {
                        column,
                        kind,
                        value,
                    } => {
                        let column = self.ident(column);
                        self.gap();
                        match kind {
                            MatchKind::Contains => self.word("contains"),
                            MatchKind::StartsWith => {
                                self.word("starts");
                                self.gap();
                                self.word("with");
                            }
                            MatchKind::EndsWith => {
                                self.word("ends");
                                self.gap();
                                self.word("with");
                            }
                        }
                        self.gap();
                        self.literal(value);
                        Expr::Match {
                            column,
                            kind: *kind,
                            value: value.clone(),
                        }
                    }
                    Expr::In {
                        column,
                        values,
                        negated,
                    } => {
                        let column = self.ident(column);
                        self.gap();
                        if *negated {
                            self.word("not");
                            self.gap();
                        }
                        self.word("in");
                        self.maybe_gap();
                        self.out.push('(');
                        for (k, v) in values.iter().enumerate() {
                            self.maybe_gap();
                            if k > 0 {
                                self.out.push(',');
                                self.maybe_gap();
                            }
                            self.literal(v);
                        }
                        self.maybe_gap();
                        self.out.push(')');
                        Expr::In {
                            column,
                            values: values.clone(),
                            negated: *negated,
                        }
                    }
                    Expr::IsNull { column, negated } => {
                        let column = self.ident(column);
                        self.gap();
                        self.word("is");
                        self.gap();
                        if *negated {
                            self.word("not");
                            self.gap();
                        }
                        self.word("null");
                        Expr::IsNull {
                            column,
                            negated: *negated,
                        }
                    }
                    Expr::Between { column, low, high } => {
                        let column = self.ident(column);
                        self.gap();
                        self.word("between");
                        self.gap();
                        self.literal(low);
                        self.gap();
                        self.word("and");
                        self.gap();
                        self.literal(high);
                        Expr::Between {
                            column,
                            low: low.clone(),
                            high: high.clone(),
                        }
                    }
                };
                if paren {
                    self.maybe_gap();
                    self.out.push(')');
                }
                printed
            }

            fn list(&mut self, items: &[Expr], word: &str, min_prec: u8) -> Vec<Expr> {
                let mut printed = Vec::with_capacity(items.len());
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        self.gap();
                        self.word(word);
                        self.gap();
                    }
                    printed.push(self.expr(item, min_prec));
                }
                printed
            }
        }

        /// The parser's view of an AST: nested groups of one connective are one list.
        fn normalise(e: Expr) -> Expr {
            fn flat(items: Vec<Expr>, and: bool) -> Vec<Expr> {
                let mut out = Vec::new();
                for item in items {
                    match normalise(item) {
                        Expr::And(inner) if and => out.extend(inner),
                        Expr::Or(inner) if !and => out.extend(inner),
                        other => out.push(other),
                    }
                }
                out
            }
            match e {
                Expr::And(items) => Expr::And(flat(items, true)),
                Expr::Or(items) => Expr::Or(flat(items, false)),
                Expr::Not(inner) => Expr::Not(Box::new(normalise(*inner))),
                other => other,
            }
        }

        fn literal() -> impl Strategy<Value = Literal> {
            prop_oneof![
                Just(Literal::Null),
                any::<bool>().prop_map(Literal::Bool),
                "-?[0-9]{1,6}(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})?".prop_map(Literal::Number),
                any::<String>().prop_map(Literal::Str),
                "[a-z' %_]{0,6}".prop_map(Literal::Str),
            ]
        }

        fn text() -> impl Strategy<Value = Literal> {
            prop_oneof![any::<String>(), "[a-z' %_]{0,6}"].prop_map(Literal::Str)
        }

        fn ident() -> impl Strategy<Value = Ident> {
            prop_oneof![
                3 => "[A-Za-z_][A-Za-z0-9_]{0,8}",
                1 => select(vec!["like", "in", "is", "select", "exists", "and", "NOT", "null", "True"]).prop_map(String::from),
                1 => "(?s).{1,6}",
            ]
            .prop_map(|name| Ident { name, pos: 0 })
        }

        fn predicate() -> impl Strategy<Value = Expr> {
            let op = select(vec![
                CmpOp::Eq,
                CmpOp::Ne,
                CmpOp::Gt,
                CmpOp::Ge,
                CmpOp::Lt,
                CmpOp::Le,
            ]);
            let kind = select(vec![
                MatchKind::Contains,
                MatchKind::StartsWith,
                MatchKind::EndsWith,
            ]);
            prop_oneof![
                (ident(), op, literal()).prop_map(|(column, op, value)| Expr::Compare {
                    column,
                    op,
                    value
                }),
                (ident(), text(), any::<bool>()).prop_map(|(column, pattern, negated)| {
                    Expr::Like {
                        column,
                        pattern,
                        negated,
                    }
                }),
                (ident(), kind, text()).prop_map(|(column, kind, value)| Expr::Match {
                    column,
                    kind,
                    value
                }),
                (ident(), vec(literal(), 1..5), any::<bool>()).prop_map(
                    |(column, values, negated)| Expr::In {
                        column,
                        values,
                        negated
                    }
                ),
                (ident(), any::<bool>())
                    .prop_map(|(column, negated)| Expr::IsNull { column, negated }),
                (ident(), literal(), literal()).prop_map(|(column, low, high)| Expr::Between {
                    column,
                    low,
                    high
                }),
            ]
        }

        fn expr() -> impl Strategy<Value = Expr> {
            predicate().prop_recursive(4, 48, 4, |inner| {
                prop_oneof![
                    vec(inner.clone(), 2..5).prop_map(Expr::And),
                    vec(inner.clone(), 2..5).prop_map(Expr::Or),
                    inner.prop_map(|e| Expr::Not(Box::new(e))),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn never_panics_on_arbitrary_strings(text in any::<String>()) {
                check(&text)?;
            }

            #[test]
            fn never_panics_on_filter_like_soup(parts in vec(select(TOKENS), 0..60)) {
                check(&parts.concat())?;
            }

            #[test]
            fn never_panics_on_mutated_filters(e in expr(), seed in any::<u64>(), cut in any::<prop::sample::Index>(), junk in select(TOKENS)) {
                let mut p = Printer { out: String::new(), state: seed | 1 };
                p.expr(&e, 0);
                let text = p.out;
                // Splice a token in at a char boundary near a random point.
                let mut at = cut.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mutated = format!("{}{junk}{}", &text[..at], &text[at..]);
                check(&mutated)?;
                check(&text[..at])?;
            }

            #[test]
            fn printed_asts_parse_back(e in expr(), seed in any::<u64>()) {
                let mut p = Printer { out: String::new(), state: seed | 1 };
                let expected = normalise(p.expr(&e, 0));
                match parse(&p.out) {
                    Ok(parsed) => prop_assert_eq!(parsed, expected, "text: {:?}", p.out),
                    Err(err) => prop_assert!(false, "{:?} failed: {}", p.out, err),
                }
            }
        }
    }
}
