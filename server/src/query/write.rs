//! Writes: records → typed operations → statements, batched in one transaction.
//!
//! A batch is all-or-nothing by default: one transaction, and for inserts one
//! multi-row statement. When a batch fails (or with `continue=true`), each record
//! runs under its own savepoint so that every record gets its own result; the
//! transaction then commits the good ones (`continue`) or rolls everything back.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_query::Value;
use serde_json::{Map, Value as Json};

use super::exec::{self, ExecError, Record};
use super::plan::{self, Cond};
use super::sql;
use super::value;
use super::{Backend, cells};
use crate::catalog::Table;

/// One record's failure: a status-worthy kind and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    Invalid(String),
    NotFound(String),
    Conflict(String),
    /// The statement ran past the service's statement timeout.
    Timeout(String),
    /// Another transaction's lock was held too long: the whole batch is
    /// abandoned (see [`run_batch`]).
    Busy(String),
    /// Logged, shown generically.
    Internal(String),
}

impl RecordError {
    /// The same kind of failure told in another sentence (GraphQL says which
    /// record failed); an internal error keeps its detail, which is logged,
    /// never shown.
    pub fn retold(self, message: String) -> RecordError {
        match self {
            RecordError::Invalid(_) => RecordError::Invalid(message),
            RecordError::NotFound(_) => RecordError::NotFound(message),
            RecordError::Conflict(_) => RecordError::Conflict(message),
            RecordError::Timeout(_) => RecordError::Timeout(message),
            RecordError::Busy(_) => RecordError::Busy(message),
            RecordError::Internal(m) => RecordError::Internal(m),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            RecordError::Invalid(m)
            | RecordError::NotFound(m)
            | RecordError::Conflict(m)
            | RecordError::Timeout(m)
            | RecordError::Busy(m) => m,
            RecordError::Internal(_) => "The database failed unexpectedly on this record.",
        }
    }

    pub fn code(&self) -> u16 {
        match self {
            RecordError::Invalid(_) => 400,
            RecordError::NotFound(_) => 404,
            RecordError::Conflict(_) => 409,
            RecordError::Timeout(_) | RecordError::Busy(_) => 503,
            RecordError::Internal(_) => 500,
        }
    }
}

impl From<ExecError> for RecordError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Conflict(m) => RecordError::Conflict(m),
            ExecError::Invalid(m) => RecordError::Invalid(m),
            ExecError::Timeout(m) => RecordError::Timeout(m),
            ExecError::Busy(m) => RecordError::Busy(m),
            ExecError::Db(m) => RecordError::Internal(m),
            ExecError::TooLarge(e) => RecordError::Invalid(e.to_string()),
        }
    }
}

impl From<sea_orm::DbErr> for RecordError {
    fn from(e: sea_orm::DbErr) -> Self {
        exec::classify(&e).into()
    }
}

/// A typed write of one record.
#[derive(Debug, Clone)]
pub enum Op {
    Insert {
        set: Vec<(String, Value)>,
        given_key: Option<Record>,
    },
    /// Update (PATCH or PUT) the record whose key is `key`.
    Update {
        key: Vec<Value>,
        key_json: Record,
        set: Vec<(String, Value)>,
    },
    Delete {
        key: Vec<Value>,
        key_json: Record,
    },
}

/// The outcome of a batch, per record.
pub struct BatchOutcome {
    pub results: Vec<Result<Record, RecordError>>,
    pub committed: bool,
}

impl BatchOutcome {
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(Result::is_ok)
    }
}

/// Converts a JSON record into typed column values. Unknown fields are an error
/// (a typo must not be silently dropped).
pub fn typed_fields(
    table: &Table,
    rec: &Map<String, Json>,
    backend: Backend,
) -> Result<Vec<(String, Value)>, RecordError> {
    let mut out = Vec::with_capacity(rec.len());
    for (name, v) in rec {
        let Some(col) = table.column(name) else {
            if table.relation(name).is_some() {
                return Err(RecordError::Invalid(format!(
                    "'{name}' is a relation; writing related records in the same request is not supported, write them to their own table."
                )));
            }
            let known: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(RecordError::Invalid(format!(
                "Unknown field '{name}': table '{}' has {}.",
                table.name,
                known.join(", ")
            )));
        };
        let val =
            value::to_sql(col, v, backend).map_err(|e| RecordError::Invalid(format!("{e}.")))?;
        out.push((name.clone(), val));
    }
    Ok(out)
}

