//! POST, PATCH, PUT, DELETE on tables and records.

use std::sync::Arc;

use crate::query::Backend;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use super::by_keys;
use super::params::{BatchMode, Params, batch_mode, parse_fields};
use super::read::{by_keys as read_by_keys, list_with};
use super::{Service, ok};
use crate::catalog::Table;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppQuery, JsonBody};
use crate::query::exec::{self, Record};
use crate::query::plan::{self, Cond, FieldInput, ReadInput};
use crate::query::write::{self, BatchOutcome, Op, RecordError};

type TablePath = Path<(String, String)>;
type RecordPath = Path<(String, String, String)>;

/// The records of a body: `{"resource":[…]}`, a bare array, or one object.
fn records(body: Option<Json>) -> ApiResult<Vec<Map<String, Json>>> {
    let body =
        body.ok_or_else(|| ApiError::bad_request("A JSON body with the record(s) is required."))?;
    let list = match body {
        Json::Object(mut o) if o.contains_key("resource") => match o.remove("resource") {
            Some(Json::Array(a)) => a,
            Some(Json::Object(r)) => vec![Json::Object(r)],
            _ => {
                return Err(ApiError::bad_request(
                    "'resource' must be an array of records.",
                ));
            }
        },
        Json::Object(o) => vec![Json::Object(o)],
        Json::Array(a) => a,
        _ => {
            return Err(ApiError::bad_request(
                "The body must be a record (an object) or {\"resource\":[records…]}.",
            ));
        }
    };
    if list.is_empty() {
        return Err(ApiError::bad_request("The body holds no records."));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, r)| match r {
            Json::Object(o) => Ok(o),
            _ => Err(ApiError::bad_request(format!(
                "Record {} is not an object.",
                i + 1
            ))),
        })
        .collect()
}

/// The single object of a body (a by-id write, or a write to all matches).
fn single(body: Option<Json>) -> ApiResult<Map<String, Json>> {
    let mut list = records(body)?;
    if list.len() != 1 {
        return Err(ApiError::bad_request(
            "This write takes one object with the fields to change, not a list.",
        ));
    }
    Ok(list.remove(0))
}

pub(crate) fn writable(svc: &Service, table: &Table) -> ApiResult<()> {
    if svc.runtime.config.read_only {
        return Err(ApiError::Forbidden(format!(
            "Service '{}' is read-only.",
            svc.runtime.name
        )));
    }
    if table.is_view {
        return Err(ApiError::bad_request(format!(
            "'{}' is a view: it can be read, not written.",
            table.name
        )));
    }
    Ok(())
}

/// Rejects a bad `fields=` before anything is written: it shapes the answer, which
/// is built after the commit, too late to refuse the request.
fn check_fields(svc: &Service, table: &std::sync::Arc<Table>, p: &Params) -> ApiResult<()> {
    let Some(text) = p.text("fields") else {
        return Ok(());
    };
    let fields = parse_fields(text)?;
    if fields
        .iter()
        .any(|f| matches!(f, FieldInput::Aggregate { .. }))
    {
        return Err(ApiError::bad_request(
            "fields= on a write takes field names, not aggregates.",
        ));
    }
    let input = ReadInput {
        fields: Some(fields),
        ..ReadInput::default()
    };
    plan::plan_read(table, &input, &svc.runtime.catalog, svc.limits())?;
    Ok(())
}

/// Refuses a write of more records than the service takes in one request
/// (`max_batch_records`), before anything is written: a batch is one
/// transaction, and on SQLite it holds the write lock until it ends, so a
/// long one would stall every other write.
/// What every write starts from: a table that may be written (and whose
/// `fields=` are valid), the key its records are addressed by (`id_field=`)
/// and the backend its values are typed for.
struct Target {
    table: std::sync::Arc<Table>,
    key: Vec<String>,
    backend: crate::query::Backend,
}

