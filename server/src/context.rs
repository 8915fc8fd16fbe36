//! The request context of every data route, REST and GraphQL alike: the
//! service named in the path (one snapshot of it for the whole request), the
//! caller, and the planning context built from them. Both front ends take it
//! from here, so neither imports the other.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::Caller;
use crate::auth::policy::RoleGate;
use crate::catalog::Table;
use crate::error::{ApiError, ApiResult};
use crate::query::plan::{self, Access, Context, Limits};
use crate::services::ServiceRuntime;
use crate::state::AppState;

/// The service named in the path, for an authenticated caller. Every data route
/// takes this, so an unknown service is one 404 sentence everywhere.
pub struct Service {
    pub runtime: Arc<ServiceRuntime>,
    pub caller: Caller,
    /// An app's access to this service; `None` for an admin session.
    pub gate: Option<RoleGate>,
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
        let gate = match &caller {
            Caller::Admin(_) => None,
            Caller::App {
                role_id: None,
                name,
                ..
            } => {
                return Err(ApiError::Forbidden(format!(
                    "App '{name}' has no role, so its key may not call any service; an admin can give it one (PATCH /api/v2/system/app/{{id}} with \"role\")."
                )));
            }
            Caller::App {
                role_id: Some(role),
                ..
            } => Some(state.policies.current().gate(*role, &runtime.name)),
        };
        Ok(Service {
            runtime,
            caller,
            gate,
        })
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

    /// What every plan of this request is made under (`plan::Context`): the
    /// service's catalog snapshot, limits and `read_only` setting.
    pub fn plan(&self) -> Context<'_> {
        Context {
            catalog: &self.runtime.catalog,
            limits: self.limits(),
            service: &self.runtime.name,
            read_only: self.runtime.config.read_only,
            access: self.access(),
        }
    }

    /// The caller's access to this service.
    pub fn access(&self) -> Access<'_> {
        match &self.gate {
            None => Access::Full,
            Some(g) => Access::Role(g),
        }
    }

    pub fn table(&self, name: &str) -> ApiResult<Arc<Table>> {
        Ok(self.plan().table(name)?.clone())
    }
}
