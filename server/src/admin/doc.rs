//! The admin API's OpenAPI document (`GET /api/v2/system/_doc`).
//!
//! The paths are not listed here: `admin::parts` registers every route with
//! utoipa-axum's `routes!`, which adds the handler's `#[utoipa::path]` to the
//! document in the same call that adds it to the router, so a route cannot
//! exist undocumented. This file holds what the routes do not: the document's
//! info, security schemes and tags, and the shapes of the bodies.
//!
//! The handlers parse bodies as `serde_json::Value` with their own checks
//! (`body.rs`, the `spec.rs` files), whose 400 sentences name the field at
//! fault; deriving `Deserialize` for these structs instead would trade those
//! sentences for serde's. So the structs below are read by nobody but the
//! document: they describe what the parsers accept and what `render` writes,
//! and the tests of each module pin the real shapes.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

/// The document's fixed parts; `admin::parts` adds the paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "apiforge admin API (system service)",
        description = "Services, roles, apps (API keys), admins and the audit log. Every call but \
            `POST /admin/session` needs an admin session: log in, then send \
            `Authorization: Bearer <session_token>`. An API key (`X-Api-Key`) is refused here with \
            403: keys reach the data services, never the admin API. Errors are \
            `{\"error\":{\"code\",\"message\",\"context\"}}`."
    ),
    components(schemas(ErrorEnvelope), responses(
        NoSession, KeyRefused, NotFound, BadRequest, NotJson, Conflict, TooManyAttempts, Busy,
        WrongLogin
    )),
    modifiers(&Security),
    security(("session" = [])),
    tags(
        (name = "session", description = "Log in and out"),
        (name = "service", description = "Database connections exposed as APIs"),
        (name = "role", description = "Access rules: which verbs on which components of which services"),
        (name = "app", description = "API clients: each has one API key and a default role"),
        (name = "admin", description = "The people with full access"),
        (name = "audit", description = "Every admin change, newest first"),
        (name = "system", description = "What the system service offers, and this document"),
    )
)]
pub struct ApiDoc;

/// Declares both schemes although this API takes only the session: the
/// /docs page's Authorize button offers what the shown document declares, and
/// a reader who has only a key should read why it is refused (403, as the
/// scheme's description says) rather than guess.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The session_token of POST /api/v2/system/admin/session.",
                    ))
                    .build(),
            ),
        );
        // Named as the service documents name theirs, so that a key typed
        // into the docs page's Authorize on one document is used on the others.
        components.add_security_scheme(
            "api_key_header",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "An app's key: it reaches data services only; the admin API answers it 403.",
            ))),
        );
    }
}

/// The document as JSON, built once: it depends on the code only.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let (_, api) = super::parts();
    // Serialising plain data (maps and strings) cannot fail; an empty answer
    // would still be a visible failure of the route-coverage test.
    api.to_json().unwrap_or_default()
});

/// The admin API as OpenAPI 3.1: no credentials needed, as it holds no data
/// (the same text is in the source code), and the /docs page fetches it
/// without any.
#[utoipa::path(
    get,
    path = "/_doc",
    tag = "system",
    operation_id = "document",
    summary = "This document",
    description = "The admin API as OpenAPI 3.1. Needs no credentials: it holds no data.",
    security(()),
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json", body = Object))
)]
pub async fn document() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// The common error envelope, answered by every refusal.
#[derive(ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorDetail,
}

// The refusals, each described once and listed by reference
// (`components/responses`) in every operation that can answer it, as the
// service documents list theirs.

/// No session, or it expired or was revoked.
#[derive(ToResponse)]
#[response(description = "No session, or it expired or was revoked")]
pub struct NoSession(pub ErrorEnvelope);

/// An app's key on the admin API.
#[derive(ToResponse)]
#[response(description = "An API key: the admin API takes only an admin session")]
pub struct KeyRefused(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "Nothing with this id or name")]
pub struct NotFound(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "Invalid request: the message names the field at fault")]
pub struct BadRequest(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "The body is not sent as JSON (Content-Type: application/json)")]
pub struct NotJson(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "A name or email already taken, or a change that would break the system")]
pub struct Conflict(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "Too many attempts: wait the seconds in Retry-After")]
pub struct TooManyAttempts(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "The server is busy checking passwords: retry after Retry-After")]
pub struct Busy(pub ErrorEnvelope);

#[derive(ToResponse)]
#[response(description = "Wrong email or password (the same answer for both)")]
pub struct WrongLogin(pub ErrorEnvelope);

