//! A writable table's `Mutation` fields and `T_mutation_response`, what the
//! many-row ones return.

use async_graphql::dynamic::{Object, TypeRef};

use super::shape::Shape;
use super::{Root, RootField, args, unresolved};

/// `T_mutation_response`: `affected_rows` and the rows written.
pub(super) fn response(shape: &Shape<'_>) -> Object {
    let names = shape.names;
    Object::new(names.mutation_response())
        .field(unresolved(
            "affected_rows",
            TypeRef::named_nn(TypeRef::INT),
            [],
        ))
        .field(unresolved(
            "returning",
            TypeRef::named_nn_list_nn(names.object()),
            [],
        ))
}

/// `insert_T`, `update_T`, `delete_T`, `update_T_by_pk`, `delete_T_by_pk`.
pub(super) fn fields(shape: &Shape<'_>) -> Vec<RootField> {
    let names = shape.names;
    let ty = || names.object().to_owned();
    let response = || TypeRef::named(names.mutation_response());
    let row = || TypeRef::named(names.object());
    vec![
        RootField::new(
            names.insert(),
            Root::Insert(ty()),
            response(),
            [args::objects(names)],
        ),
        RootField::new(
            names.update(),
            Root::Update(ty()),
            response(),
            [args::where_required(names), args::set(names)],
        ),
        RootField::new(
            names.delete(),
            Root::Delete(ty()),
            response(),
            [args::where_required(names)],
        ),
        RootField::new(
            names.update_by_pk(),
            Root::UpdateByPk(ty()),
            row(),
            [args::pk_columns(names), args::set(names)],
        ),
        RootField::new(
            names.delete_by_pk(),
            Root::DeleteByPk(ty()),
            row(),
            args::key(shape),
        ),
    ]
}
