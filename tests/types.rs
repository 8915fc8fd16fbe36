//! Every type of docs/types.md, written through the API and read back, on
//! PostgreSQL and MariaDB; views and tables without a key; database-side
//! refusals of a value are 400s.
#![allow(clippy::unwrap_used)]

use apiforge_tests::{Backend, TestServer, message};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PG_TABLE: &str = "
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE every_type (
  id serial PRIMARY KEY,
  i2 smallint, i4 integer, i8 bigint,
  num numeric(40,10), num_free numeric, f4 real, f8 double precision,
  flag boolean, txt text, vc varchar(20), ch char(5),
  d date, tm time, ts timestamp(6), tstz timestamptz,
  u uuid, j json, jb jsonb, raw bytea, m mood,
  ia integer[], ta text[], iv interval, cash money
);
CREATE TABLE log_line (at timestamp, msg text);
CREATE VIEW album_titles AS SELECT album_id, title FROM album;
";

const MARIA_TABLE: &str = "
CREATE TABLE every_type (
  id INT AUTO_INCREMENT PRIMARY KEY,
  i1 TINYINT, i2 SMALLINT, i4 INT, i8 BIGINT, u8 BIGINT UNSIGNED,
  num DECIMAL(40,10), f4 FLOAT, f8 DOUBLE,
  flag BOOLEAN, txt TEXT, vc VARCHAR(20), ch CHAR(5),
  d DATE, tm TIME, ts DATETIME(6), tsz TIMESTAMP(6) NULL,
  u UUID, j JSON, raw BLOB, vb VARBINARY(16), m ENUM('sad','ok','happy'), y YEAR
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE TABLE log_line (at DATETIME, msg TEXT);
CREATE VIEW album_titles AS SELECT AlbumId, Title FROM Album;
";

/// A server whose `chinook` database also holds the tables above.
async fn start(backend: Backend) -> Option<TestServer> {
    let s = TestServer::start_on(backend).await?;
    let ddl = match backend {
        Backend::Postgres => PG_TABLE,
        _ => MARIA_TABLE,
    };
    for statement in ddl.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        s.sql_exec(statement).await;
    }
    let (st, body) = s.post("/system/service/chinook/_refresh", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    Some(s)
}

/// Creates `record`, reads it back by id and by list, and checks that every
/// field comes back as `expected` (which defaults to what was sent).
async fn round_trip(s: &TestServer, record: Value, expected: Value) {
    let (st, body) = s
        .post(
            "/chinook/_table/every_type?fields=*",
            json!({ "resource": [record] }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let created = &body["resource"][0];
    let id = created["id"].as_i64().unwrap();
    let (st, read) = s.get(&format!("/chinook/_table/every_type/{id}")).await;
    assert_eq!(st, StatusCode::OK, "{read}");
    for (k, want) in expected.as_object().unwrap() {
        assert_eq!(&read[k], want, "{k} read back on {:?}: {read}", s.backend);
        assert_eq!(
            &created[k], want,
            "{k} as answered to the create: {created}"
        );
    }
    // A PATCH writing the same values back leaves them as they are.
    let (st, body) = s
        .patch(
            &format!("/chinook/_table/every_type/{id}?fields=*"),
            expected.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    for (k, want) in expected.as_object().unwrap() {
        assert_eq!(&body[k], want, "{k} after PATCH: {body}");
    }
}

#[tokio::test]
async fn postgres_types_round_trip() {
    let Some(s) = start(Backend::Postgres).await else {
        return;
    };
    let sent = json!({
        "i2": -32768, "i4": 2147483647,
        // Past 2^53: exact in JSON text, whatever JavaScript makes of it.
        "i8": 9_007_199_254_740_993_i64,
        "num": "12345678901234567890.0123456789",
        "num_free": 1.5, "f4": 1.5, "f8": 0.1,
        "flag": true, "txt": "héllo ✓ \"quoted\" \\ back", "vc": "short", "ch": "abcde",
        "d": "2024-02-29", "tm": "13:45:30", "ts": "2024-02-29T13:45:30.123456",
        "u": "0e5e3c6c-9a8e-4bf8-9d3e-3a1f6f0b2c11",
        "j": {"a": [1, 2, {"b": null}], "s": "x"},
        "jb": [1, "two", {"three": 3.5}],
        "raw": "AAEC/w==", "m": "happy",
        "ia": [1, null, 3], "ta": ["a", "b \"q\"", "c,d", "{e}"],
        "iv": "1 day 02:00:00", "cash": "$1,234.50",
    });
    let mut want = sent.clone();
    // Past f64 precision a decimal is a string; within it, a number.
    want["num"] = json!("12345678901234567890.0123456789");
    round_trip(&s, sent.clone(), want).await;

    // A timestamp with zone is the same instant, answered in UTC.
    round_trip(
        &s,
        json!({"tstz": "2024-02-29T13:45:30+02:00"}),
        json!({"tstz": "2024-02-29T11:45:30+00:00"}),
    )
    .await;
    // Numbers may come as strings too.
    round_trip(
        &s,
        json!({"i8": "-9007199254740993", "num": "0.5"}),
        json!({"i8": -9_007_199_254_740_993_i64, "num": 0.5}),
    )
    .await;

    // Filters bind through the same casts (enum, uuid, array, numeric).
    for (filter, n) in [
        ("m = 'happy'", 1),
        ("m in ('sad', 'happy')", 1),
        ("u = '0e5e3c6c-9a8e-4bf8-9d3e-3a1f6f0b2c11'", 1),
        ("ia = '{1,NULL,3}'", 1),
        ("num > 1000", 1),
        ("iv > '1 hour'", 1),
        ("m contains 'APP'", 1),
    ] {
        let (st, body) = s
            .get(&format!(
                "/chinook/_table/every_type{}",
                apiforge_tests::qs(&[("filter", filter), ("count_only", "true")])
            ))
            .await;
        assert_eq!(st, StatusCode::OK, "{filter}: {body}");
        assert_eq!(body, json!(n), "{filter}");
    }

    // What the database refuses is a 400 with a sentence, not a 500.
    for (field, bad) in [
        ("m", json!("angry")),
        ("ia", json!(["x"])),
        ("vc", json!("far too long for twenty characters")),
        ("iv", json!("not an interval")),
        ("i2", json!(70000)),
    ] {
        let (st, body) = s
            .post("/chinook/_table/every_type", json!({ field: bad }))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(!message(&body).is_empty());
    }
    let (st, body) = s
        .post("/chinook/_table/every_type", json!({"ia": "not an array"}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("expects an array"), "{body}");

    keyless_tables(&s, "album_titles", "AlbumId").await;
}

#[tokio::test]
async fn mariadb_types_round_trip() {
    let Some(s) = start(Backend::MariaDb).await else {
        return;
    };
    let sent = json!({
        "i1": -128, "i2": -32768, "i4": 2147483647,
        "i8": 9_007_199_254_740_993_i64, "u8": 18_446_744_073_709_551_615_u64,
        "num": "12345678901234567890.0123456789",
        "f4": 1.5, "f8": 0.1,
        "flag": true, "txt": "héllo ✓ 🎸 \"quoted\" \\ back", "vc": "short", "ch": "abcde",
        "d": "2024-02-29", "tm": "13:45:30", "ts": "2024-02-29T13:45:30.123456",
        "tsz": "2024-02-29T13:45:30.250",
        "u": "0e5e3c6c-9a8e-4bf8-9d3e-3a1f6f0b2c11",
        "j": {"a": [1, 2, {"b": null}], "s": "x"},
        "raw": "AAEC/w==", "vb": "3q2+7w==", "m": "happy", "y": 2024,
    });
    round_trip(&s, sent.clone(), sent).await;
    round_trip(
        &s,
        json!({"num": 0.5, "flag": false}),
        json!({"num": 0.5, "flag": false}),
    )
    .await;

    for (filter, n) in [
        ("m = 'happy'", 1),
        ("u = '0e5e3c6c-9a8e-4bf8-9d3e-3a1f6f0b2c11'", 1),
        ("num > 1000", 1),
        ("flag = true", 1),
        ("txt contains 'HÉLLO'", 1),
    ] {
        let (st, body) = s
            .get(&format!(
                "/chinook/_table/every_type{}",
                apiforge_tests::qs(&[("filter", filter), ("count_only", "true")])
            ))
            .await;
        assert_eq!(st, StatusCode::OK, "{filter}: {body}");
        assert_eq!(body, json!(n), "{filter}");
    }
    for (field, bad) in [
        ("m", json!("angry")),
        ("vc", json!("far too long for twenty characters")),
        ("i1", json!(300)),
    ] {
        let (st, body) = s
            .post("/chinook/_table/every_type", json!({ field: bad }))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{field}: {body}");
    }

    keyless_tables(&s, "album_titles", "AlbumId").await;
}

/// A view and a table without a primary key: readable; writes are a 400 that
/// says why, unless `id_field` names a key.
async fn keyless_tables(s: &TestServer, view: &str, view_key: &str) {
    let (st, body) = s.get(&format!("/chinook/_table/{view}?limit=3")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"].as_array().unwrap().len(), 3);
    let (st, body) = s
        .post(
            &format!("/chinook/_table/{view}"),
            json!({ view_key: 9999, "Title": "x" }),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("is a view"), "{body}");

    let (st, body) = s.get("/chinook/_table/log_line").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = s
        .post(
            "/chinook/_table/log_line",
            json!({"at": "2024-01-01T00:00:00", "msg": "hi"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("has no primary key"), "{body}");
    assert!(message(&body).contains("id_field"), "{body}");
    let (st, body) = s
        .post(
            "/chinook/_table/log_line?id_field=at",
            json!({"at": "2024-01-01T00:00:00", "msg": "hi"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["resource"][0]["at"], json!("2024-01-01T00:00:00"));
    let (st, body) = s
        .get("/chinook/_table/log_line/2024-01-01T00:00:00?id_field=at")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["msg"], json!("hi"));
}