#[derive(ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status again.
    #[schema(example = 400)]
    pub code: u16,
    /// A sentence that names the field or the thing at fault.
    pub message: String,
    /// Structured detail where there is some (the record of a batch at fault:
    /// `{"index": 1}`; a 500's `request_id`), else `null`.
    pub context: Option<Value>,
}

#[derive(ToSchema)]
pub struct Resources {
    pub resource: Vec<ResourceName>,
}

#[derive(ToSchema)]
pub struct ResourceName {
    #[schema(example = "service")]
    pub name: String,
}

/// Fields other than these are ignored (DreamFactory clients send `remember_me`).
#[derive(ToSchema)]
pub struct LoginBody {
    #[schema(example = "admin@example.com")]
    pub email: String,
    pub password: String,
}

#[derive(ToSchema)]
pub struct LoginAnswer {
    /// Send as `Authorization: Bearer <session_token>`.
    pub session_token: String,
    pub session_id: String,
    pub id: i32,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(ToSchema)]
pub struct SessionAnswer {
    pub session_id: String,
    pub id: i32,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(ToSchema)]
pub struct Success {
    pub success: bool,
}

/// A service as sent. On create `name`, `type` and `config` are needed; on
/// PUT it is the whole service; on PATCH the fields sent replace the stored
/// ones. The read-only fields of an answer (`id`, `created_at`,
/// `updated_at`) are accepted and ignored, so an answer can be sent back.
#[derive(ToSchema)]
pub struct ServiceBody {
    #[schema(example = "chinook")]
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    #[schema(rename = "type", example = "sqlite")]
    pub kind: Option<ServiceType>,
    pub config: Option<ServiceConfigBody>,
    pub is_active: Option<bool>,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ServiceType {
    Sqlite,
    Postgres,
    Mysql,
}

/// The connection and its settings. `database` is the file path for sqlite.
/// An edit whose config has no `password` keeps the stored one; `null` or
/// `""` removes it. Passwords are stored encrypted and never returned.
#[derive(ToSchema)]
pub struct ServiceConfigBody {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub database: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub schema: Option<String>,
    pub cache_enabled: Option<bool>,
    pub cache_ttl: Option<u64>,
    pub max_records: Option<u64>,
    pub read_only: Option<bool>,
    pub allow_tables: Option<Vec<String>>,
    pub deny_tables: Option<Vec<String>>,
    pub pool_size: Option<u32>,
    pub statement_timeout: Option<u64>,
}

/// One service, or `{"resource":[…]}` to create several at once (all or none).
#[derive(ToSchema)]
#[serde(untagged)]
pub enum ServiceCreate {
    One(Box<ServiceBody>),
    Many(ServiceBatch),
}

#[derive(ToSchema)]
pub struct ServiceBatch {
    pub resource: Vec<ServiceBody>,
}

/// A stored service; its config never carries the password.
#[derive(ToSchema)]
pub struct ServiceAnswer {
    pub id: i32,
    pub name: String,
    pub label: String,
    pub description: String,
    #[schema(rename = "type")]
    pub kind: ServiceType,
    pub config: Object,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(ToSchema)]
pub struct ServiceList {
    pub resource: Vec<ServiceAnswer>,
}

/// The answer mirrors the request: one object for one, the list for a list.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum ServiceCreated {
    One(ServiceAnswer),
    Many(ServiceList),
}

#[derive(ToSchema)]
pub struct TestAnswer {
    pub success: bool,
    #[schema(example = "Connected: 11 tables found")]
    pub message: String,
}

#[derive(ToSchema)]
pub struct RefreshAnswer {
    pub success: bool,
    /// How many tables the service now exposes.
    pub tables: u64,
}

#[derive(ToSchema)]
pub struct DeletedId {
    pub id: i32,
}

#[derive(ToSchema)]
pub struct DeletedNamed {
    pub id: i32,
    pub name: String,
}

#[derive(ToSchema)]
pub struct DeletedAdmin {
    pub id: i32,
    pub email: String,
}

/// What a service still lacks before an app can call it, each step with the
/// exact call that makes it.
#[derive(ToSchema)]
pub struct NextSteps {
    pub service: String,
    /// True once a role reaches the service and an app has such a role.
    pub ready: bool,
    pub steps: Vec<Step>,
    /// The one call that makes the role and the app.
    pub quickstart: Object,
}

#[derive(ToSchema)]
pub struct Step {
    #[schema(example = "role")]
    pub step: String,
    pub done: bool,
    pub detail: String,
    /// `{"method","url","body"}` of the call that makes this step.
    pub call: Option<Object>,
    /// The same call as a curl line (the session in `$TOKEN`).
    pub curl: Option<String>,
    /// For the "try" step: curl lines that call the service with a key.
    pub calls: Option<Object>,
}

