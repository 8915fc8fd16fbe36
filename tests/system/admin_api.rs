//! The `system` service through its router (no network): sessions, auth
//! failures, services CRUD on a copy of the Chinook sample, and error envelopes.
//! Runs once per system database (`system_sqlite.rs`, `system_postgres.rs`),
//! whose `system_db` gives each test a fresh, migrated one.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiforge::admin::{self, bootstrap};
use apiforge::auth::AuthError;
use apiforge::auth::jwt::JwtKeys;
use apiforge::auth::secret::SecretBox;
use apiforge::services::{Registry, ServiceConfig, ServiceKind};
use apiforge::state::{AppState, Shared};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) const EMAIL: &str = "admin@example.com";
pub(crate) const PASSWORD: &str = "correct-horse-battery";
/// A service password used in requests; no response may ever contain it.
pub(crate) const DB_PASSWORD: &str = "Sup3r-S3cret-Pa55";

pub(crate) struct Harness {
    app: Router,
    pub(crate) state: AppState,
    dir: PathBuf,
    /// Every response body, to check that no secret ever leaves the server.
    seen: Mutex<Vec<String>>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn state_on(db: sea_orm::DatabaseConnection, dir: PathBuf) -> AppState {
    let secret = SecretBox::from_master([42; 32]);
    let jwt = JwtKeys::new(
        secret.derive_key("apiforge-session-jwt"),
        Duration::from_secs(3600),
    );
    let settings = apiforge::config::Settings {
        data_dir: dir,
        ..Default::default()
    };
    AppState::new(Shared {
        system: db,
        services: Arc::new(Registry::default()),
        jwt: Arc::new(jwt),
        secret: Arc::new(secret),
        auth: apiforge::auth::Guards::new(&settings),
        settings: Arc::new(settings),
        policies: Arc::new(apiforge::auth::policy::Policies::empty()),
    })
}

impl Harness {
    /// `None` when the system database's server is not installed (skipped).
    pub(crate) async fn new() -> Option<Harness> {
        let dir =
            std::env::temp_dir().join(format!("apiforge-admin-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        // In a subfolder: no service may use a file of the data folder itself.
        std::fs::create_dir_all(dir.join("db")).expect("db dir");
        std::fs::copy(
            apiforge_tests::chinook_sample(),
            dir.join("db/chinook.sqlite"),
        )
        .expect("copy chinook");
        let db = crate::system_db(&dir).await?;
        assert!(
            bootstrap::ensure_admin(&db, EMAIL, PASSWORD)
                .await
                .expect("admin")
        );
        let state = state_on(db, dir.clone());
        // The system router carries its prefix (`admin::PREFIX`).
        let app = admin::router().with_state(state.clone());
        Some(Harness {
            app,
            state,
            dir,
            seen: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn chinook(&self) -> String {
        self.dir.join("db/chinook.sqlite").display().to_string()
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.seen.lock().expect("lock").push(text.clone());
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("/api/v2/system{path}"));
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request");
        self.send(req).await
    }

    pub(crate) async fn login(&self) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/admin/session",
                None,
                Some(json!({"email": EMAIL, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["session_token"].as_str().expect("token").to_owned()
    }

    async fn service_rows(&self) -> u64 {
        entity::service::Entity::find()
            .count(&self.state.system)
            .await
            .expect("count")
    }

    pub(crate) fn assert_no_secret_leaked(&self) {
        for body in self.seen.lock().expect("lock").iter() {
            assert!(
                !body.contains(DB_PASSWORD),
                "a response leaked the password: {body}"
            );
            assert!(
                !body.contains("password_enc"),
                "a response leaked password_enc: {body}"
            );
            assert!(
                !body.contains("$argon2"),
                "a response leaked a password hash: {body}"
            );
        }
    }
}

pub(crate) fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

pub(crate) fn assert_envelope(status: StatusCode, body: &Value) {
    assert_eq!(
        body["error"]["code"].as_u64(),
        Some(u64::from(status.as_u16())),
        "not our envelope: {body}"
    );
    assert!(!message(body).is_empty(), "no message: {body}");
}

#[tokio::test]
async fn login_ok_and_bad_credentials_share_one_message() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let (status, body) = h
        .call(
            "POST",
            "/admin/session",
            None,
            Some(
                json!({"email": " Admin@Example.com ", "password": PASSWORD, "remember_me": true}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["session_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(body["session_id"].as_str().is_some());
    assert_eq!(body["email"], EMAIL);
    assert!(body["id"].as_i64().is_some());
    assert!(body["expires_at"].as_str().is_some());

    let (s1, wrong_pw) = h
        .call(
            "POST",
            "/admin/session",
            None,
            Some(json!({"email": EMAIL, "password": "nope-nope"})),
        )
        .await;
    let (s2, unknown) = h
        .call(
            "POST",
            "/admin/session",
            None,
            Some(json!({"email": "who@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_envelope(s1, &wrong_pw);
    assert_eq!(wrong_pw, unknown);
    assert_eq!(message(&wrong_pw), "email or password is incorrect");

    let (s, body) = h
        .call(
            "POST",
            "/admin/session",
            None,
            Some(json!({"email": EMAIL})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(s, &body);
    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn protected_routes_refuse_missing_bad_and_unsupported_credentials() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let (s, body) = h.call("GET", "/service", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_envelope(s, &body);
    assert!(message(&body).contains("no credentials"), "{body}");

    let (s, body) = h
        .call("GET", "/service", Some("garbage.token.here"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("not valid"), "{body}");

    // A token signed with another key.
    let other = JwtKeys::new([9; 32], Duration::from_secs(60));
    let forged = other.issue(1, EMAIL).expect("issue").token;
    let (s, _) = h.call("GET", "/service", Some(&forged), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let req = Request::get("/api/v2/system/service")
        .header("X-Api-Key", "abc")
        .body(Body::empty())
        .expect("req");
    let (s, body) = h.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        message(&body).contains("this API key is not valid"),
        "{body}"
    );

    let req = Request::get("/api/v2/system/service?api_key=abc")
        .body(Body::empty())
        .expect("req");
    let (s, body) = h.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("API key"), "{body}");

    let req = Request::get("/api/v2/system/service")
        .header(header::AUTHORIZATION, "Basic YTpi")
        .body(Body::empty())
        .expect("req");
    let (s, body) = h.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("Bearer"), "{body}");

    // The alternative headers work.
    let token = h.login().await;
    for name in ["X-Session-Token", "X-DreamFactory-Session-Token"] {
        let req = Request::get("/api/v2/system/service")
            .header(name, token.as_str())
            .body(Body::empty())
            .expect("req");
        let (s, body) = h.send(req).await;
        assert_eq!(s, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["resource"], json!([]));
    }
}

#[tokio::test]
async fn logout_ends_the_session_even_after_a_restart() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let (s, me) = h.call("GET", "/admin/session", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["email"], EMAIL);

    let (s, body) = h.call("DELETE", "/admin/session", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"success": true}));

    let (s, body) = h.call("GET", "/service", Some(&token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("this session has ended"), "{body}");
    let (s, _) = h.call("DELETE", "/admin/session", Some(&token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Another session is unaffected.
    let other = h.login().await;
    let (s, _) = h.call("GET", "/service", Some(&other), None).await;
    assert_eq!(s, StatusCode::OK);

    // A restarted server (same key, fresh memory) still refuses the ended one.
    let restarted = JwtKeys::new(
        h.state.secret.derive_key("apiforge-session-jwt"),
        Duration::from_secs(3600),
    );
    assert_eq!(
        restarted.load_revoked(&h.state.system).await.expect("load"),
        1
    );
    assert!(matches!(restarted.verify(&token), Err(AuthError::Revoked)));
    assert!(restarted.verify(&other).is_ok());
}

#[tokio::test]
async fn wrong_method_and_malformed_json_use_the_envelope() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    for (method, path) in [
        ("PUT", "/service"),
        ("GET", "/service/_test"),
        ("POST", "/service/chinook"),
        ("PATCH", "/admin/session"),
    ] {
        let (s, body) = h.call(method, path, Some(&token), None).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {body}");
        assert_envelope(s, &body);
    }

    // axum's `Allow` header survives our 405 body.
    let req = Request::delete("/api/v2/system/service")
        .body(Body::empty())
        .expect("req");
    let resp = h.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = resp
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );

    let (s, body) = h.call("GET", "", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body["resource"].is_array());

    let req = Request::post("/api/v2/system/service")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"name\": "))
        .expect("req");
    let (s, body) = h.send(req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(s, &body);
    assert!(message(&body).contains("not valid JSON"), "{body}");

    let (s, body) = h.call("GET", "/service/nope", Some(&token), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_envelope(s, &body);
}

#[tokio::test]
async fn invalid_services_are_refused_and_nothing_is_stored() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let db = h.chinook();
    let cases = [
        (
            json!({"name": "1abc", "type": "sqlite", "config": {"database": db}}),
            "not valid",
        ),
        (
            json!({"name": "has space", "type": "sqlite", "config": {"database": db}}),
            "not valid",
        ),
        (
            json!({"name": "System", "type": "sqlite", "config": {"database": db}}),
            "reserved",
        ),
        (
            json!({"name": "x", "type": "oracle", "config": {"database": db}}),
            "unknown service type",
        ),
        (json!({"name": "x", "config": {"database": db}}), "\"type\""),
        (
            json!({"type": "sqlite", "config": {"database": db}}),
            "\"name\"",
        ),
        (
            json!({"name": "x", "type": "sqlite", "config": {"database": db, "colour": "red"}}),
            "colour",
        ),
        (
            json!({"name": "x", "type": "sqlite", "config": {}}),
            "config.database",
        ),
        (
            json!({"name": "x", "type": "sqlite", "config": {"database": db}, "extra": 1}),
            "extra",
        ),
        (
            json!({"name": "x", "type": "sqlite", "config": {"max_records": "many"}}),
            "config",
        ),
        (json!([1, 2]), "JSON object"),
        (
            json!({"name": "x", "type": "sqlite", "config": {"database": h.dir.join("missing.sqlite").display().to_string()}}),
            "",
        ),
        (
            json!({"name": "pg", "type": "postgres", "config": {"host": "127.0.0.1", "port": 1, "database": "d", "username": "u", "password": DB_PASSWORD, "connect_timeout": 2000}}),
            "",
        ),
    ];
    for (body, expect) in cases {
        let (s, resp) = h
            .call("POST", "/service", Some(&token), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} → {resp}");
        assert_envelope(s, &resp);
        assert!(message(&resp).contains(expect), "{body} → {resp}");
    }
    // A batch with one bad record stores none of them.
    let batch = json!({"resource": [
        {"name": "good", "type": "sqlite", "config": {"database": db}},
        {"name": "bad!", "type": "sqlite", "config": {"database": db}},
    ]});
    let (s, resp) = h.call("POST", "/service", Some(&token), Some(batch)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{resp}");
    assert_eq!(resp["error"]["context"]["index"], 1, "{resp}");
    assert_eq!(h.service_rows().await, 0);
    assert!(h.state.services.list().is_empty());
    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn test_endpoint_checks_without_storing() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let (s, body) = h
        .call(
            "POST",
            "/service/_test",
            Some(&token),
            Some(json!({"type": "sqlite", "config": {"database": h.chinook()}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    let msg = body["message"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("Connected: ") && msg.ends_with(" tables found"),
        "{body}"
    );
    assert!(!msg.starts_with("Connected: 0 "), "{body}");

    let (s, body) = h
        .call(
            "POST",
            "/service/_test",
            Some(&token),
            Some(json!({"name": "pg", "type": "postgres", "config": {"host": "127.0.0.1", "port": 1, "database": "d", "username": "u", "password": DB_PASSWORD, "connect_timeout": 2000}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_envelope(s, &body);
    assert_eq!(h.service_rows().await, 0);
    assert!(h.state.services.list().is_empty());
    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn service_crud_keeps_the_registry_in_step() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let t = Some(token.as_str());

    // Create: 201, stored, live at once; the password is stored but never shown.
    let (s, created) = h
        .call(
            "POST",
            "/service",
            t,
            Some(json!({
                "name": "chinook", "label": "Chinook", "description": "music store",
                "type": "sqlite",
                "config": {"database": h.chinook(), "password": DB_PASSWORD, "max_records": 50}
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["name"], "chinook");
    assert_eq!(created["type"], "sqlite");
    assert_eq!(created["config"]["max_records"], 50);
    assert!(created["config"].get("password").is_none());
    assert!(created["created_at"].as_str().is_some());
    let live = h.state.services.get("chinook").expect("in the registry");
    assert!(!live.catalog.tables.is_empty());
    assert_eq!(live.config.password.as_deref(), Some(DB_PASSWORD));
    let row = entity::service::Entity::find()
        .one(&h.state.system)
        .await
        .expect("query")
        .expect("row");
    let enc = row.password_enc.clone().expect("encrypted password");
    assert!(!enc.contains(DB_PASSWORD) && !row.config.contains(DB_PASSWORD));
    assert_eq!(h.state.secret.decrypt(&enc).expect("decrypt"), DB_PASSWORD);

    // Duplicates (any case) conflict.
    for name in ["chinook", "CHINOOK"] {
        let (s, body) = h
            .call(
                "POST",
                "/service",
                t,
                Some(json!({"name": name, "type": "sqlite", "config": {"database": h.chinook()}})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert_envelope(s, &body);
    }

    // Read: list, by name, by id.
    let (s, list) = h.call("GET", "/service", t, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["resource"].as_array().map(Vec::len), Some(1));
    let (_, by_name) = h.call("GET", "/service/chinook", t, None).await;
    let (_, by_id) = h.call("GET", &format!("/service/{id}"), t, None).await;
    assert_eq!(by_name, by_id);
    assert_eq!(by_name["description"], "music store");

    // PATCH merges; the stored password is kept when none is sent.
    let (s, patched) = h
        .call(
            "PATCH",
            "/service/chinook",
            t,
            Some(json!({"label": "Chinook!", "config": {"read_only": true}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["label"], "Chinook!");
    assert_eq!(patched["description"], "music store");
    assert_eq!(patched["config"]["read_only"], true);
    assert_eq!(patched["config"]["max_records"], 50);
    let live = h.state.services.get("chinook").expect("live");
    assert_eq!(live.label, "Chinook!");
    assert!(live.config.read_only);
    assert_eq!(live.config.password.as_deref(), Some(DB_PASSWORD));

    // A bad PATCH changes nothing.
    let (s, body) = h
        .call(
            "PATCH",
            "/service/chinook",
            t,
            Some(json!({"config": {"nope": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, body) = h
        .call(
            "PATCH",
            "/service/chinook",
            t,
            Some(json!({"config": {"database": h.dir.join("gone.sqlite").display().to_string()}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (_, still) = h.call("GET", "/service/chinook", t, None).await;
    assert_eq!(still["config"]["database"], h.chinook());

    // Refresh re-reads the schema.
    let (s, refreshed) = h.call("POST", "/service/chinook/_refresh", t, None).await;
    assert_eq!(s, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["success"], true);
    assert_eq!(
        refreshed["tables"].as_u64(),
        Some(live.catalog.tables.len() as u64)
    );

    // Rename: the old name leaves the registry.
    let (s, renamed) = h
        .call(
            "PATCH",
            &format!("/service/{id}"),
            t,
            Some(json!({"name": "music"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{renamed}");
    assert!(h.state.services.get("chinook").is_none());
    assert!(h.state.services.get("music").is_some());

    // PUT replaces (label falls back to the name; the password is still kept).
    let (s, put) = h
        .call(
            "PUT",
            "/service/music",
            t,
            Some(json!({"type": "sqlite", "config": {"database": h.chinook()}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{put}");
    assert_eq!(put["name"], "music");
    assert_eq!(put["label"], "music");
    assert_eq!(put["description"], "");
    assert_eq!(put["config"]["max_records"], 1000);
    let live = h.state.services.get("music").expect("live");
    assert_eq!(live.config.password.as_deref(), Some(DB_PASSWORD));

    // Deactivating takes it off the API without deleting it.
    let (s, _) = h
        .call(
            "PATCH",
            "/service/music",
            t,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.state.services.get("music").is_none());
    let (s, _) = h.call("POST", "/service/music/_refresh", t, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = h
        .call(
            "PATCH",
            "/service/music",
            t,
            Some(json!({"is_active": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.state.services.get("music").is_some());

    // Delete.
    let (s, deleted) = h.call("DELETE", "/service/music", t, None).await;
    assert_eq!(s, StatusCode::OK, "{deleted}");
    assert_eq!(deleted, json!({"id": id}));
    assert!(h.state.services.get("music").is_none());
    let (s, _) = h.call("GET", "/service/music", t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h.service_rows().await, 0);

    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn batch_create_and_startup_loading() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let db = h.chinook();
    let (s, body) = h
        .call(
            "POST",
            "/service",
            Some(&token),
            Some(json!({"resource": [
                {"name": "one", "type": "sqlite", "config": {"database": db}},
                {"name": "two", "type": "sqlite", "config": {"database": db, "password": DB_PASSWORD}},
                {"name": "off", "type": "sqlite", "is_active": false, "config": {"database": db}},
            ]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["resource"].as_array().map(Vec::len), Some(3));
    assert_eq!(h.state.services.list().len(), 2);

    // A restart: a fresh registry over the same system database loads the
    // active services, with their passwords decrypted.
    let fresh = state_on(h.state.system.clone(), h.dir.clone());
    let loaded = bootstrap::load_services(&fresh).await.expect("load");
    assert_eq!(loaded, 2);
    let two = fresh.services.get("two").expect("two");
    assert_eq!(two.config.password.as_deref(), Some(DB_PASSWORD));
    assert!(fresh.services.get("off").is_none());

    // --demo's path: registering an existing name returns it unchanged.
    let again = bootstrap::register_service(
        &fresh,
        "one",
        "Other label",
        "",
        ServiceKind::Sqlite,
        ServiceConfig {
            database: Some(db.clone()),
            ..ServiceConfig::default()
        },
    )
    .await
    .expect("register");
    assert_eq!(again.label, "one");
    let new = bootstrap::register_service(
        &fresh,
        "three",
        "Three",
        "",
        ServiceKind::Sqlite,
        ServiceConfig {
            database: Some(db),
            ..ServiceConfig::default()
        },
    )
    .await
    .expect("register new");
    assert_eq!(new.name, "three");
    assert!(fresh.services.get("three").is_some());

    // A stored service that cannot be opened is skipped, not fatal.
    std::fs::remove_file(h.dir.join("db/chinook.sqlite")).expect("rm");
    let third = state_on(h.state.system.clone(), h.dir.clone());
    let loaded = bootstrap::load_services(&third).await.expect("load");
    assert_eq!(loaded, 0);
    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn admin_bootstrap_creates_only_once() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let db = &h.state.system;
    assert!(
        !bootstrap::ensure_admin(db, "second@example.com", PASSWORD)
            .await
            .expect("ensure")
    );
    let err = bootstrap::create_admin(db, EMAIL, PASSWORD)
        .await
        .expect_err("duplicate");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(
        bootstrap::create_admin(db, "new@example.com", "short")
            .await
            .is_err()
    );
    assert!(
        bootstrap::create_admin(db, "not-an-email", PASSWORD)
            .await
            .is_err()
    );
    let created = bootstrap::create_admin(db, "New@Example.com", PASSWORD)
        .await
        .expect("create");
    assert_eq!(created.email, "new@example.com");
    let (s, _) = h
        .call(
            "POST",
            "/admin/session",
            None,
            Some(json!({"email": "new@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
