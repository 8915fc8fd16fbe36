//! Mutation fields → the writes REST runs (`query::write`), each field in one
//! transaction, then `returning` read back by key through the planner.

use std::sync::Arc;

use async_graphql::Value as GqlValue;
use async_graphql::parser::types::Field;
use serde_json::{Map, Value as Json};

use super::exec::{Keyed, Operation, object};
use super::schema::{FieldKind, GraphCatalog, ObjectInfo, Root};
use crate::error::ApiError;
use crate::query::document::{first_record, write_str};
use crate::query::exec::Record;
use crate::query::plan::{self, Cond};
use crate::query::write::{self, Op, RecordError};
use crate::rest::Service;
use crate::rest::write::writable;

/// Runs one mutation field and writes its value.
pub async fn run(
    op: &Operation<'_>,
    svc: &Service,
    gql: &GraphCatalog,
    root: &Root,
    f: &Keyed<'_>,
) -> Result<Vec<u8>, ApiError> {
    let (ty, many) = match root {
        Root::Insert(ty) | Root::Update(ty) | Root::Delete(ty) => (ty, true),
        Root::UpdateByPk(ty) | Root::DeleteByPk(ty) => (ty, false),
        Root::List(_) | Root::ByPk(_) | Root::Aggregate(_) => {
            return Err(ApiError::bad_request(format!(
                "'{}' is a query, not a mutation.",
                f.name()
            )));
        }
    };
    let info = object(gql, ty)?;
    let table = &info.table;
    writable(svc, table)?;
    let key: Vec<String> = info.key.iter().map(|(_, c)| c.clone()).collect();
    let backend = svc.limits().backend;
    let conn = &svc.runtime.conn;

    // The keys of the rows written; for deletes, the rows themselves are read
    // before they go.
    let mut deleted: Option<Vec<u8>> = None;
    let keys: Vec<Record> = match root {
        Root::Insert(_) => {
            let objects = match op.arg(f.field, "objects") {
                Some(GqlValue::List(items)) => items,
                Some(one @ GqlValue::Object(_)) => vec![one],
                _ => Vec::new(),
            };
            // Checked before anything is written, as REST's batches are.
            let max = svc.runtime.config.max_batch_records();
            if objects.len() as u64 > max {
                return Err(ApiError::bad_request(format!(
                    "objects holds {} records; at most {max} are written in one mutation (the service's max_batch_records setting). Send them in several mutations.",
                    objects.len()
                )));
            }
            let ops = objects
                .iter()
                .map(|o| {
                    let rec = record(info, o)?;
                    let set = write::typed_fields(table, &rec, backend)?;
                    Ok(Op::Insert {
                        set,
                        given_key: None,
                    })
                })
                .collect::<Vec<Result<Op, RecordError>>>();
            let outcome = write::run_batch(conn, table, &key, ops, false).await?;
            let mut keys = Vec::with_capacity(outcome.results.len());
            for (n, r) in outcome.results.into_iter().enumerate() {
                match r {
                    Ok(k) => keys.push(k),
                    Err(e) => return Err(record_error(e, n, outcome.committed)),
                }
            }
            keys
        }
        Root::Update(_) | Root::UpdateByPk(_) => {
            let cond = condition(op, info, f.field, backend)?;
            let set = match op.arg(f.field, "_set") {
                Some(v) => record(info, &v)
                    .and_then(|rec| write::typed_fields(table, &rec, backend))
                    .map_err(|e| record_error(e, 0, false))?,
                None => Vec::new(),
            };
            write::update_matching(conn, table, &key, &cond, set).await?
        }
        Root::Delete(_) | Root::DeleteByPk(_) => {
            let cond = condition(op, info, f.field, backend)?;
            let keys = write::keys_matching(conn, table, &key, &cond).await?;
            deleted = Some(returning(op, svc, gql, ty, info, f, many, &keys).await?);
            write::delete_matching(conn, table, &key, &cond).await?
        }
        Root::List(_) | Root::ByPk(_) | Root::Aggregate(_) => Vec::new(),
    };

    match deleted {
        Some(rows) => Ok(rows),
        None => returning(op, svc, gql, ty, info, f, many, &keys).await,
    }
}

