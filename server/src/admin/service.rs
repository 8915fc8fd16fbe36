//! `/service`: the admin API over services, and the one code path that turns a
//! service definition into a live API (used by the handlers, by start-up and by
//! `--demo`).
//!
//! Order of a write: validate → open the database (so a bad config is a 400 and
//! nothing is stored) → store the row → swap the runtime into the registry. The
//! store-and-swap step runs under one lock so the registry always matches the
//! last stored row, even when two admins edit the same service at once.
//!
//! Passwords: stored encrypted, never rendered. In PUT and PATCH a config without
//! a `password` key keeps the stored one (clients never receive it, so they
//! cannot send it back); `"password": null` or `""` removes it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use entity::service;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder,
    TransactionTrait,
};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::AdminError;
use crate::auth::RequireAdmin;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::graphql;
use crate::graphql::schema::{GraphCatalog, QueryLimits};
use crate::log_text::escaped;
use crate::services::config::{DEFAULT_GRAPHQL_MAX_COMPLEXITY, DEFAULT_GRAPHQL_MAX_DEPTH};
use crate::services::sqlite_path::{self, SqlitePathError};
use crate::services::{ServiceConfig, ServiceKind, ServiceRuntime, connect};
use crate::state::AppState;

/// The name of the built-in administration service; no data service may take it.
pub const SYSTEM: &str = "system";
const MAX_NAME_LEN: usize = 64;

/// Serialises store-and-swap (see the module docs). Process-wide because the
/// registry it protects is, in practice, one per process.
static WRITE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A service as the admin API accepts it. The read-only fields of the rendered
/// object are accepted and ignored, so a client may send back what it received.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    name: Option<String>,
    label: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    config: Option<Map<String, Value>>,
    is_active: Option<bool>,
    #[serde(rename = "id", default)]
    _id: Option<IgnoredAny>,
    #[serde(rename = "created_at", default)]
    _created_at: Option<IgnoredAny>,
    #[serde(rename = "updated_at", default)]
    _updated_at: Option<IgnoredAny>,
}

fn parse_body(v: Value) -> Result<Body, AdminError> {
    if !v.is_object() {
        return Err(AdminError::Invalid(
            "a service must be a JSON object like {\"name\",\"type\",\"config\":{…}}".into(),
        ));
    }
    serde_json::from_value(v.clone()).map_err(|e| {
        AdminError::Invalid(format!(
            "the service is not valid: {}",
            field_error::<Body>(&v, &e)
        ))
    })
}

/// serde's error `e` for the object `v` as a sentence naming the field at
/// fault: serde_json's own message has no path, so each field is tried alone
/// (every field of these types is optional, so only a bad value fails).
fn field_error<T: serde::de::DeserializeOwned>(v: &Value, e: &serde_json::Error) -> String {
    let culprit = v.as_object().and_then(|map| {
        map.iter().find_map(|(k, val)| {
            let alone = Value::Object(Map::from_iter([(k.clone(), val.clone())]));
            let err = serde_json::from_value::<T>(alone).err()?;
            let text = err.to_string();
            (text.starts_with("invalid ")).then(|| (k.clone(), text))
        })
    });
    match culprit {
        Some((field, text)) => format!("'{field}' {}", crate::error::serde_in_words(&text)),
        None => crate::error::serde_in_words(&e.to_string()),
    }
}

/// A complete, validated service definition; `config.password` is plain text.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    pub label: String,
    pub description: String,
    pub kind: ServiceKind,
    pub config: ServiceConfig,
    pub is_active: bool,
}

/// What a request says about the password.
enum PasswordChange {
    Keep,
    Clear,
    Set(String),
}

fn password_change(config: Option<&Map<String, Value>>) -> PasswordChange {
    match config.and_then(|c| c.get("password")) {
        None => PasswordChange::Keep,
        Some(Value::String(s)) if !s.is_empty() => PasswordChange::Set(s.clone()),
        Some(_) => PasswordChange::Clear,
    }
}

fn parse_kind(kind: &str) -> Result<ServiceKind, AdminError> {
    ServiceKind::parse(&kind.trim().to_ascii_lowercase()).ok_or_else(|| {
        AdminError::Invalid(format!(
            "unknown service type '{kind}': use sqlite, postgres or mysql"
        ))
    })
}

fn parse_config(map: Map<String, Value>) -> Result<ServiceConfig, AdminError> {
    let v = Value::Object(map);
    serde_json::from_value(v.clone()).map_err(|e| {
        AdminError::Invalid(format!(
            "config is not valid: {}",
            field_error::<ServiceConfig>(&v, &e)
        ))
    })
}

