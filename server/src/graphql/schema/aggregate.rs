//! `T_aggregate` and the objects of its functions' columns: `count` always,
//! `sum`/`avg` over numeric columns, `min`/`max` over orderable ones (an
//! object type may not be empty, so a function without columns is left out).

use async_graphql::dynamic::{Object, Type, TypeRef};

use super::scalars::{Scalars, scalar_of};
use super::shape::Shape;
use super::unresolved;
use crate::catalog::{Column, JsonType};
use crate::query::plan::AggFunc;

/// `T_aggregate`, and the `T_{sum,avg,min,max}_fields` types it names.
pub(super) fn build(shape: &Shape<'_>, scalars: &mut Scalars) -> (Object, Vec<Type>) {
    let columns = |keep: fn(&Column) -> bool, scalar: fn(&Column) -> &'static str| {
        shape
            .columns
            .iter()
            .filter(|(_, c)| keep(c))
            .map(|(name, c)| (name.as_str(), scalar(c)))
            .collect::<Vec<_>>()
    };
    let numeric = |c: &Column| c.json_type.is_numeric();
    let sums = columns(numeric, sum_scalar);
    for (_, scalar) in &sums {
        scalars.use_scalar(scalar);
    }
    let ordered = columns(orderable, scalar_of);
    let functions = [
        (AggFunc::Sum, "sum", sums),
        (AggFunc::Avg, "avg", columns(numeric, |_| TypeRef::FLOAT)),
        (AggFunc::Min, "min", ordered.clone()),
        (AggFunc::Max, "max", ordered),
    ];

    let names = shape.names;
    let mut aggregate = Object::new(names.aggregate()).field(unresolved(
        "count",
        TypeRef::named_nn(TypeRef::INT),
        [],
    ));
    let mut types = Vec::new();
    for (func, field, columns) in functions {
        let Some(type_name) = names.fields_of(func).filter(|_| !columns.is_empty()) else {
            continue;
        };
        let object = columns
            .into_iter()
            .fold(Object::new(type_name), |object, (name, scalar)| {
                object.field(unresolved(name, TypeRef::named(scalar), []))
            });
        aggregate = aggregate.field(unresolved(field, TypeRef::named(type_name), []));
        types.push(object.into());
    }
    (aggregate, types)
}

/// What a sum is returned as: wide enough for the sum of many values.
fn sum_scalar(c: &Column) -> &'static str {
    match c.json_type {
        JsonType::Integer => "bigint",
        JsonType::Decimal => "numeric",
        _ => "Float",
    }
}

/// Whether `min`/`max` apply: not to documents, bytes or booleans.
fn orderable(c: &Column) -> bool {
    !matches!(
        c.json_type,
        JsonType::Json | JsonType::Array | JsonType::Binary | JsonType::Boolean
    )
}
