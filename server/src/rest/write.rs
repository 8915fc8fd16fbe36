//! POST, PATCH, PUT, DELETE on tables and records.

use std::collections::HashMap;
use std::sync::Arc;

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
use crate::query::Backend;
use crate::query::exec;
use crate::query::plan::{
    self, Action, Cond, FieldInput, Op, ReadInput, Record, RecordError, Verb,
};
use crate::query::write::{self, Written};

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

/// What every write starts from: a table that may be written, the key its
/// records are addressed by (`id_field=`), the backend its values are typed
/// for, and what `fields=` reads back — planned before anything is written, so
/// a bad `fields=` refuses the request instead of failing after the commit.
struct Target {
    table: Arc<Table>,
    key: Vec<String>,
    backend: Backend,
    fields: Option<Fields>,
    /// What the caller's role must allow on the table.
    verb: Verb,
}

/// `fields=` beyond the key: the read of the written rows, and the fields it
/// answers with (`*` for all).
struct Fields {
    read: plan::ReadPlan,
    wanted: Vec<String>,
}

/// What a write addresses, planned under the caller's access: a role that may
/// not `verb` the table is refused here, before its body is looked at.
fn target(svc: &Service, table: &str, p: &Params, verb: Verb) -> ApiResult<Target> {
    let ctx = svc.plan();
    let table = ctx.table(table)?.clone();
    ctx.writable(&table)?;
    ctx.guard(&table, verb)?;
    let key = plan::key_columns(&table, p.text("id_field"))?;
    let fields = fields_read(svc, &table, &key, p)?;
    Ok(Target {
        backend: ctx.limits.backend,
        table,
        key,
        fields,
        verb,
    })
}

/// The read of written rows that `fields=` asks for; none when it names only
/// key fields, which the write itself returns.
fn fields_read(
    svc: &Service,
    table: &Arc<Table>,
    key: &[String],
    p: &Params,
) -> ApiResult<Option<Fields>> {
    let Some(text) = p.text("fields") else {
        return Ok(None);
    };
    let fields = parse_fields(text)?;
    let mut wanted = Vec::with_capacity(fields.len());
    for f in &fields {
        match f {
            FieldInput::Column(c) => wanted.push(c.clone()),
            FieldInput::Aggregate { .. } => {
                return Err(ApiError::bad_request(
                    "fields= on a write takes field names, not aggregates.",
                ));
            }
        }
    }
    let mut read_fields = fields;
    // The key is read to put each row in its record's place.
    for k in key {
        if !wanted.iter().any(|c| c == k || c == "*") {
            read_fields.push(FieldInput::Column(k.clone()));
        }
    }
    let input = ReadInput {
        fields: Some(read_fields),
        ..ReadInput::default()
    };
    // Planned even when only key fields are asked, so that unknown names are refused.
    let read = svc.plan().read(table, &input)?;
    if wanted.iter().all(|c| key.contains(c)) {
        return Ok(None);
    }
    Ok(Some(Fields { read, wanted }))
}

/// Refuses a write of more records than the service takes in one request
/// (`max_batch_records`), before anything is written: a batch is one
/// transaction, and on SQLite it holds the write lock until it ends, so a
/// long one would stall every other write.
fn check_batch(svc: &Service, n: usize, what: &str) -> ApiResult<()> {
    let max = svc.runtime.config.max_batch_records();
    if n as u64 > max {
        return Err(ApiError::bad_request(format!(
            "{what} {n} records; at most {max} are written in one request (the service's max_batch_records setting). Send them in several requests."
        )));
    }
    Ok(())
}

/// Plans `action` on the target and runs it.
async fn execute(svc: &Service, t: &Target, action: Action) -> ApiResult<Written> {
    let read_back = t.fields.iter().map(|f| f.read.clone()).collect();
    let plan = svc
        .plan()
        .write(&t.table, t.key.clone(), action, read_back, t.verb)?;
    Ok(write::run(&svc.runtime.conn, &plan).await?)
}

