//! `/app`: the API's clients, each with one API key and a default role.
//!
//! A key is returned once, by the create or the rotate that issued it; the
//! server keeps only its SHA-256 (`auth::apikey`) and the first characters
//! (`api_key_prefix`) so that an admin can tell keys apart. Every change
//! raises the policy version and writes its audit entry in one transaction,
//! and the policy snapshot (by which keys are checked) is rebuilt before the
//! change is answered: a deactivated, rotated or deleted key is refused from
//! the next request on.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use entity::{app, role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::{Map, Value, json};

use super::audit;
use super::body::{Field, Object, at_record, check_name, created, describe, one_or_many};
use super::error::AdminError;
use super::service::spec::Edit;
use crate::auth::policy;
use crate::auth::{AdminSession, RequireAdmin, apikey};
use crate::error::ApiResult;
use crate::extract::AppJson;
use crate::state::AppState;

/// The highest `rate_limit_per_minute` accepted (over 16 000 a second: more
/// is no limit at all; send `null` for that).
pub const MAX_RATE_LIMIT: i64 = 1_000_000;

const FIELDS: &[&str] = &[
    "name",
    "description",
    "role",
    "is_active",
    "rate_limit_per_minute",
];
const READ_ONLY: &[&str] = &["id", "api_key_prefix", "created_at", "updated_at"];
const SHAPE: &str = "{\"name\",\"description\",\"role\":\"reader\",\"is_active\":true,\"rate_limit_per_minute\":null}";

/// An app, validated, its role resolved.
#[derive(Debug, Clone)]
pub struct AppSpec {
    pub name: String,
    pub description: String,
    pub role: Option<role::Model>,
    pub is_active: bool,
    pub rate_limit_per_minute: Option<i32>,
}

/// An app body, its fields checked for type.
pub struct Body {
    name: Option<String>,
    description: Option<String>,
    role: Field<Value>,
    is_active: Option<bool>,
    rate_limit: Field<i64>,
    fields: Vec<String>,
}

pub fn parse_body(v: Value) -> Result<Body, AdminError> {
    if v.get("api_key").is_some() {
        return Err(AdminError::Invalid(
            "'api_key' cannot be set: the server issues keys (on create, and with POST /api/v2/system/app/{id}/rotate)".into(),
        ));
    }
    let mut o = Object::new(v, "", "an app", SHAPE, FIELDS, READ_ONLY)?;
    let mut fields: Vec<String> = FIELDS
        .iter()
        .filter(|f| o.has(f))
        .map(|f| (*f).to_owned())
        .collect();
    fields.sort();
    Ok(Body {
        name: o.text("name")?.map(|n| n.trim().to_owned()),
        description: o.text("description")?,
        role: o.value_or_null("role"),
        is_active: o.boolean("is_active")?,
        rate_limit: o.int_or_null("rate_limit_per_minute", 1, MAX_RATE_LIMIT)?,
        fields,
    })
}

/// `role` as sent: a role's name (or id), `null` for none.
async fn resolve_role<C: ConnectionTrait>(
    db: &C,
    role: Value,
) -> Result<Option<role::Model>, AdminError> {
    let found = match &role {
        Value::String(name) => {
            role::Entity::find()
                .filter(role::Column::Name.eq(name.as_str()))
                .one(db)
                .await?
        }
        Value::Number(n) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(id) => role::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
        other => {
            return Err(AdminError::Invalid(format!(
                "'role' must be a role's name (or null for none), not {}",
                describe(other)
            )));
        }
    };
    found.map(Some).ok_or_else(|| {
        let which = match &role {
            Value::String(name) => format!("role '{name}'"),
            other => format!("role with id {other}"),
        };
        AdminError::Invalid(format!(
            "'role' names no role: there is no {which} (GET /api/v2/system/role lists them)"
        ))
    })
}

/// The numbers as stored (`rate_limit_per_minute` fits: its bound is checked).
fn rate(limit: Option<i64>) -> Option<i32> {
    limit.and_then(|n| i32::try_from(n).ok())
}

pub async fn spec_for_create<C: ConnectionTrait>(
    db: &C,
    body: Body,
) -> Result<AppSpec, AdminError> {
    let name = body
        .name
        .ok_or_else(|| AdminError::Invalid("'name' is required: the app needs a name".into()))?;
    check_name("app", "name", &name)?;
    let role = match body.role {
        Field::Set(r) => resolve_role(db, r).await?,
        Field::Absent | Field::Null => None,
    };
    Ok(AppSpec {
        name,
        description: body.description.unwrap_or_default(),
        role,
        is_active: body.is_active.unwrap_or(true),
        rate_limit_per_minute: rate(body.rate_limit.set()),
    })
}

