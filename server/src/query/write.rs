//! Runs write plans: each in one transaction, its rows read back inside it.
//!
//! A batch of records is all-or-nothing by default: one transaction, and for
//! inserts one multi-row statement. When a batch fails (or with `continue=true`),
//! each record runs under its own savepoint so that every record gets its own
//! result; the transaction then commits the good ones (`continue`) or rolls
//! everything back. What a write does was decided by the planner
//! (`plan::WritePlan`); this module only runs it.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_query::Value;
use serde_json::{Map, Value as Json};

use super::exec::{self, ExecError};
use super::plan::{self, Action, Cond, Guard, WritePlan, key_after, key_tuples};
pub use super::plan::{Op, Record, RecordError};
use super::sql;
use super::{Backend, cells};
use crate::catalog::Table;

impl From<ExecError> for RecordError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Conflict(m) => RecordError::Conflict(m),
            ExecError::Invalid(m) => RecordError::Invalid(m),
            ExecError::Timeout(m) => RecordError::Timeout(m),
            ExecError::Busy(m) => RecordError::Busy(m),
            ExecError::Forbidden(m) => RecordError::Forbidden(m),
            ExecError::Db(m) => RecordError::Internal(m),
            ExecError::TooLarge(e) => RecordError::Invalid(e.to_string()),
        }
    }
}

/// What a write did: each record's key (or each matched row's), whether it was
/// committed, and the rows read back (one JSON array per `plan.read_back`, in its
/// order; empty when nothing was committed).
pub struct Written {
    pub results: Vec<Result<Record, RecordError>>,
    pub committed: bool,
    pub rows: Vec<Vec<u8>>,
}

impl Written {
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(Result::is_ok)
    }
}