/// Runs a batch of records and answers with their keys (or `fields=`), or with
/// each record's error.
async fn run_batch(
    svc: &Service,
    t: &Target,
    mode: BatchMode,
    ops: Vec<Result<Op, RecordError>>,
    status: StatusCode,
) -> ApiResult<Response> {
    let keep_good = mode == BatchMode::Continue;
    let written = execute(svc, t, Action::Records { ops, keep_good }).await?;
    if written.all_ok() {
        let resource = answer(t, written)?;
        return Ok((status, axum::Json(json!({ "resource": resource }))).into_response());
    }
    Err(batch_error(written))
}

/// A batch with failed records: the first record's own error when it was the
/// only one, else a sentence with each record's key or error in `context`.
fn batch_error(written: Written) -> ApiError {
    let failed: Vec<usize> = written
        .results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.is_err().then_some(i))
        .collect();
    if let Some(Err(RecordError::Internal(m))) = written
        .results
        .iter()
        .find(|r| matches!(r, Err(RecordError::Internal(_))))
    {
        return ApiError::Internal(m.clone());
    }
    // Failures of one kind answer with its status (several records taken, or
    // refused by the role's record filter); mixed ones with 400.
    let all_are = |code: u16| {
        written
            .results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code() == code)
    };
    let (all_conflicts, all_forbidden) = (all_are(409), all_are(403));
    let context_resource: Vec<Json> = written
        .results
        .iter()
        .map(|r| match r {
            Ok(k) if written.committed => Json::Object(k.clone()),
            Ok(_) => Json::Null,
            Err(e) => json!({ "error": { "code": e.code(), "message": e.message() } }),
        })
        .collect();
    let total = written.results.len();
    let first = failed
        .first()
        .and_then(|i| written.results[*i].as_ref().err())
        .map(RecordError::message)
        .unwrap_or_default()
        .to_string();
    if total == 1
        && let Some(Err(e)) = written.results.into_iter().next()
    {
        return e.into();
    }
    let message = if written.committed {
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
    if all_conflicts {
        ApiError::Conflict {
            message,
            context: Some(context),
        }
    } else if all_forbidden {
        ApiError::ForbiddenWith { message, context }
    } else {
        ApiError::BadRequestWith { message, context }
    }
}

