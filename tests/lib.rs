//! End-to-end test harness: a real apiforge server per test, on port 0, with its
//! own temporary data folder holding a fresh copy of the Chinook sample.
//!
//! Tests talk to the server over HTTP ([`TestServer::get`] & co.) and check the
//! answers against SQL run directly on the same SQLite file ([`TestServer::sql`]).
//! Every request made through the harness also checks the one rule that holds for
//! all of them: the server never answers 5xx, and every error has the envelope
//! `{"error":{"code","message","context"}}` with `code` equal to the status.
#![allow(clippy::unwrap_used)]

pub mod backend;
pub mod names;

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use backend::Backend;
use names::Names;

use apiforge::config::Settings;
use reqwest::{Method, RequestBuilder, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Map, Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Defines `start` and `start_with` for a suite root: servers whose service
/// `chinook` lives on `Backend::$backend`.
#[macro_export]
macro_rules! backend_suite {
    ($backend:ident) => {
        /// A server for one test, or `None` (the test returns at once) when the
        /// backend is not installed and CI did not require it.
        async fn start() -> Option<$crate::TestServer> {
            $crate::TestServer::start_on($crate::Backend::$backend).await
        }

        async fn start_with(
            tweak: impl FnOnce(&mut apiforge::config::Settings),
        ) -> Option<$crate::TestServer> {
            $crate::TestServer::start_on_with($crate::Backend::$backend, tweak).await
        }
    };
}

/// The row counts of the bundled Chinook sample.
pub const CHINOOK_COUNTS: [(&str, i64); 11] = [
    ("Album", 347),
    ("Artist", 275),
    ("Customer", 59),
    ("Employee", 8),
    ("Genre", 25),
    ("Invoice", 412),
    ("InvoiceLine", 2240),
    ("MediaType", 5),
    ("Playlist", 18),
    ("PlaylistTrack", 8715),
    ("Track", 3503),
];

/// The pristine Chinook file shipped with the server (for extra services).
pub fn chinook_sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/chinook.sqlite")
}

/// A fresh, migrated system database: a file in `dir` on SQLite, a new
/// database on the throwaway server otherwise (`None` if it is not installed).
pub async fn system_db(backend: Backend, dir: &Path) -> Option<DatabaseConnection> {
    use migration::{Migrator, MigratorTrait};
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("system.db").display()),
        other => backend::cluster(other)?.fresh_empty().url,
    };
    let mut opts = sea_orm::ConnectOptions::new(url);
    opts.max_connections(4).sqlx_logging(false);
    let db = Database::connect(opts).await.expect("system db");
    Migrator::up(&db, None).await.expect("migrate");
    Some(db)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?a=1&b=2` from pairs, values percent-encoded (empty string for no pairs).
pub fn qs(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("?{}", parts.join("&"))
}

/// `/chinook/_table/{table}` followed by the query string of `pairs`.
pub fn table_path(table: &str, pairs: &[(&str, &str)]) -> String {
    format!("/chinook/_table/{table}{}", qs(pairs))
}

fn install_crypto() {
    // Only plain http is used; reqwest still wants a provider to build a client.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub struct TestServer {
    /// `http://127.0.0.1:PORT/api/v2`
    pub base: String,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// An admin session token.
    pub token: String,
    pub data_dir: PathBuf,
    pub state: apiforge::state::AppState,
    /// The database behind service `chinook`.
    pub backend: Backend,
    /// Suite ↔ dataset names (PostgreSQL only; see `names`).
    names: Option<Arc<Names>>,
    db: DatabaseConnection,
    _dir: tempfile::TempDir,
}

/// What `add_chinook_service` made: a second copy of Chinook behind a service.
pub struct ExtraService {
    /// The SQLite file, for SQLite.
    pub path: Option<PathBuf>,
    db: DatabaseConnection,
    backend: Backend,
    names: Option<Arc<Names>>,
}

impl ExtraService {
    /// Equal fingerprints mean the data did not change (the file's bytes on
    /// SQLite, every row of every table elsewhere).
    pub async fn fingerprint(&self) -> Vec<u8> {
        match &self.path {
            Some(p) => std::fs::read(p).unwrap(),
            None => format!(
                "{:?}",
                snapshot_of(&self.db, self.backend, self.names.as_deref()).await
            )
            .into_bytes(),
        }
    }
}