fn target(svc: &Service, table: &str, p: &Params) -> ApiResult<Target> {
    let table = svc.table(table)?;
    writable(svc, &table)?;
    check_fields(svc, &table, p)?;
    Ok(Target {
        key: plan::key_columns(&table, p.text("id_field"))?,
        backend: svc.limits().backend,
        table,
    })
}

fn check_batch(svc: &Service, n: usize, what: &str) -> ApiResult<()> {
    let max = svc.runtime.config.max_batch_records();
    if n as u64 > max {
        return Err(ApiError::bad_request(format!(
            "{what} {n} records; at most {max} are written in one request (the service's max_batch_records setting). Send them in several requests."
        )));
    }
    Ok(())
}

/// Renders a batch: the keys (or `fields=`) of every record, or an error whose
/// `context.resource` holds each record's key or error.
/// Runs a batch of record writes in one transaction and answers with their keys
/// (or `fields=`), or with each record's error.
async fn run_batch(
    svc: &Service,
    table: &Table,
    key: &[String],
    p: &Params,
    mode: BatchMode,
    ops: Vec<Result<Op, RecordError>>,
    status: StatusCode,
) -> ApiResult<Response> {
    let keep_good = mode == BatchMode::Continue;
    let outcome = write::run_batch(&svc.runtime.conn, table, key, ops, keep_good).await?;
    render(svc, table, key, p, outcome, status).await
}

async fn render(
    svc: &Service,
    table: &Table,
    key: &[String],
    p: &Params,
    outcome: BatchOutcome,
    status: StatusCode,
) -> ApiResult<Response> {
    if outcome.all_ok() {
        let keys: Vec<Record> = outcome.results.into_iter().filter_map(Result::ok).collect();
        let resource = with_fields(svc, table, key, keys, p).await?;
        return Ok((status, axum::Json(json!({ "resource": resource }))).into_response());
    }
    let failed: Vec<usize> = outcome
        .results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.is_err().then_some(i))
        .collect();
    if let Some(Err(RecordError::Internal(m))) = outcome
        .results
        .iter()
        .find(|r| matches!(r, Err(RecordError::Internal(_))))
    {
        return Err(ApiError::Internal(m.clone()));
    }
    let all_conflicts = outcome
        .results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == 409);
    let context_resource: Vec<Json> = outcome
        .results
        .iter()
        .map(|r| match r {
            Ok(k) if outcome.committed => Json::Object(k.clone()),
            Ok(_) => Json::Null,
            Err(e) => json!({ "error": { "code": e.code(), "message": e.message() } }),
        })
        .collect();
    let total = outcome.results.len();
    let first = failed
        .first()
        .and_then(|i| outcome.results[*i].as_ref().err())
        .map(RecordError::message)
        .unwrap_or_default()
        .to_string();
    if total == 1
        && let Some(Err(e)) = outcome.results.into_iter().next()
    {
        return Err(e.into());
    }
    let message = if outcome.committed {
        format!(
            "{} of {total} records failed and were skipped; the others were written (continue=true). First error: {first}",
            failed.len()
        )
    } else {
        format!(
            "{} of {total} records failed, so nothing was written (a batch is one transaction; add continue=true to keep the good records). First error: {first}",
            failed.len()
        )
    };
    let context = json!({ "error": failed, "resource": context_resource });
    Err(if all_conflicts {
        ApiError::Conflict {
            message,
            context: Some(context),
        }
    } else {
        ApiError::BadRequestWith { message, context }
    })
}

