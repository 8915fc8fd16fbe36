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
pub mod error;
pub mod guide;
pub mod role;
pub mod service;
pub mod session;

use axum::Router;
use axum::routing::{get, post};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
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
        .route("/service/{key}/next_steps", get(guide::next_steps))
        .route("/service/{key}/_quickstart", post(guide::quickstart))
        .route("/role", get(role::list).post(role::create))
        .route(
            "/role/{key}",
            get(role::get_one)
                .put(role::replace)
                .patch(role::update)
                .delete(role::delete),
        )
        .route("/app", get(app::list).post(app::create))
        .route(
            "/app/{key}",
            get(app::get_one)
                .put(app::replace)
                .patch(app::update)
                .delete(app::delete),
        )
        .route("/app/{key}/rotate", post(app::rotate))
        // `/admin/session` above is a fixed path, so it wins over `{key}`
        // (and no admin's key is "session": emails hold an '@').
        .route("/admin", get(admins::list).post(admins::create))
        .route(
            "/admin/{key}",
            get(admins::get_one)
                .patch(admins::update)
                .delete(admins::delete),
        )
        .route("/audit", get(audit::list))
        // Must come last: it applies to the routes registered before it.
        .method_not_allowed_fallback(crate::error::method_not_allowed)
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
