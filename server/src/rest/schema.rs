//! `_table` and `_schema`: what the catalog says, in DreamFactory's shapes.

use axum::Json;
use axum::extract::Path;
use serde_json::{Value as Json_, json};

use super::Service;
use crate::catalog::{RelationKind, Table};
use crate::error::ApiResult;

/// `GET /{service}/_table` → `{"resource":[{"name":…}]}`: the tables whose
/// records the caller may GET.
pub async fn list_tables(svc: Service) -> Json<Json_> {
    let resource: Vec<Json_> = svc
        .plan()
        .readable_tables()
        .map(|t| json!({ "name": t.name }))
        .collect();
    Json(json!({ "resource": resource }))
}

/// `GET /{service}/_schema` → the description of every table whose
/// `_schema/{table}` the caller may GET.
pub async fn list_schema(svc: Service) -> Json<Json_> {
    let resource: Vec<Json_> = svc.plan().described_tables().map(|t| describe(t)).collect();
    Json(json!({ "resource": resource }))
}

/// `GET /{service}/_schema/{table}`.
pub async fn table_schema(
    svc: Service,
    Path((_service, table)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    Ok(Json(describe(svc.plan().describe(&table)?.as_ref())))
}

/// A table as SPEC.md names it: `fields` (columns, with DreamFactory's per-field
/// keys) and `relationships`, plus `primary_key` and `is_view`. Relationship columns
/// are arrays because keys may be composite.
pub fn describe(t: &Table) -> Json_ {
    let fields: Vec<Json_> = t
        .columns
        .iter()
        .map(|c| {
            // A column in a single-column foreign key names what it references.
            let fk = t
                .foreign_keys
                .iter()
                .find(|fk| fk.columns.len() == 1 && fk.columns[0] == c.name);
            json!({
                "name": c.name,
                "type": c.json_type.df_name(),
                "db_type": c.db_type,
                "allow_null": c.nullable,
                "is_primary_key": c.is_primary_key,
                "auto_increment": c.auto_increment,
                "default": c.default,
                "is_foreign_key": fk.is_some(),
                "ref_table": fk.map(|f| f.ref_table.as_str()),
                "ref_field": fk.map(|f| f.ref_columns[0].as_str()),
            })
        })
        .collect();
    let relationships: Vec<Json_> = t
        .relations
        .iter()
        .map(|r| {
            let kind = match r.kind {
                RelationKind::BelongsTo => "belongs_to",
                RelationKind::HasMany => "has_many",
                RelationKind::ManyMany => "many_many",
            };
            json!({
                "name": r.name,
                "type": kind,
                "fields": r.columns,
                "ref_table": r.ref_table,
                "ref_fields": r.ref_columns,
                "junction_table": r.junction.as_ref().map(|j| j.table.as_str()),
                "junction_fields": r.junction.as_ref().map(|j| &j.columns),
                "junction_ref_fields": r.junction.as_ref().map(|j| &j.ref_columns),
            })
        })
        .collect();
    json!({
        "name": t.name,
        "label": t.name,
        "is_view": t.is_view,
        "primary_key": t.primary_key,
        "fields": fields,
        "relationships": relationships,
    })
}
