//! `/role`: roles and their access rules. The handlers parse, validate
//! against the live services (`spec.rs`) and store (`store.rs`: one
//! transaction with the Casbin lines and the audit entry, then the policy
//! snapshot rebuilt before answering).

pub mod spec;
pub mod store;

use crate::admin::doc as d;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use self::spec::{parse_body, spec_for_create, spec_for_edit};
use crate::admin::body::{at_record, created, one_or_many};
use crate::admin::service::spec::Edit;
use crate::auth::{AdminSession, RequireAdmin};
use crate::error::ApiResult;
use crate::extract::AppJson;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/role",
    tag = "role",
    operation_id = "role_list",
    summary = "List roles",
    description = "Every role with its access rules.",
    responses(
        (status = 200, description = "All roles with their rules", body = d::RoleList),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn list(State(state): State<AppState>, _admin: RequireAdmin) -> ApiResult<Json<Value>> {
    let roles = store::list(&state.system).await?;
    Ok(Json(json!({
        "resource": roles.iter().map(store::StoredRole::render).collect::<Vec<_>>()
    })))
}

/// One object in → one object out; `{"resource":[…]}` in → `{"resource":[…]}` out.
#[utoipa::path(
    post,
    path = "/role",
    tag = "role",
    operation_id = "role_create",
    summary = "Create roles",
    description = "One role in, one out; `{\"resource\":[…]}` in, `{\"resource\":[…]}` out (all or none). Rules are checked against the running services.",
    request_body(content = d::RoleCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = d::RoleCreated),
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
    let (records, batch) = one_or_many(body, "role")?;
    let total = records.len();
    let mut specs = Vec::with_capacity(total);
    for (i, record) in records.into_iter().enumerate() {
        let (spec, detail) = parse_body(record)
            .and_then(|b| {
                let fields = b.fields.clone();
                let spec = spec_for_create(b, &state.services)?;
                let detail = spec::audit_detail(fields, &spec);
                Ok((spec, detail))
            })
            .map_err(|e| at_record("role", i, total, e))?;
        specs.push((spec, detail));
    }
    let stored = store::create_many(&state, Some(&admin), specs)
        .await
        .map_err(|(i, e)| at_record("role", i, total, e))?;
    Ok(created(
        stored.iter().map(store::StoredRole::render).collect(),
        batch,
    ))
}

#[utoipa::path(
    get,
    path = "/role/{key}",
    tag = "role",
    operation_id = "role_get_one",
    summary = "Get a role",
    description = "By id or name, with its rules.",
    params(("key" = String, Path, description = "The role's id or name")),
    responses(
        (status = 200, description = "OK", body = d::RoleAnswer),
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
    let rules = store::rules_of(&state.system, row.id).await?;
    Ok(Json(spec::render(&row, &rules)))
}

/// PUT: the body is the whole role (see [`Edit::Replace`]).
#[utoipa::path(
    put,
    path = "/role/{key}",
    tag = "role",
    operation_id = "role_replace",
    summary = "Replace a role",
    description = "The body is the whole role.",
    params(("key" = String, Path, description = "The role's id or name")),
    request_body(content = d::RoleBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = d::RoleAnswer),
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

/// PATCH: the fields sent replace the stored ones; `access` as a whole.
#[utoipa::path(
    patch,
    path = "/role/{key}",
    tag = "role",
    operation_id = "role_update",
    summary = "Update a role",
    description = "The fields sent replace the stored ones; `access` as a whole.",
    params(("key" = String, Path, description = "The role's id or name")),
    request_body(content = d::RoleBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = d::RoleAnswer),
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
    let body = parse_body(body)?;
    let fields = body.fields.clone();
    let spec = spec_for_edit(&row, body, how, &state.services)?;
    let detail = spec::audit_detail(fields, &spec);
    let stored = store::update(state, admin, row, spec, detail).await?;
    Ok(Json(stored.render()))
}

/// Its apps stay, without a role.
#[utoipa::path(
    delete,
    path = "/role/{key}",
    tag = "role",
    operation_id = "role_delete",
    summary = "Delete a role",
    description = "Its apps stay, without a role.",
    params(("key" = String, Path, description = "The role's id or name")),
    responses(
        (status = 200, description = "Deleted; its apps stay, without a role", body = d::DeletedNamed),
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
    Ok(Json(json!({ "id": row.id, "name": row.name })))
}
