//! Component schemas: one record shape per table, its insert and update
//! shapes, and the shapes every service shares (the error envelope, `meta`,
//! a table's description).
//!
//! Component names must match `^[a-zA-Z0-9._-]+$`, and table names need not,
//! so each table gets a mangled base name, claimed once over the whole
//! catalog (not over what one role sees), so that a role's document names a
//! table as the admin's does. The shared shapes live under `apiforge.`: a
//! mangled table name has no dot, so the two can never collide.

use std::collections::{BTreeMap, BTreeSet};

use utoipa::openapi::schema::{
    AdditionalProperties, Array, ArrayBuilder, KnownFormat, Object, ObjectBuilder, OneOfBuilder,
    Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

use crate::catalog::{Catalog, Column, JsonType, RelationKind, Table};

pub const ERROR: &str = "apiforge.Error";
pub const META: &str = "apiforge.Meta";
pub const TABLE_SCHEMA: &str = "apiforge.TableSchema";
pub const TABLE_NAMES: &str = "apiforge.TableNames";

/// A table's component names: its record, insert and update shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub record: String,
    pub insert: String,
    pub update: String,
}

/// Every table's [`Names`], by table name.
pub fn claim_names(catalog: &Catalog) -> BTreeMap<String, Names> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in catalog.tables.keys() {
        let base = mangle(name);
        let mut n = 1;
        let names = loop {
            let stem = if n == 1 {
                base.clone()
            } else {
                format!("{base}_{n}")
            };
            let names = Names {
                insert: format!("{stem}_insert"),
                update: format!("{stem}_update"),
                record: stem,
            };
            if [&names.record, &names.insert, &names.update]
                .iter()
                .all(|s| !taken.contains(*s))
            {
                break names;
            }
            n += 1;
        };
        taken.extend([
            names.record.clone(),
            names.insert.clone(),
            names.update.clone(),
        ]);
        out.insert(name.clone(), names);
    }
    out
}

/// Letters, digits, `_` and `-` kept; anything else (dots included) becomes `_`.
fn mangle(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "_".to_owned() } else { s }
}

/// A `$ref` to a component schema.
pub fn to(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// `type: T` or, when `nullable`, OpenAPI 3.1's `type: [T, "null"]`.
fn typed(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        [t, Type::Null].into_iter().collect()
    } else {
        SchemaType::new(t)
    }
}

/// A column's value as JSON carries it (docs/types.md).
pub fn column_schema(c: &Column) -> Object {
    let n = c.nullable;
    let b = match c.json_type {
        JsonType::Integer => ObjectBuilder::new()
            .schema_type(typed(Type::Integer, n))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        JsonType::Float => ObjectBuilder::new()
            .schema_type(typed(Type::Number, n))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double))),
        // Exact: a number while f64 carries it (≤ 15 significant digits),
        // else a string of the exact digits.
        JsonType::Decimal => {
            let mut t = vec![Type::Number, Type::String];
            if n {
                t.push(Type::Null);
            }
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter(t))
                .description(Some(
                    "Exact decimal: a number up to 15 significant digits, else a string of the exact digits.",
                ))
        }
        JsonType::Boolean => ObjectBuilder::new().schema_type(typed(Type::Boolean, n)),
        JsonType::String => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .max_length(c.max_length()),
        JsonType::Date => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        // RFC 3339's `time` and `date-time` need an offset, which these
        // values do not carry: no format rather than a wrong one.
        JsonType::Time => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .description(Some("Time of day, HH:MM:SS with fractions as stored.")),
        JsonType::DateTime => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .description(Some(
                "Date and time without a zone, YYYY-MM-DDTHH:MM:SS (a space is accepted for the T on input).",
            )),
        JsonType::DateTimeTz => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        JsonType::Uuid => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        JsonType::Binary => ObjectBuilder::new()
            .schema_type(typed(Type::String, n))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Byte)))
            .content_encoding("base64"),
        // Any JSON value (null included).
        JsonType::Json => ObjectBuilder::new().schema_type(SchemaType::AnyValue),
        JsonType::Array => ObjectBuilder::new().schema_type(typed(Type::Array, n)),
    };
    b.build()
}

/// The record as reads answer it (and as writes answer with `fields=`): every
/// column, none required (`fields=` picks some), generated keys read-only, and
/// each relation whose table `embeddable` allows, as `related=` embeds it.
pub fn record(
    table: &Table,
    names: &BTreeMap<String, Names>,
    embeddable: &dyn Fn(&str) -> bool,
) -> Schema {
    let mut b = ObjectBuilder::new().schema_type(Type::Object).description(Some(format!(
        "A record of '{}'. Every field is optional in answers: fields= picks them; aggregates (fields=COUNT(*)) add their own keys.",
        table.name
    )));
    for c in &table.columns {
        let mut s = column_schema(c);
        if c.auto_increment {
            s.read_only = Some(true);
        }
        b = b.property(&c.name, s);
    }
    for r in &table.relations {
        if !embeddable(&r.ref_table) {
            continue;
        }
        let Some(target) = names.get(&r.ref_table) else {
            continue;
        };
        let s: RefOr<Schema> = match r.kind {
            RelationKind::BelongsTo => OneOfBuilder::new()
                .item(to(&target.record))
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .description(Some(format!("Embedded with related={}.", r.name)))
                .into(),
            RelationKind::HasMany | RelationKind::ManyMany => ArrayBuilder::new()
                .items(to(&target.record))
                .description(Some(format!("Embedded with related={}.", r.name)))
                .into(),
        };
        b = b.property(&r.name, s);
    }
    b.build().into()
}

