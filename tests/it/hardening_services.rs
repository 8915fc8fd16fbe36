//! Issue 10's service hardening: no SQLite service over apiforge's own files
//! (the system database, its key) or over what is not a database file;
//! `sqlite_dirs` as an allow-list, on create, update, `_test` and start-up;
//! passwords redacted as whole words only; `_test` limited per admin.

use std::path::{Path, PathBuf};

use apiforge_tests::{TestServer, chinook_sample, message};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn sqlite(name: &str, path: &Path) -> Value {
    json!({"name": name, "type": "sqlite", "config": {"database": path.display().to_string()}})
}

fn chinook_copy(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(chinook_sample(), &path).unwrap();
    path
}

/// Posts `path` as a new service and as a `_test`: both 400, naming `expect`.
async fn refused_everywhere(s: &TestServer, path: &Path, expect: &str) {
    let body = sqlite("intruder", path);
    for endpoint in ["/system/service", "/system/service/_test"] {
        let (st, resp) = s.post(endpoint, body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{endpoint} {path:?}: {resp}");
        let msg = message(&resp);
        assert!(msg.contains(expect), "{endpoint} {path:?}: {msg}");
    }
    let (st, _) = s.get("/system/service/intruder").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{path:?} was stored");
}

#[tokio::test]
async fn files_of_the_data_folder_are_refused_however_named() {
    let Some(s) = crate::start().await else {
        return;
    };
    let system_db = s.data_dir.join("apiforge.db");
    assert!(system_db.is_file());
    refused_everywhere(&s, &system_db, "data folder").await;
    refused_everywhere(&s, &s.data_dir.join("secret.key"), "data folder").await;
    // `..` and a symlink resolve to it.
    std::fs::create_dir_all(s.data_dir.join("demo")).unwrap();
    let dotted = s.data_dir.join("demo/../apiforge.db");
    refused_everywhere(&s, &dotted, "data folder").await;
    let elsewhere = tempfile::tempdir().unwrap();
    let link = elsewhere.path().join("innocent.sqlite");
    std::os::unix::fs::symlink(&system_db, &link).unwrap();
    refused_everywhere(&s, &link, "data folder").await;
    // A hard link is another name for the same inode (made in a subfolder of
    // the data folder, to be on the same device).
    let sub = s.data_dir.join("links");
    std::fs::create_dir_all(&sub).unwrap();
    let hard = sub.join("copy.sqlite");
    std::fs::hard_link(&system_db, &hard).unwrap();
    refused_everywhere(&s, &hard, "data folder").await;
    // Not a database file at all.
    refused_everywhere(&s, Path::new("/proc/self/environ"), "not a SQLite database").await;
    refused_everywhere(&s, elsewhere.path(), "directory").await;
    refused_everywhere(&s, Path::new("/dev/null"), "not a regular file").await;
    let text = elsewhere.path().join("notes.sqlite");
    std::fs::write(&text, "hello").unwrap();
    refused_everywhere(&s, &text, "not a SQLite database").await;
    refused_everywhere(
        &s,
        &elsewhere.path().join("missing.sqlite"),
        "does not exist",
    )
    .await;
    // A file in a subfolder of the data folder is fine (the demo's is there).
    let fine = chinook_copy(&sub, "fine.sqlite");
    let (st, body) = s.post("/system/service", sqlite("fine", &fine)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // An update cannot point a service at the system database either.
    let (st, body) = s
        .patch(
            "/system/service/fine",
            json!({"config": {"database": link.display().to_string()}}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("data folder"), "{body}");
    let (st, body) = s
        .patch(
            "/system/service/fine",
            json!({"is_active": false, "config": {"database": system_db.display().to_string()}}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "inactive too: {body}");
}

#[tokio::test]
async fn the_system_database_is_refused_outside_the_data_folder() {
    let system = tempfile::tempdir().unwrap();
    let file = system.path().join("system.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let Some(s) = crate::start_with(|settings| settings.database_url = Some(url)).await else {
        return;
    };
    assert!(file.is_file());
    refused_everywhere(&s, &file, "database_url").await;
}

#[tokio::test]
async fn sqlite_dirs_is_an_allow_list() {
    let allowed = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dirs = vec![allowed.path().to_path_buf()];
    // The demo's folder is allowed whatever the list: the suite's server has one.
    let Some(s) = crate::start_with(|settings| settings.sqlite_dirs = dirs).await else {
        return;
    };
    let inside = chinook_copy(allowed.path(), "inside.sqlite");
    let other_inside = chinook_copy(allowed.path(), "other.sqlite");
    let out = chinook_copy(outside.path(), "out.sqlite");
    let link_out = allowed.path().join("link.sqlite");
    std::os::unix::fs::symlink(&out, &link_out).unwrap();

    let (st, body) = s.post("/system/service/_test", sqlite("t", &inside)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = s.post("/system/service", sqlite("inside", &inside)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // (The list of tables: the harness maps table names to the chinook
    // service's spelling on PostgreSQL, and this service is SQLite's.)
    let (st, body) = s.get("/inside/_table").await;
    assert_eq!(st, StatusCode::OK, "{body}");

    refused_everywhere(&s, &out, "sqlite_dirs").await;
    // A symlink inside the folder to a file outside it is outside.
    refused_everywhere(&s, &link_out, "sqlite_dirs").await;

    let patch = |path: &Path| json!({"config": {"database": path.display().to_string()}});
    let (st, body) = s.patch("/system/service/inside", patch(&out)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("sqlite_dirs"), "{body}");
    let (st, body) = s
        .put("/system/service/inside", sqlite("inside", &out))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("sqlite_dirs"), "{body}");
    let (_, still) = s.get("/system/service/inside").await;
    assert_eq!(still["config"]["database"], inside.display().to_string());
    let (st, body) = s
        .patch("/system/service/inside", patch(&other_inside))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = s
        .put("/system/service/inside", sqlite("inside", &inside))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_stored_service_that_is_now_refused_is_not_opened_at_start() {
    let Some(s) = crate::start().await else {
        return;
    };
    let elsewhere = tempfile::tempdir().unwrap();
    let file = chinook_copy(elsewhere.path(), "later_refused.sqlite");
    let (st, body) = s.post("/system/service", sqlite("later", &file)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // The same data folder started again with an allow-list that excludes it.
    let allowed = tempfile::tempdir().unwrap();
    let settings = apiforge::config::Settings {
        data_dir: s.data_dir.clone(),
        sqlite_dirs: vec![allowed.path().to_path_buf()],
        demo: true,
        log: "error".into(),
        ..Default::default()
    };
    let state = apiforge::app::build_state(&settings).await.unwrap();
    assert!(
        state.services.get("later").is_none(),
        "a refused file was opened"
    );
    if s.backend == apiforge_tests::Backend::Sqlite {
        assert!(
            state.services.get("chinook").is_some(),
            "the demo did not load"
        );
    }
}

#[tokio::test]
async fn a_short_password_is_not_redacted_out_of_the_messages_words() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .post(
            "/system/service/_test",
            json!({"type": "postgres", "config": {
                "host": "127.0.0.1", "port": 1, "database": "d",
                "username": "u", "password": "o", "connect_timeout": 2000
            }}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let msg = message(&body);
    assert!(msg.contains("could not connect"), "{msg}");
    assert!(!msg.contains("<redacted>"), "{msg}");
}

#[tokio::test]
async fn test_is_limited_per_admin() {
    let Some(s) = crate::start_with(|settings| settings.test_per_minute = 2).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let body = sqlite("t", &chinook_copy(dir.path(), "t.sqlite"));
    for _ in 0..2 {
        let (st, resp) = s.post("/system/service/_test", body.clone()).await;
        assert_eq!(st, StatusCode::OK, "{resp}");
    }
    let resp = s
        .request(Method::POST, "/system/service/_test")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let envelope: Value = resp.json().await.unwrap();
    assert_eq!(envelope["error"]["code"], 429);
    assert!(message(&envelope).contains("test_per_minute"), "{envelope}");
    // Other admin routes are not limited by it.
    let (st, _) = s.get("/system/service").await;
    assert_eq!(st, StatusCode::OK);
}
