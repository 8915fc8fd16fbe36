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
use crate::query::document::first_record;
use crate::query::exec;
use crate::query::plan::{self, ReadInput};

/// `GET /{service}/_table/{table}`.
pub async fn list(
    svc: Service,
    Path((_service, table)): Path<(String, String)>,
    AppQuery(query): AppQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    list_with(svc, &table, Params(query)).await
}

/// Shared by GET and by POST with `X-HTTP-Method: GET`.
pub async fn list_with(svc: Service, table: &str, p: Params) -> ApiResult<Response> {
    let table = svc.table(table)?;
    let limits = svc.limits();
    let input = read_input(&p, "")?;
    let ids = match p.text("ids") {
        Some(ids) => {
            let key = plan::key_columns(&table, p.text("id_field"))?;
            let tuples = plan::split_ids(&key, ids)?;
            Some(plan::key_in(&table, &key, &tuples, limits.backend)?)
        }
        None => None,
    };
    let mut plan = plan::plan_read(&table, &input, &svc.runtime.catalog, limits)?;
    if let Some(cond) = ids {
        plan = plan_with_extra(plan, cond);
    }
    respond(&svc, &p, Arc::new(plan), &table).await
}

/// ANDs a key condition (ids=, by-id) into a planned read.
fn plan_with_extra(mut plan: plan::ReadPlan, extra: plan::Cond) -> plan::ReadPlan {
    plan.filter = Some(match plan.filter.take() {
        None => extra,
        Some(f) => plan::Cond::And(vec![f, extra]),
    });
    plan
}

async fn respond(
    svc: &Service,
    p: &Params,
    plan: Arc<plan::ReadPlan>,
    table: &crate::catalog::Table,
) -> ApiResult<Response> {
    let conn = &svc.runtime.conn;
    if p.flag("count_only")? {
        let n = exec::count(conn, &plan).await?;
        return Ok(ok(json!(n)));
    }
    let mut meta = Map::new();
    if p.flag("include_count")? {
        meta.insert("count".into(), json!(exec::count(conn, &plan).await?));
    }
    if p.flag("include_schema")? {
        meta.insert("schema".into(), describe(table));
    }
    let rows = svc.runtime.read_json(plan).await?;
    // The rows arrive as JSON text and are passed through, not parsed again.
    let mut body = Vec::with_capacity(rows.len() + 32);
    body.extend_from_slice(b"{\"resource\":");
    body.extend_from_slice(&rows);
    if !meta.is_empty() {
        body.extend_from_slice(b",\"meta\":");
        body.extend_from_slice(Json::Object(meta).to_string().as_bytes());
    }
    body.push(b'}');
    Ok(json_bytes(body))
}

/// A response whose body is JSON text already.
fn json_bytes(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /{service}/_table/{table}/{id}`: the record itself, or 404.
pub async fn one(
    svc: Service,
    Path((_service, table, id)): Path<(String, String, String)>,
    AppQuery(query): AppQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let p = Params(query);
    let table = svc.table(&table)?;
    let limits = svc.limits();
    let key = plan::key_columns(&table, p.text("id_field"))?;
    let tuple = plan::split_id(&key, &id)?;
    let cond = plan::key_in(&table, &key, std::slice::from_ref(&tuple), limits.backend)?;
    let input = ReadInput {
        limit: Some(1),
        offset: None,
        filter: None,
        ..read_input(&p, "")?
    };
    let plan = plan_with_extra(
        plan::plan_read(&table, &input, &svc.runtime.catalog, limits)?,
        cond,
    );
    // Limited to one row: the array is `[]` or `[{…}]`.
    let rows = svc.runtime.read_json(Arc::new(plan)).await?;
    match first_record(&rows) {
        Some(record) => Ok(json_bytes(record.to_vec())),
        None => Err(ApiError::not_found(format!(
            "No record with id '{id}' in table '{}'.",
            table.name
        ))),
    }
}
