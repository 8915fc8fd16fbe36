//! Opening a service's database and discovering its catalog.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr};

use super::redact::redact;
use super::{Reads, ServiceConfig, ServiceKind};
use crate::catalog::Catalog;
use crate::catalog::discover::{db_error_message, discover};
use crate::query::server_reads::ServerReads;
use crate::query::sqlite::SqliteReads;

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

/// Used when `connect_timeout` is not set: long enough for a remote server,
/// short enough that an admin's "create service" call does not hang.
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// How long a pooled connection may sit idle before it is pinged on checkout
/// (sea-orm's pool and the read pool alike).
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);
/// SQLite serialises writers, so more connections only help readers; one per
/// core of a typical host is plenty.
const DEFAULT_SQLITE_POOL: u32 = 8;
const DEFAULT_SERVER_POOL: u32 = 10;
/// How long a SQLite statement waits for another connection's write lock
/// before failing with "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// A SQLite read's limit when `statement_timeout` is not set: the default request
/// timeout, so that no read outlives its request.
const DEFAULT_SQLITE_STATEMENT_TIMEOUT_MS: u64 = 30_000;

/// A service's read pool, the same size as its sea-orm pool (so a service
/// holds at most twice `pool_size` connections: reads, and everything else).
pub fn reads(kind: ServiceKind, config: &ServiceConfig, conn: &DatabaseConnection) -> Reads {
    let size = config.pool_size.unwrap_or(match kind {
        ServiceKind::Sqlite => DEFAULT_SQLITE_POOL,
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
            return Err(ConnectError::Config(
                "pool_size must be at least 1".to_owned(),
            ));
        }
        Some(n) => n,
        None if kind == ServiceKind::Sqlite => DEFAULT_SQLITE_POOL,
        None => DEFAULT_SERVER_POOL,
    };

    let target = Target::new(kind, config)?;
    let mut options = target.options(config);
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(timeout)
        .acquire_timeout(timeout)
        // sqlx pings every connection it hands out: a second round trip per
        // query. Only a connection idle long enough to have been dropped by
        // the server or a firewall is checked.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        // Logging every statement costs measurable throughput; request
        // tracing already records what matters.
        .sqlx_logging(false);

    let unreachable = |e: DbErr| {
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
    let conn = tokio::time::timeout(timeout, Database::connect(options))
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
    let limited = config.statement_timeout.is_some_and(|ms| ms > 0) && kind != ServiceKind::Sqlite;
    let discovery = if limited {
        let mut options = target.options(&ServiceConfig {
            statement_timeout: None,
            ..config.clone()
        });
        options
            .max_connections(1)
            .connect_timeout(timeout)
            .acquire_timeout(timeout)
            .sqlx_logging(false);
        Database::connect(options).await.map_err(unreachable)?
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

/// What to connect to, validated, with the pieces the error messages need.
enum Target {
    Sqlite {
        path: String,
    },
    Server {
        kind: ServiceKind,
        url: String,
        host: String,
        port: u16,
    },
}

impl Target {
    fn new(kind: ServiceKind, config: &ServiceConfig) -> Result<Self, ConnectError> {
        match kind {
            ServiceKind::Sqlite => {
                let path = config
                    .database
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| {
                        ConnectError::Config(
                            "a SQLite service needs 'database', the path of its file".to_owned(),
                        )
                    })?;
                // Opening must never create a file: a typo in the path would
                // otherwise yield an empty database and a service with no tables.
                match std::fs::metadata(path) {
                    Ok(meta) if meta.is_dir() => Err(ConnectError::Config(format!(
                        "'{path}' is a directory, not a SQLite file"
                    ))),
                    Ok(_) => Ok(Target::Sqlite {
                        path: path.to_owned(),
                    }),
                    Err(_) => Err(ConnectError::Config(format!(
                        "SQLite file '{path}' does not exist"
                    ))),
                }
            }
            ServiceKind::Postgres | ServiceKind::Mysql => {
                let (scheme, default_port) = match kind {
                    ServiceKind::Postgres => ("postgres", 5432),
                    _ => ("mysql", 3306),
                };
                let host = config
                    .host
                    .as_deref()
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .unwrap_or("localhost")
                    .to_owned();
                let port = config.port.unwrap_or(default_port);
                let database = config
                    .database
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty());
                if kind == ServiceKind::Mysql && database.is_none() {
                    return Err(ConnectError::Config(
                        "a MySQL service needs 'database', the database to expose".to_owned(),
                    ));
                }

                let mut url = format!("{scheme}://");
                if let Some(user) = config.username.as_deref().filter(|u| !u.is_empty()) {
                    url.push_str(&percent_encode(user));
                    if let Some(password) = config.password.as_deref().filter(|p| !p.is_empty()) {
                        url.push(':');
                        url.push_str(&percent_encode(password));
                    }
                    url.push('@');
                }
                // An IPv6 literal needs brackets in a URL.
                if host.contains(':') && !host.starts_with('[') {
                    url.push_str(&format!("[{host}]:{port}"));
                } else {
                    url.push_str(&format!("{host}:{port}"));
                }
                if let Some(database) = database {
                    url.push('/');
                    url.push_str(&percent_encode(database));
                }
                if let Some(mode) = config.tls_mode.as_deref().filter(|m| !m.is_empty()) {
                    let param = tls_param(kind, mode)?;
                    url.push('?');
                    url.push_str(&param);
                }
                Ok(Target::Server {
                    kind,
                    url,
                    host,
                    port,
                })
            }
        }
    }

    fn options(&self, config: &ServiceConfig) -> ConnectOptions {
        match self {
            Target::Sqlite { path } => {
                // `mode=rw`: read-write, never create. The file name is also set
                // directly below, so characters that a URL would need escaped
                // (`?`, `#`, `%`) cannot change which file is opened.
                let mut options =
                    ConnectOptions::new(format!("sqlite://{}?mode=rw", percent_encode_path(path)));
                let file = Path::new(path).to_path_buf();
                options.map_sqlx_sqlite_opts(move |o| {
                    o.filename(&file)
                        .create_if_missing(false)
                        // sqlx turns these on by default; stated so that a change
                        // of default cannot silently drop them. The journal mode
                        // is deliberately left alone: WAL is a property of the
                        // user's file, not ours to switch.
                        .foreign_keys(true)
                        .busy_timeout(SQLITE_BUSY_TIMEOUT)
                });
                options
            }
            Target::Server { kind, url, .. } => {
                let mut options = ConnectOptions::new(url.clone());
                if *kind == ServiceKind::Postgres {
                    // Generated SQL names tables unqualified; the search path
                    // makes them resolve in the configured schema.
                    if let Some(schema) = config.schema.as_deref().filter(|s| !s.is_empty()) {
                        options.set_schema_search_path(schema.to_owned());
                    }
                    // The server enforces it even if the client stops waiting.
                    if let Some(ms) = config.statement_timeout.filter(|ms| *ms > 0) {
                        options.statement_timeout(Duration::from_millis(ms));
                    }
                } else if let Some(ms) = config.statement_timeout.filter(|ms| *ms > 0) {
                    // MariaDB's max_statement_time (seconds) covers every
                    // statement; MySQL's max_execution_time (ms) only SELECT.
                    let sql = format!(
                        "SET SESSION max_statement_time = {}",
                        Duration::from_millis(ms).as_secs_f64()
                    );
                    let mysql = format!("SET SESSION max_execution_time = {ms}");
                    options.map_sqlx_mysql_pool_opts(move |o| {
                        let (sql, mysql) = (sql.clone(), mysql.clone());
                        o.after_connect(move |conn, _| {
                            let (sql, mysql) = (sql.clone(), mysql.clone());
                            Box::pin(async move {
                                use sea_orm::sqlx::{AssertSqlSafe, Executor};
                                if conn.execute(AssertSqlSafe(sql)).await.is_err() {
                                    conn.execute(AssertSqlSafe(mysql)).await?;
                                }
                                Ok(())
                            })
                        })
                    });
                }
                options
            }
        }
    }

    fn describe_failure(&self) -> String {
        match self {
            Target::Sqlite { path } => format!("could not open the SQLite file '{path}'"),
            Target::Server {
                kind, host, port, ..
            } => {
                let server = match kind {
                    ServiceKind::Postgres => "PostgreSQL",
                    _ => "MySQL",
                };
                format!("could not connect to the {server} server at {host}:{port}")
            }
        }
    }
}

/// The driver's message, except for a timeout, whose sqlx wording ("pool timed
/// out while waiting for an open connection") points at the wrong culprit. sqlx
/// retries a refused connection until the deadline, so a timeout means either
/// nothing is listening or nothing answers.
fn connect_message(err: &DbErr, timeout: Duration, config: &ServiceConfig) -> String {
    if let DbErr::Conn(RuntimeErr::SqlxError(e)) = err {
        if matches!(**e, sea_orm::sqlx::Error::PoolTimedOut) {
            return format!(
                "no answer within {} ms (is the server running and reachable?)",
                timeout.as_millis()
            );
        }
        if let Some(d) = e.as_database_error() {
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
    }
    // The driver's own text: the only part that could echo a connection string.
    redact(&db_error_message(err), config.password.as_deref())
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

fn tls_param(kind: ServiceKind, mode: &str) -> Result<String, ConnectError> {
    let normalized = mode.trim().to_ascii_lowercase().replace('_', "-");
    let (pg, my) = match normalized.as_str() {
        "disable" | "disabled" | "off" => ("disable", "DISABLED"),
        "prefer" | "preferred" => ("prefer", "PREFERRED"),
        "require" | "required" => ("require", "REQUIRED"),
        "verify-ca" => ("verify-ca", "VERIFY_CA"),
        "verify-full" | "verify-identity" => ("verify-full", "VERIFY_IDENTITY"),
        _ => {
            return Err(ConnectError::Config(format!(
                "unknown tls_mode '{mode}'; use disable, prefer, require, verify-ca or verify-full"
            )));
        }
    };
    Ok(match kind {
        ServiceKind::Postgres => format!("sslmode={pg}"),
        _ => format!("ssl-mode={my}"),
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a user
/// name, password or database name can hold `@`, `:`, `/` or `%`.
pub(super) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Like [`percent_encode`] but keeps `/` (and `\`, `:` for Windows paths), so
/// the URL stays readable in logs.
fn percent_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b'\\' | b':')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(kind: ServiceKind, config: &ServiceConfig) -> String {
        match Target::new(kind, config) {
            Ok(Target::Server { url, .. }) => url,
            Ok(Target::Sqlite { .. }) => String::from("sqlite"),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn server_urls_encode_credentials_and_default_ports() {
        let config = ServiceConfig {
            host: Some("db.example.com".into()),
            database: Some("chinook".into()),
            username: Some("app user".into()),
            password: Some("p@ss:w/rd%".into()),
            ..ServiceConfig::default()
        };
        assert_eq!(
            server(ServiceKind::Postgres, &config),
            "postgres://app%20user:p%40ss%3Aw%2Frd%25@db.example.com:5432/chinook"
        );
        assert_eq!(
            server(ServiceKind::Mysql, &config),
            "mysql://app%20user:p%40ss%3Aw%2Frd%25@db.example.com:3306/chinook"
        );
        let ipv6 = ServiceConfig {
            host: Some("::1".into()),
            port: Some(6543),
            tls_mode: Some("require".into()),
            ..ServiceConfig::default()
        };
        assert_eq!(
            server(ServiceKind::Postgres, &ipv6),
            "postgres://[::1]:6543?sslmode=require"
        );
        assert!(server(ServiceKind::Mysql, &ipv6).starts_with("error: a MySQL service needs"));
    }

    #[test]
    fn bad_configs_are_sentences_without_the_password() {
        let config = ServiceConfig {
            database: Some("/nonexistent/dir/x.db".into()),
            password: Some("hunter2".into()),
            ..ServiceConfig::default()
        };
        assert_eq!(
            server(ServiceKind::Sqlite, &config),
            "error: SQLite file '/nonexistent/dir/x.db' does not exist"
        );
        let bad_tls = ServiceConfig {
            tls_mode: Some("sometimes".into()),
            ..config.clone()
        };
        let msg = server(ServiceKind::Postgres, &bad_tls);
        assert!(
            msg.starts_with("error: unknown tls_mode 'sometimes'"),
            "{msg}"
        );
        assert_eq!(
            redact("login as x:hunter2 failed", config.password.as_deref()),
            "login as x:<redacted> failed"
        );
    }

    #[tokio::test]
    async fn a_missing_sqlite_file_is_not_created() {
        let path = std::env::temp_dir().join(format!("apiforge-missing-{}.db", std::process::id()));
        let config = ServiceConfig {
            database: Some(path.display().to_string()),
            ..ServiceConfig::default()
        };
        let err = open(ServiceKind::Sqlite, &config).await.err();
        assert!(
            matches!(&err, Some(ConnectError::Config(m)) if m.contains("does not exist")),
            "{err:?}"
        );
        assert!(!path.exists());
    }
}