/// The key of a record as typed values and as JSON, if all key fields are present.
pub fn record_key(
    table: &Table,
    key: &[String],
    rec: &Map<String, Json>,
    backend: Backend,
) -> Result<Option<(Vec<Value>, Record)>, RecordError> {
    let mut vals = Vec::with_capacity(key.len());
    let mut json = Map::new();
    for k in key {
        let Some(v) = rec.get(k).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let col = table
            .column(k)
            .ok_or_else(|| RecordError::Invalid(format!("Unknown key field '{k}'.")))?;
        vals.push(
            value::to_sql(col, v, backend).map_err(|e| RecordError::Invalid(format!("{e}.")))?,
        );
        json.insert(k.clone(), v.clone());
    }
    Ok(Some((vals, json)))
}

fn key_cond(key: &[String], vals: &[Value]) -> Cond {
    Cond::KeyIn {
        columns: key.to_vec(),
        tuples: vec![vals.to_vec()],
    }
}

/// Reads the key columns of rows matching `cond`, as JSON records.
pub async fn keys_matching<C: ConnectionTrait>(
    conn: &C,
    table: &Table,
    key: &[String],
    cond: &Cond,
) -> Result<Vec<Record>, ExecError> {
    let rows = conn.query_all(&sql::select_keys(table, key, cond)).await?;
    Ok(rows
        .iter()
        .map(|r| {
            key.iter()
                .enumerate()
                .map(|(i, k)| {
                    let ty = table
                        .column(k)
                        .map_or(crate::catalog::JsonType::String, |c| c.json_type);
                    (k.clone(), cells::from_row(r, i, ty))
                })
                .collect()
        })
        .collect())
}

/// Typed key tuples of JSON key records (for a follow-up `KeyIn`).
pub fn key_tuples(
    table: &Table,
    key: &[String],
    recs: &[Record],
    backend: Backend,
) -> Vec<Vec<Value>> {
    recs.iter()
        .filter_map(|r| {
            record_key(table, key, r, backend)
                .ok()
                .flatten()
                .map(|(v, _)| v)
        })
        .collect()
}

async fn apply_one<C: ConnectionTrait>(
    conn: &C,
    table: &Table,
    key: &[String],
    op: &Op,
) -> Result<Record, RecordError> {
    match op {
        Op::Insert { set, given_key } => {
            insert_one(conn, table, key, set, given_key.as_ref()).await
        }
        Op::Update {
            key: kv,
            key_json,
            set,
        } => {
            let cond = key_cond(key, kv);
            one_match(conn, table, key, key_json, &cond).await?;
            if !set.is_empty() {
                let done = conn
                    .execute(&sql::update(table, set.clone(), &cond))
                    .await?;
                at_most_one(done.rows_affected(), table, key, key_json)?;
            }
            // The key may have changed with the update.
            let mut out = key_json.clone();
            for k in key {
                if let Some((_, v)) = set.iter().find(|(c, _)| c == k) {
                    out.insert(k.clone(), sql_value_json(v));
                }
            }
            Ok(out)
        }
        Op::Delete { key: kv, key_json } => {
            let cond = key_cond(key, kv);
            one_match(conn, table, key, key_json, &cond).await?;
            let done = conn.execute(&sql::delete(table, &cond)).await?;
            at_most_one(done.rows_affected(), table, key, key_json)?;
            Ok(key_json.clone())
        }
    }
}

/// Checks that `cond` (a record's key) matches exactly one row before it is
/// written: none is a 404, and more than one means `id_field=` named fields
/// that are not unique, where a write by id must not change several records.
/// Two rows are read at most, however many match.
async fn one_match<C: ConnectionTrait>(
    conn: &C,
    table: &Table,
    key: &[String],
    key_json: &Record,
    cond: &Cond,
) -> Result<(), RecordError> {
    let mut q = sql::select_keys(table, key, cond);
    q.limit(2);
    match conn.query_all(&q).await?.len() {
        0 => Err(not_found(table, key_json)),
        1 => Ok(()),
        _ => Err(not_unique(table, key, key_json)),
    }
}

