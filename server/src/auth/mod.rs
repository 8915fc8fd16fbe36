//! Who is calling: admin sessions (JWT) and apps (API keys); and the secrets we keep.
//!
//! Handlers take a [`Caller`] argument to require credentials, or
//! `Option<Caller>` where anonymous calls are allowed but bad credentials are
//! still refused (a wrong token is an error, not "anonymous").

pub mod admins;
pub mod apikey;
pub mod app_limit;
pub mod jwt;
pub mod password;
pub mod policy;
pub mod secret;
pub mod test_limit;
pub mod throttle;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::error::ApiError;

const LOGIN_HINT: &str = "POST /api/v2/system/admin/session to get one";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no credentials: send an API key as 'X-Api-Key: …' (or api_key=…), or an admin session token as 'Authorization: Bearer …' (POST /api/v2/system/admin/session to get one)"
    )]
    Missing,
    #[error("the session token has expired: log in again ({LOGIN_HINT})")]
    Expired,
    #[error("the session token is not valid ({LOGIN_HINT})")]
    Invalid,
    #[error("this session has ended (logged out): log in again ({LOGIN_HINT})")]
    Revoked,
    #[error("the Authorization header must be 'Bearer <session token>'")]
    BadScheme,
    /// Unknown, rotated away or deleted: the same sentence for each, so a key
    /// cannot be probed for which.
    #[error(
        "this API key is not valid: it is unknown, was rotated or its app was deleted (an admin can issue one: POST /api/v2/system/app)"
    )]
    UnknownKey,
    #[error("this API key's app '{0}' is not active (an admin can PATCH it with is_active: true)")]
    InactiveApp(String),
    #[error("email or password is incorrect")]
    BadLogin,
    #[error(
        "the admin this session token belongs to no longer exists: log in again ({LOGIN_HINT})"
    )]
    AdminGone,
    /// The same sentence whether the email exists or not.
    #[error(
        "too many failed logins from this address or for this account: after {failures} within {window} s (settings login_failures and login_window), logins are refused; try again in {retry_after} s"
    )]
    Throttled {
        failures: u32,
        window: u64,
        retry_after: u64,
    },
    #[error(
        "the server is busy checking other passwords (at most {checks} at once, setting password_checks); try again in {retry_after} s"
    )]
    Busy { checks: usize, retry_after: u64 },
    /// Bugs or exhausted resources, never the caller's fault: 500.
    #[error("cannot hash a password: {0}")]
    Hash(String),
    #[error("cannot sign a session token: {0}")]
    Sign(String),
    #[error("cannot look up the session's admin: {0}")]
    Lookup(String),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Hash(_) | AuthError::Sign(_) | AuthError::Lookup(_) => ApiError::internal(e),
            AuthError::Throttled { retry_after, .. } | AuthError::Busy { retry_after, .. } => {
                ApiError::RetryAfter {
                    message: e.to_string(),
                    seconds: retry_after,
                }
            }
            other => ApiError::Unauthorized(other.to_string()),
        }
    }
}

/// The state behind logins and sessions, and the limits on what a session
/// may do how often; one per server (`Shared::auth`).
pub struct Guards {
    pub password_checks: password::PasswordChecks,
    pub throttle: throttle::LoginThrottle,
    pub admins: admins::AdminCache,
    /// `service/_test` calls per admin (`settings.test_per_minute`).
    pub test_limit: test_limit::TestLimit,
    /// Requests per minute per app (`rate_limit_per_minute`).
    pub app_limits: app_limit::AppLimits,
}

impl Guards {
    pub fn new(settings: &Settings) -> Self {
        Guards {
            password_checks: password::PasswordChecks::new(settings.password_checks),
            throttle: throttle::LoginThrottle::new(settings.login_failures, settings.login_window),
            admins: admins::AdminCache::default(),
            test_limit: test_limit::TestLimit::new(settings.test_per_minute),
            app_limits: app_limit::AppLimits::default(),
        }
    }
}

/// What checking a session needs of the server's state. The state implements
/// it (`state.rs`), so the extractors below work on it without this module
/// depending on the state, which itself holds this module's keys and guards.
pub trait Sessions: Send + Sync {
    /// Verifies tokens' signatures and knows the revoked ones.
    fn jwt(&self) -> &jwt::JwtKeys;
    /// Whether a token's admin still exists.
    fn admins(&self) -> &admins::AdminCache;
    /// Where the admins are stored.
    fn system(&self) -> &DatabaseConnection;
    /// The apps' keys and the roles' rules.
    fn policies(&self) -> &policy::Policies;
}

