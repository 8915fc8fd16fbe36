//! A writable table's `Mutation` fields and `T_mutation_response`, what the
//! many-row ones return: each field only with its verb, and whatever reads
//! rows back (`returning`, the `_by_pk` fields, which answer the row) only
//! with GET as well, as in Hasura.

use async_graphql::dynamic::{Object, TypeRef};

use super::shape::Shape;
use super::{Root, RootField, args, unresolved};

/// `T_mutation_response`: `affected_rows` and the rows written.
pub(super) fn response(shape: &Shape<'_>) -> Object {
    let names = shape.names;
    let response = Object::new(names.mutation_response()).field(unresolved(
        "affected_rows",
        TypeRef::named_nn(TypeRef::INT),
        [],
    ));
    if !shape.uses.read {
        return response;
    }
    response.field(unresolved(
        "returning",
        TypeRef::named_nn_list_nn(names.object()),
        [],
    ))
}

/// `insert_T`, `update_T`, `delete_T`, `update_T_by_pk`, `delete_T_by_pk`,
/// those the caller may use.
pub(super) fn fields(shape: &Shape<'_>) -> Vec<RootField> {
    let names = shape.names;
    let uses = shape.uses;
    let ty = || names.object().to_owned();
    let response = || TypeRef::named(names.mutation_response());
    let row = || TypeRef::named(names.object());
    let mut fields = Vec::with_capacity(5);
    if uses.insert {
        fields.push(RootField::new(
            names.insert(),
            Root::Insert(ty()),
            response(),
            [args::objects(names)],
        ));
    }
    if uses.update {
        fields.push(RootField::new(
            names.update(),
            Root::Update(ty()),
            response(),
            [args::where_required(names), args::set(names)],
        ));
    }
    if uses.delete {
        fields.push(RootField::new(
            names.delete(),
            Root::Delete(ty()),
            response(),
            [args::where_required(names)],
        ));
    }
    if uses.update && uses.read {
        fields.push(RootField::new(
            names.update_by_pk(),
            Root::UpdateByPk(ty()),
            row(),
            [args::pk_columns(names), args::set(names)],
        ));
    }
    if uses.delete && uses.read {
        fields.push(RootField::new(
            names.delete_by_pk(),
            Root::DeleteByPk(ty()),
            row(),
            args::key(shape),
        ));
    }
    fields
}
