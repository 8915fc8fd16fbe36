//! The input types of a writable table: `T_insert_input` (a row to insert),
//! `T_set_input` (the new values of an update), `T_pk_columns_input` (the key
//! of the row `update_T_by_pk` changes); each only where a mutation the
//! caller may use takes it.

use async_graphql::dynamic::{InputObject, InputValue, Type, TypeRef};

use super::scalars::scalar_of;
use super::shape::Shape;

pub(super) fn build(shape: &Shape<'_>) -> Vec<Type> {
    let names = shape.names;
    let uses = shape.uses;
    let mut types = Vec::with_capacity(3);
    if uses.insert {
        types.push(columns(names.insert_input(), shape).into());
    }
    if uses.update {
        types.push(columns(names.set_input(), shape).into());
    }
    // `update_T_by_pk`'s, which answers the row (see `mutation::fields`).
    if uses.update && uses.read {
        let key = shape.key_scalars().fold(
            InputObject::new(names.pk_columns_input()),
            |input, (name, scalar)| input.field(InputValue::new(name, TypeRef::named_nn(scalar))),
        );
        types.push(key.into());
    }
    types
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