/// The written records as `fields=` asks (default: their key fields), in the
/// order they were written.
fn answer(t: &Target, written: Written) -> ApiResult<Vec<Json>> {
    let keys = written.results.into_iter().filter_map(Result::ok);
    let (Some(fields), Some(rows)) = (&t.fields, written.rows.first()) else {
        return Ok(keys.map(Json::Object).collect());
    };
    let rows = exec::records(rows)?;
    let key_text = |r: &Record| -> Vec<String> {
        t.key
            .iter()
            .map(|k| r.get(k).map(json_key).unwrap_or_default())
            .collect()
    };
    let all = fields.wanted.iter().any(|c| c == "*");
    let mut by_key: HashMap<Vec<String>, Record> =
        rows.into_iter().map(|r| (key_text(&r), r)).collect();
    Ok(keys
        .map(|k| {
            let rec = match by_key.remove(&key_text(&k)) {
                Some(mut row) => {
                    if !all {
                        row.retain(|name, _| fields.wanted.contains(name));
                    }
                    row
                }
                None => k,
            };
            Json::Object(rec)
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
    let t = target(&svc, table, &p, Verb::Post)?;
    let mode = batch_mode(&p)?;
    let records = records(body)?;
    check_batch(&svc, records.len(), "The body holds")?;
    let ops = records
        .iter()
        .map(|r| {
            let set = plan::typed_fields(&t.table, r, t.backend)?;
            let given_key = plan::record_key(&t.table, &t.key, r, t.backend)?.map(|(_, j)| j);
            Ok(Op::Insert { set, given_key })
        })
        .collect();
    run_batch(&svc, &t, mode, ops, StatusCode::CREATED).await
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
    let t = target(
        &svc,
        table,
        &p,
        if replace { Verb::Put } else { Verb::Patch },
    )?;
    let (table, key, backend) = (&t.table, &t.key, t.backend);
    if let Some(filter) = target_cond(&svc, table, key, &p)? {
        let rec = single(body)?;
        let set = plan::set_list(table, key, &rec, replace, backend)?;
        let written = execute(&svc, &t, Action::UpdateMatching { filter, set }).await?;
        return Ok(ok(json!({ "resource": answer(&t, written)? })));
    }
    let mode = batch_mode(&p)?;
    let records = records(body)?;
    check_batch(&svc, records.len(), "The body holds")?;
    let ops = records
        .iter()
        .map(|r| {
            let Some((kv, key_json)) = plan::record_key(table, key, r, backend)? else {
                return Err(RecordError::Invalid(format!(
                    "The record has no key ({}): give it, or address the records with ids= or filter=.",
                    key.join(", ")
                )));
            };
            let rest: Map<String, Json> = r.iter().filter(|(k, _)| !key.contains(k)).map(|(a, b)| (a.clone(), b.clone())).collect();
            let set = plan::set_list(table, key, &rest, replace, backend)?;
            Ok(Op::Update { key: kv, key_json, set })
        })
        .collect();
    run_batch(&svc, &t, mode, ops, StatusCode::OK).await
}

/// A by-id write answers with the record's key (or `fields=`) as an object, not a list.
async fn one_record(svc: &Service, t: &Target, op: Result<Op, RecordError>) -> ApiResult<Response> {
    let written = execute(
        svc,
        t,
        Action::Records {
            ops: vec![op],
            keep_good: false,
        },
    )
    .await?;
    if let Some(Err(e)) = written.results.first() {
        return Err(e.clone().into());
    }
    let mut list = answer(t, written)?;
    match list.pop() {
        Some(rec) => Ok(ok(rec)),
        None => Err(ApiError::internal("a one-record batch returned nothing")),
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
    let t = target(
        &svc,
        table,
        &p,
        if replace { Verb::Put } else { Verb::Patch },
    )?;
    let (kv, key_json) = plan::id_key(&t.table, &t.key, id, t.backend)?;
    let mut rec = single(body)?;
    // A key in the body must name the same record as the URL.
    for k in &t.key {
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
    let op = plan::set_list(&t.table, &t.key, &rec, replace, t.backend).map(|set| Op::Update {
        key: kv,
        key_json,
        set,
    });
    one_record(&svc, &t, op).await
}

pub async fn delete_one(
    svc: Service,
    Path((_s, table, id)): RecordPath,
    AppQuery(q): AppQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let p = Params::from(q);
    let t = target(&svc, &table, &p, Verb::Delete)?;
    let (kv, key_json) = plan::id_key(&t.table, &t.key, &id, t.backend)?;
    // fields= on a delete shows the record as it was: read back before it goes.
    one_record(&svc, &t, Ok(Op::Delete { key: kv, key_json })).await
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
    let t = target(&svc, table, &p, Verb::Delete)?;
    let (table, key, backend) = (&t.table, &t.key, t.backend);
    if let Some(filter) = target_cond(&svc, table, key, &p)? {
        let written = execute(&svc, &t, Action::DeleteMatching { filter }).await?;
        return Ok(ok(json!({ "resource": answer(&t, written)? })));
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
        .map(|r| match plan::record_key(table, key, r, backend)? {
            Some((kv, key_json)) => Ok(Op::Delete { key: kv, key_json }),
            None => Err(RecordError::Invalid(format!(
                "The record has no key ({}).",
                key.join(", ")
            ))),
        })
        .collect();
    run_batch(&svc, &t, mode, ops, StatusCode::OK).await
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
