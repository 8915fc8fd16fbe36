//! The one place where errors become HTTP responses.
//!
//! Every module has its own `thiserror` enum; each converts into [`ApiError`], whose
//! `IntoResponse` renders SPEC.md's envelope
//! `{"error":{"code","message","context"}}`. A 500 is logged with the request id and
//! the client gets a generic sentence carrying that id: never SQL text, secrets or
//! a backtrace.

use crate::query::exec::ExecError;
use crate::query::plan::{PlanError, RecordError};
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
    /// 403 with a structured context (a batch whose records a role's record
    /// filter refused).
    #[error("{message}")]
    ForbiddenWith { message: String, context: Value },
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
    /// A body that is not JSON where only JSON is read (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429 with `Retry-After` (seconds): a limit that says when it lets the
    /// client in again, so that a well-behaved one waits instead of retrying.
    #[error("{message}")]
    RetryAfter { message: String, seconds: u64 },
    /// Any other refusal, with its own status (a rare axum rejection).
    #[error("{message}")]
    Other { status: StatusCode, message: String },
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
            ApiError::Forbidden(_) | ApiError::ForbiddenWith { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::NotFoundWith { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RetryAfter { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout(_) | ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Other { status, .. } => *status,
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

    /// A body over `max_body_bytes`, naming the limit and the setting.
    pub fn too_large(limit: Option<usize>) -> Self {
        ApiError::PayloadTooLarge(match limit {
            Some(n) => format!(
                "The request body is larger than the server accepts: at most {n} bytes (the max_body_bytes setting)."
            ),
            None => {
                "The request body is larger than the server accepts (the max_body_bytes setting)."
                    .into()
            }
        })
    }

    /// A body that is not declared as JSON where only JSON is accepted.
    pub fn not_json() -> Self {
        ApiError::UnsupportedMediaType(
            "The request body must be JSON: send it with the header 'Content-Type: application/json'.".into(),
        )
    }

    /// The envelope for a refusal that axum or hyper wrote as plain `text`
    /// with `status` (their extractors answer before our handlers run; see
    /// `app::envelope_errors`). Their wording names Rust types, so only the
    /// cases are recognised and said again in our words.
    pub fn from_plain(status: StatusCode, text: &str, body_limit: usize) -> Self {
        match status {
            StatusCode::BAD_REQUEST if text.contains("UTF-8") => ApiError::bad_request(
                "A part of the path is not UTF-8 text once its %-escapes are decoded (like %FF); names of services, tables and records are text.",
            ),
            StatusCode::BAD_REQUEST if text.starts_with("Invalid URL") => ApiError::bad_request(
                "A part of the path could not be read; check its %-escapes.",
            ),
            StatusCode::BAD_REQUEST if text.contains("query string") => {
                ApiError::bad_request("The query string could not be read; check its %-escapes.")
            }
            StatusCode::BAD_REQUEST => ApiError::bad_request(
                "The request could not be read: check its path, query string and body.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(Some(body_limit)),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::not_json(),
            StatusCode::NOT_FOUND => ApiError::not_found(
                "There is nothing at this path. The API lives under /api/v2 (GET /api/v2 lists the services).",
            ),
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(
                "This method is not allowed on this path; the 'Allow' response header lists the ones that are.".into(),
            ),
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized(
                "This needs credentials: send 'Authorization: Bearer <token>'.".into(),
            ),
            StatusCode::FORBIDDEN => ApiError::Forbidden("This is not allowed for the caller.".into()),
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
                ApiError::Timeout("The request took too long and was stopped.".into())
            }
            s if s.is_server_error() => ApiError::internal(format!("{s}: {text}")),
            s => ApiError::Other {
                status: s,
                message: format!(
                    "The request was refused ({}).",
                    s.canonical_reason().unwrap_or("client error")
                ),
            },
        }
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
            | ApiError::ForbiddenWith { message, context }
            | ApiError::NotFoundWith { message, context } => (message.clone(), context.clone()),
            ApiError::Conflict { message, context } => {
                (message.clone(), context.clone().unwrap_or(Value::Null))
            }
            other => (other.to_string(), Value::Null),
        };
        json!({ "error": { "code": status.as_u16(), "message": message, "context": context } })
    }
}

/// serde's message for a value of the wrong type or range, said in users'
/// words: "invalid type: string \"x\", expected u32" becomes "must be a whole
/// number between 0 and 4294967295, not the text \"x\"". Others come back as
/// they were, minus backticks. Callers put the field's name in front.
pub fn serde_in_words(msg: &str) -> String {
    let (msg, position) = match msg.find(" at line ") {
        Some(at) => (&msg[..at], &msg[at..]),
        None => (msg, ""),
    };
    let found = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "));
    let text = match found {
        Some((unexpected, expected)) => format!(
            "must be {}, not {}",
            expected_in_words(expected),
            unexpected_in_words(unexpected)
        ),
        None => match msg.strip_prefix("missing field `") {
            Some(rest) => format!("needs the field '{}'", rest.trim_end_matches('`')),
            None => msg.replace('`', "'"),
        },
    };
    format!("{text}{position}")
}

fn expected_in_words(expected: &str) -> String {
    let whole = |min: &str, max: &str| format!("a whole number between {min} and {max}");
    match expected {
        "u8" => whole("0", "255"),
        "u16" => whole("0", "65535"),
        "u32" => whole("0", "4294967295"),
        "u64" | "usize" => whole("0", "18446744073709551615"),
        "u128" => "a whole number of 0 or more".into(),
        "i8" => whole("-128", "127"),
        "i16" => whole("-32768", "32767"),
        "i32" => whole("-2147483648", "2147483647"),
        "i64" | "isize" => whole("-9223372036854775808", "9223372036854775807"),
        "i128" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a string" | "a borrowed string" => "text (a JSON string)".into(),
        "a character" => "a single character".into(),
        "a sequence" => "a list (a JSON array)".into(),
        "a map" => "an object".into(),
        other if other.starts_with("struct ") => "an object".into(),
        other => other.replace('`', "'"),
    }
}

fn unexpected_in_words(unexpected: &str) -> String {
    let quoted = |prefix: &str| {
        unexpected
            .strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_owned())
    };
    if let Some(s) = unexpected.strip_prefix("string ") {
        format!("the text {s}")
    } else if let Some(n) = quoted("integer ").or_else(|| quoted("floating point ")) {
        n
    } else if let Some(b) = quoted("boolean ") {
        b
    } else {
        match unexpected {
            "map" => "an object".into(),
            "sequence" => "a list".into(),
            "unit value" | "null" => "null".into(),
            other => other.replace('`', "'"),
        }
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
        let retry_after = match &self {
            ApiError::RetryAfter { seconds, .. } => Some((*seconds).max(1)),
            ApiError::Busy(_) => Some(BUSY_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
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

// The planner's and the drivers' errors as responses, beside the others.
impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Invalid(m) => ApiError::BadRequest(m),
            PlanError::NotFound(m) => ApiError::NotFound(m),
            PlanError::Forbidden(m) => ApiError::Forbidden(m),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Invalid(m) => ApiError::BadRequest(m),
            RecordError::NotFound(m) => ApiError::NotFound(m),
            RecordError::Forbidden(m) => ApiError::Forbidden(m),
            RecordError::Conflict(m) => ApiError::Conflict {
                message: m,
                context: None,
            },
            RecordError::Timeout(m) => ApiError::Timeout(m),
            RecordError::Busy(m) => ApiError::Busy(m),
            RecordError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl From<ExecError> for ApiError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Conflict(m) => ApiError::Conflict {
                message: m,
                context: None,
            },
            ExecError::Invalid(m) => ApiError::BadRequest(m),
            ExecError::Timeout(m) => ApiError::Timeout(m),
            ExecError::Busy(m) => ApiError::Busy(m),
            ExecError::Forbidden(m) => ApiError::Forbidden(m),
            ExecError::Db(m) => ApiError::Internal(m),
            ExecError::TooLarge(e) => ApiError::BadRequest(e.to_string()),
        }
    }
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
    fn a_known_wait_is_sent_as_retry_after() {
        let resp = ApiError::RetryAfter {
            message: "wait".into(),
            seconds: 42,
        }
        .into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()["retry-after"], "42");
    }

    #[test]
    fn serde_messages_name_no_rust_types() {
        for (serde, want) in [
            (
                "invalid type: string \"x\", expected u32",
                "must be a whole number between 0 and 4294967295, not the text \"x\"",
            ),
            (
                "invalid value: integer `99999`, expected u16 at line 1 column 12",
                "must be a whole number between 0 and 65535, not 99999 at line 1 column 12",
            ),
            (
                "invalid value: integer `-5`, expected u64",
                "must be a whole number between 0 and 18446744073709551615, not -5",
            ),
            (
                "invalid type: boolean `true`, expected i64",
                "must be a whole number between -9223372036854775808 and 9223372036854775807, not true",
            ),
            (
                "invalid type: string \"yes\", expected a boolean",
                "must be true or false, not the text \"yes\"",
            ),
            (
                "invalid type: map, expected a string",
                "must be text (a JSON string), not an object",
            ),
            ("missing field `name`", "needs the field 'name'"),
        ] {
            assert_eq!(serde_in_words(serde), want);
        }
    }

    #[test]
    fn plain_refusals_become_sentences() {
        let err = ApiError::from_plain(
            StatusCode::BAD_REQUEST,
            "Invalid URL: Invalid UTF-8 in `table`",
            10,
        );
        assert!(err.to_string().contains("UTF-8"), "{err}");
        let err = ApiError::from_plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Failed to buffer the request body: length limit exceeded",
            8,
        );
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            err.to_string()
                .contains("8 bytes (the max_body_bytes setting)"),
            "{err}"
        );
        let err = ApiError::from_plain(StatusCode::IM_A_TEAPOT, "x", 8);
        assert_eq!(err.status(), StatusCode::IM_A_TEAPOT);
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
            (ApiError::not_json(), 415),
            (
                ApiError::RetryAfter {
                    message: "w".into(),
                    seconds: 7,
                },
                429,
            ),
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