fn validate_name(name: &str) -> Result<(), AdminError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.len() > MAX_NAME_LEN {
        return Err(AdminError::Invalid(format!(
            "the service name '{name}' is not valid: it must start with a letter, contain only letters, digits, '_' and '-', and be at most {MAX_NAME_LEN} characters (it becomes part of the URL)"
        )));
    }
    if name.eq_ignore_ascii_case(SYSTEM) {
        return Err(AdminError::Invalid(
            "the service name 'system' is reserved for the administration API".into(),
        ));
    }
    Ok(())
}

pub fn validate_spec(spec: &ServiceSpec) -> Result<(), AdminError> {
    validate_name(&spec.name)?;
    if spec.kind == ServiceKind::Sqlite
        && spec
            .config
            .database
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
    {
        return Err(AdminError::Invalid(
            "a sqlite service needs config.database: the path of the database file".into(),
        ));
    }
    Ok(())
}

/// A new service (POST, `_test`). `name_required` is false for `_test`.
fn spec_for_create(body: Body, name_required: bool) -> Result<ServiceSpec, AdminError> {
    let name = match body.name.map(|n| n.trim().to_owned()) {
        Some(n) => n,
        None if name_required => {
            return Err(AdminError::Invalid("the service needs a \"name\"".into()));
        }
        None => "test".to_owned(),
    };
    let kind = body.kind.as_deref().ok_or_else(|| {
        AdminError::Invalid("the service needs a \"type\": sqlite, postgres or mysql".into())
    })?;
    let kind = parse_kind(kind)?;
    let config = parse_config(body.config.unwrap_or_default())?;
    let spec = ServiceSpec {
        label: body.label.unwrap_or_else(|| name.clone()),
        description: body.description.unwrap_or_default(),
        name,
        kind,
        config,
        is_active: body.is_active.unwrap_or(true),
    };
    validate_spec(&spec)?;
    Ok(spec)
}

/// The stored password, decrypted only when a request keeps it.
fn stored_password(state: &AppState, row: &service::Model) -> Result<Option<String>, AdminError> {
    row.password_enc
        .as_deref()
        .map(|enc| state.secret.decrypt(enc))
        .transpose()
        .map_err(AdminError::from)
}

fn apply_password(
    state: &AppState,
    row: &service::Model,
    change: PasswordChange,
    config: &mut ServiceConfig,
) -> Result<(), AdminError> {
    config.password = match change {
        PasswordChange::Keep => stored_password(state, row)?,
        PasswordChange::Clear => None,
        PasswordChange::Set(p) => Some(p),
    };
    Ok(())
}

/// PUT: the body replaces everything; a missing name keeps the current one.
fn spec_for_replace(
    state: &AppState,
    row: &service::Model,
    mut body: Body,
) -> Result<ServiceSpec, AdminError> {
    let change = password_change(body.config.as_ref());
    if body.name.is_none() {
        body.name = Some(row.name.clone());
    }
    let mut spec = spec_for_create(body, true)?;
    apply_password(state, row, change, &mut spec.config)?;
    Ok(spec)
}

/// PATCH: present fields replace; `config` keys replace stored keys one by one
/// (a `null` value resets that key to its default).
fn spec_for_merge(
    state: &AppState,
    row: &service::Model,
    body: Body,
) -> Result<ServiceSpec, AdminError> {
    let change = password_change(body.config.as_ref());
    let mut config = stored_config_map(&row.config);
    for (k, v) in body.config.unwrap_or_default() {
        if v.is_null() {
            config.remove(&k);
        } else {
            config.insert(k, v);
        }
    }
    config.remove("password");
    let mut config = parse_config(config)?;
    apply_password(state, row, change, &mut config)?;
    let spec = ServiceSpec {
        name: body
            .name
            .map_or_else(|| row.name.clone(), |n| n.trim().to_owned()),
        label: body.label.unwrap_or_else(|| row.label.clone()),
        description: body.description.unwrap_or_else(|| row.description.clone()),
        kind: parse_kind(body.kind.as_deref().unwrap_or(&row.kind))?,
        config,
        is_active: body.is_active.unwrap_or(row.is_active),
    };
    validate_spec(&spec)?;
    Ok(spec)
}