/// The written records as `fields=` asks (default: their key fields).
async fn with_fields(
    svc: &Service,
    table: &Table,
    key: &[String],
    keys: Vec<Record>,
    p: &Params,
) -> ApiResult<Vec<Json>> {
    let Some(fields) = p.text("fields") else {
        return Ok(keys.into_iter().map(Json::Object).collect());
    };
    let fields = parse_fields(fields)?;
    if fields
        .iter()
        .any(|f| matches!(f, FieldInput::Aggregate { .. }))
    {
        return Err(ApiError::bad_request(
            "fields= on a write takes field names, not aggregates.",
        ));
    }
    let only_key = fields
        .iter()
        .all(|f| matches!(f, FieldInput::Column(c) if key.contains(c)));
    if only_key || keys.is_empty() {
        return Ok(keys.into_iter().map(Json::Object).collect());
    }
    let limits = svc.limits();
    let tuples = write::key_tuples(table, key, &keys, limits.backend);
    let mut fetch_fields = fields.clone();
    for k in key {
        if !fields
            .iter()
            .any(|f| matches!(f, FieldInput::Column(c) if c == k || c == "*"))
        {
            fetch_fields.push(FieldInput::Column(k.clone()));
        }
    }
    let input = ReadInput {
        fields: Some(fetch_fields),
        limit: Some(tuples.len() as u64),
        ..ReadInput::default()
    };
    let table_arc = svc.table(&table.name)?;
    let mut plan = plan::plan_read(&table_arc, &input, &svc.runtime.catalog, limits)?;
    // Every written record is answered, however many: max_records caps reads.
    plan.limit = None;
    // In chunks, so that a large batch stays under the driver's parameter limit.
    let per_chunk = (exec::KEY_VALUES_PER_STATEMENT / key.len().max(1)).max(1);
    let mut rows = Vec::with_capacity(tuples.len());
    for chunk in tuples.chunks(per_chunk) {
        plan.filter = Some(Cond::KeyIn {
            columns: key.to_vec(),
            tuples: chunk.to_vec(),
        });
        let json = svc.runtime.read_json(Arc::new(plan.clone())).await?;
        rows.extend(exec::records(&json)?);
    }
    let wanted: Vec<&str> = fields
        .iter()
        .filter_map(|f| match f {
            FieldInput::Column(c) => Some(c.as_str()),
            FieldInput::Aggregate { .. } => None,
        })
        .collect();
    // Back in the order of the request, with only the asked fields.
    let key_text = |r: &Record| -> Vec<String> {
        key.iter()
            .map(|k| r.get(k).map(json_key).unwrap_or_default())
            .collect()
    };
    let by_key: std::collections::HashMap<Vec<String>, &Record> =
        rows.iter().map(|r| (key_text(r), r)).collect();
    Ok(keys
        .iter()
        .map(|k| {
            by_key
                .get(&key_text(k))
                .map(|r| {
                    let rec: Record = r
                        .iter()
                        .filter(|(name, _)| {
                            wanted.contains(&"*") || wanted.contains(&name.as_str())
                        })
                        .map(|(a, b)| (a.clone(), b.clone()))
                        .collect();
                    Json::Object(rec)
                })
                .unwrap_or(Json::Object(k.clone()))
        })
        .collect())
}

