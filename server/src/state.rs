//! What every handler can reach.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::admins::AdminCache;
use crate::auth::jwt::JwtKeys;
use crate::auth::policy::Policies;
use crate::auth::secret::SecretBox;
use crate::auth::{Guards, Sessions};
use crate::config::Settings;
use crate::services::Registry;

/// Cloned for every request and middleware layer, so it is one reference count
/// (cloning the fields one by one allocated a `PathBuf` each time).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    /// The system database (admins, services, roles, apps).
    pub system: DatabaseConnection,
    pub services: Arc<Registry>,
    pub jwt: Arc<JwtKeys>,
    /// Encrypts service passwords at rest.
    pub secret: Arc<SecretBox>,
    /// As loaded at startup (limits read by request paths).
    pub settings: Arc<Settings>,
    /// Login throttle, password-check bound, known admins, `_test` allowance.
    pub auth: Guards,
    /// Apps' keys and roles' rules, swapped whole after each change.
    pub policies: Arc<Policies>,
}

impl Sessions for AppState {
    fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    fn admins(&self) -> &AdminCache {
        &self.auth.admins
    }

    fn system(&self) -> &DatabaseConnection {
        &self.system
    }

    fn policies(&self) -> &Policies {
        &self.policies
    }
}
