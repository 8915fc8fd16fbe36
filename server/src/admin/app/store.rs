//! Apps in the system database. Each change raises the policy version and
//! writes its audit entry in one transaction; after the commit the policy
//! snapshot (by which keys are checked) is rebuilt before the change is
//! answered.

use chrono::Utc;
use entity::{app, role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};
use serde_json::{Value, json};

use super::spec::{AppSpec, Body, audit_detail, render_with_key, spec_for_edit};
use crate::admin::audit;
use crate::admin::begin_change;
use crate::admin::error::AdminError;
use crate::admin::service::spec::Edit;
use crate::auth::policy;
use crate::auth::{AdminSession, apikey};
use crate::state::AppState;

pub async fn role_name<C: ConnectionTrait>(
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
    crate::admin::body::no_repeated_names("app", specs.iter().map(|(s, _)| s.name.as_str()))?;
    let txn = begin_change(&state.system)
        .await
        .map_err(|e| (0, e.into()))?;
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

/// Applies an edit (`spec_for_edit`) to app `key`; the stored app and its
/// role's name.
pub async fn update(
    state: &AppState,
    actor: &AdminSession,
    key: &str,
    body: Body,
    how: Edit,
) -> Result<(app::Model, Option<String>), AdminError> {
    let txn = begin_change(&state.system).await?;
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
    let stored = active.update(&txn).await?;
    audit::record(&txn, actor, "update", "app", &old_name, Some(detail)).await?;
    finish(state, txn).await?;
    Ok((stored, spec.role.map(|r| r.name)))
}

/// A new key for app `key`; the old one dies with the commit.
pub async fn rotate(
    state: &AppState,
    actor: &AdminSession,
    key: &str,
) -> Result<Issued, AdminError> {
    let txn = begin_change(&state.system).await?;
    let row = find(&txn, key).await?;
    let new = apikey::generate();
    let name = row.name.clone();
    let mut active: app::ActiveModel = row.into();
    active.api_key_hash = Set(new.hash);
    active.api_key_prefix = Set(new.shown);
    active.updated_at = Set(Utc::now());
    let stored = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "rotate",
        "app",
        &name,
        Some(json!({ "fields": ["api_key"] })),
    )
    .await?;
    let role = role_name(&txn, stored.role_id).await?;
    finish(state, txn).await?;
    Ok(Issued {
        row: stored,
        role,
        api_key: new.key,
    })
}

/// Deletes app `key`, and with it its key; the deleted row.
pub async fn delete(
    state: &AppState,
    actor: &AdminSession,
    key: &str,
) -> Result<app::Model, AdminError> {
    let txn = begin_change(&state.system).await?;
    let row = find(&txn, key).await?;
    app::Entity::delete_by_id(row.id).exec(&txn).await?;
    audit::record(&txn, actor, "delete", "app", &row.name, None).await?;
    finish(state, txn).await?;
    Ok(row)
}
