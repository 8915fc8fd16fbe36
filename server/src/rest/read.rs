//! GET on a table (list) and on a record (by id).

use std::sync::Arc;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use super::params::{Params, read_input};
use super::schema::describe;
use super::{Service, ok};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppQuery;
use crate::json_body::JsonPieces;
use crate::query::document::{Pieces, first_record};
use crate::query::exec;
use crate::query::plan::{self, ReadInput};

/// `GET /{service}/_table/{table}`.
pub async fn list(
    svc: Service,
    Path((_service, table)): Path<(String, String)>,
    AppQuery(query): AppQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    list_with(svc, &table, Params::from(query)).await
}

/// Shared by GET and by POST with `X-HTTP-Method: GET`.
pub async fn list_with(svc: Service, table: &str, p: Params) -> ApiResult<Response> {
    let table = svc.table(table)?;
    // Refused before anything is read.
    if p.flag("include_schema")? {
        svc.plan().describe(&table.name)?;
    }
    if let Some(ids) = p.text("ids") {
        let key = plan::key_columns(&table, p.text("id_field"))?;
        let tuples = plan::split_ids(&key, ids)?;
        return by_keys(&svc, &table, &p, &key, &tuples).await;
    }
    let input = read_input(&p, svc.limits().max_list_items)?;
    let plan = Arc::new(svc.plan().read(&table, &input)?);
    let rows = svc.runtime.read_pieces(plan.clone()).await?;
    respond(&svc, &p, Count::Matching(&plan), &table, rows).await
}

/// The records with these keys, in the order asked (see `by_keys`).
pub async fn by_keys(
    svc: &Service,
    table: &Arc<crate::catalog::Table>,
    p: &Params,
    key: &[String],
    tuples: &[Vec<Json>],
) -> ApiResult<Response> {
    let (rows, n) = super::by_keys::read(svc, table, p, key, tuples).await?;
    let count = match n {
        Some(n) => Count::Known(n),
        None => Count::Rows,
    };
    respond(svc, p, count, table, rows.into()).await
}

/// What `count_only` and `include_count` answer.
enum Count<'a> {
    /// Every row the plan's filter matches, past its limit.
    Matching(&'a plan::ReadPlan),
    /// The records answered (a read by keys).
    Known(u64),
    /// The rows answered, counted from their text.
    Rows,
}

/// `{"resource": rows}` with the `meta` asked for.
async fn respond(
    svc: &Service,
    p: &Params,
    count: Count<'_>,
    table: &crate::catalog::Table,
    rows: Pieces,
) -> ApiResult<Response> {
    let counted = async || -> ApiResult<u64> {
        Ok(match count {
            Count::Matching(plan) => exec::count(&svc.runtime.conn, plan).await?,
            Count::Known(n) => n,
            Count::Rows => exec::records(&rows.joined())?.len() as u64,
        })
    };
    if p.flag("count_only")? {
        return Ok(ok(json!(counted().await?)));
    }
    let mut meta = Map::new();
    if p.flag("include_count")? {
        meta.insert("count".into(), json!(counted().await?));
    }
    if p.flag("include_schema")? {
        // The description is `_schema/{table}`'s, so it needs that GET too.
        meta.insert("schema".into(), describe(svc.plan().describe(&table.name)?));
    }
    // The rows arrive as JSON text and are passed through, neither parsed
    // again nor copied.
    let mut body = JsonPieces::default();
    body.push(&b"{\"resource\":"[..]);
    for piece in rows.into_vecs() {
        body.push(piece);
    }
    if !meta.is_empty() {
        body.push(format!(",\"meta\":{}", Json::Object(meta)));
    }
    body.push(&b"}"[..]);
    Ok(body.into_response())
}

/// ANDs a key condition (by-id) into a planned read.
fn plan_with_extra(mut plan: plan::ReadPlan, extra: plan::Cond) -> plan::ReadPlan {
    plan.filter = Some(plan::Cond::all(
        plan.filter.take().into_iter().chain([extra]),
    ));
    plan
}

/// A response whose body is JSON text already.
fn json_bytes(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /{service}/_table/{table}/{id}`: the record itself, or 404.
///
/// An `id_field=` that is not unique may match several records: that is a
/// 400 naming the field, as for a by-id write, rather than one of them picked
/// by key order (the caller would not know another exists).
pub async fn one(
    svc: Service,
    Path((_service, table, id)): Path<(String, String, String)>,
    AppQuery(query): AppQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let p = Params::from(query);
    let table = svc.table(&table)?;
    let limits = svc.limits();
    let key = plan::key_columns(&table, p.text("id_field"))?;
    let tuple = plan::split_id(&key, &id)?;
    let cond = plan::key_in(&table, &key, std::slice::from_ref(&tuple), limits.backend)?;
    // A second row, if there is one, says that `id_field` is not unique.
    let by_primary_key = key == table.primary_key;
    let input = ReadInput {
        limit: Some(if by_primary_key { 1 } else { 2 }),
        offset: None,
        filter: None,
        ..read_input(&p, limits.max_list_items)?
    };
    let plan = plan_with_extra(svc.plan().read(&table, &input)?, cond);
    let rows = svc.runtime.read_json(Arc::new(plan)).await?;
    if !by_primary_key && exec::records(&rows)?.len() > 1 {
        return Err(ApiError::bad_request(plan::not_unique(&table, &key, &id)));
    }
    // At most one row now: the array is `[]` or `[{…}]`.
    match first_record(&rows) {
        Some(record) => Ok(json_bytes(record.to_vec())),
        None => Err(ApiError::not_found(format!(
            "No record with id '{id}' in table '{}'.",
            table.name
        ))),
    }
}
