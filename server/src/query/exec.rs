//! Runs plans over sea-orm (PostgreSQL, MySQL, and reads inside SQLite writes).
//!
//! Rows come back as rows and are shaped in Rust by [`ReadDoc`]: measured on
//! PostgreSQL, rows served W1 at ~10k tps where `json_agg` managed ~3.4k, and
//! batched statements per relation level beat one big statement for W3. SQLite
//! reads take the same path through rusqlite instead (`query::sqlite`). A read
//! with `related` runs 1 statement for the parents + 1 per relation node of the
//! request (+1 for `include_count`), whatever the number of rows.

use sea_orm::{ConnectionTrait, DbErr, QueryResult, RuntimeErr, SqlErr};

pub use super::document::KEY_VALUES_PER_STATEMENT;
use super::document::{ReadDoc, Row};
use super::plan::ReadPlan;
use super::sql;
use super::{cells, value};
use crate::catalog::JsonType;

pub use super::plan::Record;

/// What a client is told when its query ran past the service's statement timeout.
/// What a client is told when a write waited too long for another's lock.
pub const LOCKED: &str = "The database is busy with another transaction, and this request waited too long for its lock; nothing was changed. Try again shortly.";

pub const TIMED_OUT: &str = "The query ran past this service's statement timeout and was stopped; ask for less (a narrower filter=, a smaller limit=, fewer related=).";

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Unique or foreign-key conflict: 409.
    #[error("{0}")]
    Conflict(String),
    /// The database refused the values (NOT NULL, CHECK, type): 400.
    #[error("{0}")]
    Invalid(String),
    /// The statement ran past the service's `statement_timeout`, or the
    /// database could not be reached in time: 503.
    #[error("{0}")]
    Timeout(String),
    /// Another transaction held a lock longer than this one may wait for it
    /// (SQLite's busy_timeout, a lock wait timeout elsewhere): 503 with
    /// `Retry-After`, since the same request is likely to succeed shortly.
    #[error("{0}")]
    Busy(String),
    /// A written row would fall outside the caller's record filter: 403,
    /// and the write is rolled back.
    #[error("{0}")]
    Forbidden(String),
    /// Anything else: a 500, logged, never shown.
    #[error("database error: {0}")]
    Db(String),
    /// The answer would pass the service's response budget: 400.
    #[error(transparent)]
    TooLarge(#[from] super::document::Exceeded),
}

impl From<DbErr> for ExecError {
    fn from(e: DbErr) -> Self {
        classify(&e)
    }
}

/// Turns a database error into a sentence a client may see, or an internal error.
pub fn classify(e: &DbErr) -> ExecError {
    if is_lock_timeout(e) {
        return ExecError::Busy(LOCKED.into());
    }
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ExecError::Conflict(
            "A record with the same key or unique value already exists.".into(),
        ),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => ExecError::Conflict(
            "The change would break a relation: a referenced record does not exist, or other records still refer to this one.".into(),
        ),
        _ if is_data_exception(e) => ExecError::Invalid(format!(
            "The database refused a value: {}.",
            refusal(e)
        )),
        _ => {
            let text = e.to_string();
            let lower = text.to_ascii_lowercase();
            if let Some(col) = not_null_column(&text)
                .or_else(|| no_default_column(&text))
                .or_else(|| pg_null_column(&text)) {
                ExecError::Invalid(format!("Field '{col}' is required (it cannot be null)."))
            } else if lower.contains("not null") || lower.contains("cannot be null") || lower.contains("null value in column") {
                ExecError::Invalid("A required field is missing (it cannot be null).".into())
            } else if lower.contains("illegal mix of collations") || lower.contains("incorrect string value") {
                ExecError::Invalid(
                    "A text value holds characters that the column's character set cannot store (such as emoji in a utf8mb3 column).".into(),
                )
            } else if lower.contains("check constraint") {
                ExecError::Invalid("A value breaks a CHECK constraint of the table.".into())
            } else if lower.contains("foreign key") {
                ExecError::Conflict(
                    "The change would break a relation: a referenced record does not exist, or other records still refer to this one.".into(),
                )
            } else if lower.contains("unique") || lower.contains("duplicate") {
                ExecError::Conflict("A record with the same key or unique value already exists.".into())
            } else if lower.contains("statement timeout")
                || lower.contains("max_execution_time")
                || lower.contains("max_statement_time") {
                ExecError::Timeout(TIMED_OUT.into())
            } else {
                ExecError::Db(text)
            }
        }
    }
}

