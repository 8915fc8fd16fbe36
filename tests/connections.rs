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

/// The database closes every connection of a service (a restart, an idle
/// kill, an admin's terminate): the next reads still answer, on new
/// connections, and the service never holds more than its two pools allow.
async fn reads_outlive_closed_connections(backend: Backend) {
    let Some(c) = cluster(backend) else {
        return;
    };
    let s = TestServer::start().await;
    let db = c.fresh_chinook();
    let mut config = db.config.clone();
    config["pool_size"] = json!(3);
    let (st, body) = s
        .post(
            "/system/service",
            json!({"name": "pooled", "type": backend.service_type(), "config": config}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (album, album_id) = match backend {
        Backend::Postgres => ("album", "album_id"),
        _ => ("Album", "AlbumId"),
    };
    let path = format!("/pooled/_table/{album}?order={album_id}&limit=3");
    // Several reads at once, so that several read connections exist.
    let (a, b, c3, d, e, f) = tokio::join!(
        s.get(&path),
        s.get(&path),
        s.get(&path),
        s.get(&path),
        s.get(&path),
        s.get(&path)
    );
    let warm = [a, b, c3, d, e, f];
    let expected = warm[0].1.clone();
    for (st, body) in &warm {
        assert_eq!(*st, StatusCode::OK, "{body}");
        assert_eq!(body, &expected);
    }
    assert_eq!(expected["resource"].as_array().map(Vec::len), Some(3));

    let sessions = || match backend {
        Backend::Postgres => c.psql(&format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = '{}'",
            db.name
        )),
        _ => c.mariadb(&format!(
            "SELECT id FROM information_schema.processlist WHERE db = '{}'",
            db.name
        )),
    };
    let open: Vec<String> = sessions().lines().map(str::to_owned).collect();
    assert!(
        (2..=6).contains(&open.len()),
        "pool_size 3 means at most 3 read and 3 other connections; found {}",
        open.len()
    );
    for id in &open {
        match backend {
            Backend::Postgres => {
                c.psql(&format!("SELECT pg_terminate_backend({id})"));
            }
            _ => {
                c.mariadb(&format!("KILL CONNECTION {id}"));
            }
        }
    }

    for _ in 0..4 {
        let (st, body) = s.get(&path).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "after the server closed the connections: {body}"
        );
        assert_eq!(body, expected);
    }
}

#[tokio::test]
async fn postgres_reads_outlive_closed_connections() {
    reads_outlive_closed_connections(Backend::Postgres).await;
}

#[tokio::test]
async fn mariadb_reads_outlive_closed_connections() {
    reads_outlive_closed_connections(Backend::MariaDb).await;
}