/// PUT: the body is the whole app and what it leaves out takes its default
/// (no role, active, no limit), but the name stays. PATCH: only what is sent.
pub async fn spec_for_edit<C: ConnectionTrait>(
    db: &C,
    row: &app::Model,
    body: Body,
    how: Edit,
) -> Result<AppSpec, AdminError> {
    let name = body.name.unwrap_or_else(|| row.name.clone());
    check_name("app", "name", &name)?;
    let role = match (body.role, how) {
        (Field::Set(r), _) => resolve_role(db, r).await?,
        (Field::Null, _) | (Field::Absent, Edit::Replace) => None,
        (Field::Absent, Edit::Merge) => match row.role_id {
            Some(id) => role::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
    };
    let rate_limit_per_minute = match (body.rate_limit, how) {
        (Field::Set(n), _) => rate(Some(n)),
        (Field::Null, _) | (Field::Absent, Edit::Replace) => None,
        (Field::Absent, Edit::Merge) => row.rate_limit_per_minute,
    };
    Ok(match how {
        Edit::Replace => AppSpec {
            name,
            description: body.description.unwrap_or_default(),
            role,
            is_active: body.is_active.unwrap_or(true),
            rate_limit_per_minute,
        },
        Edit::Merge => AppSpec {
            name,
            description: body.description.unwrap_or_else(|| row.description.clone()),
            role,
            is_active: body.is_active.unwrap_or(row.is_active),
            rate_limit_per_minute,
        },
    })
}

/// The audit entry's detail: the fields sent and the values that are not
/// secret (never the key, its prefix or its hash).
fn audit_detail(fields: Vec<String>, spec: &AppSpec) -> Value {
    let mut values = Map::new();
    values.insert("is_active".into(), json!(spec.is_active));
    values.insert("role".into(), json!(spec.role.as_ref().map(|r| &r.name)));
    values.insert(
        "rate_limit_per_minute".into(),
        json!(spec.rate_limit_per_minute),
    );
    audit::detail(fields, values)
}

/// The public form of an app: never the key or its hash.
pub fn render(row: &app::Model, role_name: Option<&str>) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "role": role_name,
        "is_active": row.is_active,
        "rate_limit_per_minute": row.rate_limit_per_minute,
        "api_key_prefix": row.api_key_prefix,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

/// [`render`] plus the key just issued: the one time it is shown.
fn render_with_key(row: &app::Model, role_name: Option<&str>, key: &str) -> Value {
    let mut v = render(row, role_name);
    if let Some(m) = v.as_object_mut() {
        m.insert("api_key".into(), json!(key));
    }
    v
}

async fn role_name<C: ConnectionTrait>(
    db: &C,
    role_id: Option<i32>,
) -> Result<Option<String>, AdminError> {
    Ok(match role_id {
        Some(id) => role::Entity::find_by_id(id).one(db).await?.map(|r| r.name),
        None => None,
    })
}

/// An app by numeric id or by name (names start with a letter: no ambiguity).
pub async fn find<C: ConnectionTrait>(db: &C, key: &str) -> Result<app::Model, AdminError> {
    let found = match key.parse::<i32>() {
        Ok(id) => app::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            app::Entity::find()
                .filter(app::Column::Name.eq(key))
                .one(db)
                .await?
        }
    };
    found.ok_or_else(|| {
        AdminError::NotFound(format!(
            "there is no app '{key}' (GET /api/v2/system/app lists them)"
        ))
    })
}

/// Case-insensitively, as for roles and services.
async fn ensure_name_free<C: ConnectionTrait>(
    db: &C,
    name: &str,
    except_id: Option<i32>,
) -> Result<(), AdminError> {
    let taken = app::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .any(|a| a.name.eq_ignore_ascii_case(name) && Some(a.id) != except_id);
    if taken {
        return Err(AdminError::Conflict(format!(
            "an app named '{name}' already exists"
        )));
    }
    Ok(())
}

/// A created app and its key, which is never available again.
pub struct Issued {
    pub row: app::Model,
    pub role: Option<String>,
    pub api_key: String,
}

impl Issued {
    pub fn render(&self) -> Value {
        render_with_key(&self.row, self.role.as_deref(), &self.api_key)
    }
}

/// Creates apps all-or-nothing, each with a new key, in one transaction.
/// `actor` is `None` only for the server's own set-up (`--demo`), which is
/// not an admin change and is not audited. An error names the spec's index.
pub async fn create_many(
    state: &AppState,
    actor: Option<&AdminSession>,
    specs: Vec<(AppSpec, Value)>,
) -> Result<Vec<Issued>, (usize, AdminError)> {
    for (i, (a, _)) in specs.iter().enumerate() {
        if specs[..i]
            .iter()
            .any(|(b, _)| b.name.eq_ignore_ascii_case(&a.name))
        {
            return Err((
                i,
                AdminError::Conflict(format!(
                    "the app name '{}' appears twice in the request",
                    a.name
                )),
            ));
        }
    }
    let txn = state.system.begin().await.map_err(|e| (0, e.into()))?;
    let mut issued = Vec::with_capacity(specs.len());
    for (i, (spec, detail)) in specs.into_iter().enumerate() {
        let one = create_one(&txn, actor, spec, detail)
            .await
            .map_err(|e| (i, e))?;
        issued.push(one);
    }
    policy::bump_version(&txn)
        .await
        .map_err(|e| (0, e.into()))?;
    txn.commit().await.map_err(|e| (0, e.into()))?;
    state
        .policies
        .reload(&state.system)
        .await
        .map_err(|e| (0, e.into()))?;
    Ok(issued)
}

