//! `/app`: the API's clients, each with one API key and a default role.
//!
//! A key is returned once, by the create or the rotate that issued it; the
//! server keeps only its SHA-256 (`auth::apikey`) and the first characters
//! (`api_key_prefix`) so that an admin can tell keys apart. Every change
//! raises the policy version and writes its audit entry in one transaction,
//! and the policy snapshot (by which keys are checked) is rebuilt before the
//! change is answered: a deactivated, rotated or deleted key is refused from
//! the next request on. Handlers parse (`spec.rs`) and store (`store.rs`).

pub mod spec;
pub mod store;

use crate::admin::doc as d;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use entity::{app, role};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use self::spec::{audit_detail, parse_body, render, spec_for_create};
use self::store::Issued;
use crate::admin::body::{at_record, created, one_or_many};
use crate::admin::error::AdminError;
use crate::admin::service::spec::Edit;
use crate::auth::{AdminSession, RequireAdmin};
use crate::error::ApiResult;
use crate::extract::AppJson;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/app",
    tag = "app",
    operation_id = "app_list",
    summary = "List apps",
    description = "Every app with its role's name; never a key.",
    responses(
        (status = 200, description = "All apps (never their keys)", body = d::AppList),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn list(State(state): State<AppState>, _admin: RequireAdmin) -> ApiResult<Json<Value>> {
    let rows = app::Entity::find()
        .order_by_asc(app::Column::Id)
        .all(&state.system)
        .await
        .map_err(AdminError::from)?;
    let roles: HashMap<i32, String> = role::Entity::find()
        .all(&state.system)
        .await
        .map_err(AdminError::from)?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let items: Vec<Value> = rows
        .iter()
        .map(|a| {
            let name = a.role_id.and_then(|id| roles.get(&id)).map(String::as_str);
            render(a, name)
        })
        .collect();
    Ok(Json(json!({ "resource": items })))
}

/// One object in → one object out; `{"resource":[…]}` in → `{"resource":[…]}`
/// out. Each created app carries its `api_key`: the only time it is shown.
#[utoipa::path(
    post,
    path = "/app",
    tag = "app",
    operation_id = "app_create",
    summary = "Create apps",
    description = "One app in, one out; `{\"resource\":[…]}` in, `{\"resource\":[…]}` out (all or none). Each answer carries its `api_key`: the only time it is shown.",
    request_body(content = d::AppCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; each key is shown this once", body = d::AppCreated),
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
    let (records, batch) = one_or_many(body, "app")?;
    let total = records.len();
    let mut specs = Vec::with_capacity(total);
    for (i, record) in records.into_iter().enumerate() {
        let parsed = match parse_body(record) {
            Ok(b) => {
                let fields = b.fields.clone();
                spec_for_create(&state.system, b)
                    .await
                    .map(|spec| (audit_detail(fields, &spec), spec))
            }
            Err(e) => Err(e),
        };
        let (detail, spec) = parsed.map_err(|e| at_record("app", i, total, e))?;
        specs.push((spec, detail));
    }
    let issued = store::create_many(&state, Some(&admin), specs)
        .await
        .map_err(|(i, e)| at_record("app", i, total, e))?;
    Ok(created(issued.iter().map(Issued::render).collect(), batch))
}

#[utoipa::path(
    get,
    path = "/app/{key}",
    tag = "app",
    operation_id = "app_get_one",
    summary = "Get an app",
    description = "By id or name.",
    params(("key" = String, Path, description = "The app's id or name")),
    responses(
        (status = 200, description = "OK", body = d::AppAnswer),
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
    let role = store::role_name(&state.system, row.role_id).await?;
    Ok(Json(render(&row, role.as_deref())))
}

/// PUT: see [`spec_for_edit`].
#[utoipa::path(
    put,
    path = "/app/{key}",
    tag = "app",
    operation_id = "app_replace",
    summary = "Replace an app",
    description = "The body is the whole app.",
    params(("key" = String, Path, description = "The app's id or name")),
    request_body(content = d::AppBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = d::AppAnswer),
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

/// PATCH: see [`spec_for_edit`]. `is_active: false` refuses the key from the
/// next request on; `true` lets it in again.
#[utoipa::path(
    patch,
    path = "/app/{key}",
    tag = "app",
    operation_id = "app_update",
    summary = "Update an app",
    description = "The fields sent replace the stored ones; `\"role\": null` removes the role; `is_active: false` refuses the key from the next request on.",
    params(("key" = String, Path, description = "The app's id or name")),
    request_body(content = d::AppBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = d::AppAnswer),
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
    let body = parse_body(body)?;
    let (stored, role) = store::update(state, admin, key, body, how).await?;
    Ok(Json(render(&stored, role.as_deref())))
}

/// `POST /app/{id}/rotate`: a new key, returned once; the old one is refused
/// from the next request on.
#[utoipa::path(
    post,
    path = "/app/{key}/rotate",
    tag = "app",
    operation_id = "app_rotate",
    summary = "Issue a new key",
    description = "The new key is shown this once; the old one is refused from the next request on.",
    params(("key" = String, Path, description = "The app's id or name")),
    responses(
        (status = 200, description = "A new key, shown this once; the old one is refused from now on", body = d::AppWithKey),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound)
    )
)]
pub async fn rotate(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(store::rotate(&state, &admin, &key).await?.render()))
}

/// Revokes the app's key at once (the app's row goes).
#[utoipa::path(
    delete,
    path = "/app/{key}",
    tag = "app",
    operation_id = "app_delete",
    summary = "Delete an app",
    description = "Its key is refused from the next request on.",
    params(("key" = String, Path, description = "The app's id or name")),
    responses(
        (status = 200, description = "Deleted; its key is refused from now on", body = d::DeletedNamed),
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
    let row = store::delete(&state, &admin, &key).await?;
    Ok(Json(json!({ "id": row.id, "name": row.name })))
}
