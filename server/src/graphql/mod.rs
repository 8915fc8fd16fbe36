//! The generated GraphQL API of each service: `POST /api/v2/{service}/graphql`
//! (one operation, or a JSON array of them), and `GET` on the same path for
//! queries (`?query=…&variables=…`) or, for a browser, GraphiQL;
//! `GET …/graphql/schema.graphql` for the caller's schema as SDL. An app sees
//! its role's schema (`role`), an admin the whole one.
//!
//! async-graphql parses and validates a request against the service's generated
//! schema (types, arguments, variables, depth, complexity) and answers
//! introspection. Data fields are not resolved field by field: `exec` turns
//! each root field into the plan REST builds and writes the rows as JSON text
//! in one pass, as REST does. Resolving a 100-row list of 9 columns would be
//! 900 resolver calls and a value tree built and serialised again; the W4
//! benchmark holds GraphQL to 0.8× of the same REST read.

pub mod check;
pub mod exec;
pub mod graphiql;
pub mod guard;
pub mod mutate;
pub mod names;
pub mod role;
pub mod root;
pub mod schema;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Response as GqlResponse, ServerError, Value as GqlValue, Variables};
use axum::Router;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get as get_route, post};
use serde_json::{Value as Json, json};

use crate::auth::Caller;
use crate::context::Service;
use crate::error::{ApiError, REQUEST_ID};
use crate::extract::GraphqlBody;
use crate::services::config::{DEFAULT_GRAPHQL_MAX_BATCH, DEFAULT_GRAPHQL_MAX_COMPLEXITY};
use crate::state::AppState;
use exec::{FieldError, Operation};
use schema::GraphCatalog;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v2/{service}/graphql", post(execute).get(get))
        .route("/api/v2/{service}/graphql/schema.graphql", get_route(sdl))
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

/// One operation's answer: a status and the JSON text of its body. A batch
/// puts the bodies of its operations in one array.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    fn json(status: StatusCode, body: &Json) -> Answer {
        Answer {
            status,
            body: body.to_string().into_bytes(),
        }
    }

    fn errors(status: StatusCode, errors: Vec<Json>) -> Answer {
        Answer::json(status, &json!({ "errors": errors }))
    }

    fn error(status: StatusCode, message: &str) -> Answer {
        Answer::errors(status, vec![error_json(message, None, "BAD_REQUEST")])
    }

    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body,
        )
            .into_response();
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            // RFC 9110: a 405 names the methods that would do.
            resp.headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        }
        resp
    }
}

/// Which HTTP method an operation came by: GET may only read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Post,
    Get,
}

/// `POST`: one operation (`{"query": …}`) or a batch (`[{…}, {…}]`), whose
/// answer is the array of the operations' answers, in order.
async fn execute(
    State(state): State<AppState>,
    svc: Service,
    GraphqlBody(body): GraphqlBody,
) -> Response {
    let bounds = Bounds::of(&state, &svc);
    let gql = match schema_of(&state, &svc) {
        Ok(gql) => gql,
        Err(answer) => return answer.into_response(),
    };
    let batched = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if !batched {
        return match serde_json::from_slice::<async_graphql::Request>(&body) {
            Ok(request) => run(&svc, &gql, request, Via::Post, bounds)
                .await
                .into_response(),
            Err(e) => not_a_request(&e).into_response(),
        };
    }
    let requests = match serde_json::from_slice::<Vec<async_graphql::Request>>(&body) {
        Ok(r) => r,
        Err(e) => return not_a_request(&e).into_response(),
    };
    let max = svc
        .runtime
        .config
        .graphql_max_batch
        .unwrap_or(DEFAULT_GRAPHQL_MAX_BATCH);
    if requests.is_empty() || requests.len() > max {
        return Answer::error(
            StatusCode::BAD_REQUEST,
            &format!(
                "A batch holds 1 to {max} operations (graphql_max_batch in the service's config); this one holds {}.",
                requests.len()
            ),
        )
        .into_response();
    }
    // One after the other, like separate requests: each operation is its own
    // transaction, and one's failure is only its own answer.
    let mut out = Vec::with_capacity(256 * requests.len());
    out.push(b'[');
    for (n, request) in requests.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&run(&svc, &gql, request, Via::Post, bounds).await.body);
    }
    out.push(b']');
    Answer {
        status: StatusCode::OK,
        body: out,
    }
    .into_response()
}

