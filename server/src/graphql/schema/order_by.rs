//! `T_order_by`, a table's sort keys, and the `order_by` enum of directions
//! every one of its fields takes.

use async_graphql::dynamic::{Enum, InputObject, InputValue, TypeRef};

use super::shape::Shape;

/// The enum of directions; no table may take its name.
pub(super) const DIRECTIONS: &str = "order_by";

/// The directions, as Hasura spells them.
const DIRECTION_VALUES: [&str; 6] = [
    "asc",
    "asc_nulls_first",
    "asc_nulls_last",
    "desc",
    "desc_nulls_first",
    "desc_nulls_last",
];

pub(super) fn build(shape: &Shape<'_>) -> InputObject {
    shape.columns.iter().fold(
        InputObject::new(shape.names.order_by()),
        |order_by, (field, _)| order_by.field(InputValue::new(field, TypeRef::named(DIRECTIONS))),
    )
}

pub(super) fn directions() -> Enum {
    Enum::new(DIRECTIONS).items(DIRECTION_VALUES)
}
