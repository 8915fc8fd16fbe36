//! Database names → GraphQL names, by one rule (docs/graphql.md).
//!
//! GraphQL names match `[_A-Za-z][_0-9A-Za-z]*` and may not start with `__`
//! (reserved for introspection); table and column names may hold anything.
//! The rule: every other character becomes `_`; a name that starts with a
//! digit, or with `__`, gets `n` in front; an empty name is `n`. Two names
//! that end up equal within one scope get `_2`, `_3`, … in the order the
//! catalog lists them. Names that are valid already (Chinook's) stay as they are.

use std::collections::HashSet;

/// The GraphQL spelling of one database name, before collisions are settled.
pub fn mangle(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) || out.starts_with("__") {
        out.insert(0, 'n');
    }
    out
}

/// Hands out names unique within one scope (the types of a schema, the fields
/// of a type).
#[derive(Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// Reserves a name as it is (a fixed name of the schema, like `Query`).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// The mangled `name`, made unique.
    pub fn claim(&mut self, name: &str) -> String {
        let base = mangle(name);
        if self.taken.insert(base.clone()) {
            return base;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}_{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_stay_and_others_follow_the_rule() {
        assert_eq!(mangle("Album"), "Album");
        assert_eq!(mangle("Artist_by_ArtistId"), "Artist_by_ArtistId");
        assert_eq!(mangle("order items"), "order_items");
        assert_eq!(mangle("prix-€"), "prix__");
        assert_eq!(mangle("2024_sales"), "n2024_sales");
        assert_eq!(mangle("__secret"), "n__secret");
        assert_eq!(mangle(""), "n");
    }

    #[test]
    fn collisions_get_a_number() {
        let mut scope = Scope::default();
        assert_eq!(scope.claim("a b"), "a_b");
        assert_eq!(scope.claim("a-b"), "a_b_2");
        assert_eq!(scope.claim("a_b"), "a_b_3");
    }
}
