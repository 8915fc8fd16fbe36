//! The grammar's examples and limits; `props` checks it against a generator.
#![allow(clippy::unwrap_used)]

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

mod props;