/// `{affected_rows, returning}` for the many-row fields, the row (or null)
/// for the `_by_pk` ones.
#[allow(clippy::too_many_arguments)]
async fn returning(
    op: &Operation<'_>,
    svc: &Service,
    gql: &GraphCatalog,
    ty: &str,
    info: &ObjectInfo,
    f: &Keyed<'_>,
    many: bool,
    keys: &[Record],
) -> Result<Vec<u8>, ApiError> {
    if !many {
        if keys.is_empty() {
            return Ok(b"null".to_vec());
        }
        let rows = read_keys(op, svc, gql, ty, info, f, keys).await?;
        return Ok(first_record(&rows).unwrap_or(b"null").to_vec());
    }
    let response_type = info.names.mutation_response();
    let mut out = vec![b'{'];
    for (n, sub) in op.fields(&f.sets(), Some(response_type)).iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_str(sub.key(), &mut out);
        out.push(b':');
        match sub.name() {
            "affected_rows" => out.extend_from_slice(keys.len().to_string().as_bytes()),
            "returning" if keys.is_empty() => out.extend_from_slice(b"[]"),
            "returning" => {
                out.extend_from_slice(&read_keys(op, svc, gql, ty, info, sub, keys).await?);
            }
            _ => write_str(response_type, &mut out),
        }
    }
    out.push(b'}');
    Ok(out)
}

/// The rows with these keys, shaped by `f`'s selection.
async fn read_keys(
    op: &Operation<'_>,
    svc: &Service,
    gql: &GraphCatalog,
    ty: &str,
    info: &ObjectInfo,
    f: &Keyed<'_>,
    keys: &[Record],
) -> Result<Vec<u8>, ApiError> {
    let input = op.selection_input(gql, ty, f).map_err(|e| *e.error)?;
    let limits = svc.limits();
    let mut plan = plan::plan_read(&info.table, &input, &svc.runtime.catalog, limits)?;
    let key: Vec<String> = info.key.iter().map(|(_, c)| c.clone()).collect();
    plan.filter = Some(Cond::KeyIn {
        tuples: write::key_tuples(&info.table, &key, keys, limits.backend),
        columns: key,
    });
    // Every written row comes back, past `max_records` too.
    plan.limit = None;
    Ok(svc.runtime.read_json(Arc::new(plan)).await?)
}

/// `where:` for the many-row fields; the key (`pk_columns:` or the key
/// arguments) for the `_by_pk` ones.
fn condition(
    op: &Operation<'_>,
    info: &ObjectInfo,
    f: &Field,
    backend: sea_orm::DbBackend,
) -> Result<Cond, ApiError> {
    // `where: {}` means every row, as in Hasura: REST's filter-less DELETE
    // is refused, but here the caller wrote the empty condition (`_or: []`,
    // on the other hand, matches nothing; see `exec::bool_exp`).
    let expr = match op.where_arg(info, f)? {
        Some(w) => w,
        None => op.key_filter(info, f, op.arg(f, "pk_columns").as_ref())?,
    };
    Ok(plan::resolve(&info.table, &expr, backend)?)
}

/// An input object's fields under their column names.
fn record(info: &ObjectInfo, v: &GqlValue) -> Result<Map<String, Json>, RecordError> {
    let GqlValue::Object(m) = v else {
        return Err(RecordError::Invalid("A record must be an object.".into()));
    };
    let mut out = Map::new();
    for (name, value) in m {
        let Some(FieldKind::Column(col)) = info.fields.get(name.as_str()) else {
            return Err(RecordError::Invalid(format!("Unknown field '{name}'.")));
        };
        let json = serde_json::to_value(value)
            .map_err(|e| RecordError::Invalid(format!("Field '{name}': {e}.")))?;
        out.insert(col.clone(), json);
    }
    Ok(out)
}

/// A record's error, saying which record failed (and that nothing was written).
fn record_error(e: RecordError, index: usize, committed: bool) -> ApiError {
    let note = if committed {
        ""
    } else {
        " Nothing was written."
    };
    let message = format!("Record {index}: {}{note}", e.message());
    e.retold(message).into()
}
