//! PostgreSQL and MySQL reads on connections of their own.
//!
//! sqlx's pool pings every connection it takes back (`return_to_pool` in
//! sqlx-core): a second round trip per request, which on the PostgreSQL
//! single-record benchmark (W2) cost the server as much as the query itself.
//! Reads therefore keep their connections in a pool that does not: each
//! connection is taken out of (detached from) the service's sqlx pool, so it
//! carries exactly the options sea-orm set up (search path, statement timeout,
//! TLS), then lives here. It is pinged on checkout only after sitting idle long
//! enough to have been dropped by the server or a firewall, and thrown away when
//! a read fails on the wire or is abandoned half-way (its state is unknown).
//! Writes, counts and discovery stay on sea-orm.

use std::time::Duration;

use deadpool::managed::{
    self, Metrics, Object, PoolError, RecycleError, RecycleResult, TimeoutType,
};
use sea_orm::sqlx::mysql::{MySqlConnection, MySqlPool};
use sea_orm::sqlx::postgres::{PgConnection, PgPool};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection as _};
use sea_orm::{DatabaseConnection, DbBackend, DbErr, QueryResult, RuntimeErr};
use sea_query_sqlx::SqlxValues;

use super::document::{Exceeded, Pieces, ReadDoc};
use super::exec::{ExecError, SeaRow, classify};
use super::plan::ReadPlan;

/// Where new connections come from: the service's sqlx pool.
enum Source {
    Postgres(PgPool),
    MySql(MySqlPool),
}

enum Conn {
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

struct Manager {
    source: Source,
    /// The sqlx pool's size: how many dead idle connections it could hold.
    source_size: u32,
    idle_before_ping: Duration,
}

impl managed::Manager for Manager {
    type Type = Conn;
    type Error = sqlx::Error;

    /// New read connections are rare (the pool grows to its size once), so each
    /// is pinged: an idle one handed over by the sqlx pool may have been closed
    /// by the server since (sqlx checks only those idle for a while), and
    /// every idle one may be, so it tries as many as that pool can hold.
    async fn create(&self) -> Result<Conn, sqlx::Error> {
        let mut tries = self.source_size + 1;
        loop {
            tries -= 1;
            let mut conn = match &self.source {
                Source::Postgres(pool) => Conn::Postgres(pool.acquire().await?.detach()),
                Source::MySql(pool) => Conn::MySql(pool.acquire().await?.detach()),
            };
            match conn.ping().await {
                Ok(()) => return Ok(conn),
                Err(e) if tries == 0 => return Err(e),
                Err(_) => {}
            }
        }
    }

    async fn recycle(&self, conn: &mut Conn, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if metrics.last_used() < self.idle_before_ping {
            return Ok(());
        }
        conn.ping().await.map_err(RecycleError::Backend)
    }
}

impl Conn {
    async fn ping(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Conn::Postgres(c) => c.ping().await,
            Conn::MySql(c) => c.ping().await,
        }
    }
}

/// The read pool of a PostgreSQL or MySQL service.
pub struct ServerReads {
    pool: managed::Pool<Manager>,
    backend: DbBackend,
}

impl std::fmt::Debug for ServerReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerReads")
            .field("backend", &self.backend)
            .field("status", &self.pool.status())
            .finish()
    }
}

impl ServerReads {
    /// `None` for SQLite (which reads through `query::sqlite`). `size` is also
    /// the size of `conn`'s pool. `timeout` bounds both the wait for a free
    /// connection and the opening of a new one, as the sqlx pool's acquire
    /// timeout does for writes.
    pub fn new(
        conn: &DatabaseConnection,
        size: u32,
        timeout: Duration,
        idle_before_ping: Duration,
    ) -> Option<Self> {
        let backend = conn.get_database_backend();
        let source = match backend {
            DbBackend::Postgres => Source::Postgres(conn.get_postgres_connection_pool().clone()),
            DbBackend::MySql => Source::MySql(conn.get_mysql_connection_pool().clone()),
            _ => return None,
        };
        let manager = Manager {
            source,
            source_size: size,
            idle_before_ping,
        };
        let pool = managed::Pool::builder(manager)
            .max_size(size.max(1) as usize)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .ok()?;
        Some(ServerReads { pool, backend })
    }

    /// Reads the plan's rows with their related records, as a JSON array: every
    /// statement of the read on one connection.
    pub async fn read_json(&self, plan: &ReadPlan) -> Result<Vec<u8>, ExecError> {
        self.read(plan, |doc| doc.render()).await
    }

    /// [`read_json`](Self::read_json) in pieces, for a response body.
    pub async fn read_pieces(&self, plan: &ReadPlan) -> Result<Pieces, ExecError> {
        self.read(plan, |doc| doc.render_pieces()).await
    }

