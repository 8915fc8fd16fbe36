//! Responses: the error answers as shared components (each the envelope of
//! `error.rs`), and the success shapes of lists, records and batches.

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Schema};

use super::schemas::{self, ERROR, META};

/// An error status an endpoint can answer, with the response component that
/// documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refusal {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable,
}

impl Refusal {
    pub const ALL: [Refusal; 9] = [
        Refusal::BadRequest,
        Refusal::Unauthorized,
        Refusal::Forbidden,
        Refusal::NotFound,
        Refusal::Conflict,
        Refusal::PayloadTooLarge,
        Refusal::UnsupportedMediaType,
        Refusal::TooManyRequests,
        Refusal::Unavailable,
    ];

    pub fn status(self) -> &'static str {
        match self {
            Refusal::BadRequest => "400",
            Refusal::Unauthorized => "401",
            Refusal::Forbidden => "403",
            Refusal::NotFound => "404",
            Refusal::Conflict => "409",
            Refusal::PayloadTooLarge => "413",
            Refusal::UnsupportedMediaType => "415",
            Refusal::TooManyRequests => "429",
            Refusal::Unavailable => "503",
        }
    }

    /// The component's name under `components/responses`.
    pub fn component(self) -> &'static str {
        match self {
            Refusal::BadRequest => "BadRequest",
            Refusal::Unauthorized => "Unauthorized",
            Refusal::Forbidden => "Forbidden",
            Refusal::NotFound => "NotFound",
            Refusal::Conflict => "Conflict",
            Refusal::PayloadTooLarge => "PayloadTooLarge",
            Refusal::UnsupportedMediaType => "UnsupportedMediaType",
            Refusal::TooManyRequests => "TooManyRequests",
            Refusal::Unavailable => "ServiceUnavailable",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Refusal::BadRequest => {
                "Bad input: a bad parameter, filter (with the position of the problem), unknown field or wrong type; a failed batch lists each record's result in context.resource."
            }
            Refusal::Unauthorized => {
                "No credentials, or an unknown, rotated or inactive API key, or an expired session."
            }
            Refusal::Forbidden => {
                "The caller's role does not allow this (the sentence names the missing rule), or the service is read-only."
            }
            Refusal::NotFound => "No such service, table or record (ids= names the missing ones).",
            Refusal::Conflict => {
                "The database refused the write: a unique key taken, or a foreign key that does not match."
            }
            Refusal::PayloadTooLarge => "The body is larger than the server's max_body_bytes.",
            Refusal::UnsupportedMediaType => "The body is not sent as application/json.",
            Refusal::TooManyRequests => {
                "The app's rate_limit_per_minute is used up; Retry-After says when to try again."
            }
            Refusal::Unavailable => {
                "The statement ran past the service's statement timeout, or waited too long for a lock; a retry may succeed."
            }
        }
    }

    /// The shared response component: the envelope with this description.
    pub fn response(self) -> Response {
        json(self.description(), schemas::to(ERROR))
    }

    pub fn reference(self) -> RefOr<Response> {
        RefOr::Ref(Ref::from_response_name(self.component()))
    }
}

/// A JSON response with `schema`.
pub fn json(description: &str, schema: RefOr<Schema>) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

/// A list read: `{"resource":[record], "meta":{…}}`, or with `count_only` the
/// bare count.
pub fn list(record: &str) -> Response {
    let page = schemas::resource_list(schemas::to(record)).property("meta", schemas::to(META));
    let schema = OneOfBuilder::new().item(page).item(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some("count_only=true: the number of matching records.")),
    );
    json(
        "The records (meta when include_count or include_schema asks for it), or with count_only=true their count.",
        schema.into(),
    )
}

/// A batch write's answer: each written record's key, or what `fields=` asks.
pub fn written(record: &str, description: &str) -> Response {
    json(
        description,
        schemas::resource_list(schemas::to(record)).into(),
    )
}
