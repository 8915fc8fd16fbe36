//! GET on a table (list) and on a record (by id).

use axum::extract::Path;
use axum::response::Response;
use serde_json::{Map, Value as Json, json};

use super::params::{Params, read_input};
use super::schema::describe;
use super::{Service, ok};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppQuery;
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
    respond(&svc, &p, &plan, &table).await
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
    plan: &plan::ReadPlan,
    table: &crate::catalog::Table,
) -> ApiResult<Response> {
    let conn = &svc.runtime.conn;
    if p.flag("count_only")? {
        let n = exec::count(conn, plan).await?;
        return Ok(ok(json!(n)));
    }
    let rows = exec::read(conn, plan).await?;
    let mut body = Map::new();
    body.insert(
        "resource".into(),
        Json::Array(rows.into_iter().map(Json::Object).collect()),
    );
    let mut meta = Map::new();
    if p.flag("include_count")? {
        meta.insert("count".into(), json!(exec::count(conn, plan).await?));
    }
    if p.flag("include_schema")? {
        meta.insert("schema".into(), describe(table));
    }
    if !meta.is_empty() {
        body.insert("meta".into(), Json::Object(meta));
    }
    Ok(ok(Json::Object(body)))
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
    let mut rows = exec::read(&svc.runtime.conn, &plan).await?;
    match rows.pop() {
        Some(rec) => Ok(ok(Json::Object(rec))),
        None => Err(ApiError::not_found(format!(
            "No record with id '{id}' in table '{}'.",
            table.name
        ))),
    }
}
