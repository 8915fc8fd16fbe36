//! SQLite reads on rusqlite: the same [`ReadDoc`] as `exec`, fed without sqlx.
//!
//! sqlx runs each SQLite connection on its own thread and sends every row to the
//! async side through a channel, copying each value: on the relation benchmark
//! (W3, ~620 rows) that cost more than SQLite itself. Here a whole read (all its
//! statements, in one snapshot) runs on one blocking thread and rows are written
//! to JSON where SQLite hands them out: ~5× the reads per second measured on the
//! same query. Writes stay on sea-orm (transactions, savepoints, conflicts), on
//! their own connections to the same file.
//!
//! Each connection lives on a thread of its own, and its reads run there.
//! A read's rows and answer are allocated on the thread that runs it, and the
//! allocator keeps memory per thread: on tokio's blocking pool, where any of
//! its threads (20-odd under load) picks up the next read, each ended up
//! holding a large answer's worth, about twice the reads in flight. With a
//! thread per connection, that is at most one per read that can run at once,
//! and SQLite's own allocations (page cache, sorter) stay with their thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use sea_query::{SqliteQueryBuilder, Value};
use tokio::sync::{Semaphore, oneshot};

use super::cells;
use super::document::{Exceeded, Pieces, ReadDoc, Row};
use super::exec::{ExecError, LOCKED, TIMED_OUT};
use super::plan::ReadPlan;
use crate::catalog::JsonType;

/// SQLite virtual-machine steps between two looks at the clock: a few microseconds.
const STEPS_PER_CHECK: i32 = 1000;

/// Statements kept prepared per connection: the reads of a service are few
/// shapes (an `IN` list of another length is another statement).
const STATEMENT_CACHE: usize = 128;

/// A pool of read-only connections to one SQLite file.
pub struct SqliteReads {
    path: PathBuf,
    busy_timeout: Duration,
    /// A read still running after this long is interrupted (503).
    statement_timeout: Duration,
    /// Connections waiting for a read; more are opened up to `permits`.
    idle: Mutex<Vec<Worker>>,
    /// One permit per connection: at most `size` reads run at once.
    permits: Arc<Semaphore>,
}

/// A read, run on a connection's thread: given the connection, or why it
/// could not be opened.
type Job = Box<dyn FnOnce(Result<&mut Connection, ExecError>) + Send>;

/// The thread of one connection, which runs the jobs sent to it one at a
/// time. It ends, closing its connection, when the pool drops its `Worker`.
struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn db(e: rusqlite::Error) -> ExecError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::OperationInterrupted) => ExecError::Timeout(TIMED_OUT.into()),
        // A read waits out a writer's commit (rollback journal) for busy_timeout.
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            ExecError::Busy(LOCKED.into())
        }
        _ => ExecError::Db(e.to_string()),
    }
}

impl SqliteReads {
    /// Connections open on first use, so creating the pool cannot fail.
    pub fn new(
        path: PathBuf,
        size: u32,
        busy_timeout: Duration,
        statement_timeout: Duration,
    ) -> Self {
        SqliteReads {
            path,
            busy_timeout,
            statement_timeout,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size.max(1) as usize)),
        }
    }

    /// Reads the plan's rows with their related records, as a JSON array.
    pub async fn read_json(self: &Arc<Self>, plan: Arc<ReadPlan>) -> Result<Vec<u8>, ExecError> {
        self.read(plan, |doc| doc.render()).await
    }

    /// [`read_json`](Self::read_json) in pieces, for a response body.
    pub async fn read_pieces(self: &Arc<Self>, plan: Arc<ReadPlan>) -> Result<Pieces, ExecError> {
        self.read(plan, |doc| doc.render_pieces()).await
    }

    async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        plan: Arc<ReadPlan>,
        render: fn(&ReadDoc<'_>) -> Result<T, Exceeded>,
    ) -> Result<T, ExecError> {
        // The permit and the worker move into the job: both are given back
        // when the read really ends, even if the client has gone.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ExecError::Db(e.to_string()))?;
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let worker = match idle {
            Some(worker) => worker,
            None => self.spawn()?,
        };
        let jobs = worker.jobs.clone();
        let (reply, answer) = oneshot::channel();
        let pool = self.clone();
        let job: Job = Box::new(move |conn| {
            let out = conn.and_then(|conn| {
                let out = read_within(conn, &plan, render, pool.statement_timeout);
                // Back before the permit, so that the next read finds it.
                pool.idle
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(worker);
                out
            });
            drop(permit);
            let _ = reply.send(out);
        });
        jobs.send(job)
            .map_err(|_| ExecError::Db("a SQLite read thread has ended".into()))?;
        answer
            .await
            .map_err(|_| ExecError::Db("a SQLite read failed on its thread".into()))?
    }

    /// A new connection on a thread of its own. The connection is opened
    /// there, and an error opening it goes to the first job (and the thread
    /// ends).
    fn spawn(&self) -> Result<Worker, ExecError> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let path = self.path.clone();
        let busy_timeout = self.busy_timeout;
        std::thread::Builder::new()
            .name("sqlite-read".into())
            .spawn(move || match open(&path, busy_timeout) {
                Ok(mut conn) => {
                    for job in inbox {
                        job(Ok(&mut conn));
                    }
                }
                Err(e) => {
                    if let Ok(job) = inbox.recv() {
                        job(Err(e));
                    }
                }
            })
            .map_err(|e| ExecError::Db(format!("cannot start a SQLite read thread: {e}")))?;
        Ok(Worker { jobs })
    }
}