/// A stored row as a spec (start-up, refresh, `--demo` reuse).
pub fn spec_from_row(state: &AppState, row: &service::Model) -> Result<ServiceSpec, AdminError> {
    let kind = parse_kind(&row.kind)?;
    let mut config: ServiceConfig = serde_json::from_str(&row.config).map_err(|e| {
        AdminError::Invalid(format!(
            "the stored config of service '{}' cannot be read: {e}",
            row.name
        ))
    })?;
    config.password = stored_password(state, row)?;
    Ok(ServiceSpec {
        name: row.name.clone(),
        label: row.label.clone(),
        description: row.description.clone(),
        kind,
        config,
        is_active: row.is_active,
    })
}

fn stored_config_map(stored: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(stored) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The public form of a service row; the only way rows leave the server, so a
/// password (even one stored by mistake in the config JSON) never does.
pub fn render(row: &service::Model) -> Value {
    let mut config = stored_config_map(&row.config);
    config.remove("password");
    json!({
        "id": row.id,
        "name": row.name,
        "label": row.label,
        "description": row.description,
        "type": row.kind,
        "config": config,
        "is_active": row.is_active,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

/// A service's database, opened: what [`runtime`] puts live.
pub struct Opened {
    conn: DatabaseConnection,
    catalog: Catalog,
    /// The config as opened: a SQLite path is the resolved one, so that the
    /// read pool's later connections open the file that was checked.
    config: ServiceConfig,
}

impl Opened {
    pub fn tables(&self) -> usize {
        self.catalog.tables.len()
    }
}

/// Opens the service's database; a SQLite file only if [`sqlite_path::check`]
/// allows it. Every open comes here (create, update, `_test`, refresh,
/// start-up), so a stored service that the rules refuse is never opened.
/// Drivers' messages are redacted in `connect`.
pub async fn open(settings: &Settings, spec: &ServiceSpec) -> Result<Opened, AdminError> {
    let config = checked_config(settings, spec)?;
    let (conn, catalog) = connect::open(spec.kind, &config)
        .await
        .map_err(|e| AdminError::Connect(e.to_string()))?;
    Ok(Opened {
        conn,
        catalog,
        config,
    })
}

/// The config to open, a SQLite file's path checked and resolved. A missing
/// `database` is left for `connect` to explain.
fn checked_config(
    settings: &Settings,
    spec: &ServiceSpec,
) -> Result<ServiceConfig, SqlitePathError> {
    let path = match spec.kind {
        ServiceKind::Sqlite => spec.config.database.as_deref().map(str::trim),
        _ => None,
    };
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Ok(spec.config.clone());
    };
    let resolved = sqlite_path::check(path, settings)?;
    Ok(ServiceConfig {
        // A path that is not UTF-8 cannot be stored in the config: keep the
        // checked original.
        database: Some(
            resolved
                .into_os_string()
                .into_string()
                .unwrap_or_else(|_| path.to_owned()),
        ),
        ..spec.config.clone()
    })
}

/// Opens the database only for an active service: deactivating one whose
/// database is gone must still work. An inactive one's SQLite path is still
/// checked, so that no refused path is stored.
async fn open_if_active(
    settings: &Settings,
    spec: &ServiceSpec,
) -> Result<Option<Opened>, AdminError> {
    if spec.is_active {
        return open(settings, spec).await.map(Some);
    }
    match checked_config(settings, spec) {
        Ok(_) | Err(SqlitePathError::Missing { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn runtime(id: i32, spec: &ServiceSpec, opened: Opened) -> ServiceRuntime {
    let Opened {
        conn,
        catalog,
        config,
    } = opened;
    ServiceRuntime {
        id,
        name: spec.name.clone(),
        label: spec.label.clone(),
        description: spec.description.clone(),
        kind: spec.kind,
        reads: connect::reads(spec.kind, &config, &conn),
        config,
        conn,
        graphql: graphql_schema(spec, &catalog),
        catalog: Arc::new(catalog),
    }
}

/// Built with the runtime, so a refreshed catalog gets a new schema at once.
fn graphql_schema(spec: &ServiceSpec, catalog: &Catalog) -> Result<Arc<GraphCatalog>, String> {
    let limits = QueryLimits {
        max_depth: spec
            .config
            .graphql_max_depth
            .unwrap_or(DEFAULT_GRAPHQL_MAX_DEPTH),
        max_complexity: spec
            .config
            .graphql_max_complexity
            .unwrap_or(DEFAULT_GRAPHQL_MAX_COMPLEXITY),
        cache_bytes: spec.config.graphql_cache_bytes(),
    };
    graphql::schema::build(catalog, limits)
        .map(Arc::new)
        .map_err(|e| {
            tracing::warn!(service = %escaped(&spec.name), error = %escaped(&e.to_string()), "GraphQL schema not built");
            e.0
        })
}

/// Case-insensitively, so that `Chinook` and `chinook` cannot coexist (they would
/// on SQLite and PostgreSQL but not with MySQL's default collation).
async fn ensure_name_free(
    db: &DatabaseConnection,
    name: &str,
    except_id: Option<i32>,
) -> Result<(), AdminError> {
    let taken = service::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .any(|s| s.name.eq_ignore_ascii_case(name) && Some(s.id) != except_id);
    if taken {
        return Err(AdminError::Conflict(format!(
            "a service named '{name}' already exists"
        )));
    }
    Ok(())
}

fn new_row(state: &AppState, spec: &ServiceSpec) -> Result<service::ActiveModel, AdminError> {
    let now = Utc::now();
    let mut row = service::ActiveModel {
        created_at: Set(now),
        ..Default::default()
    };
    fill_row(state, spec, &mut row)?;
    Ok(row)
}

fn fill_row(
    state: &AppState,
    spec: &ServiceSpec,
    row: &mut service::ActiveModel,
) -> Result<(), AdminError> {
    let mut public = spec.config.clone();
    public.password = None;
    let config = serde_json::to_string(&public).map_err(|e| AdminError::Internal(e.to_string()))?;
    let password_enc = match spec.config.password.as_deref() {
        Some(p) if !p.is_empty() => Some(state.secret.encrypt(p)?),
        _ => None,
    };
    row.name = Set(spec.name.clone());
    row.label = Set(spec.label.clone());
    row.description = Set(spec.description.clone());
    row.kind = Set(spec.kind.as_str().to_owned());
    row.config = Set(config);
    row.password_enc = Set(password_enc);
    row.is_active = Set(spec.is_active);
    row.updated_at = Set(Utc::now());
    Ok(())
}

/// Creates services all-or-nothing: every database is opened before any row is
/// stored, the rows go in one transaction, and only then do they go live.
pub async fn create_many(
    state: &AppState,
    specs: Vec<ServiceSpec>,
) -> Result<Vec<service::Model>, (usize, AdminError)> {
    for (i, a) in specs.iter().enumerate() {
        if specs[..i]
            .iter()
            .any(|b| b.name.eq_ignore_ascii_case(&a.name))
        {
            return Err((
                i,
                AdminError::Conflict(format!(
                    "the service name '{}' appears twice in the request",
                    a.name
                )),
            ));
        }
    }
    // A taken name is a 409 whatever the config: say so before connecting
    // (checked again under the lock below, against a concurrent create).
    for (i, spec) in specs.iter().enumerate() {
        ensure_name_free(&state.system, &spec.name, None)
            .await
            .map_err(|e| (i, e))?;
    }
    let mut opened = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        opened.push(
            open_if_active(&state.settings, spec)
                .await
                .map_err(|e| (i, e))?,
        );
    }
    let _guard = WRITE_LOCK.lock().await;
    for (i, spec) in specs.iter().enumerate() {
        ensure_name_free(&state.system, &spec.name, None)
            .await
            .map_err(|e| (i, e))?;
    }
    let txn = state.system.begin().await.map_err(|e| (0, e.into()))?;
    let mut rows = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let row = new_row(state, spec).map_err(|e| (i, e))?;
        rows.push(row.insert(&txn).await.map_err(|e| (i, e.into()))?);
    }
    txn.commit().await.map_err(|e| (0, e.into()))?;
    for ((row, spec), opened) in rows.iter().zip(&specs).zip(opened) {
        if let Some(opened) = opened {
            state.services.insert(runtime(row.id, spec, opened));
        }
    }
    Ok(rows)
}

/// Stores a changed service and swaps its runtime (renames drop the old name).
async fn update_row(
    state: &AppState,
    row: service::Model,
    spec: ServiceSpec,
) -> Result<service::Model, AdminError> {
    let opened = open_if_active(&state.settings, &spec).await?;
    let _guard = WRITE_LOCK.lock().await;
    ensure_name_free(&state.system, &spec.name, Some(row.id)).await?;
    let old_name = row.name.clone();
    let id = row.id;
    let mut active: service::ActiveModel = row.into();
    fill_row(state, &spec, &mut active)?;
    let stored = active.update(&state.system).await?;
    if old_name != spec.name {
        state.services.remove(&old_name);
    }
    match opened {
        Some(opened) => state.services.insert(runtime(id, &spec, opened)),
        None => {
            state.services.remove(&spec.name);
        }
    }
    Ok(stored)
}

/// A service by numeric id or by name (names start with a letter: no ambiguity).
pub async fn find(db: &DatabaseConnection, key: &str) -> Result<service::Model, AdminError> {
    let found = match key.parse::<i32>() {
        Ok(id) => service::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            use sea_orm::{ColumnTrait, QueryFilter};
            service::Entity::find()
                .filter(service::Column::Name.eq(key))
                .one(db)
                .await?
        }
    };
    found.ok_or_else(|| {
        AdminError::NotFound(format!(
            "there is no service '{key}' (GET /api/v2/system/service lists them)"
        ))
    })
}

/// Tags an error of a multi-record request with the record it is about.
fn at_record(index: usize, total: usize, e: AdminError) -> ApiError {
    let api: ApiError = e.into();
    if total <= 1 {
        return api;
    }
    let context = json!({ "index": index });
    match api {
        ApiError::BadRequest(m) => ApiError::BadRequestWith {
            message: format!("service #{} of {total}: {m}", index + 1),
            context,
        },
        ApiError::Conflict { message, .. } => ApiError::Conflict {
            message: format!("service #{} of {total}: {message}", index + 1),
            context: Some(context),
        },
        other => other,
    }
}

// ---- handlers ----

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
pub async fn create(
    State(state): State<AppState>,
    _admin: RequireAdmin,
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
            .map_err(|e| at_record(i, total, e))?;
        specs.push(spec);
    }
    let rows = create_many(&state, specs)
        .await
        .map_err(|(i, e)| at_record(i, total, e))?;
    let body = if batch {
        json!({ "resource": rows.iter().map(render).collect::<Vec<_>>() })
    } else {
        rows.first().map(render).unwrap_or(Value::Null)
    };
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn get_one(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = find(&state.system, &key).await?;
    Ok(Json(render(&row)))
}

pub async fn replace(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    let row = find(&state.system, &key).await?;
    let spec = spec_for_replace(&state, &row, parse_body(body)?)?;
    let stored = update_row(&state, row, spec).await?;
    Ok(Json(render(&stored)))
}

pub async fn update(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    let row = find(&state.system, &key).await?;
    let spec = spec_for_merge(&state, &row, parse_body(body)?)?;
    let stored = update_row(&state, row, spec).await?;
    Ok(Json(render(&stored)))
}

pub async fn delete(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = find(&state.system, &key).await?;
    let _guard = WRITE_LOCK.lock().await;
    service::Entity::delete_by_id(row.id)
        .exec(&state.system)
        .await
        .map_err(AdminError::from)?;
    state.services.remove(&row.name);
    Ok(Json(json!({ "id": row.id })))
}

/// Checks a definition by opening it; stores nothing, echoes nothing back.
/// Its sentences tell a closed port from an open one that is not a database,
/// which makes it a port scanner: calls are limited per admin
/// (`test_per_minute`).
pub async fn test(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<Value>> {
    state.auth.test_limit.check(&admin)?;
    let mut spec = spec_for_create(parse_body(body)?, false)?;
    spec.is_active = true;
    let opened = open(&state.settings, &spec).await?;
    let tables = opened.tables();
    let _ = opened.conn.close().await;
    Ok(Json(json!({
        "success": true,
        "message": format!("Connected: {tables} tables found"),
    })))
}

/// Re-reads the database schema (after a migration of the service's database).
pub async fn refresh(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = find(&state.system, &key).await?;
    if !row.is_active {
        return Err(ApiError::bad_request(format!(
            "the service '{}' is not active: activate it with PATCH {{\"is_active\": true}}",
            row.name
        )));
    }
    let spec = spec_from_row(&state, &row)?;
    let opened = open(&state.settings, &spec).await?;
    let tables = opened.tables();
    let _guard = WRITE_LOCK.lock().await;
    // The row may have changed or gone while the database was being read.
    match service::Entity::find_by_id(row.id)
        .one(&state.system)
        .await
        .map_err(AdminError::from)?
    {
        Some(now) if now == row => state.services.insert(runtime(row.id, &spec, opened)),
        _ => {
            return Err(ApiError::Conflict {
                message: "the service changed during the refresh; try again".into(),
                context: None,
            });
        }
    }
    Ok(Json(json!({ "success": true, "tables": tables })))
}
