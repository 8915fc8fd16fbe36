//! Opening a service's database and discovering its catalog.

use sea_orm::DatabaseConnection;

use super::{ServiceConfig, ServiceKind};
use crate::catalog::Catalog;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// A sentence for the admin; never contains a password.
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Discovery(String),
}

/// Opens a pooled connection for a service and discovers its catalog.
pub async fn open(
    kind: ServiceKind,
    config: &ServiceConfig,
) -> Result<(DatabaseConnection, Catalog), ConnectError> {
    let _ = (kind, config);
    Err(ConnectError::Config("not implemented yet".into()))
}
