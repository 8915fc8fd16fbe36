//! A service's configuration as stored (JSON in the `service` table) and as sent
//! by the admin API. Sections follow SPEC.md: Basic, Caching, Advanced.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Sqlite,
    Postgres,
    Mysql,
}

impl ServiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Sqlite => "sqlite",
            ServiceKind::Postgres => "postgres",
            ServiceKind::Mysql => "mysql",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sqlite" => Some(ServiceKind::Sqlite),
            "postgres" | "postgresql" | "pgsql" => Some(ServiceKind::Postgres),
            "mysql" | "mariadb" => Some(ServiceKind::Mysql),
            _ => None,
        }
    }
}

pub const DEFAULT_MAX_RECORDS: u64 = 1000;

fn default_max_records() -> u64 {
    DEFAULT_MAX_RECORDS
}

fn default_cache_ttl() -> u64 {
    60
}

/// Unknown keys are rejected so that a typo in an admin's config is a 400, not a
/// silently ignored setting.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    // Basic
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Database name; for sqlite, the file path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Plain text only in memory; stored encrypted, never returned by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_mode: Option<String>,
    // Caching
    #[serde(default)]
    pub cache_enabled: bool,
    #[serde(default = "default_cache_ttl")]
    pub cache_ttl: u64,
    // Advanced
    #[serde(default = "default_max_records")]
    pub max_records: u64,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_tables: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny_tables: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_size: Option<u32>,
    /// Milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_timeout: Option<u64>,
    /// Milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<u64>,
    /// Deepest GraphQL selection accepted (default [`DEFAULT_GRAPHQL_MAX_DEPTH`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql_max_depth: Option<usize>,
    /// Most GraphQL fields one request may select, counted by async-graphql
    /// (default [`DEFAULT_GRAPHQL_MAX_COMPLEXITY`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql_max_complexity: Option<usize>,
    /// Most operations in one batched GraphQL request (a JSON array body, as
    /// Apollo's `BatchHttpLink` sends; default [`DEFAULT_GRAPHQL_MAX_BATCH`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql_max_batch: Option<usize>,
    /// Most rows one answer may hold, related rows included, as written
    /// (a related row embedded under two parents counts twice; default
    /// [`DEFAULT_MAX_RESPONSE_ROWS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_response_rows: Option<u64>,
    /// Largest answer in bytes (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_response_bytes: Option<u64>,
    /// Most records in one write (a batch or GraphQL's `objects`; default
    /// [`DEFAULT_MAX_BATCH_RECORDS`]): a batch is one transaction, which on
    /// SQLite holds the write lock for all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch_records: Option<u64>,
    /// Most items in one list parameter: `order=` and `group=` terms,
    /// `related=` names, GraphQL `_in`/`_nin` values (default
    /// [`DEFAULT_MAX_LIST_ITEMS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_list_items: Option<usize>,
    /// Bytes of validated GraphQL documents kept per service (default
    /// [`DEFAULT_GRAPHQL_CACHE_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql_cache_bytes: Option<u64>,
}

/// Root field, relation, relation, relation, column: REST's `related=` nests
/// four levels; introspection queries (GraphiQL's) need about 13.
pub const DEFAULT_GRAPHQL_MAX_DEPTH: usize = 15;
pub const DEFAULT_GRAPHQL_MAX_COMPLEXITY: usize = 1000;
/// Apollo's `BatchHttpLink` sends at most 10 operations per request by default.
pub const DEFAULT_GRAPHQL_MAX_BATCH: usize = 10;
/// 1,000 albums with their ~10 tracks each is 11,000 rows.
pub const DEFAULT_MAX_RESPONSE_ROWS: u64 = 50_000;
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
pub const DEFAULT_MAX_BATCH_RECORDS: u64 = 1000;
/// As many as a filter's conditions and `in` values.
pub const DEFAULT_MAX_LIST_ITEMS: usize = 1000;
pub const DEFAULT_GRAPHQL_CACHE_BYTES: u64 = 8 * 1024 * 1024;

impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("schema", &self.schema)
            .field("max_records", &self.max_records)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            host: None,
            port: None,
            database: None,
            username: None,
            password: None,
            schema: None,
            tls_mode: None,
            cache_enabled: false,
            cache_ttl: default_cache_ttl(),
            max_records: default_max_records(),
            read_only: false,
            allow_tables: Vec::new(),
            deny_tables: Vec::new(),
            pool_size: None,
            statement_timeout: None,
            connect_timeout: None,
            graphql_max_depth: None,
            graphql_max_complexity: None,
            graphql_max_batch: None,
            max_response_rows: None,
            max_response_bytes: None,
            max_batch_records: None,
            max_list_items: None,
            graphql_cache_bytes: None,
        }
    }
}

impl ServiceConfig {
    pub fn max_response_rows(&self) -> u64 {
        self.max_response_rows.unwrap_or(DEFAULT_MAX_RESPONSE_ROWS)
    }

    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
            .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES)
    }

    pub fn max_batch_records(&self) -> u64 {
        self.max_batch_records.unwrap_or(DEFAULT_MAX_BATCH_RECORDS)
    }

    pub fn max_list_items(&self) -> usize {
        self.max_list_items.unwrap_or(DEFAULT_MAX_LIST_ITEMS)
    }

    pub fn graphql_cache_bytes(&self) -> u64 {
        self.graphql_cache_bytes
            .unwrap_or(DEFAULT_GRAPHQL_CACHE_BYTES)
    }

    /// Whether a table is exposed, per the allow/deny lists (deny wins).
    pub fn exposes(&self, table: &str) -> bool {
        if self.deny_tables.iter().any(|t| t == table) {
            return false;
        }
        self.allow_tables.is_empty() || self.allow_tables.iter().any(|t| t == table)
    }
}
