//! Opening a service's database and discovering its catalog.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use sea_orm::sqlx;

use super::redact::redact;
use super::target::{BadConfig, IDLE_BEFORE_PING, PoolShape, SQLITE_BUSY_TIMEOUT, Target};
use super::{Reads, ServiceConfig, ServiceKind};
use crate::catalog::Catalog;
use crate::catalog::discover::{discover, sqlx_error_message};
use crate::query::server_reads::ServerReads;
use crate::query::sqlite::SqliteReads;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Config(#[from] BadConfig),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Discovery(String),
}

/// Used when `connect_timeout` is not set: long enough for a remote server,
/// short enough that an admin's "create service" call does not hang.
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_SERVER_POOL: u32 = 10;

/// A SQLite service's default `pool_size`: two connections per core, at least
/// four. SQLite serialises writers, so more connections only help readers, and a
/// SQLite read runs on its connection's own thread, holding its answer (and the
/// allocator pages it took) while it builds it: past a few per core, more reads
/// only wait for the CPU with their memory held. Measured on 2 cores, 8 clients
/// reading 347 albums with their tracks (a 640 KB answer): 8 connections held
/// 3.8 MB per read in flight, 4 held 1.5 MB; 2 held 0.2 MB but cost 10–15% of
/// the small reads' throughput (W1, W2), which 4 do not.
fn default_sqlite_pool() -> u32 {
    std::thread::available_parallelism()
        .map_or(4, |n| u32::try_from(n.get() * 2).unwrap_or(u32::MAX))
        .max(4)
}
/// A SQLite read's limit when `statement_timeout` is not set: the default request
/// timeout, so that no read outlives its request.
const DEFAULT_SQLITE_STATEMENT_TIMEOUT_MS: u64 = 30_000;

/// A service's read pool, the same size as its sea-orm pool (so a service
/// holds at most twice `pool_size` connections: reads, and everything else).
pub fn reads(kind: ServiceKind, config: &ServiceConfig, conn: &DatabaseConnection) -> Reads {
    let size = config.pool_size.unwrap_or(match kind {
        ServiceKind::Sqlite => default_sqlite_pool(),
        _ => DEFAULT_SERVER_POOL,
    });
    if kind != ServiceKind::Sqlite {
        return ServerReads::new(conn, size, connect_timeout(config), IDLE_BEFORE_PING)
            .map_or(Reads::SeaOrm, Reads::Server);
    }
    let Some(path) = config.database.as_deref().map(str::trim) else {
        return Reads::SeaOrm;
    };
    Reads::Sqlite(Arc::new(SqliteReads::new(
        path.into(),
        size,
        SQLITE_BUSY_TIMEOUT,
        Duration::from_millis(
            config
                .statement_timeout
                .filter(|ms| *ms > 0)
                .unwrap_or(DEFAULT_SQLITE_STATEMENT_TIMEOUT_MS),
        ),
    )))
}

fn connect_timeout(config: &ServiceConfig) -> Duration {
    Duration::from_millis(config.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS))
}

