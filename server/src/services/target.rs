//! What a service's config says to connect to, as each driver's own typed
//! options, and how its pool is made. No connection string is assembled, so
//! no credential needs escaping and no driver can echo one.

use std::time::Duration;

use sea_orm::sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sea_orm::sqlx::pool::PoolOptions;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{self, AssertSqlSafe, ConnectOptions as _, Connection as _, Executor as _};
use sea_orm::{DatabaseConnection, SqlxMySqlConnector, SqlxPostgresConnector, SqlxSqliteConnector};

use super::{ServiceConfig, ServiceKind};

/// How long a pooled connection may sit idle before it is pinged on checkout
/// (sea-orm's pool and the read pool alike).
pub const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);
/// How long a SQLite statement waits for another connection's write lock
/// before failing with "database is locked".
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A config that cannot be connected with, as a sentence for the admin; never
/// contains a password.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadConfig(String);

impl From<&str> for BadConfig {
    fn from(sentence: &str) -> Self {
        BadConfig(sentence.to_owned())
    }
}

/// How a service's pool is made, whatever the backend.
#[derive(Clone, Copy)]
pub struct PoolShape {
    pub size: u32,
    /// Bounds both the wait for a free connection and the opening of a new one.
    pub timeout: Duration,
    /// Milliseconds, enforced by the server (PostgreSQL, MySQL).
    pub statement_timeout: Option<u64>,
}

