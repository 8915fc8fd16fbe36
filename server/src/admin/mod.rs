//! The `system` service: admin session, services, roles, apps (API keys),
//! admins and the audit log, mounted by the app at `/api/v2/system`.
//!
//! Every route but login takes [`RequireAdmin`]. Errors are [`AdminError`]s
//! (`error.rs`) that become the common envelope. Every change is written with
//! its audit entry in one transaction (`audit.rs`).

pub mod admins;
pub mod app;
pub mod audit;
pub mod body;
pub mod bootstrap;
pub mod doc;
pub mod error;
pub mod guide;
pub mod role;
pub mod service;
pub mod session;

use axum::Router;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::doc as d;

pub use self::error::AdminError;
use crate::auth::RequireAdmin;
use crate::state::AppState;

/// Where the `system` service is mounted.
pub const PREFIX: &str = "/api/v2/system";

/// The routes of the `system` service, at [`PREFIX`] (the app merges it).
pub fn router() -> Router<AppState> {
    parts().0
}

/// The admin API's OpenAPI document, with the paths of [`router`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The router and its document, from one list. Each route is added with
/// utoipa-axum's `routes!`, which takes the method and path from the
/// handler's `#[utoipa::path]` and adds the same operation to the document:
/// a handler without one does not compile into `routes!`, and there is no
/// other way in (no `.route(` here; a test checks that too). So the router
/// cannot have a route the document lacks, nor the document a path or
/// method the router does not answer. A hand-kept table beside `Router`
/// (which cannot list its routes) would drift the day someone edits one and
/// not the other.
pub fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let system = OpenApiRouter::new()
        .routes(routes!(resources))
        .routes(routes!(doc::document))
        // `/admin/session` is a fixed path, so it wins over `/admin/{key}`
        // (and no admin's key is "session": emails hold an '@').
        .routes(routes!(session::login, session::current, session::logout))
        .routes(routes!(service::list, service::create))
        .routes(routes!(service::test))
        .routes(routes!(
            service::get_one,
            service::replace,
            service::update,
            service::delete
        ))
        .routes(routes!(service::refresh))
        .routes(routes!(guide::next_steps))
        .routes(routes!(guide::quickstart))
        .routes(routes!(role::list, role::create))
        .routes(routes!(
            role::get_one,
            role::replace,
            role::update,
            role::delete
        ))
        .routes(routes!(app::list, app::create))
        .routes(routes!(
            app::get_one,
            app::replace,
            app::update,
            app::delete
        ))
        .routes(routes!(app::rotate))
        .routes(routes!(admins::list, admins::create))
        .routes(routes!(admins::get_one, admins::update, admins::delete))
        .routes(routes!(audit::list));
    let (router, api) = OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .nest(PREFIX, system)
        .split_for_parts();
    // Must come last: it applies to the routes registered before it.
    (
        router.method_not_allowed_fallback(crate::error::method_not_allowed),
        api,
    )
}

/// Starts the transaction of an admin change. On SQLite it takes the write
/// lock at once (`BEGIN IMMEDIATE`): a change reads (is the name taken?)
/// before it writes, and a deferred transaction whose read predates another
/// writer's commit can never write ("database is locked" at once, whatever
/// the busy timeout), so concurrent changes failed as 500s. An immediate one
/// waits its turn instead. Other databases ignore the option.
pub async fn begin_change(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// `GET /api/v2/system`: what the system service offers, DreamFactory-style.
#[utoipa::path(
    get,
    path = "",
    tag = "system",
    operation_id = "resources",
    summary = "What the system service offers",
    description = "The resources under /api/v2/system, DreamFactory-style.",
    responses(
        (status = 200, description = "The resources of the system service", body = d::Resources),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused)
    )
)]
async fn resources(_admin: RequireAdmin) -> axum::Json<Value> {
    axum::Json(json!({
        "resource": [
            { "name": "admin/session" },
            { "name": "service" },
            { "name": "role" },
            { "name": "app" },
            { "name": "admin" },
            { "name": "audit" },
        ]
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// The router has no route the document lacks only while every route
    /// enters through `routes!` (see [`super::parts`]): a plain axum
    /// `.route(`, `.route_service(` or `.nest_service(` here would add one
    /// that nobody documents. The other direction, and that each documented
    /// operation reaches its handler, is checked on a running server
    /// (tests/docs.rs).
    #[test]
    fn every_route_enters_through_routes() {
        let source = include_str!("mod.rs");
        let start = source.find("pub fn parts()").unwrap();
        let end = start + source[start..].find("\n}\n").unwrap();
        let body = &source[start..end];
        for plain in [".route(", ".route_service(", ".nest_service(", ".merge("] {
            assert!(!body.contains(plain), "{plain} in admin::parts");
        }
        assert_eq!(body.matches(".nest(").count(), 1, "{body}");
    }

    #[test]
    fn the_document_is_3_1_with_both_schemes_and_unique_operation_ids() {
        let api = super::openapi();
        let doc: serde_json::Value = serde_json::from_str(&api.to_json().unwrap()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["session"]["type"], "http");
        assert_eq!(schemes["api_key_header"]["in"], "header");
        let mut ids = std::collections::BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let id = op["operationId"].as_str().unwrap().to_owned();
                assert!(ids.insert(id.clone()), "{id} twice");
            }
        }
        assert_eq!(ids.len(), 34);
    }
}
