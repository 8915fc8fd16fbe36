//! The admin API's errors and how each becomes the common envelope.
//!
//! Database constraint violations become 409 rather than 500, because two
//! admins racing for one name is not a bug.

use sea_orm::{DbErr, SqlErr};

use crate::auth::AuthError;
use crate::auth::policy::PolicyError;
use crate::auth::secret::SecretError;
use crate::error::ApiError;
use crate::services::sqlite_path::SqlitePathError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// 400: the request is wrong in a way the sentence explains.
    #[error("{0}")]
    Invalid(String),
    /// 400: the service's database could not be opened (the sentence says why).
    #[error("{0}")]
    Connect(String),
    /// 400: a SQLite service's file is one no service may use.
    #[error(transparent)]
    SqlitePath(#[from] SqlitePathError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("system database error: {0}")]
    Db(#[from] DbErr),
    /// The change is committed but the access snapshot could not be rebuilt
    /// from it: a server fault (500), not the request's.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("{0}")]
    Internal(String),
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Auth(a) => a.into(),
            AdminError::Invalid(m) | AdminError::Connect(m) => ApiError::BadRequest(m),
            AdminError::SqlitePath(e) => ApiError::BadRequest(e.to_string()),
            AdminError::NotFound(m) => ApiError::NotFound(m),
            AdminError::Conflict(m) => ApiError::Conflict {
                message: m,
                context: None,
            },
            // Decryption failing is an operator problem the admin can fix (restore
            // the key, or send the password again): say so instead of a bare 500.
            AdminError::Secret(s @ SecretError::Decrypt) => ApiError::BadRequest(format!(
                "{s}; send the service's password again (PATCH its config.password) or restore the old key"
            )),
            AdminError::Secret(s) => ApiError::internal(s),
            AdminError::Db(db) => match db.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::Conflict {
                    message: "this conflicts with an existing record: a name that must be unique is already taken".into(),
                    context: None,
                },
                Some(SqlErr::ForeignKeyConstraintViolation(_)) => ApiError::Conflict {
                    message: "this refers to a record that does not exist, or is still referred to by another".into(),
                    context: None,
                },
                _ => ApiError::internal(db),
            },
            AdminError::Policy(p) => ApiError::internal(p),
            AdminError::Internal(m) => ApiError::Internal(m),
        }
    }
}
