//! `/admin`: the people with full access. Never shows a password hash; never
//! deletes the last admin (nobody could log in to make another).
//!
//! Sessions are JWTs that stay validly signed until they expire, so a change
//! that must end them (a deleted admin, a changed email) also clears the
//! admin from `auth::admins::AdminCache`: their next request is refused.

use crate::admin::doc as d;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use entity::admin;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value, json};

use super::audit;
use super::body::Object;
use super::bootstrap::{check_password, ensure_email_free, new_admin, valid_email};
use super::error::AdminError;
use super::session::normalize_email;
use crate::admin::begin_change;
use crate::auth::{RequireAdmin, password};
use crate::error::ApiResult;
use crate::extract::AppJson;
use crate::state::AppState;

const FIELDS: &[&str] = &["email", "password"];
const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];
const SHAPE: &str = "{\"email\":\"someone@example.com\",\"password\":\"…\"}";

/// The public form of an admin: never the hash.
fn render(row: &admin::Model) -> Value {
    json!({
        "id": row.id,
        "email": row.email,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

/// An admin by numeric id or by email (emails hold an '@': no ambiguity).
async fn find<C: ConnectionTrait>(db: &C, key: &str) -> Result<admin::Model, AdminError> {
    let found = match key.parse::<i32>() {
        Ok(id) => admin::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            admin::Entity::find()
                .filter(admin::Column::Email.eq(normalize_email(key)))
                .one(db)
                .await?
        }
    };
    found.ok_or_else(|| {
        AdminError::NotFound(format!(
            "there is no admin '{key}' (GET /api/v2/system/admin lists them)"
        ))
    })
}

#[utoipa::path(
    get,
    path = "/admin",
    tag = "admin",
    operation_id = "admin_list",
    summary = "List admins",
    description = "Never a password hash.",
    responses(
        (status = 200, description = "All admins", body = d::AdminList),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn list(State(state): State<AppState>, _admin: RequireAdmin) -> ApiResult<Json<Value>> {
    let rows = admin::Entity::find()
        .order_by_asc(admin::Column::Id)
        .all(&state.system)
        .await
        .map_err(AdminError::from)?;
    Ok(Json(
        json!({ "resource": rows.iter().map(render).collect::<Vec<_>>() }),
    ))
}

#[utoipa::path(
    get,
    path = "/admin/{key}",
    tag = "admin",
    operation_id = "admin_get_one",
    summary = "Get an admin",
    description = "By id or email.",
    params(("key" = String, Path, description = "The admin's id or email")),
    responses(
        (status = 200, description = "OK", body = d::AdminAnswer),
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
    Ok(Json(render(&find(&state.system, &key).await?)))
}

/// `{"email","password"}`, checked as `apiforge admin create` checks them.
#[utoipa::path(
    post,
    path = "/admin",
    tag = "admin",
    operation_id = "admin_create",
    summary = "Create an admin",
    description = "`{\"email\",\"password\"}`, checked as `apiforge admin create` checks them.",
    request_body(content = d::AdminBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = d::AdminAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 409, response = d::Conflict),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    RequireAdmin(actor): RequireAdmin,
    AppJson(body): AppJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut o = Object::new(body, "", "an admin", SHAPE, FIELDS, READ_ONLY)?;
    let email = o.required_text("email")?;
    let password = o.required_text("password")?;
    let email = valid_email(&email)?;
    check_password(&password)?;
    // A taken email is refused before the hash's work; checked again below.
    ensure_email_free(&state.system, &email, None).await?;
    let row = new_admin(&email, &password).await?;
    let txn = begin_change(&state.system)
        .await
        .map_err(AdminError::from)?;
    ensure_email_free(&txn, &email, None).await?;
    let stored = row.insert(&txn).await.map_err(AdminError::from)?;
    audit::record(
        &txn,
        &actor,
        "create",
        "admin",
        &stored.email,
        Some(json!({ "fields": ["email", "password"] })),
    )
    .await
    .map_err(AdminError::from)?;
    txn.commit().await.map_err(AdminError::from)?;
    Ok((StatusCode::CREATED, Json(render(&stored))))
}

/// `password` and/or `email`. A new email ends the admin's sessions (a
/// session names its admin by id and email); a new password does not.
#[utoipa::path(
    patch,
    path = "/admin/{key}",
    tag = "admin",
    operation_id = "admin_update",
    summary = "Update an admin",
    description = "A new email ends the admin's sessions; a new password does not.",
    params(("key" = String, Path, description = "The admin's id or email")),
    request_body(content = d::AdminBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated; a new email ends the admin's sessions", body = d::AdminAnswer),
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
    RequireAdmin(actor): RequireAdmin,
    Path(key): Path<String>,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    let mut o = Object::new(body, "", "an admin", SHAPE, FIELDS, READ_ONLY)?;
    let email = o.text("email")?.map(|e| valid_email(&e)).transpose()?;
    let new_password = o.text("password")?;
    if email.is_none() && new_password.is_none() {
        return Err(AdminError::Invalid(
            "nothing to change: send \"email\" and/or \"password\"".into(),
        )
        .into());
    }
    let hash = match new_password {
        Some(p) => {
            check_password(&p)?;
            Some(password::hash_blocking(p).await?)
        }
        None => None,
    };
    let txn = begin_change(&state.system)
        .await
        .map_err(AdminError::from)?;
    let row = find(&txn, &key).await?;
    let id = row.id;
    let old_email = row.email.clone();
    let mut fields = Vec::new();
    let mut values = Map::new();
    let mut active: admin::ActiveModel = row.into();
    if let Some(email) = email.filter(|e| *e != old_email) {
        ensure_email_free(&txn, &email, Some(id)).await?;
        values.insert("email".into(), json!(email));
        fields.push("email".to_owned());
        active.email = Set(email);
    }
    if let Some(hash) = hash {
        fields.push("password".to_owned());
        active.password_hash = Set(hash);
    }
    active.updated_at = Set(Utc::now());
    let stored = active.update(&txn).await.map_err(AdminError::from)?;
    audit::record(
        &txn,
        &actor,
        "update",
        "admin",
        &old_email,
        Some(audit::detail(fields, values)),
    )
    .await
    .map_err(AdminError::from)?;
    txn.commit().await.map_err(AdminError::from)?;
    state.auth.admins.invalidate(id);
    Ok(Json(render(&stored)))
}

/// Refused for the last admin (409). Deleting oneself is allowed while
/// another admin remains; the session then ends.
#[utoipa::path(
    delete,
    path = "/admin/{key}",
    tag = "admin",
    operation_id = "admin_delete",
    summary = "Delete an admin",
    description = "Refused for the last admin (409). Deleting oneself ends the session.",
    params(("key" = String, Path, description = "The admin's id or email")),
    responses(
        (status = 200, description = "Deleted (never the last admin: 409)", body = d::DeletedAdmin),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound),
        (status = 409, response = d::Conflict)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    RequireAdmin(actor): RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let txn = begin_change(&state.system)
        .await
        .map_err(AdminError::from)?;
    // Two admins deleting each other at once must not leave none: on
    // PostgreSQL and MySQL every admin row is locked first, so the second
    // waits for the first and then counts what it left. SQLite has no row
    // locks; its writers take turns on the whole database already.
    if txn.get_database_backend() != DbBackend::Sqlite {
        admin::Entity::find()
            .lock_exclusive()
            .all(&txn)
            .await
            .map_err(AdminError::from)?;
    }
    let row = find(&txn, &key).await?;
    admin::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await
        .map_err(AdminError::from)?;
    let left = admin::Entity::find()
        .count(&txn)
        .await
        .map_err(AdminError::from)?;
    if left == 0 {
        // Dropping the transaction rolls the delete back.
        return Err(AdminError::Conflict(format!(
            "'{}' is the last admin and cannot be deleted: nobody could log in afterwards. Create another admin first (POST /api/v2/system/admin)",
            row.email
        ))
        .into());
    }
    audit::record(&txn, &actor, "delete", "admin", &row.email, None)
        .await
        .map_err(AdminError::from)?;
    txn.commit().await.map_err(AdminError::from)?;
    state.auth.admins.invalidate(row.id);
    Ok(Json(json!({ "id": row.id, "email": row.email })))
}
