//! Database names → GraphQL names, by one rule (docs/graphql.md), and the
//! names Hasura derives from a table's type ([`TypeNames`]).
//!
//! GraphQL names match `[_A-Za-z][_0-9A-Za-z]*` and may not start with `__`
//! (reserved for introspection); table and column names may hold anything.
//! The rule: every other character becomes `_`; a name that starts with a
//! digit, or with `__`, gets `n` in front; an empty name is `n`. Two names
//! that end up equal within one scope get `_2`, `_3`, … in the order the
//! catalog lists them. Names that are valid already (Chinook's) stay as they are.

use std::collections::HashSet;

use crate::query::plan::AggFunc;

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

/// Every name Hasura derives from a table's object type `T`: the types the
/// schema builders declare (`T_bool_exp`, `T_aggregate`, …) and its root
/// fields (`T_by_pk`, `insert_T`, …). The one place that knows the suffixes:
/// `exec` and `mutate` read the type names back from here when they walk a
/// selection. The type names are kept, since requests read them; root field
/// names are made when the schema is built, which alone needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeNames {
    object: String,
    bool_exp: String,
    order_by: String,
    aggregate: String,
    sum_fields: String,
    avg_fields: String,
    min_fields: String,
    max_fields: String,
    insert_input: String,
    set_input: String,
    pk_columns_input: String,
    mutation_response: String,
}

impl TypeNames {
    /// The names of the table whose object type is `object` (already
    /// claimed in the schema's [`Scope`]).
    pub fn new(object: String) -> Self {
        let derived = |suffix: &str| format!("{object}_{suffix}");
        TypeNames {
            bool_exp: derived("bool_exp"),
            order_by: derived("order_by"),
            aggregate: derived("aggregate"),
            sum_fields: derived("sum_fields"),
            avg_fields: derived("avg_fields"),
            min_fields: derived("min_fields"),
            max_fields: derived("max_fields"),
            insert_input: derived("insert_input"),
            set_input: derived("set_input"),
            pk_columns_input: derived("pk_columns_input"),
            mutation_response: derived("mutation_response"),
            object,
        }
    }

    /// `T`: the object type, and the name of the list field.
    pub fn object(&self) -> &str {
        &self.object
    }

    pub fn bool_exp(&self) -> &str {
        &self.bool_exp
    }

    pub fn order_by(&self) -> &str {
        &self.order_by
    }

    /// `T_aggregate`: the type, and the name of the root field that returns it.
    pub fn aggregate(&self) -> &str {
        &self.aggregate
    }

    /// The object of one aggregate function's columns (`T_sum_fields`, …);
    /// `None` for `count`, which is a number.
    pub fn fields_of(&self, func: AggFunc) -> Option<&str> {
        match func {
            AggFunc::Count => None,
            AggFunc::Sum => Some(&self.sum_fields),
            AggFunc::Avg => Some(&self.avg_fields),
            AggFunc::Min => Some(&self.min_fields),
            AggFunc::Max => Some(&self.max_fields),
        }
    }

    pub fn insert_input(&self) -> &str {
        &self.insert_input
    }

    pub fn set_input(&self) -> &str {
        &self.set_input
    }

    pub fn pk_columns_input(&self) -> &str {
        &self.pk_columns_input
    }

    pub fn mutation_response(&self) -> &str {
        &self.mutation_response
    }

    /// `T_by_pk`: one row by its key.
    pub fn by_pk(&self) -> String {
        format!("{}_by_pk", self.object)
    }

    pub fn insert(&self) -> String {
        format!("insert_{}", self.object)
    }

    pub fn update(&self) -> String {
        format!("update_{}", self.object)
    }

    pub fn delete(&self) -> String {
        format!("delete_{}", self.object)
    }

    pub fn update_by_pk(&self) -> String {
        format!("update_{}_by_pk", self.object)
    }

    pub fn delete_by_pk(&self) -> String {
        format!("delete_{}_by_pk", self.object)
    }
}

/// `S_comparison_exp`: the operators (`_eq`, `_in`, …) on values of scalar `S`.
pub fn comparison_exp(scalar: &str) -> String {
    format!("{scalar}_comparison_exp")
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

    #[test]
    fn type_names_carry_hasuras_suffixes() {
        let n = TypeNames::new("order_items".to_owned());
        assert_eq!(n.object(), "order_items");
        assert_eq!(n.bool_exp(), "order_items_bool_exp");
        assert_eq!(n.order_by(), "order_items_order_by");
        assert_eq!(n.aggregate(), "order_items_aggregate");
        assert_eq!(n.fields_of(AggFunc::Avg), Some("order_items_avg_fields"));
        assert_eq!(n.fields_of(AggFunc::Count), None);
        assert_eq!(n.insert_input(), "order_items_insert_input");
        assert_eq!(n.set_input(), "order_items_set_input");
        assert_eq!(n.pk_columns_input(), "order_items_pk_columns_input");
        assert_eq!(n.mutation_response(), "order_items_mutation_response");
        assert_eq!(n.by_pk(), "order_items_by_pk");
        assert_eq!(n.insert(), "insert_order_items");
        assert_eq!(n.update_by_pk(), "update_order_items_by_pk");
        assert_eq!(n.delete(), "delete_order_items");
        assert_eq!(comparison_exp("bigint"), "bigint_comparison_exp");
    }
}
