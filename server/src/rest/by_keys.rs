//! Reads by a list of keys: `ids=3,1,2`, and DreamFactory's "get by records"
//! (`POST` with `X-HTTP-Method: GET` and `{"resource":[{"AlbumId":1},…]}`).
//!
//! As DreamFactory answers them: the records come in the order asked (once per
//! id asked, so `ids=2,2` gives the record twice), and an id with no record is
//! a 404 naming it. With `continue=true` the 404's context holds, like a
//! batch's, each id's record or error in place.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use super::Service;
use super::params::{Params, read_input};
use crate::catalog::Table;
use crate::error::{ApiError, ApiResult};
use crate::query::exec::{self, Record};
use crate::query::plan::{self, Cond, FieldInput};

/// The records with these keys (`wanted`: one JSON value per key column, in
/// `key` order), as the `resource` array of the answer, and how many there are
/// (`None` for an aggregate, whose rows are not records by key).
pub async fn read(
    svc: &Service,
    table: &Arc<Table>,
    p: &Params,
    key: &[String],
    wanted: &[Vec<Json>],
) -> ApiResult<(Vec<u8>, Option<u64>)> {
    let limits = svc.limits();
    let mut input = read_input(p, limits.max_list_items)?;
    let aggregate = !input.group.is_empty()
        || input
            .fields
            .iter()
            .flatten()
            .any(|f| matches!(f, FieldInput::Aggregate { .. }));
    // The key columns are read to put each record in its place, and dropped
    // again when `fields=` did not ask for them.
    let mut added = Vec::new();
    if !aggregate && let Some(fields) = input.fields.as_mut() {
        for k in key {
            let named = fields
                .iter()
                .any(|f| matches!(f, FieldInput::Column(c) if c == k || c == "*"));
            if !named {
                fields.push(FieldInput::Column(k.clone()));
                added.push(k.clone());
            }
        }
    }
    let Cond::KeyIn { columns, tuples } = plan::key_in(table, key, wanted, limits.backend)? else {
        return Err(ApiError::internal("key_in gave another condition"));
    };
    let mut plan = svc.plan().read(table, &input)?;
    plan.filter = Some(Cond::all(plan.filter.take().into_iter().chain([
        Cond::KeyIn {
            columns,
            tuples: tuples.clone(),
        },
    ])));
    // Every id asked for is answered (there are at most MAX_ID_VALUES), past
    // max_records too; a key that is not unique (`id_field=`) is still capped,
    // and so is the answer, where an id asked again repeats its records.
    let cap = limits.max_records.max(tuples.len() as u64);
    plan.limit = Some(cap);
    let rows = svc.runtime.read_json(Arc::new(plan)).await?;
    if aggregate {
        return Ok((rows, None));
    }
    let records = exec::records(&rows)?;
    // Records by their key, typed as the ids were (`"5"` asked, `5` read),
    // in the order read (several for a key that is not unique).
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if let Ok(Some((values, _))) = plan::record_key(table, key, r, limits.backend) {
            by_key.entry(format!("{values:?}")).or_default().push(i);
        }
    }

    let mut resource = Vec::with_capacity(tuples.len());
    let mut missing = Vec::new();
    for (n, want) in tuples.iter().enumerate() {
        let found = by_key.get(&format!("{want:?}"));
        for &i in found.into_iter().flatten() {
            if resource.len() as u64 >= cap {
                return Err(ApiError::bad_request(format!(
                    "These ids match more than {cap} records (the larger of max_records and the number of ids); name a unique id_field, or ask for fewer ids."
                )));
            }
            resource.push(Json::Object(without(&records[i], &added)));
        }
        if found.is_none() {
            missing.push(n);
            resource.push(json!({ "error": {
                "code": 404,
                "message": format!("No record with id '{}' in table '{}'.", id_text(&wanted[n]), table.name),
            }}));
        }
    }
    if missing.is_empty() {
        let n = resource.len() as u64;
        return Ok((Json::Array(resource).to_string().into_bytes(), Some(n)));
    }
    Err(not_found(table, p, wanted, &missing, resource)?)
}

/// The 404 for ids with no record: the message names them; the context says
/// which (`error`: their positions) and, with `continue=true`, holds every
/// id's record or error in place, as a batch's context does.
fn not_found(
    table: &Table,
    p: &Params,
    wanted: &[Vec<Json>],
    missing: &[usize],
    resource: Vec<Json>,
) -> ApiResult<ApiError> {
    const NAMED: usize = 10;
    let mut ids: Vec<String> = missing
        .iter()
        .take(NAMED)
        .map(|&n| format!("'{}'", id_text(&wanted[n])))
        .collect();
    if missing.len() > NAMED {
        ids.push(format!("and {} more", missing.len() - NAMED));
    }
    let keep_going = p.flag("continue")?;
    let message = format!(
        "{} of the {} records asked for do not exist in table '{}': no record with id {}.{}",
        missing.len(),
        wanted.len(),
        table.name,
        ids.join(", "),
        if keep_going {
            " The others are in context.resource, in the order asked."
        } else {
            " Add continue=true to get the others, each in its place in context.resource."
        }
    );
    let context = if keep_going {
        json!({ "error": missing, "resource": resource })
    } else {
        json!({ "error": missing })
    };
    Ok(ApiError::NotFoundWith { message, context })
}

/// `1` or `1,2` (a composite key), as the caller wrote it in `ids=`.
fn id_text(values: &[Json]) -> String {
    values
        .iter()
        .map(|v| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn without(rec: &Record, drop: &[String]) -> Map<String, Json> {
    if drop.is_empty() {
        return rec.clone();
    }
    rec.iter()
        .filter(|(k, _)| !drop.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The keys of a "get by records" body's records, or a 400 naming the first
/// record without one. Bounded as `ids=` is (`plan::split_ids`).
pub fn record_keys(key: &[String], records: &[Json]) -> ApiResult<Vec<Vec<Json>>> {
    if records.is_empty() {
        return Err(ApiError::bad_request("The body holds no records."));
    }
    if records.len() * key.len() > plan::MAX_ID_VALUES {
        return Err(ApiError::bad_request(format!(
            "The body names {} records; at most {} key values are read at once: use filter= or several requests.",
            records.len(),
            plan::MAX_ID_VALUES
        )));
    }
    records
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let values: Option<Vec<Json>> = key
                .iter()
                .map(|k| r.get(k).filter(|v| !v.is_null() && !v.is_object()).cloned())
                .collect();
            values.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Record {} has no key ({}): to read records by key, give each one's key; to read by other fields, use filter=.",
                    n + 1,
                    key.join(", ")
                ))
            })
        })
        .collect()
}
