//! `/admin/session`: log in (issue a JWT), inspect, log out (revoke it).

use crate::admin::doc as d;
use axum::Json;
use axum::extract::State;
use entity::admin;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::audit;
use super::error::AdminError;
use crate::auth::throttle::PeerIp;
use crate::auth::{AdminSession, AuthError, RequireAdmin};
use crate::error::ApiResult;
use crate::extract::AppJson;
use crate::log_text::escaped;
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

/// Throttle first (a refused attempt costs no query and no password check),
/// then one bounded password check whether or not the email exists.
#[utoipa::path(
    post,
    path = "/admin/session",
    tag = "session",
    operation_id = "session_login",
    summary = "Log in",
    description = "Checks the email and password and issues a session token (a JWT) to send as `Authorization: Bearer <session_token>`. Failed attempts are throttled per address and per email (429 with Retry-After).",
    request_body(content = d::LoginBody, content_type = "application/json"),
    security(()),
    responses(
        (status = 200, description = "Logged in: send session_token as a bearer token", body = d::LoginAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::WrongLogin),
        (status = 429, response = d::TooManyAttempts),
        (status = 503, response = d::Busy),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn login(
    State(state): State<AppState>,
    PeerIp(peer): PeerIp,
    AppJson(body): AppJson<Login>,
) -> ApiResult<Json<Value>> {
    let email = normalize_email(&body.email);
    let attempt = state.auth.throttle.begin(peer, &email)?;
    let found = admin::Entity::find()
        .filter(admin::Column::Email.eq(email.as_str()))
        .one(&state.system)
        .await
        .map_err(AdminError::from)?;
    // Unknown emails are checked against a dummy hash: the same work, the same
    // answer, so neither the message nor the timing tells which emails exist.
    let phc = found.as_ref().map(|a| a.password_hash.clone());
    let ok = match state.auth.password_checks.verify(body.password, phc).await {
        Ok(ok) => ok,
        Err(e @ AuthError::Busy { .. }) => {
            attempt.unchecked();
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let Some(admin) = found.filter(|_| ok) else {
        attempt.failed();
        tracing::info!(email = %escaped(&email), "failed admin login");
        return Err(AuthError::BadLogin.into());
    };
    attempt.succeeded();
    let issued = state.jwt.issue(admin.id, &admin.email)?;
    let session = AdminSession {
        id: admin.id,
        email: admin.email.clone(),
        jti: issued.jti.clone(),
        expires_at: issued.expires_at,
    };
    audit::record(
        &state.system,
        &session,
        "login",
        "admin",
        &admin.email,
        None,
    )
    .await
    .map_err(AdminError::from)?;
    Ok(Json(json!({
        "session_token": issued.token,
        "session_id": issued.jti,
        "id": admin.id,
        "email": admin.email,
        "expires_at": issued.expires_at,
    })))
}

/// Who the token belongs to and until when: lets a client check a stored token.
#[utoipa::path(
    get,
    path = "/admin/session",
    tag = "session",
    operation_id = "session_current",
    summary = "The current session",
    description = "Who the token belongs to and until when: lets a client check a stored token.",
    responses(
        (status = 200, description = "The session's admin and expiry", body = d::SessionAnswer),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn current(RequireAdmin(session): RequireAdmin) -> ApiResult<Json<Value>> {
    let AdminSession {
        id,
        email,
        jti,
        expires_at,
    } = session;
    Ok(Json(json!({
        "session_id": jti,
        "id": id,
        "email": email,
        "expires_at": expires_at,
    })))
}

#[utoipa::path(
    delete,
    path = "/admin/session",
    tag = "session",
    operation_id = "session_logout",
    summary = "Log out",
    description = "Revokes the session's token: it is refused from the next request on.",
    responses(
        (status = 200, description = "The session is revoked", body = d::Success),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    RequireAdmin(session): RequireAdmin,
) -> ApiResult<Json<Value>> {
    state
        .jwt
        .revoke(&state.system, &session.jti, session.expires_at)
        .await
        .map_err(AdminError::from)?;
    audit::record(
        &state.system,
        &session,
        "logout",
        "admin",
        &session.email,
        None,
    )
    .await
    .map_err(AdminError::from)?;
    Ok(Json(json!({ "success": true })))
}
