//! What is checked of an operation before any of its fields is planned, so
//! that a refused operation changes nothing: what async-graphql's validation
//! leaves out, or leaves to resolvers, which never run here (`mod.rs` says why).
//! One walk over the operation, fragments expanded, does both checks.
//!
//! **Field conflicts** (the spec's FieldsInSetCanMerge): fields with the same
//! response key must be the same field with the same arguments, at every level.
//! async-graphql's rule compares the fields of one selection set only, not a
//! field with one of the same key in a fragment; `exec` merges such fields, so
//! a conflict would otherwise be answered with one of them silently.
//!
//! **`Int` holds 32 bits**, but async-graphql's built-in `Int` accepts any
//! 64-bit integer when it validates, and checks the range only when a resolver
//! parses the value: `Album_by_pk(AlbumId: 99999999999)` answered `null` where
//! every client expects a validation error. The built-in type cannot be
//! replaced (a scalar named `Int` is refused as a duplicate), so arguments,
//! variables substituted, are checked against the types the schema gives them.
//! (Columns that hold more are `bigint`.)

use async_graphql::Value as GqlValue;
use async_graphql::parser::types::{Field, OperationType, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};

use super::exec::{Keyed, Operation};

/// The first conflict, out-of-range `Int` or over-long list of the
/// operation, as a sentence. `max_items` is the service's `max_list_items`.
pub fn operation(op: &Operation<'_>, registry: &Registry, max_items: usize) -> Result<(), String> {
    let root = match op.kind() {
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Subscription => None,
    };
    Walk {
        op,
        registry,
        max_items,
    }
    .walk(&[op.selection()], root)
}

struct Walk<'o, 'd> {
    op: &'o Operation<'d>,
    registry: &'o Registry,
    max_items: usize,
}

impl Walk<'_, '_> {
    /// `type_name` is `None` when unknown: fields are then still checked for
    /// conflicts (every fragment of a valid document is on the type of the set it
    /// is spread in, all types here being object types), but not for `Int`s.
    fn walk(&self, sets: &[&SelectionSet], type_name: Option<&str>) -> Result<(), String> {
        let (op, registry) = (self.op, self.registry);
        let ty = type_name.and_then(|t| registry.types.get(t));
        for f in op.fields(sets, type_name.filter(|_| ty.is_some())) {
            conflicts(&f)?;
            // `__typename` and introspection fields have no arguments of ours.
            let meta = ty.and_then(|t| t.field_by_name(f.name()));
            if let Some(meta) = meta {
                for (name, value) in &f.field.arguments {
                    if let Some(arg) = meta.args.get(name.node.as_str()) {
                        let path = format!("{}({})", f.name(), name.node);
                        let value = op.value(&value.node);
                        int_range(registry, &arg.ty, &value, &path)?;
                        self.items(name.node.as_str(), &value, &path)?;
                    }
                }
            }
            let inner = meta.map(|m| MetaTypeName::concrete_typename(&m.ty));
            self.walk(&f.sets(), inner)?;
        }
        Ok(())
    }

    /// Every value of a `where` (its conditions and `_in` values) becomes a
    /// bound parameter: 40,000 `_in` values answered 500 "too many SQL
    /// variables". Capped as REST's filter is. (`order_by` terms are capped by
    /// the planner, as REST's `order=` is; an insert's `objects` by
    /// `max_batch_records`.)
    fn items(&self, argument: &str, value: &GqlValue, path: &str) -> Result<(), String> {
        if argument == "where" && leaves(value, self.max_items) > self.max_items {
            return Err(format!(
                "{path} holds more than {} conditions and _in values (max_list_items in the service's config).",
                self.max_items
            ));
        }
        Ok(())
    }
}

/// The scalars in `v`, counted up to just past `max`.
fn leaves(v: &GqlValue, max: usize) -> usize {
    fn count(v: &GqlValue, n: &mut usize, max: usize) {
        if *n > max {
            return;
        }
        match v {
            GqlValue::List(items) => items.iter().for_each(|x| count(x, n, max)),
            GqlValue::Object(fields) => fields.values().for_each(|x| count(x, n, max)),
            _ => *n += 1,
        }
    }
    let mut n = 0;
    count(v, &mut n, max);
    n
}

fn conflicts(f: &Keyed<'_>) -> Result<(), String> {
    let first = f.field;
    for other in f.others() {
        if other.name.node != first.name.node {
            return Err(format!(
                "Fields \"{}\" conflict because \"{}\" and \"{}\" are different fields. Use different aliases on the fields to fetch both.",
                f.key(),
                first.name.node,
                other.name.node
            ));
        }
        if !same_arguments(first, other) {
            return Err(format!(
                "Fields \"{}\" conflict because they have different arguments. Use different aliases on the fields to fetch both.",
                f.key()
            ));
        }
    }
    Ok(())
}

/// The spec's SameArguments: the same names with the same values (a
/// variable equals only itself), whatever their order.
fn same_arguments(a: &Field, b: &Field) -> bool {
    a.arguments.len() == b.arguments.len()
        && a.arguments.iter().all(|(name, value)| {
            b.get_argument(&name.node)
                .is_some_and(|other| other.node == value.node)
        })
}

fn int_range(registry: &Registry, ty: &str, v: &GqlValue, path: &str) -> Result<(), String> {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => int_range(registry, inner, v, path),
        MetaTypeName::List(inner) => match v {
            GqlValue::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, x)| int_range(registry, inner, x, &format!("{path}[{i}]"))),
            // Input coercion: one value where a list is expected.
            other => int_range(registry, inner, other, path),
        },
        MetaTypeName::Named("Int") => match v {
            GqlValue::Number(n) if n.as_i64().is_none_or(|i| i32::try_from(i).is_err()) => {
                Err(format!(
                    "Invalid value for {path}: {n} is not an Int. GraphQL's Int holds 32 bits (-2147483648 to 2147483647); columns that hold more have the type bigint."
                ))
            }
            // Other mismatches are validation's, which has run.
            _ => Ok(()),
        },
        MetaTypeName::Named(name) => match (registry.types.get(name), v) {
            (Some(MetaType::InputObject { input_fields, .. }), GqlValue::Object(fields)) => fields
                .iter()
                .try_for_each(|(k, x)| match input_fields.get(k.as_str()) {
                    Some(field) => int_range(registry, &field.ty, x, &format!("{path}.{k}")),
                    None => Ok(()),
                }),
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use async_graphql::Variables;
    use async_graphql::parser::parse_query;

    use super::*;

    /// Conflicts need no schema: an empty registry checks only them.
    fn checked(query: &str) -> Result<(), String> {
        let doc = parse_query(query).unwrap();
        let op = Operation::new(&doc, None, Variables::default()).unwrap();
        operation(&op, &Registry::default(), 1000)
    }

    #[test]
    fn conflicting_fields_under_one_key_are_refused() {
        for q in [
            "{ Album { x: AlbumId x: Title } }",
            "{ a: Album(limit: 1) { AlbumId } a: Album(limit: 2) { AlbumId } }",
            "fragment A on Album { Artist { n: Name } } fragment B on Album { Artist { n: ArtistId } }
             { Album { ...A ...B } }",
        ] {
            let e = checked(q).unwrap_err();
            assert!(e.contains("conflict"), "{q}: {e}");
        }
        // The same field twice, or with the same arguments in another order.
        assert!(checked("{ Album { AlbumId Title AlbumId } Album { Title } }").is_ok());
        assert!(
            checked("{ a: Album(limit: 1, offset: 2) { AlbumId } a: Album(offset: 2, limit: 1) { Title } }")
                .is_ok()
        );
    }
}
