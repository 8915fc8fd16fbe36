//! The admin API tests (`system/`) with the system database on PostgreSQL (`--database-url postgres://…`).
#![allow(clippy::unwrap_used)]

async fn system_db(dir: &std::path::Path) -> Option<sea_orm::DatabaseConnection> {
    apiforge_tests::system_db(apiforge_tests::Backend::Postgres, dir).await
}

#[path = "system/admin_api.rs"]
mod admin_api;

#[path = "system/rbac_admin.rs"]
mod rbac_admin;

/// A whole server (`serve --database-url postgres://… --demo`): migrations run
/// on PostgreSQL, the demo and the admin live there, and a second server on the
/// same database finds them.
#[tokio::test]
async fn serve_with_the_system_database_on_postgres() {
    use apiforge_tests::backend::cluster;
    use apiforge_tests::{Backend, TestServer};
    use reqwest::StatusCode;
    use serde_json::json;

    let Some(c) = cluster(Backend::Postgres) else {
        return;
    };
    let url = c.fresh_empty().url;
    // Both servers share the master secret (service passwords are stored
    // encrypted with it), as two instances of one deployment would.
    let secret = "a-shared-master-secret-of-32-bytes-or-more".to_owned();
    let setup = |s: &mut apiforge::config::Settings| {
        s.database_url = Some(url.clone());
        s.secret = Some(secret.clone());
    };
    let first = TestServer::start_with(setup).await;
    let (st, body) = first.get("/chinook/_table/Album?limit=1").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let extra = c.fresh_chinook();
    let (st, body) = first
        .post(
            "/system/service",
            json!({"name": "pg", "type": "postgres", "config": extra.config}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    let second = TestServer::start_with(setup).await;
    let (st, body) = second.get("/system/service").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"chinook") && names.contains(&"pg"),
        "{names:?}"
    );
    let (st, body) = second.get("/pg/_table/album/1").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        body["title"],
        json!("For Those About To Rock We Salute You")
    );
}
