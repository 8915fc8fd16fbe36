//! `T`: a table's object type (its columns and relations) and the map from
//! its field names back to what they read.

use std::collections::HashMap;

use async_graphql::dynamic::{Object, TypeRef};

use super::scalars::scalar_of;
use super::shape::Shape;
use super::{FieldKind, args, unresolved};
use crate::catalog::RelationKind;

pub(super) fn build(shape: &Shape<'_>) -> (Object, HashMap<String, FieldKind>) {
    let mut object = Object::new(shape.names.object());
    let mut fields = HashMap::new();
    for (name, c) in &shape.columns {
        let scalar = scalar_of(c);
        let ty = if c.nullable {
            TypeRef::named(scalar)
        } else {
            TypeRef::named_nn(scalar)
        };
        object = object.field(unresolved(name, ty, []));
        fields.insert(name.clone(), FieldKind::Column(c.name.clone()));
    }
    for rel in &shape.relations {
        let target = rel.target;
        let field = match rel.relation.kind {
            RelationKind::BelongsTo => unresolved(&rel.name, TypeRef::named(target.object()), []),
            RelationKind::HasMany | RelationKind::ManyMany => unresolved(
                &rel.name,
                TypeRef::named_nn_list_nn(target.object()),
                args::list(target),
            ),
        };
        object = object.field(field);
        fields.insert(
            rel.name.clone(),
            FieldKind::Relation {
                name: rel.relation.name.clone(),
                kind: rel.relation.kind,
                target: target.object().to_owned(),
            },
        );
    }
    (object, fields)
}
