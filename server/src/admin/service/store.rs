//! Services in the system database, kept in step with the live registry.
//!
//! Order of a write: validate → open the database (so a bad config is a 400 and
//! nothing is stored) → store the row → swap the runtime into the registry. The
//! store-and-swap step holds the registry's writer ([`Registry::write`]), so
//! the registry always matches the last stored row, even when two admins edit
//! the same service at once.
//!
//! [`Registry::write`]: crate::services::Registry::write

use chrono::Utc;
use entity::service;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::open::{Opened, open_if_active, runtime};
use super::spec::ServiceSpec;
use crate::admin::audit;
use crate::admin::begin_change;
use crate::admin::error::AdminError;
use crate::auth::AdminSession;
use crate::state::AppState;

/// A service by numeric id or by name (names start with a letter: no ambiguity).
pub async fn find(db: &DatabaseConnection, key: &str) -> Result<service::Model, AdminError> {
    let found = match key.parse::<i32>() {
        Ok(id) => service::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
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
    let mut row = service::ActiveModel {
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    fill_row(state, spec, &mut row)?;
    Ok(row)
}

/// The spec's fields into `row`; the password encrypted, never in the config JSON.
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

/// What a new service's audit entry says: its type, whether it is active and
/// the fields it sets (the password's name, never its value).
fn created_detail(spec: &ServiceSpec) -> serde_json::Value {
    let mut public = spec.config.clone();
    let has_password = public.password.take().is_some_and(|p| !p.is_empty());
    let mut fields = vec!["description".to_owned(), "label".into(), "name".into()];
    if let Ok(serde_json::Value::Object(config)) = serde_json::to_value(&public) {
        fields.extend(
            config
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| format!("config.{k}")),
        );
    }
    if has_password {
        fields.push("config.password".into());
    }
    fields.sort();
    let mut values = serde_json::Map::new();
    values.insert("type".into(), spec.kind.as_str().into());
    values.insert("is_active".into(), spec.is_active.into());
    audit::detail(fields, values)
}

/// Creates services all-or-nothing: every database is opened before any row is
/// stored, the rows go in one transaction, and only then do they go live.
/// `actor` is `None` only for the server's own set-up (`--demo`), which is not
/// an admin change and is not audited.
/// An error names the index of the spec it is about.
pub async fn create_many(
    state: &AppState,
    actor: Option<&AdminSession>,
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
    // (checked again under the writer below, against a concurrent create).
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
    let registry = state.services.write().await;
    for (i, spec) in specs.iter().enumerate() {
        ensure_name_free(&state.system, &spec.name, None)
            .await
            .map_err(|e| (i, e))?;
    }
    let txn = begin_change(&state.system)
        .await
        .map_err(|e| (0, e.into()))?;
    let mut rows = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let row = new_row(state, spec).map_err(|e| (i, e))?;
        let row = row.insert(&txn).await.map_err(|e| (i, e.into()))?;
        if let Some(actor) = actor {
            audit::record(
                &txn,
                actor,
                "create",
                "service",
                &row.name,
                Some(created_detail(spec)),
            )
            .await
            .map_err(|e| (i, e.into()))?;
        }
        rows.push(row);
    }
    txn.commit().await.map_err(|e| (0, e.into()))?;
    for ((row, spec), opened) in rows.iter().zip(&specs).zip(opened) {
        if let Some(opened) = opened {
            registry.insert(runtime(row.id, spec, opened));
        }
    }
    Ok(rows)
}

/// Stores a changed service and swaps its runtime (renames drop the old name).
/// `detail` is the audit entry's (`audit::fields_of` the body).
pub async fn update(
    state: &AppState,
    actor: &AdminSession,
    row: service::Model,
    spec: ServiceSpec,
    detail: serde_json::Value,
) -> Result<service::Model, AdminError> {
    let opened = open_if_active(&state.settings, &spec).await?;
    let registry = state.services.write().await;
    ensure_name_free(&state.system, &spec.name, Some(row.id)).await?;
    let old_name = row.name.clone();
    let id = row.id;
    let mut active: service::ActiveModel = row.into();
    fill_row(state, &spec, &mut active)?;
    let txn = begin_change(&state.system).await?;
    let stored = active.update(&txn).await?;
    audit::record(&txn, actor, "update", "service", &old_name, Some(detail)).await?;
    txn.commit().await?;
    if old_name != spec.name {
        registry.remove(&old_name);
    }
    match opened {
        Some(opened) => registry.insert(runtime(id, &spec, opened)),
        None => {
            registry.remove(&spec.name);
        }
    }
    Ok(stored)
}

pub async fn delete(
    state: &AppState,
    actor: &AdminSession,
    row: &service::Model,
) -> Result<(), AdminError> {
    let registry = state.services.write().await;
    let txn = begin_change(&state.system).await?;
    service::Entity::delete_by_id(row.id).exec(&txn).await?;
    audit::record(&txn, actor, "delete", "service", &row.name, None).await?;
    txn.commit().await?;
    registry.remove(&row.name);
    Ok(())
}

/// Puts a re-opened service live, unless its row changed or went while the
/// database was being read (a conflict: the caller may try again).
pub async fn swap_if_unchanged(
    state: &AppState,
    row: &service::Model,
    spec: &ServiceSpec,
    opened: Opened,
) -> Result<(), AdminError> {
    let registry = state.services.write().await;
    match service::Entity::find_by_id(row.id)
        .one(&state.system)
        .await?
    {
        Some(now) if &now == row => {
            registry.insert(runtime(row.id, spec, opened));
            Ok(())
        }
        _ => Err(AdminError::Conflict(
            "the service changed during the refresh; try again".into(),
        )),
    }
}