/// The suite's names mapped to the PostgreSQL dataset's, built once from the
/// bundled SQLite file's tables and columns.
async fn pg_names() -> Arc<Names> {
    static NAMES: tokio::sync::OnceCell<Arc<Names>> = tokio::sync::OnceCell::const_new();
    NAMES
        .get_or_init(|| async {
            let db = Database::connect(format!("sqlite://{}?mode=ro", chinook_sample().display()))
                .await
                .unwrap();
            let rows = db
                .query_all_raw(Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                ))
                .await
                .unwrap();
            let mut tables = std::collections::BTreeSet::new();
            let mut columns = std::collections::BTreeSet::new();
            for r in rows {
                tables.insert(r.try_get_by_index::<String>(0).unwrap());
                columns.insert(r.try_get_by_index::<String>(1).unwrap());
            }
            Arc::new(Names::snake_case(tables, columns))
        })
        .await
        .clone()
}

impl TestServer {
    /// A server with `--demo` (service `chinook`) and an admin, logged in.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Like [`start`](Self::start), after `tweak` has changed the settings.
    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> TestServer {
        Self::start_on_with(Backend::Sqlite, tweak).await.unwrap()
    }

    /// A server whose service `chinook` is a fresh copy of Chinook on `backend`
    /// (SQLite: `--demo`); `None` when that backend's server is not installed
    /// (see `backend::cluster`).
    pub async fn start_on(backend: Backend) -> Option<TestServer> {
        Self::start_on_with(backend, |_| {}).await
    }

    pub async fn start_on_with(
        backend: Backend,
        tweak: impl FnOnce(&mut Settings),
    ) -> Option<TestServer> {
        let cluster = match backend {
            Backend::Sqlite => None,
            other => Some(backend::cluster(other)?),
        };
        install_crypto();
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            demo: cluster.is_none(),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            log: "error".into(),
            ..Default::default()
        };
        tweak(&mut settings);
        let spawned = apiforge::app::spawn(settings).await.unwrap();
        let base = format!("http://{}/api/v2", spawned.addr);
        let client = reqwest::Client::builder().build().unwrap();
        let resp = client
            .post(format!("{base}/system/admin/session"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "admin login failed");
        let body: Value = resp.json().await.unwrap();
        let token = body["session_token"].as_str().unwrap().to_string();
        let (db, names) = match cluster {
            None => {
                let file = dir.path().join("demo").join("chinook.sqlite");
                assert!(file.exists(), "--demo did not write {}", file.display());
                let db = Database::connect(format!("sqlite://{}?mode=rw", file.display()))
                    .await
                    .unwrap();
                (db, None)
            }
            Some(c) => {
                let fresh = c.fresh_chinook();
                // From another loopback address, so that the per-address rate
                // limit counts only the test's own requests (as on SQLite).
                let setup = reqwest::Client::builder()
                    .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
                    .build()
                    .unwrap();
                let resp = setup
                    .post(format!("{base}/system/service"))
                    .bearer_auth(&token)
                    .json(&json!({"name": "chinook", "type": backend.service_type(), "config": fresh.config}))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                assert_eq!(
                    status,
                    StatusCode::CREATED,
                    "chinook on {backend:?}: {}",
                    resp.text().await.unwrap()
                );
                let names = match backend {
                    Backend::Postgres => Some(pg_names().await),
                    _ => None,
                };
                (Database::connect(fresh.url).await.unwrap(), names)
            }
        };
        Some(TestServer {
            base,
            addr: spawned.addr,
            client,
            token,
            data_dir: dir.path().to_path_buf(),
            state: spawned.state,
            backend,
            names,
            db,
            _dir: dir,
        })
    }

    /// The suite's own connection to the service's database, for a test that
    /// plays another writer (a transaction holding rows while a request runs).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A path (and query) in the suite's names, in the dataset's.
    pub fn path(&self, path: &str) -> String {
        match &self.names {
            Some(n) => n.forward_text(path),
            None => path.to_owned(),
        }
    }

    /// SQL in the suite's spelling (SQLite dialect, double-quoted names) for
    /// this backend's dataset.
    /// The API's `like` ignores case on every backend, as SQLite's LIKE does:
    /// the suite's SQL says LIKE and means that (ILIKE on PostgreSQL, a
    /// case-insensitive collation on MariaDB). SQLite's `instr` is `strpos` on
    /// PostgreSQL.
    pub fn dialect(&self, sql: &str) -> String {
        let sql = self.pragmas(sql);
        match self.backend {
            Backend::Sqlite => sql,
            Backend::Postgres => rewrite_like(&self.path(&sql), |w| (w.to_owned(), "ILIKE"), false)
                .replace("instr(", "strpos(")
                .replace("substr(title, -1)", "right(title, 1)"),
            Backend::MariaDb => rewrite_like(
                &sql.replace('"', "`"),
                |w| (format!("LOWER({w})"), "LIKE"),
                true,
            ),
        }
    }

