//! Roles in the system database. Each change — the role row, its
//! `role_access` rows, its Casbin lines (`policy::sync_role`/`drop_role`) and
//! the audit entry — is one transaction; after the commit the policy snapshot
//! is rebuilt before the change is answered, so the next request sees it.

use chrono::Utc;
use entity::{app, role, role_access};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use super::spec::{RoleSpec, RuleSpec};
use crate::admin::audit;
use crate::admin::begin_change;
use crate::admin::error::AdminError;
use crate::auth::AdminSession;
use crate::auth::policy;
use crate::state::AppState;

/// A stored role with its rules.
#[derive(Debug, Clone)]
pub struct StoredRole {
    pub row: role::Model,
    pub rules: Vec<RuleSpec>,
}

impl StoredRole {
    pub fn render(&self) -> Value {
        super::spec::render(&self.row, &self.rules)
    }
}

/// A role by numeric id or by name (names start with a letter: no ambiguity).
pub async fn find<C: ConnectionTrait>(db: &C, key: &str) -> Result<role::Model, AdminError> {
    let found = match key.parse::<i32>() {
        Ok(id) => role::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            role::Entity::find()
                .filter(role::Column::Name.eq(key))
                .one(db)
                .await?
        }
    };
    found.ok_or_else(|| {
        AdminError::NotFound(format!(
            "there is no role '{key}' (GET /api/v2/system/role lists them)"
        ))
    })
}

/// A role's rules in the order they were given.
pub async fn rules_of<C: ConnectionTrait>(
    db: &C,
    role_id: i32,
) -> Result<Vec<RuleSpec>, AdminError> {
    Ok(role_access::Entity::find()
        .filter(role_access::Column::RoleId.eq(role_id))
        .order_by_asc(role_access::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(RuleSpec::from_row)
        .collect())
}

/// Every role with its rules, by id.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<StoredRole>, AdminError> {
    let roles = role::Entity::find()
        .order_by_asc(role::Column::Id)
        .all(db)
        .await?;
    let mut all_rules = role_access::Entity::find()
        .order_by_asc(role_access::Column::Id)
        .all(db)
        .await?;
    Ok(roles
        .into_iter()
        .map(|row| {
            let (mine, rest) = std::mem::take(&mut all_rules)
                .into_iter()
                .partition::<Vec<_>, _>(|r| r.role_id == row.id);
            all_rules = rest;
            StoredRole {
                rules: mine.iter().map(RuleSpec::from_row).collect(),
                row,
            }
        })
        .collect())
}

/// Case-insensitively, so that `Reader` and `reader` cannot coexist (as for
/// services: MySQL's default collation would refuse them anyway).
async fn ensure_name_free<C: ConnectionTrait>(
    db: &C,
    name: &str,
    except_id: Option<i32>,
) -> Result<(), AdminError> {
    let taken = role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .any(|r| r.name.eq_ignore_ascii_case(name) && Some(r.id) != except_id);
    if taken {
        return Err(AdminError::Conflict(format!(
            "a role named '{name}' already exists"
        )));
    }
    Ok(())
}

