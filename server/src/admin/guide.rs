//! The guided flow as an API (DreamFactory's "service → role → API key → try
//! it", which its web UI walks an admin through):
//! `GET /service/{key}/next_steps` says what a service still lacks before an
//! app can call it — a role that reaches it, an app with such a role — each
//! with the exact call that makes it, then the calls that try it;
//! `POST /service/{key}/_quickstart` makes both in one call. `--demo` uses the
//! same pieces to make its reader role and app.
//!
//! Roles and apps are made through the role and app stores, so they are
//! validated, audited and in force (the policy snapshot reloaded) exactly as
//! if the admin had sent the calls one by one.

use crate::admin::doc as d;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use entity::{app, role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::app::spec as app_spec;
use super::app::store as app_store;
use super::body::Object;
use super::error::AdminError;
use super::role::spec as role_spec;
use super::role::store as role_store;
use crate::auth::{AdminSession, RequireAdmin};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::graphql::schema::Root;
use crate::services::ServiceRuntime;
use crate::state::AppState;

/// How the URLs in the answers start: the address the admin reached us at.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}/api/v2")
}

/// A table name as one URL path segment.
fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A shell word in single quotes.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// An admin call as a curl line (the session in `$TOKEN`).
fn admin_curl(method: &str, url: &str, body: &Value) -> String {
    format!(
        "curl -s -X {method} {} -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d {}",
        quoted(url),
        quoted(&body.to_string())
    )
}

/// The calls that try a service with an app's key (in `$API_KEY`): a REST
/// list, the same rows through GraphQL, and where the docs are.
pub fn try_calls(base: &str, runtime: &ServiceRuntime) -> Value {
    let svc = &runtime.name;
    let Some(table) = runtime.catalog.tables.values().next() else {
        return json!({
            "note": format!("service '{svc}' exposes no table yet: POST {base}/system/service/{svc}/_refresh after adding some"),
        });
    };
    let rest = format!(
        "curl -s -H \"X-Api-Key: $API_KEY\" {}",
        quoted(&format!(
            "{base}/{svc}/_table/{}?limit=3",
            path_segment(&table.name)
        ))
    );
    let graphql = runtime.graphql.as_ref().ok().and_then(|g| {
        let (field, ty) = g.roots.iter().find_map(|(field, root)| match root {
            Root::List(ty)
                if g.objects
                    .get(ty)
                    .is_some_and(|o| o.table.name == table.name) =>
            {
                Some((field, ty))
            }
            _ => None,
        })?;
        let info = g.objects.get(ty)?;
        let keys: Vec<&str> = info.key.iter().map(|(name, _)| name.as_str()).collect();
        let selection = if keys.is_empty() {
            "__typename".to_owned()
        } else {
            keys.join(" ")
        };
        let query = json!({ "query": format!("{{ {field}(limit: 3) {{ {selection} }} }}") });
        Some(format!(
            "curl -s -H \"X-Api-Key: $API_KEY\" -H 'Content-Type: application/json' -d {} {}",
            quoted(&query.to_string()),
            quoted(&format!("{base}/{svc}/graphql"))
        ))
    });
    json!({
        "rest": rest,
        "graphql": graphql,
        "graphql_schema": format!("{base}/{svc}/graphql/schema.graphql"),
        "docs": format!("{base}/{svc}/_doc"),
    })
}

/// The running service named by `key` (an id or a name).
async fn runtime(
    state: &AppState,
    key: &str,
) -> Result<std::sync::Arc<ServiceRuntime>, AdminError> {
    let row = super::service::store::find(&state.system, key).await?;
    state.services.get(&row.name).ok_or_else(|| {
        AdminError::Invalid(format!(
            "service '{}' is not running (is_active is false, or its database could not be opened): fix it first (PATCH /api/v2/system/service/{})",
            row.name, row.name
        ))
    })
}

/// The roles that reach `service` (the policy snapshot's answer, the one
/// `GET /api/v2` lists services by), and the active apps that have one.
async fn reaching(
    state: &AppState,
    service: &str,
) -> Result<(Vec<role::Model>, Vec<app::Model>), AdminError> {
    let policies = state.policies.current();
    let roles: Vec<role::Model> = role::Entity::find()
        .order_by_asc(role::Column::Id)
        .all(&state.system)
        .await?
        .into_iter()
        .filter(|r| policies.reaches(r.id, service))
        .collect();
    let ids: Vec<i32> = roles.iter().map(|r| r.id).collect();
    let apps = app::Entity::find()
        .filter(app::Column::RoleId.is_in(ids))
        .filter(app::Column::IsActive.eq(true))
        .order_by_asc(app::Column::Id)
        .all(&state.system)
        .await?;
    Ok((roles, apps))
}

