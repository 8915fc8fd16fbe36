//! Input coercion that async-graphql's validation leaves to execution, which
//! apiforge never hands to it (`mod.rs` says why): run before any field is
//! planned, so that a refused request changes nothing.
//!
//! GraphQL's `Int` holds 32 bits, but async-graphql's built-in `Int` accepts
//! any 64-bit integer when it validates, and checks the range only when a
//! resolver parses the value: `Album_by_pk(AlbumId: 99999999999)` answered
//! `null` where every client expects a validation error. The built-in type
//! cannot be replaced (a scalar named `Int` is refused as a duplicate), so the
//! operation's arguments, variables substituted, are checked here against the
//! types the schema gives them. (Columns that hold more are `bigint`.)

use async_graphql::Value as GqlValue;
use async_graphql::parser::types::{OperationType, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};

use super::exec::Operation;

/// The first argument value, at any depth, that is typed `Int` and does not
/// fit in 32 bits, as a sentence.
pub fn check_ints(op: &Operation<'_>, registry: &Registry) -> Result<(), String> {
    let root = match op.kind() {
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Subscription => None,
    };
    match root {
        Some(root) => walk(op, registry, &[op.selection()], root),
        None => Ok(()),
    }
}

fn walk(
    op: &Operation<'_>,
    registry: &Registry,
    sets: &[&SelectionSet],
    type_name: &str,
) -> Result<(), String> {
    let Some(ty) = registry.types.get(type_name) else {
        return Ok(());
    };
    for f in op.fields(sets, Some(type_name)) {
        // `__typename` and introspection fields have no arguments of ours.
        let Some(meta) = ty.field_by_name(f.name()) else {
            continue;
        };
        for (name, value) in &f.field.arguments {
            if let Some(arg) = meta.args.get(name.node.as_str()) {
                let path = format!("{}({})", f.name(), name.node);
                check(registry, &arg.ty, &op.value(&value.node), &path)?;
            }
        }
        walk(
            op,
            registry,
            &f.sets(),
            MetaTypeName::concrete_typename(&meta.ty),
        )?;
    }
    Ok(())
}

fn check(registry: &Registry, ty: &str, v: &GqlValue, path: &str) -> Result<(), String> {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => check(registry, inner, v, path),
        MetaTypeName::List(inner) => match v {
            GqlValue::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, x)| check(registry, inner, x, &format!("{path}[{i}]"))),
            // Input coercion: one value where a list is expected.
            other => check(registry, inner, other, path),
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
                    Some(field) => check(registry, &field.ty, x, &format!("{path}.{k}")),
                    None => Ok(()),
                }),
            _ => Ok(()),
        },
    }
}