/// Runs a write plan in one transaction.
pub async fn run(conn: &DatabaseConnection, plan: &WritePlan) -> Result<Written, ExecError> {
    let txn = conn.begin().await?;
    match in_transaction(&txn, plan).await {
        Ok(w) if w.committed => {
            txn.commit().await?;
            Ok(w)
        }
        Ok(w) => {
            txn.rollback().await?;
            Ok(w)
        }
        Err(e) => {
            // The error is what the client hears; a failed rollback adds nothing.
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

async fn in_transaction(txn: &DatabaseTransaction, plan: &WritePlan) -> Result<Written, ExecError> {
    let table = &plan.table;
    let key = &plan.key;
    let backend = super::backend_of(txn.get_database_backend());
    match &plan.action {
        Action::Records { ops, keep_good } => {
            // Deleted rows are read while they still exist, by the keys named.
            let before = if plan.action.deletes() {
                let named: Vec<Record> = ops
                    .iter()
                    .filter_map(|o| match o {
                        Ok(Op::Delete { key_json, .. }) => Some(key_json.clone()),
                        _ => None,
                    })
                    .collect();
                Some(read_back(txn, plan, &named, backend).await?)
            } else {
                None
            };
            let results = records(txn, plan, ops, *keep_good).await?;
            let ok = results.iter().all(Result::is_ok);
            if !ok && !keep_good {
                return Ok(Written {
                    results,
                    committed: false,
                    rows: Vec::new(),
                });
            }
            let rows = match before {
                Some(rows) => rows,
                None => {
                    let written: Vec<Record> = results
                        .iter()
                        .filter_map(|r| r.as_ref().ok().cloned())
                        .collect();
                    read_back(txn, plan, &written, backend).await?
                }
            };
            Ok(Written {
                results,
                committed: true,
                rows,
            })
        }
        Action::UpdateMatching { filter, set } => {
            let keys = lock_matching(txn, table, key, filter).await?;
            if !set.is_empty() {
                for by_key in key_chunks(plan, Some(filter), &keys, backend) {
                    txn.execute(&sql::update(table, set.clone(), &by_key))
                        .await?;
                }
            }
            let keys: Vec<Record> = keys.iter().map(|k| key_after(table, k, set)).collect();
            check_guard(txn, table, key, plan.guard.as_ref(), &keys).await?;
            let rows = read_back(txn, plan, &keys, backend).await?;
            Ok(Written {
                results: keys.into_iter().map(Ok).collect(),
                committed: true,
                rows,
            })
        }
        Action::DeleteMatching { filter } => {
            let keys = lock_matching(txn, table, key, filter).await?;
            let rows = read_back(txn, plan, &keys, backend).await?;
            for by_key in key_chunks(plan, Some(filter), &keys, backend) {
                txn.execute(&sql::delete(table, &by_key)).await?;
            }
            Ok(Written {
                results: keys.into_iter().map(Ok).collect(),
                committed: true,
                rows,
            })
        }
    }
}

/// The keys of the rows `filter` matches, locked until the transaction ends: a
/// write by condition changes exactly these rows (see [`key_chunks`]), so what it
/// reports and reads back is what it changed, even while others write.
async fn lock_matching(
    txn: &DatabaseTransaction,
    table: &Table,
    key: &[String],
    filter: &Cond,
) -> Result<Vec<Record>, ExecError> {
    let rows = txn.query_all(&sql::lock_keys(table, key, filter)).await?;
    Ok(key_records(&rows, table, key))
}

/// `filter` narrowed to the rows with these keys, in chunks under the drivers'
/// parameter limit: a row that came to match after the keys were read is not
/// touched.
fn key_chunks(
    plan: &WritePlan,
    filter: Option<&Cond>,
    keys: &[Record],
    backend: Backend,
) -> Vec<Cond> {
    let tuples = key_tuples(&plan.table, &plan.key, keys, backend);
    let per_chunk = (exec::KEY_VALUES_PER_STATEMENT / plan.key.len().max(1)).max(1);
    tuples
        .chunks(per_chunk)
        .map(|chunk| {
            let by_key = Cond::KeyIn {
                columns: plan.key.clone(),
                tuples: chunk.to_vec(),
            };
            match filter {
                Some(f) => Cond::all([f.clone(), by_key]),
                None => by_key,
            }
        })
        .collect()
}

/// Runs each of `plan.read_back` over the rows with these keys, in chunks that
/// keep every statement under the drivers' parameter limit, and joins each
/// plan's chunks into one JSON array.
async fn read_back(
    txn: &DatabaseTransaction,
    plan: &WritePlan,
    keys: &[Record],
    backend: Backend,
) -> Result<Vec<Vec<u8>>, ExecError> {
    let mut out = Vec::with_capacity(plan.read_back.len());
    if plan.read_back.is_empty() {
        return Ok(out);
    }
    for read in &plan.read_back {
        let mut rows = vec![b'['];
        for by_key in key_chunks(plan, read.filter.as_ref(), keys, backend) {
            let mut p = read.clone();
            p.filter = Some(by_key);
            // Every written row is answered, past `max_records` too.
            p.limit = None;
            let json = exec::read_json(txn, &p).await?;
            append_items(&mut rows, &json);
        }
        rows.push(b']');
        out.push(rows);
    }
    Ok(out)
}

/// Appends the items of the JSON array `array` to the open array `out`.
fn append_items(out: &mut Vec<u8>, array: &[u8]) {
    let inner = array
        .strip_prefix(b"[")
        .and_then(|a| a.strip_suffix(b"]"))
        .unwrap_or_default();
    if inner.is_empty() {
        return;
    }
    if out.len() > 1 {
        out.push(b',');
    }
    out.extend_from_slice(inner);
}

/// Rows whose columns are `key`, in order, as key records.
fn key_records(rows: &[sea_orm::QueryResult], table: &Table, key: &[String]) -> Vec<Record> {
    rows.iter()
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
        .collect()
}

/// One record's key, narrowed to the rows the caller's role may write: a
/// record outside its filter is not found.
fn key_cond(key: &[String], vals: &[Value], guard: Option<&Guard>) -> Cond {
    let by_key = Cond::KeyIn {
        columns: key.to_vec(),
        tuples: vec![vals.to_vec()],
    };
    match guard {
        Some(g) => Cond::all([by_key, g.cond.clone()]),
        None => by_key,
    }
}

/// Refuses the write unless every row with these keys matches the role's
/// record filter, read inside the write's transaction after the rows were
/// written: what the row *is* decides, whatever the body said (defaults,
/// triggers and unchanged columns included).
async fn check_guard<C: ConnectionTrait>(
    conn: &C,
    table: &Table,
    key: &[String],
    guard: Option<&Guard>,
    keys: &[Record],
) -> Result<(), ExecError> {
    let Some(guard) = guard else {
        return Ok(());
    };
    let backend = super::backend_of(conn.get_database_backend());
    let tuples = key_tuples(table, key, keys, backend);
    // A row whose key cannot be told cannot be checked, so it is refused.
    if tuples.len() < keys.len() {
        return Err(ExecError::Forbidden(guard.refusal.clone()));
    }
    let per_chunk = (exec::KEY_VALUES_PER_STATEMENT / key.len().max(1)).max(1);
    for chunk in tuples.chunks(per_chunk) {
        let cond = Cond::all([
            Cond::KeyIn {
                columns: key.to_vec(),
                tuples: chunk.to_vec(),
            },
            guard.cond.clone(),
        ]);
        let found = conn.query_all(&sql::select_keys(table, key, &cond)).await?;
        if found.len() < chunk.len() {
            return Err(ExecError::Forbidden(guard.refusal.clone()));
        }
    }
    Ok(())
}

async fn apply_one<C: ConnectionTrait>(
    conn: &C,
    plan: &WritePlan,
    op: &Op,
) -> Result<Record, RecordError> {
    let (table, key, guard) = (&*plan.table, &plan.key[..], plan.guard.as_ref());
    match op {
        Op::Insert { set, given_key } => {
            let rec = insert_one(conn, table, key, set, given_key.as_ref()).await?;
            check_guard(conn, table, key, guard, std::slice::from_ref(&rec)).await?;
            Ok(rec)
        }
        Op::Update {
            key: kv,
            key_json,
            set,
        } => {
            let cond = key_cond(key, kv, guard);
            one_match(conn, table, key, key_json, &cond).await?;
            if !set.is_empty() {
                let done = conn
                    .execute(&sql::update(table, set.clone(), &cond))
                    .await
                    .map_err(ExecError::from)?;
                at_most_one(done.rows_affected(), table, key, key_json)?;
            }
            // The key may have changed with the update.
            let rec = key_after(table, key_json, set);
            check_guard(conn, table, key, guard, std::slice::from_ref(&rec)).await?;
            Ok(rec)
        }
        Op::Delete { key: kv, key_json } => {
            let cond = key_cond(key, kv, guard);
            one_match(conn, table, key, key_json, &cond).await?;
            let done = conn
                .execute(&sql::delete(table, &cond))
                .await
                .map_err(ExecError::from)?;
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
    match conn.query_all(&q).await.map_err(ExecError::from)?.len() {
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
        let res = conn.execute(&stmt).await.map_err(ExecError::from)?;
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
                .await
                .map_err(ExecError::from)?,
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
                    .await
                    .map_err(ExecError::from)?,
            );
        }
    }
    Ok(key_records(&returned, table, key))
}

/// Runs a batch of records inside `txn`: each record's key, or its error (a
/// record refused while typed is reported in place). Busy is the one error that
/// stops the batch: every later record would wait as long again.
async fn records(
    txn: &DatabaseTransaction,
    plan: &WritePlan,
    ops: &[Result<Op, RecordError>],
    keep_good: bool,
) -> Result<Vec<Result<Record, RecordError>>, ExecError> {
    let (table, key) = (&*plan.table, &plan.key[..]);
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
                // Rows outside the role's filter: the records one by one below
                // tell which.
                Ok(keys)
                    if keys.len() == rows.len()
                        && check_guard(&sp, table, key, plan.guard.as_ref(), &keys)
                            .await
                            .is_ok() =>
                {
                    sp.commit().await?;
                    return Ok(keys.into_iter().map(Ok).collect());
                }
                Err(RecordError::Busy(m)) => {
                    let _ = sp.rollback().await;
                    return Err(ExecError::Busy(m));
                }
                _ => sp.rollback().await?,
            }
        }
    }

    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let r = match op {
            Err(e) => Err(e.clone()),
            Ok(op) => match one_in_savepoint(txn, plan, op).await? {
                Err(RecordError::Busy(m)) => return Err(ExecError::Busy(m)),
                r => r,
            },
        };
        results.push(r);
    }
    Ok(results)
}

async fn one_in_savepoint(
    txn: &DatabaseTransaction,
    plan: &WritePlan,
    op: &Op,
) -> Result<Result<Record, RecordError>, ExecError> {
    let sp = txn.begin().await?;
    match apply_one(&sp, plan, op).await {
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