/// Read-write without create: the file must exist (checked when the service
/// was opened); `query_only` then refuses any write on this connection.
fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, ExecError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db)?;
    conn.busy_timeout(busy_timeout).map_err(db)?;
    conn.pragma_update(None, "query_only", true).map_err(db)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// [`run`], interrupted past `timeout`: without that a runaway read would hold
/// its connection after the request itself has timed out.
fn read_within<T>(
    conn: &mut Connection,
    plan: &ReadPlan,
    render: fn(&ReadDoc<'_>) -> Result<T, Exceeded>,
    timeout: Duration,
) -> Result<T, ExecError> {
    let deadline = Instant::now() + timeout;
    conn.progress_handler(STEPS_PER_CHECK, Some(move || Instant::now() > deadline))
        .map_err(db)?;
    run(conn, plan, render)
}

fn run<T>(
    conn: &mut Connection,
    plan: &ReadPlan,
    render: fn(&ReadDoc<'_>) -> Result<T, Exceeded>,
) -> Result<T, ExecError> {
    let mut doc = ReadDoc::new(plan, super::Backend::Sqlite);
    // One snapshot for the parents and their relations (deferred: no lock until
    // the first read, and none taken for writing).
    let tx = conn.transaction().map_err(db)?;
    while let Some(stmt) = doc.next_statement() {
        let (sql, values) = stmt.build(SqliteQueryBuilder);
        let mut statement = tx.prepare_cached(&sql).map_err(db)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.0.iter().map(Bound)))
            .map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            doc.push_row(&SqliteRow(row));
        }
    }
    Ok(render(&doc)?)
}

struct SqliteRow<'a, 's>(&'a rusqlite::Row<'s>);

impl Row for SqliteRow<'_, '_> {
    fn write_json(&self, idx: usize, ty: JsonType, out: &mut Vec<u8>) {
        cells::write_sqlite(self.0.get_ref(idx).unwrap_or(ValueRef::Null), ty, out);
    }

    fn key(&self, idx: usize, _ty: JsonType) -> Option<String> {
        cells::sqlite_key(self.0.get_ref(idx).unwrap_or(ValueRef::Null))
    }
}

/// A sea-query parameter bound as SQLite stores it (what sqlx does for the
/// writes on the same file: booleans as 0/1, the rest as text or numbers).
struct Bound<'a>(&'a Value);

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        let owned = |v: V| Ok(ToSqlOutput::Owned(v));
        let int = |v: Option<i64>| owned(v.map_or(V::Null, V::Integer));
        match self.0 {
            Value::Bool(v) => int(v.map(i64::from)),
            Value::TinyInt(v) => int(v.map(i64::from)),
            Value::SmallInt(v) => int(v.map(i64::from)),
            Value::Int(v) => int(v.map(i64::from)),
            Value::BigInt(v) => int(*v),
            Value::TinyUnsigned(v) => int(v.map(i64::from)),
            Value::SmallUnsigned(v) => int(v.map(i64::from)),
            Value::Unsigned(v) => int(v.map(i64::from)),
            // Limits and offsets; the planner keeps them within i64.
            Value::BigUnsigned(v) => int(v.map(|u| i64::try_from(u).unwrap_or(i64::MAX))),
            Value::Float(v) => owned(v.map_or(V::Null, |f| V::Real(f64::from(f)))),
            Value::Double(v) => owned(v.map_or(V::Null, V::Real)),
            Value::String(Some(s)) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))),
            Value::Bytes(Some(b)) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(b))),
            Value::Char(Some(c)) => owned(V::Text(c.to_string())),
            Value::Json(Some(j)) => owned(V::Text(j.to_string())),
            // The planner gives SQLite its dates, times, decimals and UUIDs as text
            // or numbers already; these follow sqlx's spelling in case one comes.
            Value::ChronoDate(Some(d)) => owned(V::Text(d.to_string())),
            Value::ChronoTime(Some(t)) => owned(V::Text(t.to_string())),
            Value::ChronoDateTime(Some(t)) => {
                owned(V::Text(t.format("%Y-%m-%d %H:%M:%S%.f").to_string()))
            }
            Value::ChronoDateTimeWithTimeZone(Some(t)) => owned(V::Text(t.to_rfc3339())),
            Value::ChronoDateTimeUtc(Some(t)) => owned(V::Text(t.to_rfc3339())),
            Value::Uuid(Some(u)) => owned(V::Text(u.to_string())),
            Value::Decimal(Some(d)) => owned(V::Text(d.to_string())),
            other if *other == other.as_null() => owned(V::Null),
            other => Err(rusqlite::Error::ToSqlConversionFailure(
                format!("no SQLite binding for {other:?}").into(),
            )),
        }
    }
}
