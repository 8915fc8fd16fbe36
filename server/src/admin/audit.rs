//! The audit log: one row per admin change, written in the change's own
//! transaction (a change that rolls back leaves no entry, and no committed
//! change lacks one), and `GET /audit` to read it.
//!
//! Entries never hold a secret: `detail` names the fields a change touched
//! and carries values only where they are harmless (verbs, `is_active`, a
//! role's name). Passwords, API keys and their hashes are never passed in.

use crate::admin::doc as d;
use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use entity::audit_log;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::AdminError;
use crate::auth::{AdminSession, RequireAdmin};
use crate::catalog::Table;
use crate::catalog::entity::table_from_entity;
use crate::error::ApiResult;
use crate::extract::AppQuery;
use crate::query::plan::{PlanError, filter_cond};
use crate::query::{backend_of, sql};
use crate::state::AppState;

/// Entries a `GET /audit` answers when it gives no `limit`.
pub const DEFAULT_LIMIT: u64 = 100;
/// The most entries one `GET /audit` answers.
pub const MAX_LIMIT: u64 = 1000;

/// Appends one entry as `actor`. `object` is the object's name (an admin's
/// email), so that the entry still says what it was about after the object
/// is renamed or deleted.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &AdminSession,
    action: &str,
    object_type: &str,
    object: &str,
    detail: Option<Value>,
) -> Result<(), DbErr> {
    let row = audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor: Set(actor.email.clone()),
        action: Set(action.to_owned()),
        object_type: Set(object_type.to_owned()),
        object: Set(object.to_owned()),
        detail: Set(detail.map(|d| d.to_string())),
        ..Default::default()
    };
    row.insert(conn).await?;
    Ok(())
}

/// The names of the fields a JSON body sets, sorted; the keys of the objects
/// named in `nested` are listed one level down (`config.host`), since "config
/// changed" says little. Names only: values never enter the log this way.
pub fn fields_of(body: &Value, nested: &[&str]) -> Vec<String> {
    let Some(map) = body.as_object() else {
        return Vec::new();
    };
    let mut fields = Vec::with_capacity(map.len());
    for (k, v) in map {
        match v.as_object() {
            Some(inner) if nested.contains(&k.as_str()) && !inner.is_empty() => {
                fields.extend(inner.keys().map(|sub| format!("{k}.{sub}")));
            }
            _ => fields.push(k.clone()),
        }
    }
    fields.sort();
    fields
}

/// `{"fields": [...]}` plus the harmless values in `values`.
pub fn detail(fields: Vec<String>, values: Map<String, Value>) -> Value {
    let mut d = values;
    d.insert("fields".into(), json!(fields));
    Value::Object(d)
}

/// The fields `filter=` may name: the log's columns but `detail`, whose JSON
/// text is not something to compare. Described as a catalog table so that the
/// data API's planner resolves and types the filter: one grammar, one
/// implementation.
static FILTERABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut table = table_from_entity(audit_log::Entity);
    table.columns.retain(|c| c.name != "detail");
    table
});

/// Everything is text so that each parameter's error names it (a typed
/// field would fail with serde's sentence, which names no field).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    limit: Option<String>,
    offset: Option<String>,
    filter: Option<String>,
}

fn number(name: &str, text: &str, max: u64) -> Result<u64, AdminError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            AdminError::Invalid(format!(
                "'{name}' must be a whole number between 0 and {max}, not '{text}'"
            ))
        })
}

/// `GET /audit`: newest first.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    operation_id = "audit_list",
    summary = "Read the audit log",
    description = "Admin changes, newest first: who, what, which object, when. Never a secret.",
    params(
        ("limit" = Option<u64>, Query, description = "Entries to answer: 0 to 1000, 100 by default"),
        ("offset" = Option<u64>, Query, description = "Entries to skip"),
        ("filter" = Option<String>, Query, description = "The data API's filter grammar over id, at, actor, action, object_type, object: `action = 'delete' and object_type = 'app'`")
    ),
    responses(
        (status = 200, description = "Entries, newest first", body = d::AuditList),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    AppQuery(q): AppQuery<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let limit = match q.limit.as_deref() {
        Some(text) => number("limit", text, MAX_LIMIT)?,
        None => DEFAULT_LIMIT,
    };
    // i64::MAX: what the databases take as an OFFSET.
    let offset = match q.offset.as_deref() {
        Some(text) => number("offset", text, i64::MAX as u64)?,
        None => 0,
    };
    let mut select = audit_log::Entity::find();
    if let Some(text) = q.filter.as_deref().filter(|t| !t.trim().is_empty()) {
        let backend = backend_of(state.system.get_database_backend());
        let cond = filter_cond(&FILTERABLE, text, backend).map_err(|e| match e {
            PlanError::Invalid(m) | PlanError::NotFound(m) | PlanError::Forbidden(m) => {
                AdminError::Invalid(m)
            }
        })?;
        select = select.filter(sql::condition(&cond, &FILTERABLE.name, &FILTERABLE.columns));
    }
    let rows = select
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.system)
        .await
        .map_err(AdminError::from)?;
    Ok(Json(
        json!({ "resource": rows.iter().map(render).collect::<Vec<_>>() }),
    ))
}

fn render(row: &audit_log::Model) -> Value {
    let detail = row.detail.as_deref().map_or(Value::Null, |d| {
        serde_json::from_str(d).unwrap_or_else(|_| Value::String(d.to_owned()))
    });
    json!({
        "id": row.id,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object": row.object,
        "detail": detail,
    })
}