fn json_key(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `POST /_table/{table}`: create; or, with `X-HTTP-Method`, another verb (long
/// filters can travel in the body of a POST).
pub async fn create_or_get(
    svc: Service,
    Path((_s, table)): TablePath,
    headers: HeaderMap,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let tunnel = headers
        .get("x-http-method")
        .or_else(|| headers.get("x-http-method-override"))
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_ascii_uppercase());
    let mut p = Params::from(q);
    match tunnel.as_deref() {
        None | Some("POST") => create(svc, &table, p, body).await,
        Some("GET") => {
            // DreamFactory's "get by records": the body's records name the
            // ones to read by their keys; its other members are parameters.
            let (params, records) = match body {
                None => (Map::new(), None),
                Some(Json::Array(records)) => (Map::new(), Some(records)),
                Some(Json::Object(mut o)) => match o.remove("resource") {
                    None => (o, None),
                    Some(Json::Array(records)) => (o, Some(records)),
                    Some(one @ Json::Object(_)) => (o, Some(vec![one])),
                    Some(_) => {
                        return Err(ApiError::bad_request(
                            "'resource' must be an array of records, each with its key.",
                        ));
                    }
                },
                Some(_) => {
                    return Err(ApiError::bad_request(
                        "With X-HTTP-Method: GET the body must be an object of query parameters, e.g. {\"filter\":\"…\"}, or {\"resource\":[records with their keys]}.",
                    ));
                }
            };
            for (k, v) in params {
                let text = match v {
                    Json::String(s) => s,
                    Json::Array(a) => a.iter().map(json_key).collect::<Vec<_>>().join(","),
                    other => other.to_string(),
                };
                p.push(k, text);
            }
            match records {
                Some(records) => {
                    let table = svc.table(&table)?;
                    let key = plan::key_columns(&table, p.text("id_field"))?;
                    let tuples = by_keys::record_keys(&key, &records)?;
                    read_by_keys(&svc, &table, &p, &key, &tuples).await
                }
                None => list_with(svc, &table, p).await,
            }
        }
        Some("PATCH") => update_table(svc, &table, p, body, false).await,
        Some("PUT") => update_table(svc, &table, p, body, true).await,
        Some("DELETE") => delete_table(svc, &table, p, body).await,
        Some(other) => Err(ApiError::MethodNotAllowed(format!(
            "X-HTTP-Method '{other}' is not supported here."
        ))),
    }
}

async fn create(svc: Service, table: &str, p: Params, body: Option<Json>) -> ApiResult<Response> {
    let Target {
        table,
        key,
        backend,
    } = target(&svc, table, &p)?;
    let mode = batch_mode(&p)?;
    let records = records(body)?;
    check_batch(&svc, records.len(), "The body holds")?;
    let ops = records
        .iter()
        .map(|r| {
            let set = write::typed_fields(&table, r, backend)?;
            let given_key = write::record_key(&table, &key, r, backend)?.map(|(_, j)| j);
            Ok(Op::Insert { set, given_key })
        })
        .collect();
    run_batch(&svc, &table, &key, &p, mode, ops, StatusCode::CREATED).await
}

/// The SET list of a PATCH (given fields) or PUT (every non-key field: missing
/// nullable ones become NULL; a missing required one is an error).
fn set_list(
    table: &Table,
    key: &[String],
    rec: &Map<String, Json>,
    replace: bool,
    backend: Backend,
) -> Result<Vec<(String, sea_query::Value)>, RecordError> {
    let mut set = write::typed_fields(table, rec, backend)?;
    if replace {
        let mut missing = Vec::new();
        for c in &table.columns {
            if key.contains(&c.name) || rec.contains_key(&c.name) {
                continue;
            }
            if c.nullable {
                set.push((
                    c.name.clone(),
                    crate::query::value::null_of(c.json_type, backend),
                ));
            } else {
                missing.push(c.name.as_str());
            }
        }
        if !missing.is_empty() {
            return Err(RecordError::Invalid(format!(
                "PUT replaces the whole record, and required field(s) {} are missing; use PATCH to change only some fields.",
                missing.join(", ")
            )));
        }
    }
    if set.is_empty() {
        return Err(RecordError::Invalid(
            "The record names no field to change.".into(),
        ));
    }
    Ok(set)
}

/// Filter for writes addressed by `ids=` or `filter=`, if either is given.
fn target_cond(
    svc: &Service,
    table: &Table,
    key: &[String],
    p: &Params,
) -> ApiResult<Option<Cond>> {
    let backend = svc.limits().backend;
    let mut conds = Vec::new();
    if let Some(f) = p.text("filter") {
        conds.push(plan::filter_cond(table, f, backend)?);
    }
    if let Some(ids) = p.text("ids") {
        let tuples = plan::split_ids(key, ids)?;
        check_batch(svc, tuples.len(), "ids= names")?;
        conds.push(plan::key_in(table, key, &tuples, backend)?);
    }
    Ok(match conds.len() {
        0 => None,
        1 => conds.pop(),
        _ => Some(Cond::And(conds)),
    })
}

pub async fn update_many(
    svc: Service,
    Path((_s, table)): TablePath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    update_table(svc, &table, Params::from(q), body, false).await
}

pub async fn replace_many(
    svc: Service,
    Path((_s, table)): TablePath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    update_table(svc, &table, Params::from(q), body, true).await
}

async fn update_table(
    svc: Service,
    table: &str,
    p: Params,
    body: Option<Json>,
    replace: bool,
) -> ApiResult<Response> {
    let Target {
        table,
        key,
        backend,
    } = target(&svc, table, &p)?;
    if let Some(cond) = target_cond(&svc, &table, &key, &p)? {
        let rec = single(body)?;
        let set = set_list(&table, &key, &rec, replace, backend).map_err(ApiError::from)?;
        let keys = write::update_matching(&svc.runtime.conn, &table, &key, &cond, set).await?;
        let resource = with_fields(&svc, &table, &key, keys, &p).await?;
        return Ok(ok(json!({ "resource": resource })));
    }
    let mode = batch_mode(&p)?;
    let records = records(body)?;
    check_batch(&svc, records.len(), "The body holds")?;
    let ops = records
        .iter()
        .map(|r| {
            let Some((kv, key_json)) = write::record_key(&table, &key, r, backend)? else {
                return Err(RecordError::Invalid(format!(
                    "The record has no key ({}): give it, or address the records with ids= or filter=.",
                    key.join(", ")
                )));
            };
            let rest: Map<String, Json> = r.iter().filter(|(k, _)| !key.contains(k)).map(|(a, b)| (a.clone(), b.clone())).collect();
            let set = set_list(&table, &key, &rest, replace, backend)?;
            Ok(Op::Update { key: kv, key_json, set })
        })
        .collect();
    run_batch(&svc, &table, &key, &p, mode, ops, StatusCode::OK).await
}

/// A by-id write returns the record's key (or `fields=`) as an object, not a list.
async fn one_record(
    svc: &Service,
    table: &Table,
    key: &[String],
    p: &Params,
    op: Result<Op, RecordError>,
) -> ApiResult<Response> {
    let outcome = write::run_batch(&svc.runtime.conn, table, key, vec![op], false).await?;
    let rec = match outcome.results.into_iter().next() {
        Some(Ok(rec)) => rec,
        Some(Err(e)) => return Err(e.into()),
        None => return Err(ApiError::internal("a one-record batch returned nothing")),
    };
    let mut list = with_fields(svc, table, key, vec![rec], p).await?;
    Ok(ok(list.pop().unwrap_or(Json::Null)))
}

fn id_key(
    table: &Table,
    key: &[String],
    id: &str,
    backend: Backend,
) -> ApiResult<(Vec<sea_query::Value>, Record)> {
    let parts = plan::split_id(key, id)?;
    let rec: Map<String, Json> = key.iter().cloned().zip(parts).collect();
    match write::record_key(table, key, &rec, backend).map_err(ApiError::from)? {
        Some((vals, _)) => {
            // Answer with typed JSON (5, not "5").
            let json: Record = key
                .iter()
                .zip(&vals)
                .map(|(k, v)| (k.clone(), typed_json(v, rec.get(k))))
                .collect();
            Ok((vals, json))
        }
        None => Err(ApiError::bad_request("The id is empty.")),
    }
}

fn typed_json(v: &sea_query::Value, fallback: Option<&Json>) -> Json {
    match v {
        sea_query::Value::BigInt(Some(i)) => json!(i),
        sea_query::Value::Double(Some(f)) => json!(f),
        sea_query::Value::Bool(Some(b)) => json!(b),
        _ => fallback.cloned().unwrap_or(Json::Null),
    }
}

pub async fn update_one(
    svc: Service,
    Path((_s, table, id)): RecordPath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    by_id_update(svc, &table, &id, Params::from(q), body, false).await
}

pub async fn replace_one(
    svc: Service,
    Path((_s, table, id)): RecordPath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    by_id_update(svc, &table, &id, Params::from(q), body, true).await
}

async fn by_id_update(
    svc: Service,
    table: &str,
    id: &str,
    p: Params,
    body: Option<Json>,
    replace: bool,
) -> ApiResult<Response> {
    let Target {
        table,
        key,
        backend,
    } = target(&svc, table, &p)?;
    let (kv, key_json) = id_key(&table, &key, id, backend)?;
    let mut rec = single(body)?;
    // A key in the body must name the same record as the URL.
    for k in &key {
        if let Some(v) = rec.remove(k)
            && !v.is_null()
            && json_key(&v) != key_json.get(k).map(json_key).unwrap_or_default()
        {
            return Err(ApiError::bad_request(format!(
                "The body's '{k}' ({}) differs from the id in the URL; change keys with PATCH on the table.",
                json_key(&v)
            )));
        }
    }
    let op = set_list(&table, &key, &rec, replace, backend).map(|set| Op::Update {
        key: kv,
        key_json,
        set,
    });
    one_record(&svc, &table, &key, &p, op).await
}

pub async fn delete_one(
    svc: Service,
    Path((_s, table, id)): RecordPath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let p = Params::from(q);
    let Target {
        table,
        key,
        backend,
    } = target(&svc, &table, &p)?;
    let (kv, key_json) = id_key(&table, &key, &id, backend)?;
    // fields= on a delete shows the record as it was.
    let before = with_fields(&svc, &table, &key, vec![key_json.clone()], &p).await?;
    let outcome = write::run_batch(
        &svc.runtime.conn,
        &table,
        &key,
        vec![Ok(Op::Delete { key: kv, key_json })],
        false,
    )
    .await?;
    match outcome.results.into_iter().next() {
        Some(Ok(_)) => Ok(ok(before.into_iter().next().unwrap_or(Json::Null))),
        Some(Err(e)) => Err(e.into()),
        None => Err(ApiError::internal("a one-record batch returned nothing")),
    }
}

pub async fn delete_many(
    svc: Service,
    Path((_s, table)): TablePath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    delete_table(svc, &table, Params::from(q), body).await
}

async fn delete_table(
    svc: Service,
    table: &str,
    p: Params,
    body: Option<Json>,
) -> ApiResult<Response> {
    let Target {
        table,
        key,
        backend,
    } = target(&svc, table, &p)?;
    if let Some(cond) = target_cond(&svc, &table, &key, &p)? {
        let before = if p.text("fields").is_some() {
            let keys = write::keys_matching(&svc.runtime.conn, &table, &key, &cond).await?;
            Some(with_fields(&svc, &table, &key, keys, &p).await?)
        } else {
            None
        };
        let keys = write::delete_matching(&svc.runtime.conn, &table, &key, &cond).await?;
        let resource = before.unwrap_or_else(|| keys.into_iter().map(Json::Object).collect());
        return Ok(ok(json!({ "resource": resource })));
    }
    if body.is_none() {
        return Err(ApiError::bad_request(
            "DELETE on a table needs ids=, filter= or a body of records with their keys; deleting every record at once is not allowed.",
        ));
    }
    let mode = batch_mode(&p)?;
    let records = records(body)?;
    check_batch(&svc, records.len(), "The body holds")?;
    let ops = records
        .iter()
        .map(|r| match write::record_key(&table, &key, r, backend)? {
            Some((kv, key_json)) => Ok(Op::Delete { key: kv, key_json }),
            None => Err(RecordError::Invalid(format!(
                "The record has no key ({}).",
                key.join(", ")
            ))),
        })
        .collect();
    run_batch(&svc, &table, &key, &p, mode, ops, StatusCode::OK).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn body_shapes() {
        assert_eq!(records(Some(json!({"a": 1}))).unwrap().len(), 1);
        assert_eq!(
            records(Some(json!({"resource": [{"a": 1}, {"a": 2}]})))
                .unwrap()
                .len(),
            2
        );
        assert!(records(Some(json!({"resource": []}))).is_err());
        assert!(records(Some(json!([1, 2]))).is_err());
        assert!(records(Some(json!("x"))).is_err());
        assert!(records(None).is_err());
    }
}