/// The check of [`one_match`] again after the statement, in case a row with
/// the same key arrived in between: the savepoint is then rolled back.
fn at_most_one(
    affected: u64,
    table: &Table,
    key: &[String],
    key_json: &Record,
) -> Result<(), RecordError> {
    if affected > 1 {
        return Err(not_unique(table, key, key_json));
    }
    Ok(())
}

fn not_unique(table: &Table, key: &[String], key_json: &Record) -> RecordError {
    RecordError::Invalid(format!(
        "{} Nothing was changed for this id.",
        plan::not_unique(table, key, &id_text(key_json))
    ))
}

/// A key as the client writes it in a URL (`5`, `1,2`).
fn id_text(key: &Record) -> String {
    let id: Vec<String> = key
        .values()
        .map(|v| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    id.join(",")
}

fn not_found(table: &Table, key: &Record) -> RecordError {
    RecordError::NotFound(format!(
        "No record with id '{}' in table '{}'.",
        id_text(key),
        table.name
    ))
}

/// A bound value back as JSON (for keys the client sent, already typed).
fn sql_value_json(v: &Value) -> Json {
    match v {
        Value::BigInt(Some(i)) => Json::from(*i),
        Value::Int(Some(i)) => Json::from(*i),
        Value::Double(Some(f)) => Json::from(*f),
        Value::String(Some(s)) => Json::String(s.clone()),
        Value::Bool(Some(b)) => Json::Bool(*b),
        Value::Uuid(Some(u)) => Json::String(u.to_string()),
        Value::Decimal(Some(d)) => value::decimal_json(*d),
        _ => Json::Null,
    }
}

/// Inserts one record and returns its key.
async fn insert_one<C: ConnectionTrait>(
    conn: &C,
    table: &Table,
    key: &[String],
    set: &[(String, Value)],
    given: Option<&Record>,
) -> Result<Record, RecordError> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::MySql {
        let stmt = if set.is_empty() {
            sql::insert_defaults(&table.name, &[])
        } else {
            let cols: Vec<String> = set.iter().map(|(c, _)| c.clone()).collect();
            sql::insert(
                table,
                &cols,
                vec![set.iter().map(|(_, v)| v.clone()).collect()],
                &[],
            )
        };
        let res = conn.execute(&stmt).await?;
        if let Some(g) = given {
            return Ok(g.clone());
        }
        let mut out = Map::new();
        if let [k] = key {
            out.insert(k.clone(), Json::from(res.last_insert_id()));
        }
        return Ok(out);
    }
    let mut recs = insert_rows(conn, table, key, std::slice::from_ref(&set.to_vec())).await?;
    Ok(recs.pop().unwrap_or_default())
}

/// One INSERT … RETURNING key for rows with the same columns (one per chunk of
/// [`exec::KEY_VALUES_PER_STATEMENT`] values).
async fn insert_rows<C: ConnectionTrait>(
    conn: &C,
    table: &Table,
    key: &[String],
    rows: &[Vec<(String, Value)>],
) -> Result<Vec<Record>, RecordError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let mut returned = Vec::with_capacity(rows.len());
    if first.is_empty() {
        returned.extend(
            conn.query_all(&sql::insert_defaults(&table.name, key))
                .await?,
        );
    } else {
        let cols: Vec<String> = first.iter().map(|(c, _)| c.clone()).collect();
        // A statement per chunk: drivers cap the parameters of one statement.
        let per_chunk = (exec::KEY_VALUES_PER_STATEMENT / cols.len()).max(1);
        for chunk in rows.chunks(per_chunk) {
            let values = chunk
                .iter()
                .map(|r| r.iter().map(|(_, v)| v.clone()).collect())
                .collect();
            returned.extend(
                conn.query_all(&sql::insert(table, &cols, values, key))
                    .await?,
            );
        }
    }
    Ok(returned
        .iter()
        .map(|r| {
            key.iter()
                .enumerate()
                .map(|(i, k)| {
                    let ty = table
                        .column(k)
                        .map_or(crate::catalog::JsonType::String, |c| c.json_type);
                    (k.clone(), cells::from_row(r, i, ty))
                })
                .collect()
        })
        .collect())
}

