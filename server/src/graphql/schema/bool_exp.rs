//! `T_bool_exp`, a table's `where` (`_and`, `_or`, `_not` and a comparison
//! per column), and `S_comparison_exp`, the operators on one scalar.

use async_graphql::dynamic::{InputObject, InputValue, TypeRef};

use super::scalars::scalar_of;
use super::shape::Shape;
use crate::graphql::names::comparison_exp;

pub(super) fn build(shape: &Shape<'_>) -> InputObject {
    let name = shape.names.bool_exp();
    let mut exp = InputObject::new(name)
        .field(InputValue::new("_and", TypeRef::named_nn_list(name)))
        .field(InputValue::new("_or", TypeRef::named_nn_list(name)))
        .field(InputValue::new("_not", TypeRef::named(name)));
    for (field, c) in &shape.columns {
        exp = exp.field(InputValue::new(
            field,
            TypeRef::named(comparison_exp(scalar_of(c))),
        ));
    }
    exp
}

/// The comparisons on values of `scalar`; `text` adds the `like` family.
pub(super) fn comparison(scalar: &'static str, text: bool) -> InputObject {
    let mut exp = InputObject::new(comparison_exp(scalar));
    for op in ["_eq", "_neq", "_gt", "_gte", "_lt", "_lte"] {
        exp = exp.field(InputValue::new(op, TypeRef::named(scalar)));
    }
    for op in ["_in", "_nin"] {
        exp = exp.field(InputValue::new(op, TypeRef::named_nn_list(scalar)));
    }
    if text {
        for op in ["_like", "_nlike", "_ilike", "_nilike"] {
            exp = exp.field(InputValue::new(op, TypeRef::named(TypeRef::STRING)));
        }
    }
    exp.field(InputValue::new(
        "_is_null",
        TypeRef::named(TypeRef::BOOLEAN),
    ))
}
