//! `/service`: the admin API over services. The handlers parse, call the spec
//! (`spec.rs`: what a service body means), open the database (`open.rs`) and
//! store the result (`store.rs`: rows and the registry kept in step).

pub mod open;
pub mod spec;
pub mod store;

use crate::admin::doc as d;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use entity::service;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use self::spec::{Edit, parse_body, render, spec_for_create, spec_for_edit, spec_from_row};
use crate::admin::audit;
use crate::admin::body::at_record;
use crate::admin::error::AdminError;
use crate::auth::{AdminSession, RequireAdmin};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/service",
    tag = "service",
    operation_id = "service_list",
    summary = "List services",
    description = "Every service, active or not. Configs never carry the password.",
    responses(
        (status = 200, description = "All services", body = d::ServiceList),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn list(State(state): State<AppState>, _admin: RequireAdmin) -> ApiResult<Json<Value>> {
    let rows = service::Entity::find()
        .order_by_asc(service::Column::Id)
        .all(&state.system)
        .await
        .map_err(AdminError::from)?;
    Ok(Json(
        json!({ "resource": rows.iter().map(render).collect::<Vec<_>>() }),
    ))
}

/// One object in → one object out; `{"resource":[…]}` in → `{"resource":[…]}` out.
#[utoipa::path(
    post,
    path = "/service",
    tag = "service",
    operation_id = "service_create",
    summary = "Create services",
    description = "One service in, one out; `{\"resource\":[…]}` in, `{\"resource\":[…]}` out (all or none). An active service is opened and its schema read before the answer.",
    request_body(content = d::ServiceCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (and opened if active)", body = d::ServiceCreated),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 409, response = d::Conflict),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    AppJson(body): AppJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (records, batch) = match body {
        Value::Object(mut m) if m.contains_key("resource") => match m.remove("resource") {
            Some(Value::Array(items)) => (items, true),
            _ => {
                return Err(ApiError::bad_request(
                    "\"resource\" must be an array of services",
                ));
            }
        },
        single => (vec![single], false),
    };
    if records.is_empty() {
        return Err(ApiError::bad_request(
            "\"resource\" is empty: nothing to create",
        ));
    }
    let total = records.len();
    let mut specs = Vec::with_capacity(total);
    for (i, record) in records.into_iter().enumerate() {
        let spec = parse_body(record)
            .and_then(|b| spec_for_create(b, true))
            .map_err(|e| at_record("service", i, total, e))?;
        specs.push(spec);
    }
    let rows = store::create_many(&state, Some(&admin), specs)
        .await
        .map_err(|(i, e)| at_record("service", i, total, e))?;
    let body = if batch {
        json!({ "resource": rows.iter().map(render).collect::<Vec<_>>() })
    } else {
        rows.first().map(render).unwrap_or(Value::Null)
    };
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(
    get,
    path = "/service/{key}",
    tag = "service",
    operation_id = "service_get_one",
    summary = "Get a service",
    description = "By id or name.",
    params(("key" = String, Path, description = "The service's id or name")),
    responses(
        (status = 200, description = "OK", body = d::ServiceAnswer),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound)
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = store::find(&state.system, &key).await?;
    Ok(Json(render(&row)))
}

/// PUT: see [`Edit::Replace`].
#[utoipa::path(
    put,
    path = "/service/{key}",
    tag = "service",
    operation_id = "service_replace",
    summary = "Replace a service",
    description = "The body is the whole service; a config without `password` keeps the stored one.",
    params(("key" = String, Path, description = "The service's id or name")),
    request_body(content = d::ServiceBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = d::ServiceAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound),
        (status = 409, response = d::Conflict),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn replace(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    edit(&state, &admin, &key, body, Edit::Replace).await
}

/// PATCH: see [`Edit::Merge`].
#[utoipa::path(
    patch,
    path = "/service/{key}",
    tag = "service",
    operation_id = "service_update",
    summary = "Update a service",
    description = "The fields sent replace the stored ones; `config` keys are merged.",
    params(("key" = String, Path, description = "The service's id or name")),
    request_body(content = d::ServiceBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = d::ServiceAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound),
        (status = 409, response = d::Conflict),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    edit(&state, &admin, &key, body, Edit::Merge).await
}

async fn edit(
    state: &AppState,
    admin: &AdminSession,
    key: &str,
    body: Value,
    how: Edit,
) -> ApiResult<Json<Value>> {
    let row = store::find(&state.system, key).await?;
    // Field names only: a config's password is named, never copied.
    let detail = audit::detail(audit::fields_of(&body, &["config"]), Default::default());
    let spec = spec_for_edit(&state.secret, &row, parse_body(body)?, how)?;
    let stored = store::update(state, admin, row, spec, detail).await?;
    Ok(Json(render(&stored)))
}

#[utoipa::path(
    delete,
    path = "/service/{key}",
    tag = "service",
    operation_id = "service_delete",
    summary = "Delete a service",
    description = "The service stops answering at once; roles keep their rules about it.",
    params(("key" = String, Path, description = "The service's id or name")),
    responses(
        (status = 200, description = "Deleted", body = d::DeletedId),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = store::find(&state.system, &key).await?;
    store::delete(&state, &admin, &row).await?;
    Ok(Json(json!({ "id": row.id })))
}

/// Checks a definition by opening it; stores nothing, echoes nothing back.
/// Its sentences tell a closed port from an open one that is not a database,
/// which makes it a port scanner: calls are limited per admin
/// (`test_per_minute`).
#[utoipa::path(
    post,
    path = "/service/_test",
    tag = "service",
    operation_id = "service_test",
    summary = "Test a connection",
    description = "Opens the database a definition describes and says how many tables it has; stores nothing. Limited per admin (`test_per_minute`).",
    request_body(content = d::ServiceBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The database opened; nothing is stored", body = d::TestAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 429, response = d::TooManyAttempts),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn test(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    state.auth.test_limit.check(&admin)?;
    let mut spec = spec_for_create(parse_body(body)?, false)?;
    spec.is_active = true;
    let opened = open::open(&state.settings, &spec).await?;
    let tables = opened.tables();
    opened.close().await;
    Ok(Json(json!({
        "success": true,
        "message": format!("Connected: {tables} tables found"),
    })))
}

/// Re-reads the database schema (after a migration of the service's database).
#[utoipa::path(
    post,
    path = "/service/{key}/_refresh",
    tag = "service",
    operation_id = "service_refresh",
    summary = "Re-read the schema",
    description = "After a migration of the service's database. The service must be active.",
    params(("key" = String, Path, description = "The service's id or name")),
    responses(
        (status = 200, description = "The schema is read again", body = d::RefreshAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound),
        (status = 409, response = d::Conflict)
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = store::find(&state.system, &key).await?;
    if !row.is_active {
        return Err(ApiError::bad_request(format!(
            "the service '{}' is not active: activate it with PATCH {{\"is_active\": true}}",
            row.name
        )));
    }
    let spec = spec_from_row(&state.secret, &row)?;
    let opened = open::open(&state.settings, &spec).await?;
    let tables = opened.tables();
    store::swap_if_unchanged(&state, &row, &spec, opened).await?;
    Ok(Json(json!({ "success": true, "tables": tables })))
}