    async fn read<T>(
        &self,
        plan: &ReadPlan,
        render: fn(&ReadDoc<'_>) -> Result<T, Exceeded>,
    ) -> Result<T, ExecError> {
        match self.read_once(plan, render).await {
            Err(Failure::Broken(e)) => {
                // The server closed pooled connections (a restart, an idle
                // kill, an admin's terminate): the idle ones are likely dead
                // too. A read changes nothing, so it runs again on a new one.
                tracing::info!(error = %e, "a pooled read connection was closed by the server; reconnecting");
                self.pool.retain(|_, _| false);
                self.read_once(plan, render)
                    .await
                    .map_err(Failure::into_exec)
            }
            other => other.map_err(Failure::into_exec),
        }
    }

    async fn read_once<T>(
        &self,
        plan: &ReadPlan,
        render: fn(&ReadDoc<'_>) -> Result<T, Exceeded>,
    ) -> Result<T, Failure> {
        let obj = self
            .pool
            .get()
            .await
            .map_err(|e| Failure::Other(pool_error(e)))?;
        let mut lease = Lease(Some(obj));
        let mut doc = ReadDoc::new(plan, super::backend_of(self.backend));
        while let Some(stmt) = doc.next_statement() {
            let stmt = self.backend.build(&stmt);
            let values = SqlxValues(stmt.values.unwrap_or(sea_query::Values(Vec::new())));
            let query = AssertSqlSafe(stmt.sql.as_str());
            let rows = match lease.conn()? {
                Conn::Postgres(c) => sqlx::query_with(query, values)
                    .fetch_all(c)
                    .await
                    .map(|rows| rows.into_iter().map(QueryResult::from).collect::<Vec<_>>()),
                Conn::MySql(c) => sqlx::query_with(query, values)
                    .fetch_all(c)
                    .await
                    .map(|rows| rows.into_iter().map(QueryResult::from).collect()),
            };
            let rows = match rows {
                Ok(rows) => rows,
                // The connection is fine after an error the database reported
                // about the statement; after anything else its state is unknown.
                Err(e) if is_broken(&e) => return Err(Failure::Broken(e)),
                Err(e @ sqlx::Error::Database(_)) => {
                    lease.release();
                    return Err(Failure::Other(classify(&DbErr::Query(
                        RuntimeErr::SqlxError(e.into()),
                    ))));
                }
                Err(e) => {
                    return Err(Failure::Other(classify(&DbErr::Query(
                        RuntimeErr::SqlxError(e.into()),
                    ))));
                }
            };
            for row in &rows {
                doc.push_row(&SeaRow { row });
            }
        }
        lease.release();
        render(&doc).map_err(|e| Failure::Other(e.into()))
    }
}

enum Failure {
    /// The connection is gone; worth one more try on another.
    Broken(sqlx::Error),
    Other(ExecError),
}

impl Failure {
    fn into_exec(self) -> ExecError {
        match self {
            Failure::Broken(e) => {
                tracing::warn!(error = %e, "a read lost its database connection");
                ExecError::Timeout(
                    "The connection to the service's database was lost; try again shortly.".into(),
                )
            }
            Failure::Other(e) => e,
        }
    }
}

/// The connection itself failed, rather than the statement: the socket, TLS
/// or protocol broke, or PostgreSQL ended the session (SQLSTATE 57P01–57P03,
/// class 08), which it reports as an error before closing.
fn is_broken(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

/// A checked-out connection that goes back to the pool only through
/// [`Lease::release`]: a read dropped half-way (the client went away, the
/// request timed out) may have left a statement running or unread rows on the
/// wire, so its connection is closed instead.
struct Lease(Option<Object<Manager>>);

impl Lease {
    fn conn(&mut self) -> Result<&mut Conn, Failure> {
        self.0.as_deref_mut().ok_or_else(|| {
            Failure::Other(ExecError::Db(
                "a read used its connection after ending".into(),
            ))
        })
    }

    fn release(&mut self) {
        drop(self.0.take());
    }

    fn discard(&mut self) {
        if let Some(obj) = self.0.take() {
            drop(Object::take(obj));
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.discard();
    }
}

/// Waiting for a connection is the service being busy or its database being
/// unreachable: both are a 503 the client may retry, and the admin finds the
/// driver's reason in the log.
fn pool_error(e: PoolError<sqlx::Error>) -> ExecError {
    match e {
        PoolError::Timeout(TimeoutType::Wait) => ExecError::Timeout(
            "Every connection of this service stayed busy for the whole connect timeout; try again shortly.".into(),
        ),
        PoolError::Timeout(_) => ExecError::Timeout(
            "The service's database did not answer within the connect timeout; try again shortly.".into(),
        ),
        PoolError::Backend(e) => {
            tracing::warn!(error = %e, "a read could not get a database connection");
            ExecError::Timeout(
                "The service's database cannot be reached right now; try again shortly.".into(),
            )
        }
        other => ExecError::Db(other.to_string()),
    }
}