impl PoolShape {
    fn options<DB: sqlx::Database>(self) -> PoolOptions<DB> {
        PoolOptions::new()
            .max_connections(self.size)
            .min_connections(1)
            .acquire_timeout(self.timeout)
            // sqlx pings every connection it hands out: a second round trip per
            // query. Only a connection idle long enough to have been dropped by
            // the server or a firewall is checked.
            .test_before_acquire(false)
            .before_acquire(|conn: &mut DB::Connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
    }
}

/// What to connect to, validated: the driver's own typed options (so no
/// connection string is assembled, and no credential needs escaping), with
/// the pieces the error messages need.
pub enum Target {
    Sqlite {
        path: String,
    },
    Server {
        host: String,
        port: u16,
        options: ServerOptions,
    },
}

/// Boxed: the drivers' options are large beside a SQLite path, and a
/// `Target` lives only while a service opens.
pub enum ServerOptions {
    Postgres(Box<PgConnectOptions>),
    Mysql(Box<MySqlConnectOptions>),
}

impl Target {
    pub fn new(kind: ServiceKind, config: &ServiceConfig) -> Result<Self, BadConfig> {
        if kind == ServiceKind::Sqlite {
            let path = config
                .database
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    BadConfig("a SQLite service needs 'database', the path of its file".to_owned())
                })?;
            // Opening must never create a file: a typo in the path would
            // otherwise yield an empty database and a service with no tables.
            return match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => Err(BadConfig(format!(
                    "'{path}' is a directory, not a SQLite file"
                ))),
                Ok(_) => Ok(Target::Sqlite {
                    path: path.to_owned(),
                }),
                Err(_) => Err(BadConfig(format!("SQLite file '{path}' does not exist"))),
            };
        }
        let host = config
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost")
            .to_owned();
        let database = config
            .database
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        // A password goes with a user name; without one, the driver's defaults apply.
        let username = config.username.as_deref().filter(|u| !u.is_empty());
        let password = username.and(config.password.as_deref().filter(|p| !p.is_empty()));
        let tls = config
            .tls_mode
            .as_deref()
            .filter(|m| !m.is_empty())
            .map(TlsMode::parse)
            .transpose()?;
        let (port, options) = if kind == ServiceKind::Postgres {
            let port = config.port.unwrap_or(5432);
            // Not `new()`: that would read the server's own `~/.pgpass` for
            // the default host and user, a password meant for another server.
            let mut o = PgConnectOptions::new_without_pgpass()
                .host(&host)
                .port(port);
            if let Some(user) = username {
                o = o.username(user);
            }
            if let Some(password) = password {
                o = o.password(password);
            }
            if let Some(database) = database {
                o = o.database(database);
            }
            if let Some(tls) = tls {
                o = o.ssl_mode(tls.postgres());
            }
            (port, ServerOptions::Postgres(Box::new(o)))
        } else {
            let Some(database) = database else {
                return Err(BadConfig(
                    "a MySQL service needs 'database', the database to expose".to_owned(),
                ));
            };
            let port = config.port.unwrap_or(3306);
            let mut o = MySqlConnectOptions::new()
                .host(&host)
                .port(port)
                .database(database);
            if let Some(user) = username {
                o = o.username(user);
            }
            if let Some(password) = password {
                o = o.password(password);
            }
            if let Some(tls) = tls {
                o = o.ssl_mode(tls.mysql());
            }
            (port, ServerOptions::Mysql(Box::new(o)))
        };
        Ok(Target::Server {
            host,
            port,
            options,
        })
    }

    /// A pool as `shape` says, handed to sea-orm.
    pub async fn connect(
        &self,
        config: &ServiceConfig,
        shape: PoolShape,
    ) -> Result<DatabaseConnection, sqlx::Error> {
        match self {
            Target::Sqlite { path } => {
                // Read-write, never create (`mode=rw`). sqlx turns foreign keys
                // on by default; stated so that a change of default cannot
                // silently drop them. The journal mode is deliberately left
                // alone: WAL is a property of the user's file, not ours to switch.
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .read_only(false)
                    .create_if_missing(false)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .disable_statement_logging();
                let pool = shape.options().connect_with(options).await?;
                Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
            }
            Target::Server {
                options: ServerOptions::Postgres(options),
                ..
            } => {
                // Logging every statement costs measurable throughput; request
                // tracing already records what matters.
                let mut options = PgConnectOptions::clone(options).disable_statement_logging();
                // The server enforces it even if the client stops waiting.
                if let Some(ms) = shape.statement_timeout {
                    options = options.options([("statement_timeout", ms.to_string())]);
                }
                let mut pool = shape.options::<sqlx::Postgres>();
                // Generated SQL names tables unqualified; the search path
                // makes them resolve in the configured schema.
                if let Some(schema) = config.schema.as_deref().filter(|s| !s.is_empty()) {
                    let sql = format!("SET search_path = {}", quoted(schema));
                    pool = pool.after_connect(move |conn, _| {
                        let sql = sql.clone();
                        Box::pin(async move { conn.execute(AssertSqlSafe(sql)).await.map(|_| ()) })
                    });
                }
                let pool = pool.connect_with(options).await?;
                Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
            }
            Target::Server {
                options: ServerOptions::Mysql(options),
                ..
            } => {
                let options = MySqlConnectOptions::clone(options).disable_statement_logging();
                let mut pool = shape.options::<sqlx::MySql>();
                if let Some(ms) = shape.statement_timeout {
                    // MariaDB's max_statement_time (seconds) covers every
                    // statement; MySQL's max_execution_time (ms) only SELECT.
                    let mariadb = format!(
                        "SET SESSION max_statement_time = {}",
                        Duration::from_millis(ms).as_secs_f64()
                    );
                    let mysql = format!("SET SESSION max_execution_time = {ms}");
                    pool = pool.after_connect(move |conn, _| {
                        let (mariadb, mysql) = (mariadb.clone(), mysql.clone());
                        Box::pin(async move {
                            if conn.execute(AssertSqlSafe(mariadb)).await.is_err() {
                                conn.execute(AssertSqlSafe(mysql)).await?;
                            }
                            Ok(())
                        })
                    });
                }
                let pool = pool.connect_with(options).await?;
                Ok(SqlxMySqlConnector::from_sqlx_mysql_pool(pool))
            }
        }
    }

    pub fn describe_failure(&self) -> String {
        match self {
            Target::Sqlite { path } => format!("could not open the SQLite file '{path}'"),
            Target::Server {
                host,
                port,
                options,
            } => {
                let server = match options {
                    ServerOptions::Postgres(_) => "PostgreSQL",
                    ServerOptions::Mysql(_) => "MySQL",
                };
                format!("could not connect to the {server} server at {host}:{port}")
            }
        }
    }
}

