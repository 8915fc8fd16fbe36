//! The generated GraphQL API of each service: `POST /api/v2/{service}/graphql`.
//!
//! async-graphql parses and validates a request against the service's generated
//! schema (types, arguments, variables, depth, complexity) and answers
//! introspection. Data fields are not resolved field by field: `exec` turns
//! each root field into the plan REST builds and writes the rows as JSON text
//! in one pass, as REST does. Resolving a 100-row list of 9 columns would be
//! 900 resolver calls and a value tree built and serialised again; the W4
//! benchmark holds GraphQL to 0.8× of the same REST read.

pub mod exec;
pub mod graphiql;
pub mod mutate;
pub mod names;
pub mod schema;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response as GqlResponse, ServerError, Value as GqlValue};
use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};

use crate::error::{ApiError, REQUEST_ID};
use crate::rest::Service;
use crate::state::AppState;
use exec::{FieldError, Operation};
use schema::GraphCatalog;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v2/{service}/graphql", post(execute))
        .merge(graphiql::router())
        .method_not_allowed_fallback(crate::error::method_not_allowed)
}

/// Marks a request that async-graphql should only validate (see
/// [`ValidateOnly`]).
struct PlannedByUs;

/// Ends a request after validation when [`PlannedByUs`] is in its data, so
/// that no resolver runs: `exec` answers it.
pub struct ValidateOnly;

impl ExtensionFactory for ValidateOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ValidateOnly)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ValidateOnly {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> GqlResponse {
        if ctx.data_opt::<PlannedByUs>().is_some() {
            return GqlResponse::new(GqlValue::Null);
        }
        next.run(ctx, operation_name).await
    }
}

async fn execute(svc: Service, body: Bytes) -> Response {
    let gql = match &svc.runtime.graphql {
        Ok(gql) => gql.clone(),
        Err(why) => {
            return errors(
                StatusCode::SERVICE_UNAVAILABLE,
                vec![error_json(
                    &format!("This service's GraphQL schema could not be built: {why}"),
                    None,
                    "SERVICE_UNAVAILABLE",
                )],
            );
        }
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return errors(
                StatusCode::BAD_REQUEST,
                vec![error_json(
                    &format!(
                        "The body must be JSON like {{\"query\": \"{{ Album {{ Title }} }}\", \"variables\": {{}}}}: {e}"
                    ),
                    None,
                    "BAD_REQUEST",
                )],
            );
        }
    };
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    // Validation also checks variable values, so only documents sent without
    // variables are taken from the cache of validated ones.
    let cache_key = request.variables.is_empty().then(|| {
        format!(
            "{}\u{0}{}",
            request.operation_name.as_deref().unwrap_or_default(),
            request.query
        )
    });
    let cached = cache_key.as_ref().and_then(|k| gql.validated.get(k));
    let doc = match cached {
        Some(doc) => doc,
        None => match validate(&gql, request).await {
            Ok(doc) => {
                if let Some(k) = cache_key {
                    gql.validated.insert(k, doc.clone());
                }
                doc
            }
            Err(answered) => return answered,
        },
    };
    let Some(op) = Operation::new(&doc, operation_name.as_deref(), variables) else {
        return errors(
            StatusCode::OK,
            vec![error_json("Unknown operation.", None, "BAD_REQUEST")],
        );
    };
    match op.run(&svc, &gql).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(FieldError { path, error }) => {
            let message = client_message(&error);
            let code = status_name(error.status());
            let mut body =
                json!({ "data": null, "errors": [error_json(&message, Some(path), &code)] });
            if let Some(id) = REQUEST_ID.try_with(|id| id.clone()).ok()
                && error.status().is_server_error()
            {
                body["errors"][0]["extensions"]["request_id"] = json!(id);
            }
            (StatusCode::OK, axum::Json(body)).into_response()
        }
    }
}

/// Parses and validates a request whose data `exec` is to read or write. The
/// `Err` is the answer already: introspection (async-graphql answers it), or
/// an error (a request mixing introspection with data is one).
async fn validate(
    gql: &GraphCatalog,
    mut request: async_graphql::Request,
) -> Result<Arc<ExecutableDocument>, Response> {
    let doc = match request.parsed_query() {
        Ok(doc) => doc.clone(),
        Err(e) => return Err(errors(StatusCode::OK, vec![server_error_json(&e)])),
    };
    let names = Operation::new(
        &doc,
        request.operation_name.as_deref(),
        request.variables.clone(),
    )
    .map(|op| op.root_names())
    .unwrap_or_default();
    let introspection = names.iter().any(|n| n == "__schema" || n == "__type");
    let data = names.iter().any(|n| !n.starts_with("__"));
    if introspection && data {
        return Err(errors(
            StatusCode::OK,
            vec![error_json(
                "Ask for the schema (__schema, __type) and for data in separate requests.",
                None,
                "BAD_REQUEST",
            )],
        ));
    }
    if !data {
        return Err(answer(gql.schema.execute(request).await));
    }
    let validated = gql.schema.execute(request.data(PlannedByUs)).await;
    if !validated.errors.is_empty() {
        return Err(answer(validated));
    }
    Ok(Arc::new(doc))
}

/// async-graphql's own answer (introspection, validation errors), with
/// `extensions.code` on each error as ours have.
fn answer(resp: GqlResponse) -> Response {
    if resp.errors.is_empty() {
        return (StatusCode::OK, axum::Json(resp)).into_response();
    }
    let errors: Vec<Json> = resp.errors.iter().map(server_error_json).collect();
    let mut body = json!({ "errors": errors });
    if resp.data != GqlValue::Null {
        body["data"] = serde_json::to_value(&resp.data).unwrap_or(Json::Null);
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn server_error_json(e: &ServerError) -> Json {
    let mut v = serde_json::to_value(e).unwrap_or_else(|_| json!({ "message": e.message }));
    if v["extensions"]["code"].is_null() {
        v["extensions"]["code"] = json!("BAD_REQUEST");
    }
    v
}

fn error_json(message: &str, path: Option<Vec<String>>, code: &str) -> Json {
    let mut e = json!({ "message": message, "extensions": { "code": code } });
    if let Some(path) = path {
        e["path"] = json!(path);
    }
    e
}

fn errors(status: StatusCode, errors: Vec<Json>) -> Response {
    (status, axum::Json(json!({ "errors": errors }))).into_response()
}

/// REST's status as a GraphQL error code: 404 → `NOT_FOUND`.
fn status_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_")
}

/// What REST would tell the client: the sentence, or for an internal error
/// only that it happened (the detail is logged with the request id).
fn client_message(e: &ApiError) -> String {
    let id = REQUEST_ID.try_with(|id| id.clone()).ok();
    e.envelope(id.as_deref())["error"]["message"]
        .as_str()
        .unwrap_or("error")
        .to_owned()
}