/// Opens a pooled connection for a service and discovers its catalog, keeping
/// only the tables the service exposes (`allow_tables`/`deny_tables`).
pub async fn open(
    kind: ServiceKind,
    config: &ServiceConfig,
) -> Result<(DatabaseConnection, Catalog), ConnectError> {
    let timeout = connect_timeout(config);
    let pool_size = match config.pool_size {
        Some(0) => {
            return Err(BadConfig::from("pool_size must be at least 1").into());
        }
        Some(n) => n,
        None if kind == ServiceKind::Sqlite => default_sqlite_pool(),
        None => DEFAULT_SERVER_POOL,
    };
    let statement_timeout = config.statement_timeout.filter(|ms| *ms > 0);

    let target = Target::new(kind, config)?;
    let unreachable = |e: sqlx::Error| {
        ConnectError::Unreachable(format!(
            "{}: {}",
            target.describe_failure(),
            connect_message(&e, timeout, config)
        ))
    };
    if let Target::Server { host, port, .. } = &target {
        preflight(host, *port, timeout).await.map_err(|why| {
            ConnectError::Unreachable(format!("{}: {why}", target.describe_failure()))
        })?;
    }
    let shape = PoolShape {
        size: pool_size,
        timeout,
        statement_timeout,
    };
    let conn = tokio::time::timeout(timeout, target.connect(config, shape))
        .await
        .map_err(|_| {
            ConnectError::Unreachable(format!(
                "{}: no answer within {} ms (is it a database server, and is it up?)",
                target.describe_failure(),
                timeout.as_millis()
            ))
        })?
        .map_err(unreachable)?;

    // Reading the schema takes longer than a tight statement timeout allows
    // (it is meant for clients' queries): it gets a connection of its own.
    let limited = statement_timeout.is_some() && kind != ServiceKind::Sqlite;
    let discovery = if limited {
        let shape = PoolShape {
            size: 1,
            timeout,
            statement_timeout: None,
        };
        target.connect(config, shape).await.map_err(unreachable)?
    } else {
        conn.clone()
    };

    // For MySQL the connected database is the one to describe; `schema` has
    // no separate meaning there.
    let schema = match kind {
        ServiceKind::Mysql => None,
        _ => config.schema.as_deref(),
    };
    let discovered = discover(&discovery, schema).await;
    if limited {
        let _ = discovery.close().await;
    }
    let mut tables = discovered
        .map_err(|e| ConnectError::Discovery(redact(&e.to_string(), config.password.as_deref())))?;
    tables.retain(|t| config.exposes(&t.name));
    Ok((conn, Catalog::new(tables)))
}

/// The driver's message, except for a timeout, whose sqlx wording ("pool timed
/// out while waiting for an open connection") points at the wrong culprit. sqlx
/// retries a refused connection until the deadline, so a timeout means either
/// nothing is listening or nothing answers.
fn connect_message(err: &sqlx::Error, timeout: Duration, config: &ServiceConfig) -> String {
    if matches!(err, sqlx::Error::PoolTimedOut) {
        return format!(
            "no answer within {} ms (is the server running and reachable?)",
            timeout.as_millis()
        );
    }
    if let Some(d) = err.as_database_error() {
        let code = d.code().unwrap_or_default();
        let text = d.message().to_ascii_lowercase();
        // PostgreSQL 28P01/28000, MySQL 1045 (SQLSTATE 28000).
        if code.starts_with("28") || text.contains("access denied") {
            return format!(
                "the user name or password was refused (user '{}')",
                config.username.as_deref().unwrap_or_default()
            );
        }
        // PostgreSQL 3D000; MySQL 1049 "Unknown database 'x'".
        if code == "3D000" || text.contains("unknown database") {
            return format!(
                "the database '{}' does not exist on that server",
                config.database.as_deref().unwrap_or_default()
            );
        }
    }
    // The driver's own text: the only kind that could echo the password.
    redact(&sqlx_error_message(err), config.password.as_deref())
}

/// A plain TCP connection first, so that the usual mistakes get their own
/// sentence at once (sqlx would retry a refused connection until the timeout).
async fn preflight(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    let addrs = match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Err(_) => return Err(format!("no answer within {} ms", timeout.as_millis())),
        Ok(Err(_)) => {
            return Err(format!(
                "the host '{host}' was not found (check the host name)"
            ));
        }
        Ok(Ok(a)) => a.collect::<Vec<_>>(),
    };
    let Some(first) = addrs.first() else {
        return Err(format!(
            "the host '{host}' was not found (check the host name)"
        ));
    };
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(first)).await {
        Err(_) => Err(format!(
            "no answer within {} ms (is the host reachable, and the port open?)",
            timeout.as_millis()
        )),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(format!(
            "nothing is listening at {host}:{port} (connection refused; is the server running, on that port?)"
        )),
        Ok(Err(e)) => Err(format!("{host}:{port} cannot be reached ({e})")),
        Ok(Ok(_)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_sqlite_file_is_not_created() {
        let path = std::env::temp_dir().join(format!("apiforge-missing-{}.db", std::process::id()));
        let config = ServiceConfig {
            database: Some(path.display().to_string()),
            ..ServiceConfig::default()
        };
        let err = open(ServiceKind::Sqlite, &config).await.err();
        assert!(
            matches!(&err, Some(ConnectError::Config(m)) if m.to_string().contains("does not exist")),
            "{err:?}"
        );
        assert!(!path.exists());
    }
}
