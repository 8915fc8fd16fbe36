//! Extractors whose rejections come back in our error envelope, not axum's text.
//!
//! Bodies are only read as data when they are declared JSON: a browser sends
//! `text/plain`, form and multipart bodies to another site without asking it
//! first (no CORS preflight), so a write that accepted them could be made by
//! any page a logged-in user visits. A JSON content type needs a preflight.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, serde_in_words};

/// `max_body_bytes`, in each request's extensions (`app::router`), so that a
/// 413 can say what the limit is.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// `application/json` or a `+json` type, whatever the case and parameters
/// (`application/json; charset=utf-8`, `application/vnd.api+json`).
pub fn is_json_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether `Content-Type` (of a request or a response) is JSON.
pub fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json_type)
}

/// `Json<T>` whose failures are 400, 413 or 415 envelopes with a helpful sentence.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = req.extensions().get::<BodyLimit>().map(|l| l.0);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(AppJson(v)),
            Err(rejection) => Err(json_rejection(rejection, limit)),
        }
    }
}

pub fn json_rejection(rejection: JsonRejection, limit: Option<usize>) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::not_json(),
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(format!(
            "The request body is not valid JSON: {}",
            source_text(&e)
        )),
        JsonRejection::JsonDataError(e) => ApiError::bad_request(format!(
            "The request body does not have the expected shape: {}.",
            data_error_text(&e)
        )),
        JsonRejection::BytesRejection(e) => bytes_rejection(&e, limit),
        _ => ApiError::bad_request("The request body could not be read as JSON."),
    }
}

fn bytes_rejection(e: &BytesRejection, limit: Option<usize>) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(limit)
    } else {
        ApiError::bad_request("The request body could not be read.")
    }
}

/// serde's message without axum's prefix ("Failed to deserialize the JSON body…").
fn source_text(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    last
}

/// A data error as "the field 'a.b' must be …". axum's innermost error reads
/// `a.b: <serde's message>` (the path is serde_path_to_error's).
fn data_error_text(e: &dyn std::error::Error) -> String {
    let inner = source_text(e);
    let serde_starts = [
        "invalid ",
        "missing field",
        "unknown field",
        "unknown variant",
    ];
    let split = serde_starts
        .iter()
        .filter_map(|p| inner.find(p))
        .min()
        .map(|at| inner.split_at(at));
    match split {
        Some((path, message)) => match path.trim_end_matches([':', ' ']) {
            "" | "." => serde_in_words(message),
            path => format!("the field '{path}' {}", serde_in_words(message)),
        },
        None => serde_in_words(&inner),
    }
}

/// `Query<T>` with envelope rejections.
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(AppQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::bad_request(format!(
                    "The query string is not valid: {}.",
                    serde_in_words(&source_text(&e))
                )))
            }
            Err(_) => Err(ApiError::bad_request("The query string is not valid.")),
        }
    }
}

/// An optional JSON body: empty → `None` (a DELETE needs no content type);
/// not declared JSON → 415; invalid JSON → 400; too large → 413.
/// Used where a body may be absent (DELETE, POST with `X-HTTP-Method`).
pub struct JsonBody(pub Option<serde_json::Value>);

impl<S> FromRequest<S> for JsonBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = req.extensions().get::<BodyLimit>().map(|l| l.0);
        let json = declares_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| bytes_rejection(&e, limit))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(None));
        }
        if !json {
            return Err(ApiError::not_json());
        }
        serde_json::from_slice(&bytes)
            .map(|v| JsonBody(Some(v)))
            .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}.")))
    }
}

/// A GraphQL POST's body, declared JSON (GraphQL over HTTP: `{"query": …}`
/// as `application/json`). `application/graphql` (the bare query) is refused
/// like any other type: it is not in the GraphQL-over-HTTP spec, and one
/// format keeps one parser in front of the schema.
pub struct GraphqlBody(pub Bytes);

impl<S> FromRequest<S> for GraphqlBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "A GraphQL request must be JSON ({\"query\": \"…\", \"variables\": {…}}) sent with the header 'Content-Type: application/json'.".into(),
            ));
        }
        let limit = req.extensions().get::<BodyLimit>().map(|l| l.0);
        Bytes::from_request(req, state)
            .await
            .map(GraphqlBody)
            .map_err(|e| bytes_rejection(&e, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::is_json_type;

    #[test]
    fn json_types_with_suffixes_and_parameters() {
        for ct in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/graphql-response+json",
            "application/vnd.api+json",
        ] {
            assert!(is_json_type(ct), "{ct}");
        }
        for ct in [
            "text/plain",
            "text/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/graphql",
            "application/jsonx",
            "",
        ] {
            assert!(!is_json_type(ct), "{ct}");
        }
    }
}