/// A record as POST takes it: required are the NOT NULL columns without a
/// default that the database does not fill itself; unknown fields are refused.
pub fn insert(table: &Table) -> Schema {
    let mut b = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
        .description(Some(format!("A new record of '{}'.", table.name)));
    for c in &table.columns {
        b = b.property(&c.name, column_schema(c));
        if !c.nullable && c.default.is_none() && !c.auto_increment {
            b = b.required(&c.name);
        }
    }
    b.build().into()
}

/// The fields PATCH and PUT set: none required (PUT on a record sets the
/// missing nullable fields to null, and refuses a missing NOT NULL one).
pub fn update(table: &Table) -> Schema {
    let mut b = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
        .description(Some(format!(
            "Fields of '{}' to set. On the table (without ids= or filter=) each record also carries its key.",
            table.name
        )));
    for c in &table.columns {
        b = b.property(&c.name, column_schema(c));
    }
    b.build().into()
}

/// `{"resource": [item]}`.
pub fn resource_list(item: RefOr<Schema>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("resource", Array::new(item))
        .required("resource")
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn nullable(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(typed(t, true))
}

fn strings() -> Array {
    Array::new(string())
}

/// The shared components, by name.
pub fn shared() -> Vec<(&'static str, Schema)> {
    let error = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Every error: the status again, a sentence that says what to fix, and details (per-record results of a batch, the request id of a 500) or null.",
        ))
        .property(
            "error",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("code", ObjectBuilder::new().schema_type(Type::Integer))
                .property("message", string())
                .property("context", ObjectBuilder::new().schema_type(SchemaType::AnyValue))
                .required("code")
                .required("message"),
        )
        .required("error");
    let meta = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "count",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some(
                    "include_count=true: every matching record, past limit and offset.",
                )),
        )
        .property("schema", to(TABLE_SCHEMA));
    let field = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("name", string())
        .property("type", string())
        .property("db_type", string())
        .property(
            "allow_null",
            ObjectBuilder::new().schema_type(Type::Boolean),
        )
        .property(
            "is_primary_key",
            ObjectBuilder::new().schema_type(Type::Boolean),
        )
        .property(
            "auto_increment",
            ObjectBuilder::new().schema_type(Type::Boolean),
        )
        .property("default", nullable(Type::String))
        .property(
            "is_foreign_key",
            ObjectBuilder::new().schema_type(Type::Boolean),
        )
        .property("ref_table", nullable(Type::String))
        .property("ref_field", nullable(Type::String));
    let relationship = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("name", string())
        .property(
            "type",
            string().enum_values(Some(["belongs_to", "has_many", "many_many"])),
        )
        .property("fields", strings())
        .property("ref_table", string())
        .property("ref_fields", strings())
        .property("junction_table", nullable(Type::String))
        .property(
            "junction_fields",
            ArrayBuilder::new()
                .schema_type(typed(Type::Array, true))
                .items(string()),
        )
        .property(
            "junction_ref_fields",
            ArrayBuilder::new()
                .schema_type(typed(Type::Array, true))
                .items(string()),
        );
    let table_schema = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("A table's description (GET _schema/{table})."))
        .property("name", string())
        .property("label", string())
        .property("is_view", ObjectBuilder::new().schema_type(Type::Boolean))
        .property("primary_key", strings())
        .property("fields", Array::new(field))
        .property("relationships", Array::new(relationship))
        .required("name")
        .required("fields")
        .required("relationships");
    let table_names = resource_list(
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("name", string())
            .required("name")
            .into(),
    );
    vec![
        (ERROR, error.build().into()),
        (META, meta.build().into()),
        (TABLE_NAMES, table_names.build().into()),
        (TABLE_SCHEMA, table_schema.build().into()),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_never_collide() {
        use crate::catalog::{Catalog, Table};
        let t = |name: &str| Table {
            name: name.into(),
            is_view: false,
            columns: vec![],
            primary_key: vec![],
            foreign_keys: vec![],
            relations: vec![],
        };
        let cat = Catalog::new(vec![
            t("order items"),
            t("order_items"),
            t("order_items_insert"),
            t("a.b"),
        ]);
        let names = claim_names(&cat);
        let mut all: Vec<&str> = names
            .values()
            .flat_map(|n| [n.record.as_str(), n.insert.as_str(), n.update.as_str()])
            .collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "{names:?}");
        assert_eq!(names["a.b"].record, "a_b");
        assert!(all.iter().all(|n| !n.contains('.') && !n.contains(' ')));
    }
}
