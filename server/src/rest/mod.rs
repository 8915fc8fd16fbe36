//! The DreamFactory-style REST API generated from the catalog.
//!
//! Handlers only parse (`params`), ask the planner, run (`query::exec`) and render;
//! they never build SQL. Nothing here knows a particular table.

pub mod by_keys;
pub mod params;
pub mod read;
pub mod schema;
pub mod write;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::auth::Caller;
use crate::catalog::Table;
use crate::error::{ApiError, ApiResult};
use crate::query::exec::ExecError;
use crate::query::plan::{self, Limits, PlanError};
use crate::query::write::RecordError;
use crate::services::ServiceRuntime;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v2", get(list_services))
        .route("/api/v2/", get(list_services))
        .route("/api/v2/{service}", get(service_resources))
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

async fn list_services(State(state): State<AppState>, _caller: Caller) -> Json<serde_json::Value> {
    let mut resource = vec![json!({"name": "system", "label": "System", "type": "system"})];
    resource.extend(
        state
            .services
            .list()
            .iter()
            .map(|s| json!({"name": s.name, "label": s.label, "type": s.kind.as_str()})),
    );
    Json(json!({ "resource": resource }))
}

async fn service_resources(svc: Service) -> Json<serde_json::Value> {
    let _ = svc;
    Json(json!({"resource": [{"name": "_table"}, {"name": "_schema"}]}))
}

/// The service named in the path, for an authenticated caller. Every data route
/// takes this, so an unknown service is one 404 sentence everywhere.
pub struct Service {
    pub runtime: Arc<ServiceRuntime>,
    pub caller: Caller,
}

impl FromRequestParts<AppState> for Service {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let name = parts
            .uri
            .path()
            .strip_prefix("/api/v2/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_string();
        let runtime = state.services.get(&name).ok_or_else(|| {
            ApiError::not_found(format!(
                "Service '{name}' does not exist. GET /api/v2 lists the services."
            ))
        })?;
        Ok(Service { runtime, caller })
    }
}

impl Service {
    pub fn limits(&self) -> Limits {
        Limits {
            max_records: self.runtime.config.max_records.max(1),
            backend: crate::query::backend_of(self.runtime.conn.get_database_backend()),
            budget: plan::Budget {
                rows: self.runtime.config.max_response_rows(),
                bytes: self.runtime.config.max_response_bytes(),
            },
            max_list_items: self.runtime.config.max_list_items(),
        }
    }

    pub fn table(&self, name: &str) -> ApiResult<Arc<Table>> {
        Ok(plan::table(&self.runtime.catalog, name)?.clone())
    }
}

/// The `{table}` (and `{id}`) path segments.
pub type TablePath = Path<(String, String)>;

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Invalid(m) => ApiError::BadRequest(m),
            PlanError::NotFound(m) => ApiError::NotFound(m),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Invalid(m) => ApiError::BadRequest(m),
            RecordError::NotFound(m) => ApiError::NotFound(m),
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
            ExecError::Db(m) => ApiError::Internal(m),
            ExecError::TooLarge(e) => ApiError::BadRequest(e.to_string()),
        }
    }
}

/// A JSON body with status 200.
pub fn ok(v: serde_json::Value) -> axum::response::Response {
    Json(v).into_response()
}
