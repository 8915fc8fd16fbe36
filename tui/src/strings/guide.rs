//! Texts of the guided flow (service → role → API key → try it).

pub const TITLE: &str = "Guided flow";
pub const INTRO: &str = "a role, an API key, then a first call with the key";

pub const STEP_ROLE: &str = "Role";
pub const STEP_KEY: &str = "API key";
pub const STEP_TRY: &str = "Try it";

pub const LEVEL: &str = "Access";
pub const PARTS: &str = "Parts";
pub const LEVELS: [&str; 3] = ["read", "write", "full"];
pub const LEVEL_HELP: [&str; 3] = ["GET only", "GET POST PUT PATCH", "every verb, DELETE too"];
pub const PARTS_NAMES: [&str; 3] = ["tables", "schema", "all"];
pub const PARTS_HELP: [&str; 3] = ["_table/*", "_schema/* (GET)", "_table/* and _schema/*"];

/// What Enter on step 1 will do.
pub fn will_make(role: &str, app: &str) -> String {
    format!("Enter makes role {role} and app {app}, and shows its key")
}
pub const MAKING: &str = "making the role and the app…";
pub const KEY_WITH_ROLE: &str = "made together with the role";
pub const KEY_NEW: &str = "a new key for it";
pub const LOOKING: &str = "looking for the app made before…";

/// The offer after a 409: the app exists, so a new key for it.
pub fn offer_rotate(app: &str) -> String {
    format!("Enter issues a new key for app {app} (its old key stops working)")
}
/// The offer after a 409: the role exists but no app has its name.
pub fn offer_app(app: &str, role: &str) -> String {
    format!("Enter makes app {app} with role {role}")
}
pub const REISSUING: &str = "issuing the key…";
pub fn reused_role(role: &str) -> String {
    format!("{role}, made before (its rules unchanged)")
}
pub const NO_ROLE: &str = "(the app has no role)";

pub fn app_line(app: &str) -> String {
    format!("app {app}, its key:")
}
pub const SHOWN_ONCE: &str = "shown once: copy it now (c copies it); the server keeps only a hash";

pub const TRY_FIRST: &str = "after the key: Enter runs a REST and a GraphQL call with it";
pub const TRY_READY: &str = "Enter runs a REST and a GraphQL call with the new key";
pub const TRY_AGAIN: &str = "Enter runs both calls again";
pub const FINDING: &str = "finding a table…";
pub const CALLING: &str = "calling with the key…";
pub const NO_TABLE: &str =
    "the service exposes no table yet: add one to the database, then refresh the service's schema";
pub const REST: &str = "REST";
pub const GRAPHQL: &str = "GraphQL";
pub const NO_ROWS: &str = "(no rows)";
pub const CANCELLED: &str = "cancelled";
pub const UNREADABLE: &str = "unreadable answer";
pub const CURL: &str = "Copy and run (y copies these lines):";

pub const KEY_CHOOSE: &str = "←/→ 1-3";
pub const KEY_CHOOSE_HELP: &str = "choose";
pub const KEY_ROW: &str = "↑/↓ Tab";
pub const KEY_ROW_HELP: &str = "access/parts";
pub const KEY_MAKE_HELP: &str = "make role and key";
pub const KEY_AGAIN_HELP: &str = "issue the key";
pub const KEY_TRY_HELP: &str = "try it";
pub const KEY_COPY_HELP: &str = "copy the key";
pub const KEY_CURL_HELP: &str = "copy curl lines";

/// The reason phrase of an HTTP status, for the "try it" lines.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