/// The rules of a quickstart role.
fn rules(service: &str, level: Level, components: Components) -> Value {
    let verbs = match level {
        Level::Read => json!(["GET"]),
        Level::Write => json!(["GET", "POST", "PUT", "PATCH"]),
        Level::Full => json!(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    };
    let mut out = Vec::new();
    if components != Components::Schema {
        out.push(json!({ "service": service, "component": "_table/*", "verbs": verbs }));
    }
    if components != Components::Tables {
        out.push(json!({ "service": service, "component": "_schema/*", "verbs": ["GET"] }));
    }
    Value::Array(out)
}

/// `GET /service/{key}/next_steps`.
#[utoipa::path(
    get,
    path = "/service/{key}/next_steps",
    tag = "service",
    operation_id = "service_next_steps",
    summary = "What the service still lacks",
    description = "A role that reaches it, an app with such a role: each step with the exact call that makes it, then calls that try the service.",
    params(("key" = String, Path, description = "The service's id or name")),
    responses(
        (status = 200, description = "What the service still lacks, with the calls", body = d::NextSteps),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound)
    )
)]
pub async fn next_steps(
    State(state): State<AppState>,
    _admin: RequireAdmin,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let runtime = runtime(&state, &key).await?;
    let svc = runtime.name.clone();
    let base = base_url(&headers);
    let (roles, apps) = reaching(&state, &svc).await?;

    let role_name = roles
        .first()
        .map_or_else(|| format!("{svc}_reader"), |r| r.name.clone());
    let role_body = json!({
        "name": role_name,
        "description": format!("Reads service '{svc}'"),
        "access": rules(&svc, Level::Read, Components::All),
    });
    let app_body = json!({ "name": format!("{svc}_app"), "role": role_name });
    let quickstart = json!({ "level": "read", "components": "all" });
    let role_step = json!({
        "step": "role",
        "done": !roles.is_empty(),
        "detail": if roles.is_empty() {
            format!("No role reaches service '{svc}' yet: an app's key can only call what its role allows.")
        } else {
            format!("Roles that reach '{svc}': {}.", names(roles.iter().map(|r| r.name.as_str())))
        },
        "call": { "method": "POST", "url": format!("{base}/system/role"), "body": role_body },
        "curl": admin_curl("POST", &format!("{base}/system/role"), &role_body),
    });
    let app_step = json!({
        "step": "app",
        "done": !apps.is_empty(),
        "detail": if apps.is_empty() {
            format!("No active app has a role that reaches '{svc}': create one, and keep the api_key its answer shows (only once).")
        } else {
            format!("Apps that reach '{svc}': {}. Their keys were shown when they were made; POST {base}/system/app/{{id}}/rotate issues a new one.", names(apps.iter().map(|a| a.name.as_str())))
        },
        "call": { "method": "POST", "url": format!("{base}/system/app"), "body": app_body },
        "curl": admin_curl("POST", &format!("{base}/system/app"), &app_body),
    });
    let try_step = json!({
        "step": "try",
        "done": false,
        "detail": "Call the API with the app's key: export API_KEY=… first.",
        "calls": try_calls(&base, &runtime),
    });
    Ok(Json(json!({
        "service": svc,
        "ready": !roles.is_empty() && !apps.is_empty(),
        "steps": [role_step, app_step, try_step],
        "quickstart": {
            "detail": format!("Or make role '{svc}_auto_role' and app '{svc}_app' in one call."),
            "call": { "method": "POST", "url": format!("{base}/system/service/{svc}/_quickstart"), "body": quickstart },
            "curl": admin_curl("POST", &format!("{base}/system/service/{svc}/_quickstart"), &quickstart),
        },
    })))
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Read,
    Write,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Components {
    Tables,
    Schema,
    All,
}

/// `POST /service/{key}/_quickstart` with `{"level","components"}` (both
/// optional: read, all): role `{service}_auto_role` and app `{service}_app`,
/// the key (shown this once) and the calls to try it.
#[utoipa::path(
    post,
    path = "/service/{key}/_quickstart",
    tag = "service",
    operation_id = "service_quickstart",
    summary = "Make a role and an app in one call",
    description = "Creates role `{service}_auto_role` and app `{service}_app` and answers the app's key (shown this once) with calls that try it.",
    params(("key" = String, Path, description = "The service's id or name")),
    request_body(content = d::QuickstartBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Role and app created; the key is shown once", body = d::QuickstartAnswer),
        (status = 400, response = d::BadRequest),
        (status = 401, response = d::NoSession),
        (status = 403, response = d::KeyRefused),
        (status = 404, response = d::NotFound),
        (status = 409, response = d::Conflict),
        (status = 415, response = d::NotJson)
    )
)]
pub async fn quickstart(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(key): Path<String>,
    headers: HeaderMap,
    AppJson(body): AppJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut o = Object::new(
        body,
        "",
        "a quickstart",
        "{\"level\":\"read|write|full\",\"components\":\"tables|schema|all\"}",
        &["level", "components"],
        &[],
    )?;
    let level = match o.text("level")?.as_deref() {
        None | Some("read") => Level::Read,
        Some("write") => Level::Write,
        Some("full") => Level::Full,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "'level' must be read, write or full (not '{other}'): read allows GET; write GET, POST, PUT and PATCH; full every verb"
            )));
        }
    };
    let components = match o.text("components")?.as_deref() {
        None | Some("all") => Components::All,
        Some("tables") => Components::Tables,
        Some("schema") => Components::Schema,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "'components' must be tables, schema or all (not '{other}')"
            )));
        }
    };
    let runtime = runtime(&state, &key).await?;
    let svc = runtime.name.clone();
    let made = make_role_and_app(
        &state,
        Some(&admin),
        &format!("{svc}_auto_role"),
        &format!("{svc}_app"),
        rules(&svc, level, components),
    )
    .await?;
    let base = base_url(&headers);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "role": made.role,
            "app": made.app,
            "api_key": made.api_key,
            "try": try_calls(&base, &runtime),
        })),
    ))
}

