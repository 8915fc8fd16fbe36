//! Property tests: random syntax trees, printed with random spacing, casing and
//! parentheses, parse back to the same tree.
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
        (ident(), vec(literal(), 1..5), any::<bool>()).prop_map(|(column, values, negated)| {
            Expr::In {
                column,
                values,
                negated,
            }
        }),
        (ident(), any::<bool>()).prop_map(|(column, negated)| Expr::IsNull { column, negated }),
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