/// A PostgreSQL identifier, quoted: the schema's name as written, whatever
/// its case or characters.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `tls_mode`, in the words of either driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl TlsMode {
    fn parse(mode: &str) -> Result<Self, BadConfig> {
        let normalized = mode.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match normalized.as_str() {
            "disable" | "disabled" | "off" => TlsMode::Disable,
            "prefer" | "preferred" => TlsMode::Prefer,
            "require" | "required" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" | "verify-identity" => TlsMode::VerifyFull,
            _ => {
                return Err(BadConfig(format!(
                    "unknown tls_mode '{mode}'; use disable, prefer, require, verify-ca or verify-full"
                )));
            }
        })
    }

    fn postgres(self) -> PgSslMode {
        match self {
            TlsMode::Disable => PgSslMode::Disable,
            TlsMode::Prefer => PgSslMode::Prefer,
            TlsMode::Require => PgSslMode::Require,
            TlsMode::VerifyCa => PgSslMode::VerifyCa,
            TlsMode::VerifyFull => PgSslMode::VerifyFull,
        }
    }

    fn mysql(self) -> MySqlSslMode {
        match self {
            TlsMode::Disable => MySqlSslMode::Disabled,
            TlsMode::Prefer => MySqlSslMode::Preferred,
            TlsMode::Require => MySqlSslMode::Required,
            TlsMode::VerifyCa => MySqlSslMode::VerifyCa,
            TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(kind: ServiceKind, config: &ServiceConfig) -> String {
        match Target::new(kind, config) {
            Ok(Target::Server {
                options: ServerOptions::Postgres(o),
                ..
            }) => format!(
                "postgres {}:{} user={} db={:?} tls={:?}",
                o.get_host(),
                o.get_port(),
                o.get_username(),
                o.get_database(),
                o.get_ssl_mode()
            ),
            Ok(Target::Server {
                options: ServerOptions::Mysql(o),
                ..
            }) => format!(
                "mysql {}:{} user={} db={:?} tls={:?}",
                o.get_host(),
                o.get_port(),
                o.get_username(),
                o.get_database(),
                o.get_ssl_mode()
            ),
            Ok(Target::Sqlite { .. }) => String::from("sqlite"),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn credentials_go_to_the_driver_as_they_are_with_default_ports() {
        let config = ServiceConfig {
            host: Some("db.example.com".into()),
            database: Some("chin/ook%41".into()),
            username: Some("app user@x".into()),
            password: Some("p@ss:w/rd%".into()),
            ..ServiceConfig::default()
        };
        assert_eq!(
            server(ServiceKind::Postgres, &config),
            "postgres db.example.com:5432 user=app user@x db=Some(\"chin/ook%41\") tls=Prefer"
        );
        assert_eq!(
            server(ServiceKind::Mysql, &config),
            "mysql db.example.com:3306 user=app user@x db=Some(\"chin/ook%41\") tls=Preferred"
        );
        let ipv6 = ServiceConfig {
            host: Some("::1".into()),
            port: Some(6543),
            username: Some("u".into()),
            tls_mode: Some("require".into()),
            ..ServiceConfig::default()
        };
        assert!(
            server(ServiceKind::Postgres, &ipv6).starts_with("postgres ::1:6543 user=u "),
            "{}",
            server(ServiceKind::Postgres, &ipv6)
        );
        assert!(server(ServiceKind::Postgres, &ipv6).ends_with(" tls=Require"));
        assert!(server(ServiceKind::Mysql, &ipv6).starts_with("error: a MySQL service needs"));
        let verify = ServiceConfig {
            database: Some("d".into()),
            tls_mode: Some("Verify_Full".into()),
            ..ServiceConfig::default()
        };
        assert!(server(ServiceKind::Mysql, &verify).ends_with(" tls=VerifyIdentity"));
    }

    #[test]
    fn a_schema_is_quoted_as_one_identifier() {
        assert_eq!(quoted("Sales"), "\"Sales\"");
        assert_eq!(quoted("a\"b,c"), "\"a\"\"b,c\"");
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
    }
}