/// `GET`: GraphiQL for a browser (one that asks for HTML; the page holds no
/// data, so it needs no credentials), else the query in `?query=`
/// (`variables` as JSON text, `operationName`), as the GraphQL-over-HTTP
/// spec describes. A mutation over GET is refused with 405: a GET must be
/// safe to repeat, prefetch and cache.
async fn get(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    if wants_html(&parts.headers) {
        return graphiql::page();
    }
    let svc = match Service::from_request_parts(&mut parts, &state).await {
        Ok(svc) => svc,
        Err(e) => return e.into_response(),
    };
    let gql = match schema_of(&state, &svc) {
        Ok(gql) => gql,
        Err(answer) => return answer.into_response(),
    };
    let bounds = Bounds::of(&state, &svc);
    match get_request(&parts.uri) {
        Ok(request) => run(&svc, &gql, request, Via::Get, bounds)
            .await
            .into_response(),
        Err(message) => Answer::error(StatusCode::BAD_REQUEST, &message).into_response(),
    }
}

/// `GET …/graphql/schema.graphql`: the caller's schema as SDL, for code
/// generators and for reading; a role's shows only what the role may use.
async fn sdl(State(state): State<AppState>, svc: Service) -> Response {
    match schema_of(&state, &svc) {
        Ok(gql) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            gql.schema.sdl(),
        )
            .into_response(),
        Err(answer) => answer.into_response(),
    }
}

/// A browser navigating to the endpoint lists `text/html` in `Accept`; API
/// clients (`application/json`, `application/graphql-response+json`, curl's
/// `*/*`) do not.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/html"))
        })
}

/// The operation of a GET's query string.
fn get_request(uri: &axum::http::Uri) -> Result<async_graphql::Request, String> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|_| "The query string is not valid.".to_owned())?;
    let mut text = None;
    let mut variables = None;
    let mut operation = None;
    for (k, v) in pairs {
        match k.as_str() {
            "query" => text = Some(v),
            "variables" if !v.trim().is_empty() => variables = Some(v),
            "operationName" if !v.is_empty() => operation = Some(v),
            _ => {}
        }
    }
    let text = text.ok_or_else(|| {
        "A GET needs the operation in ?query=… (and optionally variables=… as JSON and operationName=…); mutations go by POST. A browser asking for text/html gets GraphiQL here.".to_owned()
    })?;
    let mut request = async_graphql::Request::new(text);
    if let Some(v) = variables {
        let json: Json = serde_json::from_str(&v)
            .map_err(|e| format!("variables= must be a JSON object: {e}."))?;
        if !json.is_object() {
            return Err("variables= must be a JSON object.".into());
        }
        request = request.variables(Variables::from_json(json));
    }
    if let Some(name) = operation {
        request = request.operation_name(name);
    }
    Ok(request)
}

/// The caller's schema: the admin's (built with the runtime), or the role's,
/// which shows only what the role may use (`role`).
fn schema_of(state: &AppState, svc: &Service) -> Result<Arc<GraphCatalog>, Answer> {
    let unavailable = |why: &str| {
        Answer::errors(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![error_json(
                &format!("This service's GraphQL schema could not be built: {why}"),
                None,
                "SERVICE_UNAVAILABLE",
            )],
        )
    };
    let full = svc
        .runtime
        .graphql
        .as_ref()
        .map_err(|why| unavailable(why))?;
    if svc.gate.is_none() {
        return Ok(full.clone());
    }
    let role = match &svc.caller {
        Caller::App {
            role_id: Some(role),
            ..
        } => *role,
        // The extractor gives a gate only to an app with a role.
        _ => {
            return svc
                .runtime
                .role_graphql
                .build(&svc.runtime.catalog, svc.access())
                .map_err(|why| unavailable(&why));
        }
    };
    // The version and the gate the schema is built with come from one
    // snapshot, so a schema is never kept under a version it does not show.
    let snapshot = state.policies.current();
    svc.runtime
        .role_graphql
        .get(&svc.runtime.catalog, role, snapshot.version, || {
            snapshot.gate(role, &svc.runtime.name)
        })
        .map_err(|why| {
            tracing::warn!(service = %crate::log_text::escaped(&svc.runtime.name), role, who = %crate::log_text::escaped(svc.access().who()), error = %crate::log_text::escaped(&why), "GraphQL schema of a role not built");
            unavailable(&why)
        })
}

fn not_a_request(e: &serde_json::Error) -> Answer {
    Answer::error(
        StatusCode::BAD_REQUEST,
        &format!(
            "The body must be JSON like {{\"query\": \"{{ Album {{ Title }} }}\", \"variables\": {{}}}}, or an array of such objects: {e}"
        ),
    )
}

/// What a document may cost before async-graphql parses and validates it
/// (see `guard`).
#[derive(Clone, Copy)]
struct Bounds {
    /// The server's `graphql_max_nesting`.
    nesting: usize,
    /// The service's `graphql_max_complexity`.
    fields: usize,
}