    /// SQLite's `pragma_table_info('T')` and `pragma_foreign_key_list('T')`, as
    /// the same columns from the catalog of the other backends.
    fn pragmas(&self, sql: &str) -> String {
        let mut out = sql.to_owned();
        let master = match self.backend {
            Backend::Sqlite => return out,
            Backend::Postgres => {
                "(SELECT table_name::text AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type FROM information_schema.tables WHERE table_schema = 'public') AS m"
            }
            Backend::MariaDb => {
                "(SELECT TABLE_NAME AS name, CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()) AS m"
            }
        };
        out = out.replace("sqlite_master", master);
        for (pragma, pg, maria) in [
            ("pragma_table_info", PG_TABLE_INFO, MARIA_TABLE_INFO),
            (
                "pragma_foreign_key_list",
                PG_FOREIGN_KEYS,
                MARIA_FOREIGN_KEYS,
            ),
        ] {
            let open = format!("{pragma}('");
            while let Some(at) = out.find(&open) {
                let rest = &out[at + open.len()..];
                let Some(end) = rest.find("')") else { break };
                let table = rest[..end].to_owned();
                let body = match self.backend {
                    Backend::Sqlite => return out,
                    Backend::Postgres => pg.replace("$T", &self.path(&table)),
                    Backend::MariaDb => maria.replace("$T", &table),
                };
                out.replace_range(at..at + open.len() + end + 2, &format!("({body}) AS p"));
            }
        }
        out
    }

