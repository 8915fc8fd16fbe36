//! Who may do what: the roles' rules decided by Casbin, and the apps' keys, in
//! one immutable [`Snapshot`] that is rebuilt from the system database and
//! swapped in whole after every change, so no request sees half a change and
//! none sees a stale one.
//!
//! SKELETON: the interface the rest of the server uses; the Casbin enforcer
//! behind it is being built (issue 12).

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::query::plan::{Gate, Grant, Verb};

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the roles and apps: {0}")]
    Db(#[from] DbErr),
    #[error("cannot build the access enforcer: {0}")]
    Casbin(String),
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

/// Roles, rules and apps as of one policy version.
#[derive(Default)]
pub struct Snapshot {
    pub version: i64,
    /// By the key's hash (`apikey::hash`).
    apps: HashMap<String, AppEntry>,
    roles: HashMap<i32, String>,
}

impl Snapshot {
    pub fn app_by_key_hash(&self, hash: &str) -> Option<&AppEntry> {
        self.apps.get(hash)
    }

    pub fn role_name(&self, role_id: i32) -> Option<&str> {
        self.roles.get(&role_id).map(String::as_str)
    }

    /// The access of role `role_id` to `service`.
    pub fn gate(self: &Arc<Self>, role_id: i32, service: &str) -> RoleGate {
        RoleGate {
            who: format!("role '{}'", self.role_name(role_id).unwrap_or("(deleted)")),
            snapshot: self.clone(),
            role_id,
            service: service.to_string(),
        }
    }

    /// Whether the role has any allowed verb on any component of `service`
    /// (`GET /api/v2` lists the services a caller can reach).
    pub fn reaches(&self, _role_id: i32, _service: &str) -> bool {
        false
    }

    fn decide(&self, _role_id: i32, _service: &str, _component: &str, _verb: Verb) -> Grant {
        Grant::Deny
    }
}

/// One role's access to one service, as the planner asks for it.
pub struct RoleGate {
    snapshot: Arc<Snapshot>,
    role_id: i32,
    service: String,
    who: String,
}

impl Gate for RoleGate {
    fn grant(&self, component: &str, verb: Verb) -> Grant {
        self.snapshot
            .decide(self.role_id, &self.service, component, verb)
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
    pub async fn reload(&self, _db: &DatabaseConnection) -> Result<(), PolicyError> {
        Ok(())
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }
}

/// Rewrites role `role_id`'s Casbin lines from its `role_access` rows and
/// raises the policy version; called inside the transaction of the change.
pub async fn sync_role<C: ConnectionTrait>(_conn: &C, _role_id: i32) -> Result<(), DbErr> {
    Ok(())
}

/// Removes role `role_id`'s Casbin lines and raises the policy version; called
/// inside the transaction that deletes the role.
pub async fn drop_role<C: ConnectionTrait>(_conn: &C, _role_id: i32) -> Result<(), DbErr> {
    Ok(())
}

/// Raises the policy version (an app changed); inside the change's transaction.
pub async fn bump_version<C: ConnectionTrait>(_conn: &C) -> Result<i64, DbErr> {
    Ok(0)
}