impl Bounds {
    fn of(state: &AppState, svc: &Service) -> Bounds {
        Bounds {
            nesting: state.settings.graphql_max_nesting,
            fields: svc
                .runtime
                .config
                .graphql_max_complexity
                .unwrap_or(DEFAULT_GRAPHQL_MAX_COMPLEXITY),
        }
    }
}

/// One operation: validated (or taken from the cache of validated
/// documents), its variables coerced and its fields checked for conflicts,
/// all before anything runs; then planned and run by `exec`.
async fn run(
    svc: &Service,
    gql: &GraphCatalog,
    request: async_graphql::Request,
    via: Via,
    bounds: Bounds,
) -> Answer {
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
        None => match validate(svc, gql, request, bounds).await {
            Ok(doc) => {
                if let Some(k) = cache_key.filter(|k| gql.cacheable(k)) {
                    gql.validated.insert(k, doc.clone());
                }
                doc
            }
            Err(answered) => return answered,
        },
    };
    let Some(mut op) = Operation::new(&doc, operation_name.as_deref(), variables) else {
        return Answer::error(StatusCode::OK, "Unknown operation.");
    };
    if via == Via::Get && op.kind() == OperationType::Mutation {
        return Answer::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "A mutation cannot be sent by GET; POST it.",
        );
    }
    if let Err(message) = op.coerce_variables().and_then(|()| {
        check::operation(
            &op,
            gql.schema.registry(),
            svc.runtime.config.max_list_items(),
        )
    }) {
        return Answer::error(StatusCode::OK, &message);
    }
    match root::run(&op, svc, gql).await {
        Ok(body) => Answer {
            status: StatusCode::OK,
            body,
        },
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
            Answer::json(StatusCode::OK, &body)
        }
    }
}

/// Parses and validates a request whose data `exec` is to read or write. The
/// `Err` is the answer already: introspection (async-graphql answers it), or
/// an error (a request mixing introspection with data is one).
async fn validate(
    svc: &Service,
    gql: &GraphCatalog,
    mut request: async_graphql::Request,
    bounds: Bounds,
) -> Result<Arc<ExecutableDocument>, Answer> {
    guard::nesting(&request.query, bounds.nesting)
        .map_err(|m| Answer::error(StatusCode::OK, &m))?;
    let doc = match request.parsed_query() {
        Ok(doc) => doc.clone(),
        Err(e) => return Err(Answer::errors(StatusCode::OK, vec![server_error_json(&e)])),
    };
    guard::expansion(&doc, bounds.fields, bounds.nesting)
        .map_err(|m| Answer::error(StatusCode::OK, &m))?;
    let op = Operation::new(
        &doc,
        request.operation_name.as_deref(),
        request.variables.clone(),
    );
    // Said once, before async-graphql's validation reports each of the
    // operation's fields as unknown on a missing Subscription type.
    if op
        .as_ref()
        .is_some_and(|op| op.kind() == OperationType::Subscription)
    {
        return Err(Answer::error(
            StatusCode::OK,
            "Subscriptions are not supported: this API answers queries and mutations over HTTP.",
        ));
    }
    // A field of the service that the role's schema leaves out: said so,
    // with the rule that is missing, where validation would only call it
    // unknown.
    if let (Some(op), Some(_), Ok(full)) = (&op, &svc.gate, &svc.runtime.graphql) {
        let refused = role::refusals(op, gql, full, &svc.access());
        if !refused.is_empty() {
            return Err(Answer::errors(
                StatusCode::OK,
                refused
                    .into_iter()
                    .map(|r| error_json(&r.message, Some(r.path), "FORBIDDEN"))
                    .collect(),
            ));
        }
    }
    let names = op.map(|op| op.root_names()).unwrap_or_default();
    let introspection = names.iter().any(|n| n == "__schema" || n == "__type");
    let data = names.iter().any(|n| !n.starts_with("__"));
    if introspection && data {
        return Err(Answer::error(
            StatusCode::OK,
            "Ask for the schema (__schema, __type) and for data in separate requests.",
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
fn answer(resp: GqlResponse) -> Answer {
    if resp.errors.is_empty() {
        return Answer::json(
            StatusCode::OK,
            &serde_json::to_value(&resp).unwrap_or(Json::Null),
        );
    }
    let errors: Vec<Json> = resp.errors.iter().map(server_error_json).collect();
    let mut body = json!({ "errors": errors });
    if resp.data != GqlValue::Null {
        body["data"] = serde_json::to_value(&resp.data).unwrap_or(Json::Null);
    }
    Answer::json(StatusCode::OK, &body)
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
