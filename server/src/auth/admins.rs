//! Whether the admin a session token names still exists.
//!
//! A token stays validly signed until it expires (a day by default), so
//! without this check deleting an admin would not end their sessions. The
//! answer is cached briefly so that an admin request does not cost a query:
//! a row changed by another process (the CLI, another server, SQL by hand) is
//! noticed within [`TTL`]; changes made by this server call
//! [`AdminCache::invalidate`].

use std::time::Duration;

use entity::admin;
use moka::sync::Cache;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::AuthError;

/// How long a "this admin exists" answer is trusted.
pub const TTL: Duration = Duration::from_secs(30);

/// Admin id → email, for admins known to exist. Only existence is cached: a
/// missing id is asked again each time, so an admin created after a failed
/// lookup is never refused for a stale answer (and only tokens signed with our
/// key get this far, so the lookups cannot be forced at will).
pub struct AdminCache {
    known: Cache<i32, String>,
}

impl Default for AdminCache {
    fn default() -> Self {
        AdminCache {
            known: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(TTL)
                .build(),
        }
    }
}

impl AdminCache {
    /// Ok if admin `id` exists with `email` (the token's). The email must match
    /// too: ids can be reused after a delete, and a token made for the old
    /// admin must not open the new one's session.
    pub async fn check(
        &self,
        db: &DatabaseConnection,
        id: i32,
        email: &str,
    ) -> Result<(), AuthError> {
        let stored = match self.known.get(&id) {
            Some(stored) => stored,
            None => {
                let row = admin::Entity::find_by_id(id)
                    .one(db)
                    .await
                    .map_err(|e| AuthError::Lookup(e.to_string()))?
                    .ok_or(AuthError::AdminGone)?;
                self.known.insert(id, row.email.clone());
                row.email
            }
        };
        if stored == email {
            Ok(())
        } else {
            Err(AuthError::AdminGone)
        }
    }

    /// Forget what is known about admin `id`: call it whenever this server
    /// deletes an admin or changes its email, so that their sessions end at
    /// their next request rather than within [`TTL`].
    pub fn invalidate(&self, id: i32) {
        self.known.invalidate(&id);
    }
}
