//! `POST /system/service/_test`: one clear sentence for each way a connection
//! fails, on PostgreSQL and MariaDB; never past the timeout; never the password.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use apiforge_tests::backend::cluster;
use apiforge_tests::{Backend, TestServer, message};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Posts a `_test` and returns the status and message; checks the password is
/// nowhere in the answer and that it came within `timeout_ms` plus slack.
async fn try_config(
    s: &TestServer,
    kind: &str,
    config: Value,
    timeout_ms: u64,
) -> (StatusCode, String) {
    let password = config["password"].as_str().unwrap_or("").to_owned();
    let started = Instant::now();
    let (st, body) = s
        .post(
            "/system/service/_test",
            json!({"name": "probe", "type": kind, "config": config}),
        )
        .await;
    let took = started.elapsed();
    // A bound, not a benchmark: the answer must not wait for a hung server.
    assert!(
        took < Duration::from_millis(timeout_ms) + Duration::from_secs(10),
        "_test took {took:?} with a {timeout_ms} ms timeout"
    );
    if !password.is_empty() {
        assert!(
            !body.to_string().contains(&password),
            "password echoed: {body}"
        );
    }
    let msg = if st.is_success() {
        body["message"].as_str().unwrap_or_default().to_owned()
    } else {
        message(&body)
    };
    (st, msg)
}

async fn failure_modes(backend: Backend) {
    let Some(c) = cluster(backend) else {
        return;
    };
    let s = TestServer::start().await;
    let kind = backend.service_type();
    let good = c.fresh_chinook().config;

    // It works, and says what it found.
    let (st, msg) = try_config(&s, kind, good.clone(), 5000).await;
    assert_eq!(st, StatusCode::OK, "{msg}");
    assert!(msg.contains("11 tables"), "{msg}");

    // Wrong password.
    let mut cfg = good.clone();
    cfg["password"] = json!("Wr0ng-Pa55w0rd-xyz");
    let (st, msg) = try_config(&s, kind, cfg, 5000).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{msg}");
    assert!(
        msg.contains("user name or password was refused"),
        "wrong password: {msg}"
    );

    // Unknown database.
    let mut cfg = good.clone();
    cfg["database"] = json!("no_such_db");
    let (st, msg) = try_config(&s, kind, cfg, 5000).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{msg}");
    assert!(
        msg.contains("database 'no_such_db' does not exist"),
        "unknown database: {msg}"
    );

    // Nothing listening (a port just freed).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut cfg = good.clone();
    cfg["port"] = json!(port);
    let (st, msg) = try_config(&s, kind, cfg, 5000).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{msg}");
    assert!(
        msg.contains(&format!("nothing is listening at 127.0.0.1:{port}")),
        "host down: {msg}"
    );

    // Unknown host name.
    let mut cfg = good.clone();
    cfg["host"] = json!("no-such-host.invalid");
    let (st, msg) = try_config(&s, kind, cfg, 5000).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{msg}");
    assert!(
        msg.contains("host 'no-such-host.invalid' was not found"),
        "{msg}"
    );

    // A server that accepts the connection and then says nothing: the
    // configured timeout ends the wait.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let mut cfg = good.clone();
    cfg["port"] = json!(port);
    cfg["connect_timeout"] = json!(1500);
    let (st, msg) = try_config(&s, kind, cfg, 1500).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{msg}");
    assert!(msg.contains("no answer within 1500 ms"), "timeout: {msg}");
    hold.abort();
}

#[tokio::test]
async fn postgres_connection_failures_are_explained() {
    failure_modes(Backend::Postgres).await;
}

#[tokio::test]
async fn mariadb_connection_failures_are_explained() {
    failure_modes(Backend::MariaDb).await;
}
