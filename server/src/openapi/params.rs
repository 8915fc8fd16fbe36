//! The query parameters of the REST endpoints, as `rest::params` reads them.
//!
//! Each endpoint lists exactly what its handler reads (`rest/read.rs`,
//! `rest/write.rs`): a parameter documented but ignored would mislead a client
//! generator, one read but undocumented would be invisible.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{Required, Schema};

use crate::catalog::{JsonType, Table};

/// SPEC.md's `filter=` grammar in a few lines, for the parameter's description.
pub const FILTER_GRAMMAR: &str = "SQL-like condition on the table's fields, e.g. `(Title like 'A%') and (ArtistId > 10)`. \
Operators: `=` `!=` `<>` `>` `>=` `<` `<=` `like` `not like` `contains` `starts with` `ends with` \
`in (…)` `not in (…)` `is null` `is not null` `between x and y`; combine with `and`, `or`, `not` and parentheses. \
Keywords ignore case; strings in single quotes (`''` for a quote); numbers, `true`/`false`, `null`. \
Every value is a bound parameter; an unknown field is a 400 that names it.";

fn query(name: &str, schema: impl Into<utoipa::openapi::RefOr<Schema>>, text: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(text))
        .schema(Some(schema))
        .build()
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn boolean() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Boolean)
}

fn integer(minimum: Option<i64>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Int64,
        )))
        .minimum(minimum)
}

pub fn fields(read: bool) -> Parameter {
    let text = if read {
        "Fields to answer with, comma-separated (default all; `*` all). Aggregates too: `COUNT(*)`, `SUM(f)`, `AVG(f)`, `MIN(f)`, `MAX(f)`, with group=."
    } else {
        "Fields of each written record to answer with, comma-separated (default: its key fields; `*` all)."
    };
    query("fields", string(), text)
}

pub fn filter(write: bool) -> Parameter {
    let text = if write {
        format!(
            "The records to change: {FILTER_GRAMMAR} With filter= (or ids=) the body is one object of fields to set on every match."
        )
    } else {
        FILTER_GRAMMAR.to_owned()
    };
    query("filter", string(), &text)
}

pub fn order() -> Parameter {
    query(
        "order",
        string(),
        "Sort order, comma-separated: `Title desc,AlbumId` (asc by default).",
    )
}

pub fn limit(max_records: u64) -> Parameter {
    query(
        "limit",
        integer(None),
        &format!(
            "At most this many records. Below 1, or above the service's max_records ({max_records}), means max_records."
        ),
    )
}

pub fn offset() -> Parameter {
    query("offset", integer(Some(0)), "Records to skip first.")
}

pub fn group() -> Parameter {
    query(
        "group",
        string(),
        "Fields to group by, comma-separated, with aggregates in fields=: `fields=AlbumId,COUNT(*)&group=AlbumId`.",
    )
}

pub fn include_count() -> Parameter {
    query(
        "include_count",
        boolean(),
        "Adds `meta.count`: every record that matches, ignoring limit and offset.",
    )
}

pub fn count_only() -> Parameter {
    query(
        "count_only",
        boolean(),
        "Answers with the bare count of matching records (a JSON number) instead of the records.",
    )
}

pub fn include_schema() -> Parameter {
    query(
        "include_schema",
        boolean(),
        "Adds `meta.schema`: the table's description, as GET _schema/{table} answers it.",
    )
}

pub fn ids(write: bool) -> Parameter {
    let text = if write {
        "Keys of the records to change, comma-separated (a composite key `v1,v2` per record in key order: use id_field=). A missing one is a 404 that names it."
    } else {
        "Keys of the records to read, comma-separated; they come back in this order. A missing one is a 404 that names it."
    };
    query("ids", string(), text)
}

pub fn id_field(table: &Table) -> Parameter {
    let key = if table.primary_key.is_empty() {
        "the table has no primary key, so give one".to_owned()
    } else {
        format!("default: {}", table.primary_key.join(","))
    };
    query(
        "id_field",
        string(),
        &format!(
            "The field(s) that identify a record, comma-separated ({key}); each must be unique."
        ),
    )
}

/// `related=`, with the relations the caller may embed as its enum.
pub fn related(names: &[&str]) -> Parameter {
    let items = string().enum_values(Some(std::iter::once("*").chain(names.iter().copied())));
    ParameterBuilder::new()
        .name("related")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(
            "Related records to embed, comma-separated, or `*` for all. Each relation also takes `REL.fields=`, `REL.filter=`, `REL.order=`, `REL.limit=` (per parent record), `REL.offset=` and nests with `REL.related=`.",
        ))
        .schema(Some(ArrayBuilder::new().items(items)))
        .style(Some(ParameterStyle::Form))
        .explode(Some(false))
        .build()
}

pub fn continue_() -> Parameter {
    query(
        "continue",
        boolean(),
        "A batch is all-or-nothing by default; continue=true goes on past failing records and keeps the good ones (not with rollback=true).",
    )
}

pub fn rollback() -> Parameter {
    query(
        "rollback",
        boolean(),
        "rollback=true (the default) undoes the whole batch when a record fails; it contradicts continue=true (400).",
    )
}

/// The `{id}` of a record path: the key's value, or its values joined by
/// commas in key order.
pub fn id(table: &Table) -> Parameter {
    let single_integer = match table.primary_key.as_slice() {
        [k] => table
            .column(k)
            .is_some_and(|c| c.json_type == JsonType::Integer),
        _ => false,
    };
    let schema = match table.primary_key.len() {
        _ if single_integer => integer(None),
        0 | 1 => string(),
        // `v1,v2`: as many values as the key has fields.
        n => string().pattern(Some(format!("^[^,]*(,[^,]*){{{}}}$", n - 1))),
    };
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!(
            "The record's key ({}); a composite key is `v1,v2` in key order. With id_field=, the values of those fields.",
            table.primary_key.join(",")
        )))
        .schema(Some(schema))
        .build()
}

/// The `{table}` of `_schema/{table}`: one of the tables the caller may
/// describe.
pub fn table_name(tables: &[&str]) -> Parameter {
    ParameterBuilder::new()
        .name("table")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("A table the caller may describe."))
        .schema(Some(string().enum_values(Some(tables.iter().copied()))))
        .build()
}
