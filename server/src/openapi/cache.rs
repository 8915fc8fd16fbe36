//! The rendered documents of one service runtime, per caller. Kept apart
//! from the handler: the service runtime holds a [`Docs`], and this module
//! needs nothing of the request path (no context, no state), so the registry
//! does not import the code that reads it.

use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Bytes;

/// Documents kept per service runtime: the admin's and a few roles'. One of
/// Chinook is built in about a millisecond; what is saved is mostly the
/// rendering, which a docs page asks for on every load.
const KEPT: u64 = 16;

/// Whose document: an admin session sees everything, whatever the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Admin,
    Role { id: i32, version: i64 },
}

/// The rendered documents of one service runtime. A catalog refresh makes a
/// new runtime, and with it an empty cache; a policy change raises the
/// version, which empties it.
pub struct Docs {
    /// The newest policy version a request has brought.
    newest: AtomicI64,
    cache: moka::sync::Cache<Key, Bytes>,
}

impl Default for Docs {
    fn default() -> Self {
        Docs {
            newest: AtomicI64::new(i64::MIN),
            cache: moka::sync::Cache::builder()
                .max_capacity(KEPT)
                // As for the GraphQL role schemas: a new version's documents
                // must get in while the old version's still fill the cache.
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .build(),
        }
    }
}

impl std::fmt::Debug for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Docs")
            .field("kept", &self.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl Docs {
    /// The admin's document, rendered by `render` on first use.
    pub fn admin(&self, render: impl FnOnce() -> Result<Bytes, String>) -> Result<Bytes, String> {
        self.cache
            .try_get_with(Key::Admin, render)
            .map_err(|e| (*e).clone())
    }

    /// Role `role_id`'s document as of policy `version`.
    pub fn role(
        &self,
        role_id: i32,
        version: i64,
        render: impl FnOnce() -> Result<Bytes, String>,
    ) -> Result<Bytes, String> {
        let newest = self.newest.fetch_max(version, Ordering::AcqRel);
        if version < newest {
            // A request that took the policy before a change another one has
            // seen: rendered for it alone, so no past version is kept.
            return render();
        }
        if version > newest {
            // The admin's goes too: one document, cheap to render again.
            self.cache.invalidate_all();
        }
        self.cache
            .try_get_with(
                Key::Role {
                    id: role_id,
                    version,
                },
                render,
            )
            .map_err(|e| (*e).clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A render that counts its calls and answers `text`.
    fn counting<'a>(
        calls: &'a Cell<u32>,
        text: &'static str,
    ) -> impl FnOnce() -> Result<Bytes, String> + 'a {
        move || {
            calls.set(calls.get() + 1);
            Ok(Bytes::from_static(text.as_bytes()))
        }
    }

    #[test]
    fn documents_are_kept_per_caller_and_policy_version() {
        let docs = Docs::default();
        let calls = Cell::new(0);
        assert_eq!(docs.admin(counting(&calls, "admin")).unwrap(), "admin");
        assert_eq!(docs.admin(counting(&calls, "other")).unwrap(), "admin");
        assert_eq!(calls.get(), 1);

        assert_eq!(docs.role(7, 1, counting(&calls, "r7v1")).unwrap(), "r7v1");
        assert_eq!(docs.role(7, 1, counting(&calls, "x")).unwrap(), "r7v1");
        assert_eq!(docs.role(8, 1, counting(&calls, "r8v1")).unwrap(), "r8v1");
        assert_eq!(calls.get(), 3);

        // A newer policy: role 7's document is built again.
        assert_eq!(docs.role(7, 2, counting(&calls, "r7v2")).unwrap(), "r7v2");
        assert_eq!(calls.get(), 4);
        // A request that took the older policy gets its own document, not kept.
        assert_eq!(docs.role(7, 1, counting(&calls, "old")).unwrap(), "old");
        assert_eq!(
            docs.role(7, 1, counting(&calls, "old again")).unwrap(),
            "old again"
        );
        assert_eq!(docs.role(7, 2, counting(&calls, "x")).unwrap(), "r7v2");
        assert_eq!(calls.get(), 6);
    }

    #[test]
    fn a_failed_render_is_not_kept() {
        let docs = Docs::default();
        assert!(docs.admin(|| Err("no".to_owned())).is_err());
        assert_eq!(
            docs.admin(|| Ok(Bytes::from_static(b"yes"))).unwrap(),
            "yes"
        );
    }
}
