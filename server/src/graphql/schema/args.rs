//! The arguments of generated fields, each written once: list fields
//! (`Query.T`, array relations), `T_aggregate`, `T_by_pk` and the mutations
//! share them.

use async_graphql::dynamic::{InputValue, TypeRef};

use super::shape::Shape;
use crate::graphql::names::TypeNames;

/// `where`, `order_by`, `limit`, `offset`: the arguments of a list of rows
/// of type `target`.
pub(super) fn list(target: &TypeNames) -> [InputValue; 4] {
    [
        where_optional(target),
        InputValue::new("order_by", TypeRef::named_nn_list(target.order_by())),
        InputValue::new("limit", TypeRef::named(TypeRef::INT)),
        InputValue::new("offset", TypeRef::named(TypeRef::INT)),
    ]
}

/// A read's `where`: left out, every row.
pub(super) fn where_optional(names: &TypeNames) -> InputValue {
    InputValue::new("where", TypeRef::named(names.bool_exp()))
}

/// A write's `where`: required, so that writing every row takes `where: {}`.
pub(super) fn where_required(names: &TypeNames) -> InputValue {
    InputValue::new("where", TypeRef::named_nn(names.bool_exp()))
}

/// `_set`: the new values of an update.
pub(super) fn set(names: &TypeNames) -> InputValue {
    InputValue::new("_set", TypeRef::named(names.set_input()))
}

/// `objects`: the rows an insert writes.
pub(super) fn objects(names: &TypeNames) -> InputValue {
    InputValue::new("objects", TypeRef::named_nn_list_nn(names.insert_input()))
}

/// `pk_columns`: the key of the row `update_T_by_pk` changes.
pub(super) fn pk_columns(names: &TypeNames) -> InputValue {
    InputValue::new("pk_columns", TypeRef::named_nn(names.pk_columns_input()))
}

/// One required argument per key column, in key order (`T_by_pk`,
/// `delete_T_by_pk`; `T_pk_columns_input` has the same fields).
pub(super) fn key(shape: &Shape<'_>) -> Vec<InputValue> {
    shape
        .key_scalars()
        .map(|(name, scalar)| InputValue::new(name, TypeRef::named_nn(scalar)))
        .collect()
}