async fn write_rules(
    txn: &DatabaseTransaction,
    role_id: i32,
    rules: &[RuleSpec],
) -> Result<(), AdminError> {
    role_access::Entity::delete_many()
        .filter(role_access::Column::RoleId.eq(role_id))
        .exec(txn)
        .await?;
    for r in rules {
        role_access::ActiveModel {
            role_id: Set(role_id),
            service: Set(r.service.clone()),
            component: Set(r.component.clone()),
            verbs: Set(r.verbs_json()),
            filter: Set(r.filter.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Creates roles all-or-nothing, in one transaction. `actor` is `None` only
/// for the server's own set-up (`--demo`), which is not an admin change and
/// is not audited. An error names the index of the spec it is about.
pub async fn create_many(
    state: &AppState,
    actor: Option<&AdminSession>,
    specs: Vec<(RoleSpec, Value)>,
) -> Result<Vec<StoredRole>, (usize, AdminError)> {
    crate::admin::body::no_repeated_names("role", specs.iter().map(|(s, _)| s.name.as_str()))?;
    let txn = begin_change(&state.system)
        .await
        .map_err(|e| (0, e.into()))?;
    let mut stored = Vec::with_capacity(specs.len());
    for (i, (spec, detail)) in specs.into_iter().enumerate() {
        let one = create_one(&txn, actor, spec, detail)
            .await
            .map_err(|e| (i, e))?;
        stored.push(one);
    }
    txn.commit().await.map_err(|e| (0, e.into()))?;
    state
        .policies
        .reload(&state.system)
        .await
        .map_err(|e| (0, e.into()))?;
    Ok(stored)
}

async fn create_one(
    txn: &DatabaseTransaction,
    actor: Option<&AdminSession>,
    spec: RoleSpec,
    detail: Value,
) -> Result<StoredRole, AdminError> {
    ensure_name_free(txn, &spec.name, None).await?;
    let now = Utc::now();
    let row = role::ActiveModel {
        name: Set(spec.name.clone()),
        description: Set(spec.description.clone()),
        is_active: Set(spec.is_active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let rules = spec.access.unwrap_or_default();
    write_rules(txn, row.id, &rules).await?;
    policy::sync_role(txn, row.id).await?;
    if let Some(actor) = actor {
        audit::record(txn, actor, "create", "role", &row.name, Some(detail)).await?;
    }
    Ok(StoredRole { row, rules })
}

/// Stores an edited role; its rules are rewritten only if the spec has them.
pub async fn update(
    state: &AppState,
    actor: &AdminSession,
    row: role::Model,
    spec: RoleSpec,
    detail: Value,
) -> Result<StoredRole, AdminError> {
    let txn = begin_change(&state.system).await?;
    ensure_name_free(&txn, &spec.name, Some(row.id)).await?;
    let old_name = row.name.clone();
    let id = row.id;
    let mut active: role::ActiveModel = row.into();
    active.name = Set(spec.name.clone());
    active.description = Set(spec.description.clone());
    active.is_active = Set(spec.is_active);
    active.updated_at = Set(Utc::now());
    let stored = active.update(&txn).await?;
    if let Some(rules) = &spec.access {
        write_rules(&txn, id, rules).await?;
    }
    policy::sync_role(&txn, id).await?;
    audit::record(&txn, actor, "update", "role", &old_name, Some(detail)).await?;
    let rules = match spec.access {
        Some(rules) => rules,
        None => rules_of(&txn, id).await?,
    };
    txn.commit().await?;
    state.policies.reload(&state.system).await?;
    Ok(StoredRole { row: stored, rules })
}

/// Deletes a role and its rules. Its apps stay, with no role (they can then
/// reach nothing), and the audit entry names them.
pub async fn delete(
    state: &AppState,
    actor: &AdminSession,
    row: &role::Model,
) -> Result<(), AdminError> {
    let txn = begin_change(&state.system).await?;
    let orphans: Vec<String> = app::Entity::find()
        .filter(app::Column::RoleId.eq(row.id))
        .order_by_asc(app::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    // The foreign keys say the same (SET NULL, CASCADE); done here too so the
    // outcome does not hang on SQLite's `foreign_keys` pragma.
    app::Entity::update_many()
        .col_expr(app::Column::RoleId, Expr::value(Option::<i32>::None))
        .col_expr(app::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(app::Column::RoleId.eq(row.id))
        .exec(&txn)
        .await?;
    role_access::Entity::delete_many()
        .filter(role_access::Column::RoleId.eq(row.id))
        .exec(&txn)
        .await?;
    policy::drop_role(&txn, row.id).await?;
    let gone = role::Entity::delete_by_id(row.id).exec(&txn).await?;
    if gone.rows_affected == 0 {
        return Err(AdminError::NotFound(format!(
            "the role '{}' was deleted meanwhile",
            row.name
        )));
    }
    audit::record(
        &txn,
        actor,
        "delete",
        "role",
        &row.name,
        Some(json!({ "apps_left_without_role": orphans })),
    )
    .await?;
    txn.commit().await?;
    state.policies.reload(&state.system).await?;
    Ok(())
}