async fn create_one(
    txn: &DatabaseTransaction,
    actor: Option<&AdminSession>,
    spec: AppSpec,
    detail: Value,
) -> Result<Issued, AdminError> {
    ensure_name_free(txn, &spec.name, None).await?;
    let key = apikey::generate();
    let now = Utc::now();
    let row = app::ActiveModel {
        name: Set(spec.name.clone()),
        description: Set(spec.description.clone()),
        role_id: Set(spec.role.as_ref().map(|r| r.id)),
        api_key_hash: Set(key.hash),
        api_key_prefix: Set(key.shown),
        is_active: Set(spec.is_active),
        rate_limit_per_minute: Set(spec.rate_limit_per_minute),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if let Some(actor) = actor {
        audit::record(txn, actor, "create", "app", &row.name, Some(detail)).await?;
    }
    Ok(Issued {
        row,
        role: spec.role.map(|r| r.name),
        api_key: key.key,
    })
}

/// Commits `txn` after raising the policy version, then rebuilds the
/// snapshot: the end of every app change.
async fn finish(state: &AppState, txn: DatabaseTransaction) -> Result<(), AdminError> {
    policy::bump_version(&txn).await?;
    txn.commit().await?;
    state.policies.reload(&state.system).await?;
    Ok(())
}

// ---- handlers ----

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
    let issued = create_many(&state, Some(&admin), specs)
        .await
        .map_err(|(i, e)| at_record("app", i, total, e))?;
    Ok(created(issued.iter().map(Issued::render).collect(), batch))
}

pub async fn get_one(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let row = find(&state.system, &key).await?;
    let role = role_name(&state.system, row.role_id).await?;
    Ok(Json(render(&row, role.as_deref())))
}

/// PUT: see [`spec_for_edit`].
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
    let txn = state.system.begin().await.map_err(AdminError::from)?;
    let row = find(&txn, key).await?;
    let fields = body.fields.clone();
    let spec = spec_for_edit(&txn, &row, body, how).await?;
    ensure_name_free(&txn, &spec.name, Some(row.id)).await?;
    let detail = audit_detail(fields, &spec);
    let old_name = row.name.clone();
    let mut active: app::ActiveModel = row.into();
    active.name = Set(spec.name.clone());
    active.description = Set(spec.description.clone());
    active.role_id = Set(spec.role.as_ref().map(|r| r.id));
    active.is_active = Set(spec.is_active);
    active.rate_limit_per_minute = Set(spec.rate_limit_per_minute);
    active.updated_at = Set(Utc::now());
    let stored = active.update(&txn).await.map_err(AdminError::from)?;
    audit::record(&txn, admin, "update", "app", &old_name, Some(detail))
        .await
        .map_err(AdminError::from)?;
    finish(state, txn).await?;
    Ok(Json(render(
        &stored,
        spec.role.as_ref().map(|r| r.name.as_str()),
    )))
}

/// `POST /app/{id}/rotate`: a new key, returned once; the old one is refused
/// from the next request on.
pub async fn rotate(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let txn = state.system.begin().await.map_err(AdminError::from)?;
    let row = find(&txn, &key).await?;
    let new = apikey::generate();
    let name = row.name.clone();
    let mut active: app::ActiveModel = row.into();
    active.api_key_hash = Set(new.hash);
    active.api_key_prefix = Set(new.shown);
    active.updated_at = Set(Utc::now());
    let stored = active.update(&txn).await.map_err(AdminError::from)?;
    audit::record(
        &txn,
        &admin,
        "rotate",
        "app",
        &name,
        Some(json!({ "fields": ["api_key"] })),
    )
    .await
    .map_err(AdminError::from)?;
    let role = role_name(&txn, stored.role_id).await?;
    finish(&state, txn).await?;
    Ok(Json(render_with_key(&stored, role.as_deref(), &new.key)))
}

/// Revokes the app's key at once (the app's row goes).
pub async fn delete(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let txn = state.system.begin().await.map_err(AdminError::from)?;
    let row = find(&txn, &key).await?;
    app::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await
        .map_err(AdminError::from)?;
    audit::record(&txn, &admin, "delete", "app", &row.name, None)
        .await
        .map_err(AdminError::from)?;
    finish(&state, txn).await?;
    Ok(Json(json!({ "id": row.id, "name": row.name })))
}