/// Runs a batch. `ops` holds each record's typed operation, or the error found
/// while typing it (reported in place, and failing the batch).
pub async fn run_batch(
    conn: &DatabaseConnection,
    table: &Table,
    key: &[String],
    ops: Vec<Result<Op, RecordError>>,
    keep_good: bool,
) -> Result<BatchOutcome, ExecError> {
    let txn = conn.begin().await?;
    let backend = txn.get_database_backend();

    // Fast path: every record is a valid insert with the same columns, nothing to
    // keep separately → one multi-row statement.
    let all_inserts = ops.iter().all(|o| matches!(o, Ok(Op::Insert { .. })));
    if all_inserts && !keep_good && backend != DbBackend::MySql && ops.len() > 1 {
        let rows: Vec<Vec<(String, Value)>> = ops
            .iter()
            .filter_map(|o| match o {
                Ok(Op::Insert { set, .. }) => Some(set.clone()),
                _ => None,
            })
            .collect();
        let same_columns = rows
            .windows(2)
            .all(|w| w[0].len() == w[1].len() && w[0].iter().zip(&w[1]).all(|(a, b)| a.0 == b.0));
        if same_columns {
            let sp = txn.begin().await?;
            match insert_rows(&sp, table, key, &rows).await {
                Ok(keys) if keys.len() == rows.len() => {
                    sp.commit().await?;
                    txn.commit().await?;
                    return Ok(BatchOutcome {
                        results: keys.into_iter().map(Ok).collect(),
                        committed: true,
                    });
                }
                Err(RecordError::Busy(m)) => {
                    // Every record would wait as long again: give up at once.
                    let _ = sp.rollback().await;
                    let _ = txn.rollback().await;
                    return Err(ExecError::Busy(m));
                }
                _ => sp.rollback().await?,
            }
        }
    }

    let mut results = Vec::with_capacity(ops.len());
    for op in &ops {
        let r = match op {
            Err(e) => Err(e.clone()),
            Ok(op) => match one_in_savepoint(&txn, table, key, op).await? {
                Err(RecordError::Busy(m)) => {
                    let _ = txn.rollback().await;
                    return Err(ExecError::Busy(m));
                }
                r => r,
            },
        };
        results.push(r);
    }
    let ok = results.iter().all(Result::is_ok);
    if ok || keep_good {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(BatchOutcome {
        results,
        committed: ok || keep_good,
    })
}

async fn one_in_savepoint(
    txn: &DatabaseTransaction,
    table: &Table,
    key: &[String],
    op: &Op,
) -> Result<Result<Record, RecordError>, ExecError> {
    let sp = txn.begin().await?;
    match apply_one(&sp, table, key, op).await {
        Ok(rec) => {
            sp.commit().await?;
            Ok(Ok(rec))
        }
        Err(e) => {
            sp.rollback().await?;
            Ok(Err(e))
        }
    }
}

/// Applies `set` to every row matching `cond` in one transaction; returns their keys.
pub async fn update_matching(
    conn: &DatabaseConnection,
    table: &Table,
    key: &[String],
    cond: &Cond,
    set: Vec<(String, Value)>,
) -> Result<Vec<Record>, ExecError> {
    let txn = conn.begin().await?;
    let keys = keys_matching(&txn, table, key, cond).await?;
    if !keys.is_empty() && !set.is_empty() {
        txn.execute(&sql::update(table, set, cond)).await?;
    }
    txn.commit().await?;
    Ok(keys)
}

/// Deletes every row matching `cond` in one transaction; returns their keys.
pub async fn delete_matching(
    conn: &DatabaseConnection,
    table: &Table,
    key: &[String],
    cond: &Cond,
) -> Result<Vec<Record>, ExecError> {
    let txn = conn.begin().await?;
    let keys = keys_matching(&txn, table, key, cond).await?;
    if !keys.is_empty() {
        txn.execute(&sql::delete(table, cond)).await?;
    }
    txn.commit().await?;
    Ok(keys)
}
