//! The one place where errors become HTTP responses.
//!
//! Every module has its own `thiserror` enum; each converts into [`ApiError`], whose
//! `IntoResponse` renders SPEC.md's envelope
//! `{"error":{"code","message","context"}}`. A 500 is logged with the request id and
//! the client gets a generic sentence carrying that id: never SQL text, secrets or
//! a backtrace.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// 400 with a structured context (e.g. per-record results of a failed batch).
    #[error("{message}")]
    BadRequestWith { message: String, context: Value },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// 404 with a structured context (which of the records asked for by key
    /// are missing).
    #[error("{message}")]
    NotFoundWith { message: String, context: Value },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{message}")]
    Conflict {
        message: String,
        context: Option<Value>,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The request or its query ran past its time limit: 503, not a bug.
    #[error("{0}")]
    Timeout(String),
    /// Another transaction held a lock this request waited for too long:
    /// 503 with `Retry-After`, as a retry is likely to succeed.
    #[error("{0}")]
    Busy(String),
    /// A bug or an unexpected backend failure. The string is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::BadRequestWith { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::NotFoundWith { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout(_) | ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        ApiError::NotFound(msg.into())
    }

    pub fn internal(msg: impl std::fmt::Display) -> Self {
        ApiError::Internal(msg.to_string())
    }

    /// The JSON envelope body (also used inside batch contexts).
    pub fn envelope(&self, request_id: Option<&str>) -> Value {
        let status = self.status();
        let (message, context) = match self {
            ApiError::Internal(detail) => {
                tracing::error!(request_id = request_id.unwrap_or("-"), %detail, "internal error");
                let msg = match request_id {
                    Some(id) => format!(
                        "The server hit an unexpected error; it has been logged with request id {id}."
                    ),
                    None => "The server hit an unexpected error; it has been logged.".to_string(),
                };
                (
                    msg,
                    request_id.map_or(Value::Null, |id| json!({ "request_id": id })),
                )
            }
            ApiError::BadRequestWith { message, context }
            | ApiError::NotFoundWith { message, context } => (message.clone(), context.clone()),
            ApiError::Conflict { message, context } => {
                (message.clone(), context.clone().unwrap_or(Value::Null))
            }
            other => (other.to_string(), Value::Null),
        };
        json!({ "error": { "code": status.as_u16(), "message": message, "context": context } })
    }
}

tokio::task_local! {
    /// The current request's id, so that a 500 rendered anywhere can name it.
    pub static REQUEST_ID: String;
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let id = REQUEST_ID.try_with(|id| id.clone()).ok();
        let body = self.envelope(id.as_deref());
        let mut resp = (self.status(), Json(body)).into_response();
        if matches!(self, ApiError::Busy(_)) {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(BUSY_RETRY_AFTER_SECS),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Retry-After` of a [`ApiError::Busy`]: writes that hold locks are short
/// (batches are capped by `max_batch_records`), so a second is usually enough.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// The handler for a known path called with a method it does not serve: our
/// envelope instead of axum's empty 405 (axum still adds the `Allow` header).
/// Each router installs it with `.method_not_allowed_fallback(…)`, after its routes.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed(
        "This method is not allowed on this path; the 'Allow' response header lists the ones that are.".into(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_500_names_the_request_id_and_hides_the_detail() {
        let resp = REQUEST_ID
            .scope("req-42".to_string(), async {
                ApiError::internal("SELECT secret FROM t: no such column (password=hunter2)")
                    .into_response()
            })
            .await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], json!(500));
        assert_eq!(body["error"]["context"]["request_id"], json!("req-42"));
        let text = body.to_string();
        assert!(text.contains("req-42"), "{text}");
        for leak in ["SELECT", "no such column", "hunter2"] {
            assert!(!text.contains(leak), "{text}");
        }
    }

    #[test]
    fn every_status_has_the_envelope() {
        let cases = [
            (ApiError::bad_request("b"), 400),
            (ApiError::Unauthorized("u".into()), 401),
            (ApiError::Forbidden("f".into()), 403),
            (ApiError::not_found("n"), 404),
            (ApiError::MethodNotAllowed("m".into()), 405),
            (ApiError::PayloadTooLarge("p".into()), 413),
            (ApiError::TooManyRequests("t".into()), 429),
            (ApiError::Timeout("t".into()), 503),
            (ApiError::Busy("b".into()), 503),
        ];
        for (err, code) in cases {
            let env = err.envelope(None);
            assert_eq!(env["error"]["code"], json!(code));
            assert_eq!(env["error"]["message"], json!(err.to_string()));
            assert_eq!(env["error"]["context"], Value::Null);
        }
    }
}
