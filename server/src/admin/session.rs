//! `/admin/session`: log in (issue a JWT), inspect, log out (revoke it).

use axum::Json;
use axum::extract::State;
use entity::admin;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminError;
use crate::auth::{AuthError, Caller, RequireAdmin, password};
use crate::error::ApiResult;
use crate::extract::AppJson;
use crate::state::AppState;

/// Unknown fields (DreamFactory clients send `remember_me`) are ignored.
#[derive(Deserialize)]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// Emails are compared lowercased and trimmed: `Admin@X.org` is `admin@x.org`.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn login(
    State(state): State<AppState>,
    AppJson(body): AppJson<Login>,
) -> ApiResult<Json<Value>> {
    let email = normalize_email(&body.email);
    let found = admin::Entity::find()
        .filter(admin::Column::Email.eq(email.as_str()))
        .one(&state.system)
        .await
        .map_err(AdminError::from)?;
    // Verify against a dummy hash for unknown emails: the same work, the same
    // answer, so neither the message nor the timing tells which emails exist.
    let phc = found.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |a| a.password_hash.clone(),
    );
    let ok = password::verify_blocking(body.password, phc).await;
    let admin = match (found, ok) {
        (Some(admin), true) => admin,
        _ => {
            tracing::info!(%email, "failed admin login");
            return Err(AuthError::BadLogin.into());
        }
    };
    let issued = state.jwt.issue(admin.id, &admin.email)?;
    Ok(Json(json!({
        "session_token": issued.token,
        "session_id": issued.jti,
        "id": admin.id,
        "email": admin.email,
        "expires_at": issued.expires_at,
    })))
}

/// Who the token belongs to and until when: lets a client check a stored token.
pub async fn current(RequireAdmin(caller): RequireAdmin) -> ApiResult<Json<Value>> {
    let Caller::Admin {
        id,
        email,
        jti,
        expires_at,
    } = caller;
    Ok(Json(json!({
        "session_id": jti,
        "id": id,
        "email": email,
        "expires_at": expires_at,
    })))
}

pub async fn logout(
    State(state): State<AppState>,
    RequireAdmin(caller): RequireAdmin,
) -> ApiResult<Json<Value>> {
    let Caller::Admin {
        jti, expires_at, ..
    } = caller;
    state
        .jwt
        .revoke(&state.system, &jti, expires_at)
        .await
        .map_err(AdminError::from)?;
    Ok(Json(json!({ "success": true })))
}
