//! Bounds on a GraphQL document, checked before async-graphql parses or
//! validates it, where a hostile document costs stack or time out of
//! proportion to its size:
//!
//! - The parser recurses once per bracket: a 6 KB argument nested 3,000 lists
//!   deep overflowed the stack and aborted the process. [`nesting`] counts
//!   brackets in the text first, in one pass that does not recurse.
//! - Validation (and our own walks) expand fragments: `fragment A on Query
//!   { ...A }` recursed until the stack overflowed, and 22 levels of
//!   fragments each spreading the next twice took 3.4 s before async-graphql
//!   found the operation too complex. [`expansion`] expands with a path of
//!   the fragments being expanded (a cycle is refused the moment it closes),
//!   counts the fields it meets and stops at the budget, so its cost is
//!   bounded by the budget, whatever the document.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Positioned};

/// Refuses a text whose brackets (`{`, `[`, `(`, outside strings and
/// comments) nest deeper than `max` (the server's `graphql_max_nesting`).
pub fn nesting(text: &str, max: usize) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // A block string ends at the first `"""` not escaped as `\"""`.
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                // A string cannot hold a line break: one ends the string for
                // this count, and the parser reports the error.
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n' | b'\r') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(format!(
                        "The document nests brackets more than {max} levels deep (graphql_max_nesting in the server's settings)."
                    ));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Refuses a document whose operations, fragments expanded, hold a fragment
/// cycle, nest fields and fragments more than `max_depth` levels (counted as
/// async-graphql's recursion depth counts them: each field with a selection,
/// fragment spread and inline fragment is a level), or select more than
/// `max_fields` fields in all (async-graphql's complexity: one per field).
pub fn expansion(
    doc: &ExecutableDocument,
    max_fields: usize,
    max_depth: usize,
) -> Result<(), String> {
    let mut walk = Walk {
        doc,
        fields: 0,
        max_fields,
        max_depth,
        path: Vec::new(),
    };
    for (_, op) in doc.operations.iter() {
        walk.set(&op.node.selection_set, 0)?;
    }
    Ok(())
}

struct Walk<'d> {
    doc: &'d ExecutableDocument,
    fields: usize,
    max_fields: usize,
    max_depth: usize,
    /// Fragments being expanded, outermost first.
    path: Vec<&'d Name>,
}

impl<'d> Walk<'d> {
    fn set(&mut self, set: &'d Positioned<SelectionSet>, depth: usize) -> Result<(), String> {
        if depth > self.max_depth {
            return Err(format!(
                "The operation nests fields and fragments more than {} levels deep (graphql_max_nesting in the server's settings).",
                self.max_depth
            ));
        }
        for item in &set.node.items {
            match &item.node {
                Selection::Field(f) => {
                    self.fields += 1;
                    if self.fields > self.max_fields {
                        return Err(format!(
                            "The operation is too complex: with its fragments expanded it selects more than {} fields (graphql_max_complexity in the service's config).",
                            self.max_fields
                        ));
                    }
                    if !f.node.selection_set.node.items.is_empty() {
                        self.set(&f.node.selection_set, depth + 1)?;
                    }
                }
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    if self.path.contains(&name) {
                        return Err(format!("Cannot spread fragment \"{name}\" within itself."));
                    }
                    // An unknown fragment is validation's to report.
                    if let Some(frag) = self.doc.fragments.get(name) {
                        self.path.push(name);
                        self.set(&frag.node.selection_set, depth + 1)?;
                        self.path.pop();
                    }
                }
                Selection::InlineFragment(i) => self.set(&i.node.selection_set, depth + 1)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn brackets_are_counted_outside_strings_and_comments() {
        assert!(nesting("{ a(x: [[1]]) { b } }", 4).is_ok());
        let e = nesting("{ a(x: [[[1]]]) { b } }", 4).unwrap_err();
        assert!(e.contains("graphql_max_nesting"), "{e}");
        let quoted = format!(
            "{{ a(x: \"{}\\\"{}\", y: \"\"\"{}\\\"\"\"{}\"\"\") # {}\n }}",
            "[".repeat(50),
            "{".repeat(50),
            "(".repeat(50),
            "[".repeat(50),
            "{".repeat(50),
        );
        assert!(nesting(&quoted, 2).is_ok(), "{quoted}");
        // Closing brackets never go below zero.
        assert!(nesting("]]]] { [ ] }", 2).is_ok());
    }

    #[test]
    fn thousands_of_nested_lists_are_refused_without_recursing() {
        let deep = format!(
            "{{ a(x: {}1{}) }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(nesting(&deep, 64).is_err());
    }

    /// The deepest document the setting may allow parses on a thread with a
    /// tokio worker's stack (2 MiB) in this build, debug builds included (the
    /// lists: 512 levels overflowed it, so the ceiling keeps a margin of 4).
    #[test]
    fn the_nesting_ceiling_parses_on_a_workers_stack() {
        let n = crate::config::GRAPHQL_NESTING_CEILING;
        let lists = format!("{{ a(x: {}1{}) }}", "[".repeat(n - 2), "]".repeat(n - 2));
        let objects = format!("{{ a(x: {}1{}) }}", "{a:".repeat(n - 2), "}".repeat(n - 2));
        // The parser itself refuses selections nested past 64.
        let fields = format!("{}{}", "{ a ".repeat(60), "}".repeat(60));
        for doc in [lists, objects, fields] {
            assert!(nesting(&doc, n).is_ok());
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || parse_query(&doc).map(|_| ()).map_err(|e| e.to_string()))
                .unwrap()
                .join()
                .unwrap()
                .unwrap();
        }
    }

    fn expanded(query: &str, fields: usize, depth: usize) -> Result<(), String> {
        expansion(&parse_query(query).unwrap(), fields, depth)
    }

    #[test]
    fn fragment_cycles_are_refused() {
        for q in [
            "{ ...A } fragment A on Query { ...A }",
            "{ ...A } fragment A on Query { a { ...B } } fragment B on T { ...A }",
            "{ x ...A } fragment A on Query { ... on Query { ...A } }",
        ] {
            let e = expanded(q, 1000, 64).unwrap_err();
            assert!(e.contains("within itself"), "{q}: {e}");
        }
        // The same fragment twice side by side is no cycle.
        assert!(expanded("{ ...A ...A } fragment A on Query { a }", 1000, 64).is_ok());
    }

    #[test]
    fn doubling_fragments_stop_at_the_budget() {
        // 40 levels, each spreading the next twice: 2^40 fields expanded.
        let mut q = String::from("{ ...F0 }");
        for i in 0..40 {
            q.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        q.push_str(" fragment F40 on Query { a }");
        let started = std::time::Instant::now();
        let e = expanded(&q, 1000, 64).unwrap_err();
        assert!(e.contains("graphql_max_complexity"), "{e}");
        // Bounded by the budget, not by 2^40 (a loose bound: debug builds).
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(
            expanded(&q, 1000, 20)
                .unwrap_err()
                .contains("graphql_max_nesting")
        );
    }

    #[test]
    fn fields_and_levels_are_counted_as_async_graphql_does() {
        let q = "{ a { b { c } } ... on Query { d } }";
        assert!(expanded(q, 4, 2).is_ok());
        assert!(expanded(q, 3, 2).is_err());
        assert!(expanded(q, 4, 1).is_err());
    }
}
