//! What every handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::jwt::JwtKeys;
use crate::auth::secret::SecretBox;
use crate::services::Registry;

#[derive(Clone)]
pub struct AppState {
    /// The system database (admins, services, roles, apps).
    pub system: DatabaseConnection,
    pub services: Arc<Registry>,
    pub jwt: Arc<JwtKeys>,
    /// Encrypts service passwords at rest.
    pub secret: Arc<SecretBox>,
    pub data_dir: PathBuf,
}
