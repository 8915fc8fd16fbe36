//! Record keys: which columns address a record (`id_field=`), ids in URLs and
//! `ids=`, and the condition that selects records by key.

use serde_json::Value as Json;

use super::{Cond, PlanError, invalid, unknown_column};
use crate::Backend;
use crate::catalog::{Column, Table};
use crate::value;

/// Most values in one `ids=` (every one becomes a bound parameter).
pub const MAX_ID_VALUES: usize = 10_000;

/// The key used for by-id access: the primary key, or `id_field=` when given.
pub fn key_columns(table: &Table, id_field: Option<&str>) -> Result<Vec<String>, PlanError> {
    if let Some(spec) = id_field.filter(|s| !s.trim().is_empty()) {
        let cols: Vec<String> = spec.split(',').map(|s| s.trim().to_string()).collect();
        for c in &cols {
            if table.column(c).is_none() {
                return Err(unknown_column(table, c, "id_field"));
            }
        }
        return Ok(cols);
    }
    if table.primary_key.is_empty() {
        let what = if table.is_view {
            "is a view, which has no primary key"
        } else {
            "has no primary key"
        };
        return Err(invalid(format!(
            "'{}' {what}, so its records cannot be written or addressed by id; name the key with id_field=.",
            table.name
        )));
    }
    Ok(table.primary_key.clone())
}

/// The sentence for an id that matches more than one record: `id_field=` named
/// fields that are not unique, and a request by id must name one record.
pub fn not_unique(table: &Table, key: &[String], id: &str) -> String {
    format!(
        "More than one record in table '{}' has {} '{id}': id_field={} is not unique, so this id names no single record. Use a unique id_field, or filter= to address all of them.",
        table.name,
        key.join(","),
        key.join(",")
    )
}

/// Splits an id (`5`, or `1,2` for a composite key) into one value per key column.
pub fn split_id(key: &[String], id: &str) -> Result<Vec<Json>, PlanError> {
    let parts: Vec<&str> = if key.len() == 1 {
        vec![id]
    } else {
        id.split(',').collect()
    };
    if parts.len() != key.len() {
        return Err(invalid(format!(
            "This table's key has {} fields ({}); give the id as {} values separated by commas.",
            key.len(),
            key.join(", "),
            key.len()
        )));
    }
    Ok(parts
        .into_iter()
        .map(|p| Json::String(p.to_string()))
        .collect())
}

/// `ids=1,2,3` (or `1,2,1,3` for a two-field key) as key tuples.
pub fn split_ids(key: &[String], ids: &str) -> Result<Vec<Vec<Json>>, PlanError> {
    let parts: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(invalid("ids= is empty."));
    }
    if parts.len() > MAX_ID_VALUES {
        return Err(invalid(format!(
            "ids= lists {} values; at most {MAX_ID_VALUES} are accepted: use filter= or several requests.",
            parts.len()
        )));
    }
    if !parts.len().is_multiple_of(key.len()) {
        return Err(invalid(format!(
            "ids= must list whole keys: this table's key has {} fields ({}).",
            key.len(),
            key.join(", ")
        )));
    }
    Ok(parts
        .chunks(key.len())
        .map(|c| c.iter().map(|p| Json::String((*p).to_string())).collect())
        .collect())
}

/// Rows whose `key` columns equal one of `tuples`, values typed per column.
pub fn key_in(
    table: &Table,
    key: &[String],
    tuples: &[Vec<Json>],
    backend: Backend,
) -> Result<Cond, PlanError> {
    if key.is_empty() {
        return Err(invalid(format!(
            "Table '{}' has no primary key; name the key with id_field=.",
            table.name
        )));
    }
    let cols: Vec<&Column> = key
        .iter()
        .map(|k| {
            table
                .column(k)
                .ok_or_else(|| unknown_column(table, k, "id_field"))
        })
        .collect::<Result<_, _>>()?;
    let mut typed = Vec::with_capacity(tuples.len());
    for t in tuples {
        if t.len() != cols.len() {
            return Err(invalid(format!(
                "Each id needs {} values ({}).",
                cols.len(),
                key.join(", ")
            )));
        }
        let row = cols
            .iter()
            .zip(t)
            .map(|(c, v)| {
                value::to_sql(c, v, backend).map_err(|e| invalid(format!("Bad id: {e}.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        typed.push(row);
    }
    Ok(Cond::KeyIn {
        columns: key.to_vec(),
        tuples: typed,
    })
}
