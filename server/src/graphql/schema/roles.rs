//! A role's GraphQL schema: only the tables, relations and mutations the role
//! may use (see [`super::build`]), built on its first request and kept beside
//! the service's runtime per (role, policy version).
//!
//! The schema is the first gate, not the only one: every plan is still checked
//! against the same access (`plan::Context`). What the schema adds is that
//! introspection, GraphiQL and validation show a role nothing it may not use.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use super::{GraphCatalog, QueryLimits};
use crate::catalog::Catalog;
use crate::query::plan::{Access, Gate};

/// Role schemas kept per service. A schema of Chinook is built in about a
/// millisecond, so a miss is cheap; what bounds the count is memory (each
/// holds its own cache of validated documents).
pub(crate) const ROLE_SCHEMAS: u64 = 8;

/// The role schemas of one service runtime. A catalog refresh makes a new
/// runtime, and with it an empty cache; a policy change raises the version,
/// which empties it too.
pub struct RoleSchemas {
    /// The service's limits; `cache_bytes` is shared out among the role
    /// schemas, so that all of them together keep no more validated
    /// documents than the admin schema does.
    limits: QueryLimits,
    /// The newest policy version a request has brought.
    newest: AtomicI64,
    cache: moka::sync::Cache<(i32, i64), Arc<GraphCatalog>>,
}

impl std::fmt::Debug for RoleSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleSchemas")
            .field("kept", &self.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl RoleSchemas {
    pub fn new(limits: QueryLimits) -> RoleSchemas {
        RoleSchemas {
            limits: QueryLimits {
                cache_bytes: limits.cache_bytes / ROLE_SCHEMAS,
                ..limits
            },
            newest: AtomicI64::new(i64::MIN),
            cache: moka::sync::Cache::builder()
                .max_capacity(ROLE_SCHEMAS)
                // A new version's schemas must get in even while the old
                // version's, used often until the change, still fill the
                // cache (TinyLFU, moka's default, could keep them out).
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .build(),
        }
    }

    /// A schema for `access` with the role schemas' limits, not kept.
    pub fn build(
        &self,
        catalog: &Catalog,
        access: Access<'_>,
    ) -> Result<Arc<GraphCatalog>, String> {
        super::build(catalog, self.limits, access)
            .map(Arc::new)
            .map_err(|e| e.0)
    }

    /// Role `role_id`'s schema as of policy `version`; `gate` (that role's
    /// access under that same version) is made only when the schema is built.
    /// The `Err` says why the schema could not be built.
    pub fn get<G: Gate>(
        &self,
        catalog: &Catalog,
        role_id: i32,
        version: i64,
        gate: impl FnOnce() -> G,
    ) -> Result<Arc<GraphCatalog>, String> {
        let build = |gate: G| self.build(catalog, Access::Role(&gate));
        let newest = self.newest.fetch_max(version, Ordering::AcqRel);
        if version < newest {
            // A request that took the policy before a change another one has
            // seen: built for it alone, so no schema of a past version is kept.
            return build(gate());
        }
        if version > newest {
            self.cache.invalidate_all();
        }
        self.cache
            .try_get_with((role_id, version), || build(gate()))
            .map_err(|e| (*e).clone())
    }

    /// Whether role `role_id`'s schema of `version` is kept (for tests of the
    /// cache's rules).
    #[cfg(test)]
    pub(crate) fn kept(&self, role_id: i32, version: i64) -> bool {
        self.cache.run_pending_tasks();
        self.cache.contains_key(&(role_id, version))
    }
}
