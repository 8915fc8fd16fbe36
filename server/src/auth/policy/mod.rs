//! Who may do what: the roles' rules decided by Casbin, and the apps' keys, in
//! one immutable [`Snapshot`] that is rebuilt from the system database and
//! swapped in whole after every change, so no request sees half a change and
//! none sees a stale one.
//!
//! The rules live twice: as `role_access` rows (what the admin API shows and
//! edits, with the filters) and as Casbin lines in `casbin_rule` ([`lines`]),
//! rewritten from the rows by [`sync_role`] in the same transaction. A reload
//! reads the lines through our Casbin adapter ([`adapter`]) and asks Casbin, once,
//! every question the rules can tell apart ([`snapshot`]); docs/access.md says
//! why the model looks the way it does.

pub mod adapter;
pub mod lines;
mod snapshot;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arc_swap::ArcSwap;
use casbin::{Adapter, CoreApi, DefaultModel, Enforcer, Model};
use chrono::Utc;
use entity::{app, casbin_rule, policy_version, role, role_access};
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, IsolationLevel, QueryFilter, QueryOrder,
    TransactionTrait,
};

use self::adapter::SeaOrmAdapter;
use self::snapshot::{AccessMap, RuleFilters, ServiceAccess};
use crate::query::plan::{Gate, Grant, Verb};

/// The Casbin model: subjects `role:{id}`, domains are services, and the most
/// specific matching line decides (`priority(p_eft) || deny`).
pub const MODEL: &str = include_str!("model.conf");

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the roles and apps: {0}")]
    Db(#[from] DbErr),
    #[error("cannot build the access enforcer: {0}")]
    Casbin(String),
}

impl From<casbin::Error> for PolicyError {
    fn from(e: casbin::Error) -> Self {
        PolicyError::Casbin(e.to_string())
    }
}

/// An app as a key check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEntry {
    pub id: i32,
    pub name: String,
    pub role_id: Option<i32>,
    pub is_active: bool,
    pub rate_limit_per_minute: Option<u32>,
}

impl From<&app::Model> for AppEntry {
    fn from(a: &app::Model) -> Self {
        AppEntry {
            id: a.id,
            name: a.name.clone(),
            role_id: a.role_id,
            is_active: a.is_active,
            // A negative limit cannot be met: it blocks, as 0 does.
            rate_limit_per_minute: a
                .rate_limit_per_minute
                .map(|n| u32::try_from(n).unwrap_or(0)),
        }
    }
}

/// Roles, rules and apps as of one policy version.
#[derive(Default)]
pub struct Snapshot {
    pub version: i64,
    /// By the key's hash (`apikey::hash`).
    apps: HashMap<String, AppEntry>,
    roles: HashMap<i32, String>,
    access: AccessMap,
}

impl Snapshot {
    pub fn app_by_key_hash(&self, hash: &str) -> Option<&AppEntry> {
        self.apps.get(hash)
    }

    pub fn role_name(&self, role_id: i32) -> Option<&str> {
        self.roles.get(&role_id).map(String::as_str)
    }

    /// The access of role `role_id` to `service`. Resolved here, once per
    /// request, so that each grant is one lookup by component.
    pub fn gate(self: &Arc<Self>, role_id: i32, service: &str) -> RoleGate {
        RoleGate {
            who: format!("role '{}'", self.role_name(role_id).unwrap_or("(deleted)")),
            access: self.service_access(role_id, service).cloned(),
        }
    }

    /// Whether the role has any allowed verb on any component of `service`
    /// (`GET /api/v2` lists the services a caller can reach).
    pub fn reaches(&self, role_id: i32, service: &str) -> bool {
        self.service_access(role_id, service)
            .is_some_and(|a| a.reaches())
    }

    fn service_access(&self, role_id: i32, service: &str) -> Option<&Arc<ServiceAccess>> {
        self.access.get(&role_id).and_then(|s| s.get(service))
    }
}

/// One role's access to one service, as the planner asks for it.
pub struct RoleGate {
    /// `None`: the role has no rule on the service (or no longer exists).
    access: Option<Arc<ServiceAccess>>,
    who: String,
}

impl Gate for RoleGate {
    fn grant(&self, component: &str, verb: Verb) -> Grant {
        match &self.access {
            Some(a) => a.grant(component, verb),
            None => Grant::Deny,
        }
    }

    fn who(&self) -> &str {
        &self.who
    }
}

/// The current snapshot, swapped whole.
pub struct Policies {
    current: ArcSwap<Snapshot>,
}

impl Policies {
    pub async fn load(db: &DatabaseConnection) -> Result<Policies, PolicyError> {
        let p = Policies::empty();
        p.reload(db).await?;
        Ok(p)
    }

    /// No roles and no apps, until the first [`Policies::reload`].
    pub fn empty() -> Policies {
        Policies {
            current: ArcSwap::from_pointee(Snapshot::default()),
        }
    }

    /// Rebuilds the snapshot from the system database and swaps it in. Called
    /// after every committed change to roles, rules or apps, before the
    /// change's answer is sent.
    ///
    /// Two reloads may overlap (two admins' changes): the one that read an
    /// older version does not replace a newer snapshot, so the last change's
    /// reload always wins.
    pub async fn reload(&self, db: &DatabaseConnection) -> Result<(), PolicyError> {
        self.install(build(db).await?);
        Ok(())
    }

    /// Swaps `next` in unless the current snapshot is of a newer version.
    fn install(&self, next: Snapshot) {
        let next = Arc::new(next);
        self.current.rcu(|current| {
            if current.version > next.version {
                current.clone()
            } else {
                next.clone()
            }
        });
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }
}