#[derive(ToSchema)]
pub struct QuickstartBody {
    pub level: Option<Level>,
    pub components: Option<Components>,
}

/// read: GET; write: GET, POST, PUT, PATCH; full: all five verbs.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Level {
    Read,
    Write,
    Full,
}

/// Which components the role reaches: `_table/*`, `_schema/*`, or both.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Components {
    Tables,
    Schema,
    All,
}

#[derive(ToSchema)]
pub struct QuickstartAnswer {
    pub role: RoleAnswer,
    pub app: AppAnswer,
    /// The app's key: shown this once.
    pub api_key: String,
    /// curl lines that call the service with the key.
    #[schema(rename = "try")]
    pub try_calls: Object,
}

/// A role as sent; `name` is needed on create. On PATCH, `access` is
/// replaced as a whole when sent.
#[derive(ToSchema)]
pub struct RoleBody {
    #[schema(example = "reader")]
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_active: Option<bool>,
    pub access: Option<Vec<AccessRule>>,
}

/// One rule: these verbs on this component of this service, optionally only
/// on the records that match `filter` (the `filter=` grammar).
#[derive(ToSchema)]
pub struct AccessRule {
    #[schema(example = "chinook")]
    pub service: String,
    /// `_table/*`, `_table/Album`, `_schema/*`, `graphql`, …
    #[schema(example = "_table/*")]
    pub component: String,
    pub verbs: Vec<Verb>,
    pub filter: Option<String>,
}

#[derive(ToSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum Verb {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum RoleCreate {
    One(RoleBody),
    Many(RoleBatch),
}

#[derive(ToSchema)]
pub struct RoleBatch {
    pub resource: Vec<RoleBody>,
}

#[derive(ToSchema)]
pub struct RoleAnswer {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub is_active: bool,
    pub access: Vec<AccessRule>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(ToSchema)]
pub struct RoleList {
    pub resource: Vec<RoleAnswer>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum RoleCreated {
    One(RoleAnswer),
    Many(RoleList),
}

/// An app as sent; `name` is needed on create. `role` is a role's name;
/// on PATCH an absent `role` keeps the app's and `null` removes it.
#[derive(ToSchema)]
pub struct AppBody {
    #[schema(example = "reporting")]
    pub name: Option<String>,
    pub description: Option<String>,
    pub role: Option<String>,
    pub is_active: Option<bool>,
    /// Requests per minute for this app's key; `null`: the server's default.
    pub rate_limit_per_minute: Option<i64>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum AppCreate {
    One(AppBody),
    Many(AppBatch),
}

#[derive(ToSchema)]
pub struct AppBatch {
    pub resource: Vec<AppBody>,
}

/// A stored app. The key itself is never shown again after the answer that
/// issued it; `api_key_prefix` tells keys apart.
#[derive(ToSchema)]
pub struct AppAnswer {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub role: Option<String>,
    pub is_active: bool,
    pub rate_limit_per_minute: Option<i64>,
    pub api_key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(ToSchema)]
pub struct AppList {
    pub resource: Vec<AppAnswer>,
}

/// An app with the key just issued (by a create or a rotate): the one time
/// the key is shown. Send it as `X-Api-Key`.
#[derive(ToSchema)]
pub struct AppWithKey {
    #[serde(flatten)]
    pub app: AppAnswer,
    pub api_key: String,
}

#[derive(ToSchema)]
pub struct AppKeyList {
    pub resource: Vec<AppWithKey>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum AppCreated {
    One(AppWithKey),
    Many(AppKeyList),
}

/// On create both fields are needed; on PATCH either or both.
#[derive(ToSchema)]
pub struct AdminBody {
    #[schema(example = "someone@example.com")]
    pub email: Option<String>,
    pub password: Option<String>,
}

/// Never the password's hash.
#[derive(ToSchema)]
pub struct AdminAnswer {
    pub id: i32,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(ToSchema)]
pub struct AdminList {
    pub resource: Vec<AdminAnswer>,
}

/// One admin change. `detail` names the fields it touched and carries values
/// only where they are harmless; never a secret.
#[derive(ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[schema(example = "update")]
    pub action: String,
    #[schema(example = "role")]
    pub object_type: String,
    pub object: String,
    pub detail: Option<Value>,
}

#[derive(ToSchema)]
pub struct AuditList {
    pub resource: Vec<AuditEntry>,
}

/// A JSON object whose keys the document does not fix (utoipa writes a
/// field of a type named `Object` as `{"type":"object"}`).
pub type Object = serde_json::Map<String, Value>;
