//! The OpenAPI 3.1 document of a service's generated REST API
//! (`GET /api/v2/{service}/_doc`), built from the catalog snapshot with
//! utoipa's builder types, shaped to what the caller may call.
//!
//! `service` lays out the paths and asks the planning context what the caller
//! may do; `schemas` turns tables into component schemas; `params` and
//! `responses` hold the parameters and answers every endpoint shares. A
//! document is rendered to JSON once per (catalog snapshot, role, policy
//! version) and kept in the service's runtime (`cache::Docs`).

pub mod cache;
pub mod params;
pub mod responses;
pub mod schemas;
pub mod service;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub use service::{ServiceInfo, document};

use crate::auth::Caller;
use crate::context::Service;
use crate::error::{ApiError, ApiResult};
use crate::query::plan::{Access, Context};
use crate::state::AppState;

/// The document as JSON text.
pub fn render(ctx: &Context<'_>, info: ServiceInfo<'_>) -> Result<Bytes, String> {
    serde_json::to_vec(&document(ctx, info))
        .map(Bytes::from)
        .map_err(|e| format!("the OpenAPI document could not be written as JSON: {e}"))
}

/// `GET /api/v2/{service}/_doc`: the caller's document of the service.
pub async fn service_doc(State(state): State<AppState>, svc: Service) -> ApiResult<Response> {
    let rt = &svc.runtime;
    let info = ServiceInfo {
        name: &rt.name,
        label: &rt.label,
        description: &rt.description,
    };
    let ctx = svc.plan();
    let body = match (&svc.caller, ctx.access) {
        (_, Access::Full) => rt.openapi.admin(|| render(&ctx, info)),
        (
            Caller::App {
                role_id: Some(role),
                ..
            },
            Access::Role(_),
        ) => {
            // The version and the gate the document is built with come from
            // one snapshot, so a document is never kept under a version it
            // does not show.
            let snapshot = state.policies.current();
            rt.openapi.role(*role, snapshot.version, || {
                let gate = snapshot.gate(*role, &rt.name);
                render(
                    &Context {
                        access: Access::Role(&gate),
                        ..ctx
                    },
                    info,
                )
            })
        }
        // The extractor gives a gate only to an app with a role.
        (_, Access::Role(_)) => render(&ctx, info),
    }
    .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