/// A role and an app with it, as the quickstart and the demo make them.
pub struct Made {
    pub role: Value,
    pub app: Value,
    pub app_id: i32,
    pub api_key: String,
}

/// Makes role `role_name` with `access` and app `app_name` with that role,
/// both through their stores (validated, audited when `actor` is an admin,
/// in force when this returns). Refused with 409, before anything is made,
/// when either name is taken; if the app then fails, the role is removed again.
pub async fn make_role_and_app(
    state: &AppState,
    actor: Option<&AdminSession>,
    role_name: &str,
    app_name: &str,
    access: Value,
) -> Result<Made, AdminError> {
    if role_store::find(&state.system, role_name).await.is_ok() {
        return Err(AdminError::Conflict(format!(
            "a role named '{role_name}' exists already: the quickstart was run before. Its app's key can be replaced with POST /api/v2/system/app/{app_name}/rotate"
        )));
    }
    if app_store::find(&state.system, app_name).await.is_ok() {
        return Err(AdminError::Conflict(format!(
            "an app named '{app_name}' exists already: rotate its key (POST /api/v2/system/app/{app_name}/rotate) or delete it first"
        )));
    }
    let body = role_spec::parse_body(json!({
        "name": role_name,
        "description": "made by the guided flow",
        "access": access,
    }))?;
    let fields = body.fields.clone();
    let spec = role_spec::spec_for_create(body, &state.services)?;
    let detail = role_spec::audit_detail(fields, &spec);
    let role = role_store::create_many(state, actor, vec![(spec, detail)])
        .await
        .map_err(|(_, e)| e)?
        .pop()
        .ok_or_else(|| AdminError::Internal("the role store made no role".into()))?;

    let made = make_app(state, actor, app_name, role_name).await;
    match made {
        Ok(issued) => Ok(Made {
            role: role.render(),
            app: issued.render(),
            app_id: issued.row.id,
            api_key: issued.api_key,
        }),
        Err(e) => {
            // Nothing half-made: the role goes with the app that failed.
            if let Some(actor) = actor {
                let _ = role_store::delete(state, actor, &role.row).await;
            } else {
                let _ = role::Entity::delete_by_id(role.row.id)
                    .exec(&state.system)
                    .await;
                let _ = state.policies.reload(&state.system).await;
            }
            Err(e)
        }
    }
}

/// Makes app `app_name` with role `role_name` through the app store; its key
/// is in the answer, the only time it is shown.
pub async fn make_app(
    state: &AppState,
    actor: Option<&AdminSession>,
    app_name: &str,
    role_name: &str,
) -> Result<app_store::Issued, AdminError> {
    let body = app_spec::parse_body(json!({
        "name": app_name,
        "description": "made by the guided flow",
        "role": role_name,
    }))?;
    let fields = body.fields.clone();
    let spec = app_spec::spec_for_create(&state.system, body).await?;
    let detail = app_spec::audit_detail(fields, &spec);
    app_store::create_many(state, actor, vec![(spec, detail)])
        .await
        .map_err(|(_, e)| e)?
        .pop()
        .ok_or_else(|| AdminError::Internal("the app store made no app".into()))
}