    /// A request to `base + path` with the admin token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, self.path(path)))
            .bearer_auth(&self.token)
    }

    /// A request to `base + path` without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, self.path(path)))
    }

    /// Sends, and returns the status and the body (JSON, or the text as a JSON
    /// string if it is not JSON). Panics on any 5xx and on an error without the
    /// envelope.
    pub async fn send(&self, rb: RequestBuilder) -> (StatusCode, Value) {
        let mut req = rb.build().unwrap();
        if let Some(n) = &self.names {
            let mapped = req
                .body()
                .and_then(|b| b.as_bytes())
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                .map(|v| serde_json::to_vec(&n.forward_json(&v)).unwrap());
            if let Some(bytes) = mapped {
                *req.body_mut() = Some(bytes.into());
            }
        }
        let resp = self
            .client
            .execute(req)
            .await
            .unwrap_or_else(|e| panic!("request failed: {}", short(&e.to_string())));
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let mut body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if let Some(n) = &self.names {
            body = n.reverse_json(&body);
        }
        assert!(
            !status.is_server_error(),
            "the server answered {status} (a 5xx is always a bug): {}",
            short(&body.to_string())
        );
        if status.is_client_error() {
            check_envelope(status, &body);
        }
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    /// A GraphQL request to the `chinook` service, the query in the suite's
    /// names (mapped like a URL). Returns the whole answer (`data`, `errors`);
    /// a GraphQL answer is always 200 unless the body is not JSON.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let query = self.path(query);
        let (status, body) = self
            .post(
                "/chinook/graphql",
                serde_json::json!({ "query": query, "variables": variables }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "GraphQL {query}: {body}");
        body
    }

    /// Root field `key` of a GraphQL answer's `data`, which must have no
    /// errors; on PostgreSQL the key may come back in the dataset's names.
    pub fn data<'a>(&self, body: &'a Value, key: &str) -> &'a Value {
        assert!(body.get("errors").is_none(), "GraphQL errors: {body}");
        let d = &body["data"];
        if d.get(key).is_some() {
            &d[key]
        } else {
            &d[self.path(key).as_str()]
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PATCH, path).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path)).await
    }

    pub async fn delete_body(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path).json(&body))
            .await
    }

    /// A request with a raw body (malformed JSON and the like).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        self.send(
            self.request(method, path)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// Sends `head` (request line and headers, without the blank line) over a raw
    /// TCP connection, for requests a client library refuses to build (a 100 kB
    /// URL). Adds Host, the admin token and `Connection: close`. Returns the
    /// status and the body text; checks that it is not a 5xx.
    pub async fn raw_http(&self, head: &str) -> (StatusCode, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let head = self.path(head);
        let req = format!(
            "{head}\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            self.addr, self.token
        );
        // The server may answer and close before reading everything: ignore
        // write errors, the answer is what counts.
        let _ = stream.write_all(req.as_bytes()).await;
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
        let text = String::from_utf8_lossy(&buf).to_string();
        let code: u16 = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP status in {}", short(&text)));
        let status = StatusCode::from_u16(code).unwrap();
        assert!(
            !status.is_server_error(),
            "the server answered {status}: {}",
            short(&text)
        );
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// `GET /chinook/_table/{table}?pairs`: asserts 200 and returns `resource`.
    pub async fn list(&self, table: &str, pairs: &[(&str, &str)]) -> Vec<Value> {
        let (status, body) = self.get(&table_path(table, pairs)).await;
        assert_eq!(status, StatusCode::OK, "GET {table} {pairs:?}: {body}");
        body["resource"]
            .as_array()
            .unwrap_or_else(|| panic!("no resource array: {body}"))
            .clone()
    }

    /// Runs SQL on the service's file directly; rows as JSON objects.
    pub async fn sql(&self, query: &str) -> Vec<Value> {
        let rows = sql_rows(&self.db, &self.dialect(query)).await;
        let Some(n) = &self.names else {
            return rows;
        };
        // Keys as the query spells them: an alias it wrote (`name`, `M`, which
        // PostgreSQL folds to `m`), else a column in the suite's spelling.
        let words: Vec<&str> = query
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let aliases: Vec<&str> = words
            .windows(2)
            .filter(|w| w[0].eq_ignore_ascii_case("as"))
            .map(|w| w[1])
            .collect();
        let key = |k: &str| -> String {
            if let Some(a) = aliases.iter().find(|a| a.eq_ignore_ascii_case(k)) {
                return (*a).to_owned();
            }
            if words.contains(&k) {
                return k.to_owned();
            }
            n.reverse_key(k).unwrap_or_else(|| k.to_owned())
        };
        rows.iter()
            .map(|r| match n.reverse_json(r) {
                Value::Object(_) => Value::Object(
                    r.as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (key(k), n.reverse_json(v)))
                        .collect(),
                ),
                other => other,
            })
            .collect()
    }

    /// Runs a statement that returns no rows (setup of odd data).
    pub async fn sql_exec(&self, statement: &str) {
        let statement = self.dialect(statement);
        self.db
            .execute_unprepared(&statement)
            .await
            .unwrap_or_else(|e| panic!("SQL failed: {statement}: {e}"));
    }

    /// The first column of every row, as i64 (ids).
    pub async fn sql_ids(&self, query: &str) -> Vec<i64> {
        self.sql(query)
            .await
            .iter()
            .map(|r| {
                first(r)
                    .as_i64()
                    .unwrap_or_else(|| panic!("not an integer: {r}"))
            })
            .collect()
    }

    /// The single number a query returns (`SELECT COUNT(*) …`).
    pub async fn sql_count(&self, query: &str) -> i64 {
        let rows = self.sql_ids(query).await;
        assert_eq!(rows.len(), 1, "{query} returned {} rows", rows.len());
        rows[0]
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.sql_count(&format!("SELECT COUNT(*) FROM \"{table}\""))
            .await
    }

    /// Row count and a digest of every row, per Chinook table: equal snapshots
    /// mean the data did not change.
    pub async fn snapshot(&self) -> BTreeMap<String, (usize, u64)> {
        snapshot_of(&self.db, self.backend, self.names.as_deref()).await
    }

    /// Copies the pristine Chinook sample to `{data_dir}/extra/{name}.sqlite` (a
    /// subfolder: files of the data folder itself are refused) and
    /// registers it as service `name` with `config` (merged over `database`).
    pub async fn add_chinook_service(&self, name: &str, config: Value) -> ExtraService {
        let (mut cfg, extra) = match backend::cluster(self.backend) {
            None => {
                let folder = self.data_dir.join("extra");
                std::fs::create_dir_all(&folder).unwrap();
                let path = folder.join(format!("{name}.sqlite"));
                std::fs::copy(chinook_sample(), &path).unwrap();
                let db = Database::connect(format!("sqlite://{}?mode=ro", path.display()))
                    .await
                    .unwrap();
                (
                    json!({ "database": path.display().to_string() }),
                    ExtraService {
                        path: Some(path),
                        db,
                        backend: self.backend,
                        names: None,
                    },
                )
            }
            Some(c) => {
                let fresh = c.fresh_chinook();
                let db = Database::connect(fresh.url).await.unwrap();
                (
                    fresh.config,
                    ExtraService {
                        path: None,
                        db,
                        backend: self.backend,
                        names: self.names.clone(),
                    },
                )
            }
        };
        if let (Some(c), Some(extra)) = (cfg.as_object_mut(), config.as_object()) {
            for (k, v) in extra {
                c.insert(k.clone(), v.clone());
            }
        }
        let (status, body) = self
            .post(
                "/system/service",
                json!({ "name": name, "type": self.backend.service_type(), "config": cfg }),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "creating service {name}: {body}"
        );
        extra
    }
}

