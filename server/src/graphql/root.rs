//! The root of an operation: each root field to the reader that answers it
//! (`exec` for queries, `mutate` for mutations), written into `{"data":{…}}`.

use async_graphql::parser::types::OperationType;

use super::exec::{FieldError, Operation, object, read};
use super::mutate;
use super::schema::{GraphCatalog, Root};
use crate::context::Service;
use crate::error::ApiError;
use crate::query::document::{first_record, write_str};

/// Runs every root field and writes `{"data":{…}}` (or the errors).
pub async fn run(
    op: &Operation<'_>,
    svc: &Service,
    gql: &GraphCatalog,
) -> Result<Vec<u8>, FieldError> {
    let root_type = match op.kind() {
        OperationType::Mutation => "Mutation",
        _ => "Query",
    };
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"data\":{");
    for (n, f) in op
        .fields(&[op.selection()], Some(root_type))
        .iter()
        .enumerate()
    {
        let key = f.key();
        let fail = |error: ApiError| FieldError {
            path: vec![key.to_owned()],
            error: Box::new(error),
        };
        if n > 0 {
            out.push(b',');
        }
        write_str(key, &mut out);
        out.push(b':');
        let name = f.name();
        if name == "__typename" {
            write_str(root_type, &mut out);
            continue;
        }
        match gql.roots.get(name) {
            Some(Root::List(ty)) => {
                let info = object(gql, ty).map_err(fail)?;
                let input = op.list_input(gql, ty, f).map_err(fail)?;
                out.extend_from_slice(&read(svc, info, &input).await.map_err(fail)?);
            }
            Some(Root::ByPk(ty)) => {
                let info = object(gql, ty).map_err(fail)?;
                let mut input = op.selection_input(gql, ty, f)?;
                input.filter = Some(op.key_filter(info, f.field, None).map_err(fail)?);
                input.limit = Some(1);
                let rows = read(svc, info, &input).await.map_err(fail)?;
                out.extend_from_slice(first_record(&rows).unwrap_or(b"null"));
            }
            Some(Root::Aggregate(ty)) => {
                let info = object(gql, ty).map_err(fail)?;
                let json = op.aggregate(svc, info, f).await.map_err(fail)?;
                out.extend_from_slice(json.as_bytes());
            }
            Some(root) => {
                let json = mutate::run(op, svc, gql, root, f).await.map_err(fail)?;
                out.extend_from_slice(&json);
            }
            None => {
                return Err(fail(ApiError::bad_request(format!(
                    "Unknown field '{name}' on type '{root_type}'."
                ))));
            }
        }
    }
    out.extend_from_slice(b"}}");
    Ok(out)
}
