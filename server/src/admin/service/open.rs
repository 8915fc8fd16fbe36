//! The one code path that turns a service definition into a live runtime:
//! used by the handlers, by start-up and by `--demo`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::spec::ServiceSpec;
use crate::admin::error::AdminError;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::graphql;
use crate::graphql::schema::roles::RoleSchemas;
use crate::graphql::schema::{GraphCatalog, QueryLimits};
use crate::log_text::escaped;
use crate::query::plan::Access;
use crate::services::config::{DEFAULT_GRAPHQL_MAX_COMPLEXITY, DEFAULT_GRAPHQL_MAX_DEPTH};
use crate::services::sqlite_path::{self, SqlitePathError};
use crate::services::{ServiceConfig, ServiceKind, ServiceRuntime, connect};

/// A service's database, opened: what [`runtime`] puts live.
pub struct Opened {
    conn: DatabaseConnection,
    catalog: Catalog,
    /// The config as opened: a SQLite path is the resolved one, so that the
    /// read pool's later connections open the file that was checked.
    config: ServiceConfig,
}

impl Opened {
    pub fn tables(&self) -> usize {
        self.catalog.tables.len()
    }

    /// For a database that was only opened to be checked (`_test`).
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// Opens the service's database; a SQLite file only if [`sqlite_path::check`]
/// allows it. Every open comes here (create, update, `_test`, refresh,
/// start-up), so a stored service that the rules refuse is never opened.
/// Drivers' messages are redacted in `connect`.
pub async fn open(settings: &Settings, spec: &ServiceSpec) -> Result<Opened, AdminError> {
    let config = checked_config(settings, spec)?;
    let (conn, catalog) = connect::open(spec.kind, &config)
        .await
        .map_err(|e| AdminError::Connect(e.to_string()))?;
    Ok(Opened {
        conn,
        catalog,
        config,
    })
}

/// The config to open, a SQLite file's path checked and resolved. A missing
/// `database` is left for `connect` to explain.
fn checked_config(
    settings: &Settings,
    spec: &ServiceSpec,
) -> Result<ServiceConfig, SqlitePathError> {
    let path = match spec.kind {
        ServiceKind::Sqlite => spec.config.database.as_deref().map(str::trim),
        _ => None,
    };
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Ok(spec.config.clone());
    };
    let resolved = sqlite_path::check(path, settings)?;
    Ok(ServiceConfig {
        // A path that is not UTF-8 cannot be stored in the config: keep the
        // checked original.
        database: Some(
            resolved
                .into_os_string()
                .into_string()
                .unwrap_or_else(|_| path.to_owned()),
        ),
        ..spec.config.clone()
    })
}

/// Opens the database only for an active service: deactivating one whose
/// database is gone must still work. An inactive one's SQLite path is still
/// checked, so that no refused path is stored.
pub async fn open_if_active(
    settings: &Settings,
    spec: &ServiceSpec,
) -> Result<Option<Opened>, AdminError> {
    if spec.is_active {
        return open(settings, spec).await.map(Some);
    }
    match checked_config(settings, spec) {
        Ok(_) | Err(SqlitePathError::Missing { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn runtime(id: i32, spec: &ServiceSpec, opened: Opened) -> ServiceRuntime {
    let Opened {
        conn,
        catalog,
        config,
    } = opened;
    ServiceRuntime {
        id,
        name: spec.name.clone(),
        label: spec.label.clone(),
        description: spec.description.clone(),
        kind: spec.kind,
        reads: connect::reads(spec.kind, &config, &conn),
        config,
        conn,
        graphql: graphql_schema(spec, &catalog),
        role_graphql: RoleSchemas::new(graphql_limits(spec)),
        openapi: crate::openapi::cache::Docs::default(),
        catalog: Arc::new(catalog),
    }
}

/// Built with the runtime, so a refreshed catalog gets a new schema at once
/// (the roles' schemas are built on first use, `graphql::role`).
fn graphql_schema(spec: &ServiceSpec, catalog: &Catalog) -> Result<Arc<GraphCatalog>, String> {
    graphql::schema::build(catalog, graphql_limits(spec), Access::Full)
        .map(Arc::new)
        .map_err(|e| {
            tracing::warn!(service = %escaped(&spec.name), error = %escaped(&e.to_string()), "GraphQL schema not built");
            e.0
        })
}

fn graphql_limits(spec: &ServiceSpec) -> QueryLimits {
    QueryLimits {
        max_depth: spec
            .config
            .graphql_max_depth
            .unwrap_or(DEFAULT_GRAPHQL_MAX_DEPTH),
        max_complexity: spec
            .config
            .graphql_max_complexity
            .unwrap_or(DEFAULT_GRAPHQL_MAX_COMPLEXITY),
        cache_bytes: spec.config.graphql_cache_bytes(),
    }
}