const PG_TABLE_INFO: &str = "SELECT a.attnum AS cid, a.attname::text AS name, \
    format_type(a.atttypid, a.atttypmod) AS type, CASE WHEN a.attnotnull THEN 1 ELSE 0 END AS \"notnull\", \
    CASE WHEN a.attnum = ANY(i.indkey) THEN array_position(i.indkey::int2[], a.attnum) + 1 ELSE 0 END AS pk \
    FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary \
    WHERE a.attrelid = 'public.$T'::regclass \
    AND a.attnum > 0 AND NOT a.attisdropped";
const PG_FOREIGN_KEYS: &str = "SELECT a.attname::text AS \"from\", cf.relname::text AS \"table\", \
    af.attname::text AS \"to\" FROM pg_constraint k JOIN pg_class cf ON cf.oid = k.confrelid \
    CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(c, f) \
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.c \
    JOIN pg_attribute af ON af.attrelid = k.confrelid AND af.attnum = u.f \
    WHERE k.contype = 'f' AND k.conrelid = 'public.$T'::regclass";
const MARIA_TABLE_INFO: &str = "SELECT c.ORDINAL_POSITION AS cid, c.COLUMN_NAME AS name, \
    c.COLUMN_TYPE AS type, IF(c.IS_NULLABLE = 'NO', 1, 0) AS `notnull`, \
    COALESCE((SELECT k.ORDINAL_POSITION FROM information_schema.KEY_COLUMN_USAGE k \
      WHERE k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME \
      AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY'), 0) AS pk \
    FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = '$T'";
const MARIA_FOREIGN_KEYS: &str = "SELECT COLUMN_NAME AS `from`, REFERENCED_TABLE_NAME AS `table`, \
    REFERENCED_COLUMN_NAME AS `to` FROM information_schema.KEY_COLUMN_USAGE \
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '$T' AND REFERENCED_TABLE_NAME IS NOT NULL";

/// Rewrites each `operand [NOT] LIKE pattern` outside string literals: `f`
/// gives the new operand and operator word; `lower` wraps the pattern in LOWER().
fn rewrite_like(sql: &str, f: impl Fn(&str) -> (String, &'static str), lower: bool) -> String {
    // Words and literals, with the whitespace between them kept.
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in sql.chars() {
        if quoted {
            cur.push(c);
            if c == '\'' {
                quoted = false;
            }
            continue;
        }
        if c == '\'' {
            quoted = true;
            cur.push(c);
        } else if c.is_whitespace() {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            tokens.push(c.to_string());
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let words: Vec<usize> = (0..tokens.len())
        .filter(|i| !tokens[*i].trim().is_empty())
        .collect();
    for (wi, &i) in words.iter().enumerate() {
        if !tokens[i].eq_ignore_ascii_case("like") || wi == 0 {
            continue;
        }
        let negated = tokens[words[wi - 1]].eq_ignore_ascii_case("not");
        let operand_at = if negated && wi >= 2 {
            words[wi - 2]
        } else {
            words[wi - 1]
        };
        // `(Title LIKE …`: the parenthesis is not part of the operand.
        let open = tokens[operand_at].len() - tokens[operand_at].trim_start_matches('(').len();
        let (parens, bare) = tokens[operand_at].split_at(open);
        let (operand, op) = f(bare);
        tokens[operand_at] = format!("{parens}{operand}");
        tokens[i] = op.to_owned();
        if let (true, Some(&p)) = (lower, words.get(wi + 1)) {
            // The pattern may end the condition: `'A%')`.
            let split = tokens[p].rfind('\'').map_or(tokens[p].len(), |q| q + 1);
            let (lit, rest) = tokens[p].split_at(split);
            tokens[p] = format!("LOWER({lit}){rest}");
        }
    }
    tokens.concat()
}

/// Rows of a query as JSON objects, each cell as the value it holds.
async fn sql_rows(db: &DatabaseConnection, query: &str) -> Vec<Value> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), query))
        .await
        .unwrap_or_else(|e| panic!("SQL failed: {query}: {e}"));
    rows.iter()
        .map(|row| {
            let mut rec = Map::new();
            for (i, name) in row.column_names().into_iter().enumerate() {
                rec.insert(name, cell(row, i));
            }
            Value::Object(rec)
        })
        .collect()
}

