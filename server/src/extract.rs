//! Extractors whose rejections come back in our error envelope, not axum's text.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `Json<T>` whose failures are 400 (or 413) envelopes with a helpful sentence.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(AppJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

pub fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::bad_request(
            "The request body must be JSON: send the header 'Content-Type: application/json'.",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(format!(
            "The request body is not valid JSON: {}",
            source_text(&e)
        )),
        JsonRejection::JsonDataError(e) => ApiError::bad_request(format!(
            "The request body does not have the expected shape: {}",
            source_text(&e)
        )),
        JsonRejection::BytesRejection(e) => {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("The request body is too large.".into())
            } else {
                ApiError::bad_request("The request body could not be read.")
            }
        }
        _ => ApiError::bad_request("The request body could not be read as JSON."),
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
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::bad_request(
                format!("The query string is not valid: {}", source_text(&e)),
            )),
            Err(_) => Err(ApiError::bad_request("The query string is not valid.")),
        }
    }
}

/// An optional JSON body: empty → `None`; invalid JSON → 400; too large → 413.
/// Used where a body may be absent (DELETE, POST with `X-HTTP-Method`).
pub struct JsonBody(pub Option<serde_json::Value>);

impl<S> FromRequest<S> for JsonBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge("The request body is too large.".into())
                } else {
                    ApiError::bad_request("The request body could not be read.")
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| JsonBody(Some(v)))
            .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}.")))
    }
}