/// One transaction for every read, so that the lines, the filters, the roles,
/// the apps and the version all belong to one version. SQLite's transactions
/// read one version already (and sea-orm warns about a level there).
async fn begin_read(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => db.begin().await,
        _ => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
    }
}

async fn build(db: &DatabaseConnection) -> Result<Snapshot, PolicyError> {
    let txn = begin_read(db).await?;
    let version = policy_version::Entity::find_by_id(VERSION_ROW)
        .one(&txn)
        .await?
        .map_or(0, |v| v.version);
    let roles = role::Entity::find().all(&txn).await?;
    let rules = role_access::Entity::find()
        .order_by_asc(role_access::Column::Id)
        .all(&txn)
        .await?;
    let apps = app::Entity::find().all(&txn).await?;
    let mut model = DefaultModel::from_str(MODEL).await?;
    let mut adapter = SeaOrmAdapter::new(txn);
    adapter.load_policy(&mut model).await?;
    adapter.into_inner().commit().await?;

    let lines = model.get_policy(lines::PTYPE, lines::PTYPE);
    // The lines were taken out above: `Enforcer::new` clears the model and
    // loads from its own adapter, here none.
    let mut enforcer = Enforcer::new(model, ()).await?;
    let filters = RuleFilters::new(&rules);
    let active: HashSet<i32> = roles.iter().filter(|r| r.is_active).map(|r| r.id).collect();
    // Casbin's matcher is rhai, evaluated line by line: keep it off the
    // request threads.
    let access = tokio::task::spawn_blocking(move || {
        snapshot::decide_all(&mut enforcer, lines, &filters, &active)
    })
    .await
    .map_err(|e| PolicyError::Casbin(format!("deciding the rules stopped: {e}")))??;

    Ok(Snapshot {
        version,
        apps: apps
            .iter()
            .map(|a| (a.api_key_hash.clone(), AppEntry::from(a)))
            .collect(),
        roles: roles.into_iter().map(|r| (r.id, r.name)).collect(),
        access,
    })
}

/// The one row of `policy_version` (the migration creates it).
const VERSION_ROW: i32 = 1;

/// Rewrites role `role_id`'s Casbin lines from its `role_access` rows and
/// raises the policy version; called inside the transaction of the change.
///
/// A rule that cannot become lines is skipped with a warning rather than
/// failing the change: the admin API checks rules first ([`lines::check_rule`]),
/// so this only meets rows written some other way, and skipping (or, for
/// unreadable verbs, denying every verb) never grants more than asked.
/// Of two rules on the same service and component, the first (by id) counts.
pub async fn sync_role<C: ConnectionTrait>(conn: &C, role_id: i32) -> Result<(), DbErr> {
    let rules = role_access::Entity::find()
        .filter(role_access::Column::RoleId.eq(role_id))
        .order_by_asc(role_access::Column::Id)
        .all(conn)
        .await?;
    delete_lines(conn, role_id).await?;

    let mut seen = HashSet::new();
    let mut written = Vec::with_capacity(rules.len() * Verb::ALL.len());
    for rule in &rules {
        if !seen.insert((rule.service.as_str(), rule.component.as_str())) {
            tracing::warn!(
                rule = rule.id,
                role = role_id,
                "a second rule on the same service and component is ignored; the first counts"
            );
            continue;
        }
        match lines::rule_lines(role_id, rule) {
            Ok((lines, problem)) => {
                if let Some(problem) = problem {
                    tracing::warn!(
                        rule = rule.id,
                        role = role_id,
                        "{problem}; the rule allows no verb"
                    );
                }
                written.extend(lines);
            }
            Err(problem) => {
                tracing::warn!(
                    rule = rule.id,
                    role = role_id,
                    "{problem}; the rule is ignored"
                );
            }
        }
    }
    adapter::insert_lines(conn, lines::PTYPE, &written).await?;
    bump_version(conn).await?;
    Ok(())
}

/// Removes role `role_id`'s Casbin lines and raises the policy version; called
/// inside the transaction that deletes the role.
pub async fn drop_role<C: ConnectionTrait>(conn: &C, role_id: i32) -> Result<(), DbErr> {
    delete_lines(conn, role_id).await?;
    bump_version(conn).await?;
    Ok(())
}

async fn delete_lines<C: ConnectionTrait>(conn: &C, role_id: i32) -> Result<(), DbErr> {
    casbin_rule::Entity::delete_many()
        .filter(casbin_rule::Column::Ptype.eq(lines::PTYPE))
        .filter(casbin_rule::Column::V0.eq(lines::subject(role_id)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Raises the policy version (an app changed); inside the change's transaction.
///
/// One `UPDATE … SET version = version + 1`: the row lock it takes orders
/// concurrent changes, so each reads back its own new version.
pub async fn bump_version<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    use sea_orm::sea_query::ExprTrait as _;
    let now = Utc::now();
    let done = policy_version::Entity::update_many()
        .col_expr(
            policy_version::Column::Version,
            Expr::col(policy_version::Column::Version).add(1),
        )
        .col_expr(policy_version::Column::UpdatedAt, Expr::value(now))
        .filter(policy_version::Column::Id.eq(VERSION_ROW))
        .exec(conn)
        .await?;
    if done.rows_affected == 0 {
        // The migration made the row; a database restored without it starts again.
        policy_version::Entity::insert(policy_version::ActiveModel {
            id: Set(VERSION_ROW),
            version: Set(1),
            updated_at: Set(now),
        })
        .exec(conn)
        .await?;
    }
    policy_version::Entity::find_by_id(VERSION_ROW)
        .one(conn)
        .await?
        .map(|v| v.version)
        .ok_or_else(|| DbErr::RecordNotFound("policy_version row 1".into()))
}
