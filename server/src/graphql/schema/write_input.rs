//! The input types of a writable table: `T_insert_input` (a row to insert),
//! `T_set_input` (the new values of an update), `T_pk_columns_input` (the key
//! of the row `update_T_by_pk` changes).

use async_graphql::dynamic::{InputObject, InputValue, Type, TypeRef};

use super::scalars::scalar_of;
use super::shape::Shape;

pub(super) fn build(shape: &Shape<'_>) -> [Type; 3] {
    let names = shape.names;
    let key = shape.key_scalars().fold(
        InputObject::new(names.pk_columns_input()),
        |input, (name, scalar)| input.field(InputValue::new(name, TypeRef::named_nn(scalar))),
    );
    [
        columns(names.insert_input(), shape).into(),
        columns(names.set_input(), shape).into(),
        key.into(),
    ]
}

/// Every column, none required: the database fills a missing one (or
/// refuses the write), as REST's bodies do.
fn columns(name: &str, shape: &Shape<'_>) -> InputObject {
    shape
        .columns
        .iter()
        .fold(InputObject::new(name), |input, (field, c)| {
            input.field(InputValue::new(field, TypeRef::named(scalar_of(c))))
        })
}
