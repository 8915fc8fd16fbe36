//! Write plans: what a REST write or a GraphQL mutation does, with its records
//! typed, its rows addressed (by key or by a condition) and what it reads back.
//! The server's executor (`query::write`) runs a [`WritePlan`] and nothing else,
//! so everything a write may touch was decided here, under a [`super::Context`].

use std::sync::Arc;

use sea_query::Value;
use serde_json::{Map, Value as Json};

use super::{Cond, PlanError, ReadPlan, invalid, split_id};
use crate::Backend;
use crate::catalog::{Column, Table};
use crate::value;

/// A record as JSON, by column name (a body's record, or a written row's key).
pub type Record = Map<String, Json>;

/// Typed column values of an INSERT or an UPDATE's SET.
pub type Set = Vec<(String, Value)>;

/// One record's failure: a status-worthy kind and a sentence. Planning finds
/// the `Invalid` ones (a record that does not fit its table); running finds the
/// others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The record would end outside the role's record filter: 403.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// The statement ran past the service's statement timeout.
    #[error("{0}")]
    Timeout(String),
    /// Another transaction's lock was held too long: the whole batch is
    /// abandoned.
    #[error("{0}")]
    Busy(String),
    /// Logged, shown generically.
    #[error("{0}")]
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
            RecordError::Forbidden(_) => RecordError::Forbidden(message),
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
            | RecordError::Forbidden(m)
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
            RecordError::Forbidden(_) => 403,
            RecordError::Conflict(_) => 409,
            RecordError::Timeout(_) | RecordError::Busy(_) => 503,
            RecordError::Internal(_) => 500,
        }
    }
}

/// A typed write of one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Insert {
        set: Set,
        /// The record's key when the body gave it (MySQL returns no keys).
        given_key: Option<Record>,
    },
    /// Update (PATCH or PUT) the record whose key is `key`.
    Update {
        key: Vec<Value>,
        key_json: Record,
        set: Set,
    },
    Delete {
        key: Vec<Value>,
        key_json: Record,
    },
}

/// The rows a write changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Records one by one (inserts, or updates or deletes by key) in one
    /// transaction. A record refused while it was typed is reported in place and
    /// fails the batch; with `keep_good`, the good records are kept.
    Records {
        ops: Vec<Result<Op, RecordError>>,
        keep_good: bool,
    },
    /// `set` on every row matching `filter`.
    UpdateMatching { filter: Cond, set: Set },
    /// Every row matching `filter`.
    DeleteMatching { filter: Cond },
}

impl Action {
    /// Whether the written rows are gone afterwards, so that they are read back
    /// before the write instead of after it.
    pub fn deletes(&self) -> bool {
        match self {
            Action::Records { ops, .. } => ops.iter().any(|o| matches!(o, Ok(Op::Delete { .. }))),
            Action::UpdateMatching { .. } => false,
            Action::DeleteMatching { .. } => true,
        }
    }
}

/// A write, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub table: Arc<Table>,
    /// The columns that address a record (the primary key or `id_field=`).
    pub key: Vec<String>,
    pub action: Action,
    /// Reads of the written rows (REST's `fields=`, GraphQL's `returning`), each
    /// run by the written rows' keys inside the write's transaction: after an
    /// insert or update (by the keys as they are after it, so a changed key
    /// finds its row), before a delete (so the rows read are the rows deleted).
    pub read_back: Vec<ReadPlan>,
    /// The role's record filter on the table, when it has one.
    pub guard: Option<Guard>,
}

/// The rows a role may write: an update or a delete by key touches a record
/// only inside `cond` (else it is not found), and every row inserted or
/// updated must match `cond` afterwards, checked inside the write's
/// transaction; otherwise the write is refused with `refusal` (403).
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub cond: Cond,
    pub refusal: String,
}

/// A JSON record's fields as typed column values. Unknown fields are an error (a
/// typo must not be silently dropped).
pub fn typed_fields(table: &Table, rec: &Record, backend: Backend) -> Result<Set, RecordError> {
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
        check_length(col, &val)?;
        out.push((name.clone(), val));
    }
    Ok(out)
}

/// SQLite keeps text longer than a column's declared `VARCHAR(n)`, while
/// PostgreSQL and MariaDB refuse it: checking here gives every backend the
/// same answer, and keeps the `maxLength` the API docs promise true of what
/// was written through us.
fn check_length(col: &Column, val: &Value) -> Result<(), RecordError> {
    let (Some(max), Value::String(Some(s))) = (col.max_length(), val) else {
        return Ok(());
    };
    let len = s.chars().count();
    if len > max {
        return Err(RecordError::Invalid(format!(
            "field '{}' holds at most {max} characters (it is declared {}), got {len}.",
            col.name, col.db_type
        )));
    }
    Ok(())
}

/// The SET list of a PATCH (the given fields) or a PUT (every non-key field:
/// missing nullable ones become NULL; a missing required one is an error).
pub fn set_list(
    table: &Table,
    key: &[String],
    rec: &Record,
    replace: bool,
    backend: Backend,
) -> Result<Set, RecordError> {
    let mut set = typed_fields(table, rec, backend)?;
    if replace {
        let mut missing = Vec::new();
        for c in &table.columns {
            if key.contains(&c.name) || rec.contains_key(&c.name) {
                continue;
            }
            if c.nullable {
                set.push((c.name.clone(), value::null_of(c.json_type, backend)));
            } else {
                missing.push(c.name.as_str());
            }
        }
        if !missing.is_empty() {
            return Err(RecordError::Invalid(format!(
                "PUT replaces the whole record, and required field(s) {} are missing; use PATCH to change only some fields.",
                missing.join(", ")
            )));
        }
    }
    if set.is_empty() {
        return Err(RecordError::Invalid(
            "The record names no field to change.".into(),
        ));
    }
    Ok(set)
}

/// The key of a record as typed values and as JSON (each value as a read
/// answers it: `5`, not the `"5"` a URL gives), if every key field is present.
pub fn record_key(
    table: &Table,
    key: &[String],
    rec: &Record,
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
        let typed =
            value::to_sql(col, v, backend).map_err(|e| RecordError::Invalid(format!("{e}.")))?;
        json.insert(
            k.clone(),
            value::to_json(col.json_type, &typed).unwrap_or_else(|| v.clone()),
        );
        vals.push(typed);
    }
    Ok(Some((vals, json)))
}

/// The record an id in a URL names (`5`, or `1,2` for a composite key).
pub fn id_key(
    table: &Table,
    key: &[String],
    id: &str,
    backend: Backend,
) -> Result<(Vec<Value>, Record), PlanError> {
    let rec: Record = key.iter().cloned().zip(split_id(key, id)?).collect();
    match record_key(table, key, &rec, backend) {
        Ok(Some(k)) => Ok(k),
        Ok(None) => Err(invalid("The id is empty.")),
        Err(e) => Err(invalid(e.to_string())),
    }
}

/// Typed key tuples of JSON key records (for a `KeyIn` over written rows).
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

/// A row's key after an update that applied `set`: key fields the update set
/// take their new values, so the row can be found again.
pub fn key_after(table: &Table, key_json: &Record, set: &Set) -> Record {
    let mut out = key_json.clone();
    for (k, old) in out.iter_mut() {
        if let Some((_, v)) = set.iter().find(|(c, _)| c == k) {
            let ty = table.column(k).map(|c| c.json_type);
            if let Some(new) = ty.and_then(|ty| value::to_json(ty, v)) {
                *old = new;
            } else if let Value::String(Some(s)) = v {
                *old = Json::String(s.clone());
            }
        }
    }
    out
}