/// The driver's error behind a sea-orm error, if the database sent one.
fn database_error(e: &DbErr) -> Option<&dyn sea_orm::sqlx::error::DatabaseError> {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x))
        | DbErr::Conn(RuntimeErr::SqlxError(x)) => x.as_database_error(),
        _ => None,
    }
}

/// A lock another transaction held past the wait allowed: SQLite's BUSY (5)
/// and LOCKED (6), with their extended codes (low byte); PostgreSQL's
/// lock_not_available (55P03, after `lock_timeout`); MySQL/MariaDB's lock wait
/// timeout (1205, after `innodb_lock_wait_timeout`).
fn is_lock_timeout(e: &DbErr) -> bool {
    use sea_orm::sqlx::mysql::MySqlDatabaseError;
    use sea_orm::sqlx::sqlite::SqliteError;
    let Some(d) = database_error(e) else {
        return false;
    };
    if d.try_downcast_ref::<SqliteError>().is_some() {
        return d
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6));
    }
    if let Some(my) = d.try_downcast_ref::<MySqlDatabaseError>() {
        return my.number() == 1205;
    }
    d.code().as_deref() == Some("55P03")
}

/// A value the database would not take for its column (SQLSTATE class 22:
/// wrong text for the type, out of range, too long; MySQL's 1264/1265/1366).
fn is_data_exception(e: &DbErr) -> bool {
    let Some(d) = database_error(e) else {
        return false;
    };
    if d.code().is_some_and(|c| c.starts_with("22")) {
        return true;
    }
    let m = d.message().to_ascii_lowercase();
    m.contains("incorrect") && m.contains("value")
        || m.contains("data truncated")
        || m.contains("out of range value")
}

/// The database's own sentence about a refused value: it names the value and
/// the type, never SQL text. Capped, and stripped of anything after a newline.
fn refusal(e: &DbErr) -> String {
    let m = database_error(e)
        .map(|d| d.message().to_owned())
        .unwrap_or_default();
    let first = m.lines().next().unwrap_or_default();
    let short: String = first.chars().take(200).collect();
    short.trim_end_matches('.').to_owned()
}

/// PostgreSQL says `null value in column "title" of relation "album" violates…`.
fn pg_null_column(text: &str) -> Option<String> {
    let rest = text.split("null value in column \"").nth(1)?;
    rest.split('"')
        .next()
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// MySQL/MariaDB (strict mode) say `Field 'Title' doesn't have a default value`
/// for a NOT NULL column left out of an insert.
fn no_default_column(text: &str) -> Option<String> {
    let (head, _) = text.split_once("' doesn't have a default value")?;
    let (_, col) = head.rsplit_once("Field '")?;
    Some(col.to_owned())
}

/// SQLite says `NOT NULL constraint failed: Album.Title`: name the field.
fn not_null_column(text: &str) -> Option<String> {
    let rest = text.split("NOT NULL constraint failed: ").nth(1)?;
    let qualified: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    qualified
        .rsplit('.')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A sea-orm row, read by the catalog's types.
pub(crate) struct SeaRow<'a> {
    pub row: &'a QueryResult,
}

impl Row for SeaRow<'_> {
    fn write_json(&self, idx: usize, ty: JsonType, out: &mut Vec<u8>) {
        if super::wire::write_json(self.row, idx, ty, out) {
            return;
        }
        let v = cells::from_row(self.row, idx, ty);
        // Serialising a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &v);
    }

    fn key(&self, idx: usize, ty: JsonType) -> Option<String> {
        value::json_key(cells::from_row(self.row, idx, ty))
    }
}

/// Reads the plan's rows with their related records, as a JSON array.
pub async fn read_json<C: ConnectionTrait>(
    conn: &C,
    plan: &ReadPlan,
) -> Result<Vec<u8>, ExecError> {
    let backend = conn.get_database_backend();
    let mut doc = ReadDoc::new(plan, super::backend_of(backend));
    while let Some(stmt) = doc.next_statement() {
        for row in conn.query_all(&stmt).await? {
            doc.push_row(&SeaRow { row: &row });
        }
    }
    Ok(doc.render()?)
}

/// The records of a JSON array from a read, for callers that work on records
/// (writes answering with `fields=`).
pub fn records(json: &[u8]) -> Result<Vec<Record>, ExecError> {
    serde_json::from_slice(json).map_err(|e| ExecError::Db(format!("reading back records: {e}")))
}

pub async fn count<C: ConnectionTrait>(conn: &C, plan: &ReadPlan) -> Result<u64, ExecError> {
    let row = conn.query_one(&sql::count(plan)).await?;
    let n = row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}
