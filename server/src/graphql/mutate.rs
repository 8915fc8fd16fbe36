//! Mutation fields → write plans (the same `plan::WritePlan` REST's writes
//! become), each field in one transaction, its `returning` read back inside it.

use async_graphql::Value as GqlValue;
use async_graphql::parser::types::Field;
use serde_json::{Map, Value as Json};

use super::exec::{Keyed, Operation, object};
use super::schema::{FieldKind, GraphCatalog, ObjectInfo, Root};
use crate::context::Service;
use crate::error::ApiError;
use crate::query::document::{first_record, write_str};
use crate::query::plan::{self, Action, Cond, Context, Op, ReadPlan, RecordError, Verb};
use crate::query::write;

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
    // What the role must allow: an update sets the named columns, which is
    // PATCH's meaning (docs/graphql.md).
    let verb = match root {
        Root::Insert(_) => Verb::Post,
        Root::Update(_) | Root::UpdateByPk(_) => Verb::Patch,
        _ => Verb::Delete,
    };
    let info = object(gql, ty)?;
    let table = &info.table;
    let ctx = svc.plan();
    ctx.writable(table)?;
    ctx.guard(table, verb)?;
    let key: Vec<String> = info.key.iter().map(|(_, c)| c.clone()).collect();
    let backend = ctx.limits.backend;

    // What is read back: each `returning` of the many-row fields, the field
    // itself for the `_by_pk` ones.
    let response_type = info.names.mutation_response();
    let subs = if many {
        op.fields(&f.sets(), Some(response_type))
    } else {
        Vec::new()
    };
    let read_back = if many {
        subs.iter()
            .filter(|sub| sub.name() == "returning")
            .map(|sub| read_plan(op, &ctx, gql, ty, info, sub))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        vec![read_plan(op, &ctx, gql, ty, info, f)?]
    };

    let action = match root {
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
                    let set = plan::typed_fields(table, &rec, backend)?;
                    let given_key = plan::record_key(table, &key, &rec, backend)?.map(|(_, j)| j);
                    Ok(Op::Insert { set, given_key })
                })
                .collect::<Vec<Result<Op, RecordError>>>();
            Action::Records {
                ops,
                keep_good: false,
            }
        }
        Root::Update(_) | Root::UpdateByPk(_) => {
            let filter = condition(op, info, f.field, backend)?;
            let set = match op.arg(f.field, "_set") {
                Some(v) => record(info, &v)
                    .and_then(|rec| plan::typed_fields(table, &rec, backend))
                    .map_err(|e| record_error(e, 0, false))?,
                None => Vec::new(),
            };
            Action::UpdateMatching { filter, set }
        }
        Root::Delete(_) | Root::DeleteByPk(_) => Action::DeleteMatching {
            filter: condition(op, info, f.field, backend)?,
        },
        Root::List(_) | Root::ByPk(_) | Root::Aggregate(_) => {
            return Err(ApiError::internal("a query root reached a mutation"));
        }
    };
    let plan = ctx.write(table, key, action, read_back, verb)?;
    let written = write::run(&svc.runtime.conn, &plan).await?;
    let committed = written.committed;
    let affected = written.results.len();
    for (n, r) in written.results.into_iter().enumerate() {
        if let Err(e) = r {
            return Err(record_error(e, n, committed));
        }
    }
    let mut rows = written.rows.into_iter();
    if !many {
        let row = rows.next().unwrap_or_default();
        return Ok(first_record(&row).unwrap_or(b"null").to_vec());
    }
    // `{affected_rows, returning}`, in selection order.
    let mut out = vec![b'{'];
    for (n, sub) in subs.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_str(sub.key(), &mut out);
        out.push(b':');
        match sub.name() {
            "affected_rows" => out.extend_from_slice(affected.to_string().as_bytes()),
            "returning" => match rows.next() {
                Some(r) => out.extend_from_slice(&r),
                None => out.extend_from_slice(b"[]"),
            },
            _ => write_str(response_type, &mut out),
        }
    }
    out.push(b'}');
    Ok(out)
}

/// The read of written rows that `f`'s selection asks for.
fn read_plan(
    op: &Operation<'_>,
    ctx: &Context<'_>,
    gql: &GraphCatalog,
    ty: &str,
    info: &ObjectInfo,
    f: &Keyed<'_>,
) -> Result<ReadPlan, ApiError> {
    let input = op.selection_input(gql, ty, f).map_err(|e| *e.error)?;
    Ok(ctx.read(&info.table, &input)?)
}

/// `where:` for the many-row fields; the key (`pk_columns:` or the key
/// arguments) for the `_by_pk` ones.
fn condition(
    op: &Operation<'_>,
    info: &ObjectInfo,
    f: &Field,
    backend: crate::query::Backend,
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
