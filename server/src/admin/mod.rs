//! The `system` service: admin session and services CRUD, mounted by the app at
//! `/api/v2/system`.
//!
//! Every route but login takes [`RequireAdmin`]. Errors are [`AdminError`]s
//! (`error.rs`) that become the common envelope.

pub mod bootstrap;
pub mod error;
pub mod service;
pub mod session;

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};

pub use self::error::AdminError;
use crate::auth::RequireAdmin;
use crate::state::AppState;

/// The routes of the `system` service, relative to `/api/v2/system`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(resources))
        .route(
            "/admin/session",
            post(session::login)
                .get(session::current)
                .delete(session::logout),
        )
        .route("/service", get(service::list).post(service::create))
        .route("/service/_test", post(service::test))
        .route(
            "/service/{key}",
            get(service::get_one)
                .put(service::replace)
                .patch(service::update)
                .delete(service::delete),
        )
        .route("/service/{key}/_refresh", post(service::refresh))
        // Must come last: it applies to the routes registered before it.
        .method_not_allowed_fallback(crate::error::method_not_allowed)
}

/// `GET /api/v2/system`: what the system service offers, DreamFactory-style.
async fn resources(_admin: RequireAdmin) -> axum::Json<Value> {
    axum::Json(json!({
        "resource": [
            { "name": "admin/session" },
            { "name": "service" },
        ]
    }))
}