/// Row count and a digest of every row, per Chinook table.
async fn snapshot_of(
    db: &DatabaseConnection,
    backend: Backend,
    names: Option<&Names>,
) -> BTreeMap<String, (usize, u64)> {
    let mut out = BTreeMap::new();
    for (table, _) in CHINOOK_COUNTS {
        let query = match backend {
            Backend::Sqlite => format!("SELECT * FROM \"{table}\" ORDER BY rowid"),
            Backend::MariaDb => format!("SELECT * FROM `{table}` ORDER BY 1, 2"),
            Backend::Postgres => {
                let t = names.map_or_else(|| table.to_owned(), |n| n.forward_text(table));
                format!("SELECT * FROM \"{t}\" ORDER BY 1, 2")
            }
        };
        let rows = sql_rows(db, &query).await;
        let mut h = DefaultHasher::new();
        for r in &rows {
            r.to_string().hash(&mut h);
        }
        out.insert(table.to_string(), (rows.len(), h.finish()));
    }
    out
}

fn first(row: &Value) -> &Value {
    row.as_object()
        .and_then(|o| o.values().next())
        .unwrap_or(&Value::Null)
}

/// A cell as whatever it holds (PostgreSQL and MySQL: by its wire type, as the
/// server reads it).
fn cell(row: &sea_orm::QueryResult, i: usize) -> Value {
    // Numerics as numbers; timestamps as the database prints them.
    if let Some(v) = apiforge::query::wire::cell(row, i, apiforge::catalog::JsonType::Float) {
        return match v {
            Value::String(s)
                if s.len() >= 19
                    && s.as_bytes()[10] == b'T'
                    && s.bytes().take(4).all(|b| b.is_ascii_digit()) =>
            {
                Value::String(s.replacen('T', " ", 1))
            }
            other => other,
        };
    }
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get_by_index::<Option<f64>>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
        return v.map_or(Value::Null, Value::String);
    }
    if let Ok(v) = row.try_get_by_index::<Option<Vec<u8>>>(i) {
        return v.map_or(Value::Null, |b| Value::String(format!("{b:?}")));
    }
    Value::Null
}

/// SPEC.md's error envelope, with `code` equal to the status.
pub fn check_envelope(status: StatusCode, body: &Value) {
    let err = &body["error"];
    assert!(
        err.is_object(),
        "{status} without an error envelope: {body}"
    );
    assert_eq!(
        err["code"],
        json!(status.as_u16()),
        "envelope code differs from {status}: {body}"
    );
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "envelope without a message: {body}"
    );
    assert!(
        err.get("context").is_some(),
        "envelope without a context key: {body}"
    );
    let msg = err["message"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    for leak in [
        "sqlx",
        "panicked",
        "constraint failed",
        "syntax error",
        "from \"",
    ] {
        assert!(
            !msg.contains(leak),
            "the error message leaks internals ({leak}): {body}"
        );
    }
}

/// The values of `field` in each record, as i64 (ids of a list).
pub fn ids_of(records: &[Value], field: &str) -> Vec<i64> {
    records
        .iter()
        .map(|r| {
            r[field]
                .as_i64()
                .unwrap_or_else(|| panic!("{field} is not an integer in {r}"))
        })
        .collect()
}

/// At most 300 characters of `s`, for failure messages about huge inputs.
pub fn short(s: &str) -> String {
    if s.chars().count() > 300 {
        format!(
            "{}… ({} bytes)",
            s.chars().take(300).collect::<String>(),
            s.len()
        )
    } else {
        s.to_string()
    }
}

/// The message of an error envelope.
pub fn message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
