//! The admin API's bodies as the TUI reads and sends them: plain serde, no
//! server crate. Unknown fields are ignored and optional ones default, so a
//! newer server that adds a field does not break an older console.
//!
//! The shapes follow `GET /api/v2/system/_doc`; the end-to-end test reads every
//! one of them from a real server.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"resource":[…]}`, the list shape of every collection.
#[derive(Debug, Clone, Deserialize)]
pub struct Resources<T> {
    pub resource: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorDetail {
    pub code: u16,
    pub message: String,
    #[serde(default)]
    pub context: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoginBody<'a> {
    pub email: &'a str,
    pub password: &'a str,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LoginAnswer {
    pub session_token: String,
    pub email: String,
    #[serde(default)]
    pub expires_at: String,
}

/// A service as the server answers it (the config never holds the password).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Service {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub config: ServiceConfig,
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// A service's connection and settings, in the three sections of SPEC.md.
/// Every field is optional on the wire: absent means "the server's default".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ServiceConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Only ever sent: the server never returns it. Absent on an edit keeps
    /// the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_records: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_tables: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_tables: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_timeout: Option<u64>,
    /// The settings this console has no field for (`tls_mode`,
    /// `connect_timeout`, the GraphQL limits…), sent back as they came: a PUT
    /// replaces the whole config, so dropping them would reset them.
    #[serde(flatten, default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, Value>,
}

/// A service as sent on create (POST), test (`_test`) and edit (PUT).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ServiceBody {
    pub name: String,
    pub label: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub config: ServiceConfig,
    /// Sent on an edit with the stored value: a PUT without it would make an
    /// inactive service active again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TestAnswer {
    pub success: bool,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RefreshAnswer {
    pub success: bool,
    pub tables: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AccessRule {
    pub service: String,
    pub component: String,
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Role {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub access: Vec<AccessRule>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RoleBody {
    pub name: String,
    pub description: String,
    /// PUT replaces the whole role and takes a missing `is_active` as true,
    /// so an edit sends it to keep an inactive role inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    pub access: Vec<AccessRule>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct App {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub rate_limit_per_minute: Option<i64>,
    #[serde(default)]
    pub api_key_prefix: String,
}

/// An app with the key just issued: the one time the key is shown.
#[derive(Debug, Clone, Deserialize)]
pub struct AppWithKey {
    #[serde(flatten)]
    pub app: App,
    pub api_key: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AppBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Admin {
    pub id: i64,
    pub email: String,
    #[serde(default)]
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdminBody {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object: String,
    #[serde(default)]
    pub detail: Value,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NextSteps {
    pub service: String,
    pub ready: bool,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Step {
    pub step: String,
    pub done: bool,
    pub detail: String,
    #[serde(default)]
    pub curl: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuickstartBody {
    pub level: String,
    pub components: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QuickstartAnswer {
    pub role: Role,
    pub app: App,
    pub api_key: String,
    #[serde(rename = "try")]
    pub try_it: TryCalls,
}

/// The curl lines the server wrote for calling the service with the key
/// (`graphql` is null for a service without a GraphQL schema).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct TryCalls {
    #[serde(default)]
    pub rest: Option<String>,
    #[serde(default)]
    pub graphql: Option<String>,
    #[serde(default)]
    pub graphql_schema: Option<String>,
    #[serde(default)]
    pub docs: Option<String>,
}

/// `GET /{service}/_schema/{table}`: only what the table browser shows.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct TableSchema {
    pub name: String,
    #[serde(default, alias = "field")]
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Field {
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub db_type: String,
    #[serde(default)]
    pub allow_null: bool,
    #[serde(default)]
    pub is_primary_key: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Named {
    pub name: String,
}