/// An admin's session. `jti`/`expires_at` identify the session so that logout
/// can revoke exactly it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    pub id: i32,
    pub email: String,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An admin session: full access.
    Admin(AdminSession),
    /// An app's API key: the app's role decides (`policy`).
    App {
        id: i32,
        name: String,
        role_id: Option<i32>,
        rate_limit_per_minute: Option<u32>,
    },
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Admin(_))
    }
}

/// Credentials as sent, before checking them.
enum Credentials<'a> {
    Session(&'a str),
    ApiKey(&'a str),
    Malformed(AuthError),
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A session token wins over an API key when both are sent.
fn credentials(parts: &Parts) -> Option<Credentials<'_>> {
    let h = &parts.headers;
    if let Some(auth) = header(h, "authorization") {
        let mut it = auth.splitn(2, ' ');
        let scheme = it.next().unwrap_or_default();
        let token = it.next().map(str::trim).unwrap_or_default();
        return Some(
            if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
                Credentials::Session(token)
            } else {
                Credentials::Malformed(AuthError::BadScheme)
            },
        );
    }
    if let Some(t) =
        header(h, "x-session-token").or_else(|| header(h, "x-dreamfactory-session-token"))
    {
        return Some(Credentials::Session(t));
    }
    header(h, "x-api-key")
        .or_else(|| header(h, "x-dreamfactory-api-key"))
        .or_else(|| query_key(parts.uri.query()?))
        .map(Credentials::ApiKey)
}

/// `api_key=KEY` in a query string. Keys are URL-safe (`apikey::generate`), so
/// a key needs no decoding; one that would is not a key we issued.
fn query_key(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("api_key="))
        .filter(|k| !k.is_empty())
}

/// A token's signature is not enough: its admin must still exist.
async fn authenticate(parts: &Parts, state: &impl Sessions) -> Result<Option<Caller>, AuthError> {
    match credentials(parts) {
        None => Ok(None),
        Some(Credentials::Malformed(e)) => Err(e),
        Some(Credentials::ApiKey(key)) => {
            let snapshot = state.policies().current();
            let app = snapshot
                .app_by_key_hash(&apikey::hash(key))
                .ok_or(AuthError::UnknownKey)?;
            if !app.is_active {
                return Err(AuthError::InactiveApp(app.name.clone()));
            }
            Ok(Some(Caller::App {
                id: app.id,
                name: app.name.clone(),
                role_id: app.role_id,
                rate_limit_per_minute: app.rate_limit_per_minute,
            }))
        }
        Some(Credentials::Session(token)) => {
            let claims = state.jwt().verify(token)?;
            state
                .admins()
                .check(state.system(), claims.sub, &claims.email)
                .await?;
            Ok(Some(Caller::Admin(AdminSession {
                id: claims.sub,
                email: claims.email.clone(),
                expires_at: claims.expires_at(),
                jti: claims.jti,
            })))
        }
    }
}

/// Cached in the request's extensions: a middleware and a handler that both ask
/// verify the token once.
async fn cached_or_authenticate(
    parts: &mut Parts,
    state: &impl Sessions,
) -> Result<Option<Caller>, AuthError> {
    if let Some(c) = parts.extensions.get::<Caller>() {
        return Ok(Some(c.clone()));
    }
    let caller = authenticate(parts, state).await?;
    if let Some(c) = &caller {
        parts.extensions.insert(c.clone());
    }
    Ok(caller)
}

impl<S: Sessions> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        cached_or_authenticate(parts, state)
            .await?
            .ok_or_else(|| AuthError::Missing.into())
    }
}

impl<S: Sessions> OptionalFromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(cached_or_authenticate(parts, state).await?)
    }
}

/// A [`Caller`] that must be an admin: the extractor for the `system` service.
/// Apps (API keys) get 403, whatever their role.
#[derive(Debug, Clone)]
pub struct RequireAdmin(pub AdminSession);

impl<S: Sessions> FromRequestParts<S> for RequireAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <Caller as FromRequestParts<S>>::from_request_parts(parts, state).await? {
            Caller::Admin(session) => Ok(RequireAdmin(session)),
            Caller::App { .. } => Err(ApiError::Forbidden(
                "only an admin session may use the system service; an API key reaches the data services its app's role allows".into(),
            )),
        }
    }
}
