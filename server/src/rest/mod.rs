//! The DreamFactory-style REST API generated from the catalog.
//!
//! Handlers only parse (`params`), ask the planner, run (`query::exec`) and render;
//! they never build SQL. Nothing here knows a particular table.

pub mod by_keys;
pub mod params;
pub mod read;
pub mod schema;
pub mod write;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::auth::Caller;
pub use crate::context::Service;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v2", get(list_services))
        .route("/api/v2/", get(list_services))
        .route("/api/v2/{service}", get(service_resources))
        .route("/api/v2/{service}/_doc", get(crate::openapi::service_doc))
        .route("/api/v2/{service}/_table", get(schema::list_tables))
        .route("/api/v2/{service}/_schema", get(schema::list_schema))
        .route(
            "/api/v2/{service}/_schema/{table}",
            get(schema::table_schema),
        )
        .route(
            "/api/v2/{service}/_table/{table}",
            get(read::list)
                .post(write::create_or_get)
                .patch(write::update_many)
                .put(write::replace_many)
                .delete(write::delete_many),
        )
        .route(
            "/api/v2/{service}/_table/{table}/{id}",
            get(read::one)
                .patch(write::update_one)
                .put(write::replace_one)
                .delete(write::delete_one),
        )
        // Must come last: it applies to the routes registered before it.
        .method_not_allowed_fallback(crate::error::method_not_allowed)
}

/// `GET /api/v2`: the services the caller can reach. An admin reaches all,
/// `system` included; an app reaches the services where its role allows
/// something (`policy::Snapshot::reaches`), never `system`.
async fn list_services(State(state): State<AppState>, caller: Caller) -> Json<serde_json::Value> {
    let policies = state.policies.current();
    let reaches = |name: &str| match &caller {
        Caller::Admin(_) => true,
        Caller::App { role_id, .. } => role_id.is_some_and(|r| policies.reaches(r, name)),
    };
    let mut resource = Vec::new();
    if caller.is_admin() {
        resource.push(json!({"name": "system", "label": "System", "type": "system"}));
    }
    resource.extend(
        state
            .services
            .list()
            .iter()
            .filter(|s| reaches(&s.name))
            .map(|s| json!({"name": s.name, "label": s.label, "type": s.kind.as_str()})),
    );
    Json(json!({ "resource": resource }))
}

async fn service_resources(svc: Service) -> Json<serde_json::Value> {
    let _ = svc;
    Json(json!({"resource": [{"name": "_table"}, {"name": "_schema"}]}))
}

/// The `{table}` (and `{id}`) path segments.
pub type TablePath = Path<(String, String)>;

/// A JSON body with status 200.
pub fn ok(v: serde_json::Value) -> axum::response::Response {
    Json(v).into_response()
}
