//! A table's `Query` fields: `T` (a list), `T_by_pk` (one row, with a key)
//! and `T_aggregate`.

use async_graphql::dynamic::TypeRef;

use super::shape::Shape;
use super::{Root, RootField, args};

pub(super) fn fields(shape: &Shape<'_>) -> Vec<RootField> {
    let names = shape.names;
    let ty = || names.object().to_owned();
    let mut fields = vec![RootField::new(
        ty(),
        Root::List(ty()),
        TypeRef::named_nn_list_nn(names.object()),
        args::list(names),
    )];
    if !shape.key.is_empty() {
        fields.push(RootField::new(
            names.by_pk(),
            Root::ByPk(ty()),
            TypeRef::named(names.object()),
            args::key(shape),
        ));
    }
    fields.push(RootField::new(
        names.aggregate().to_owned(),
        Root::Aggregate(ty()),
        TypeRef::named_nn(names.aggregate()),
        [args::where_optional(names)],
    ));
    fields
}
