//! Issue 10's REST hardening: list parameters are capped (`max_list_items`) and
//! planned in time linear in their size, batches are capped before anything is
//! written (`max_batch_records`), a write that waits too long for a lock is a
//! 503 with `Retry-After`, and a by-id write touches at most one record.

use std::time::{Duration, Instant};

use apiforge_tests::{Backend, TestServer, message};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use serde_json::{Value, json};

/// `POST /chinook/_table/{table}` with `X-HTTP-Method: GET`: the parameters
/// travel in the body, so they can be far longer than a URL.
async fn tunnelled_get(s: &TestServer, table: &str, params: Value) -> (StatusCode, Value) {
    s.send(
        s.request(Method::POST, &format!("/chinook/_table/{table}"))
            .header("X-HTTP-Method", "GET")
            .json(&params),
    )
    .await
}

/// Debug builds on a loaded machine are slow; the quadratic planning this
/// guards against took seconds, linear work takes milliseconds.
const QUICK: Duration = Duration::from_secs(2);

#[tokio::test]
async fn thirty_thousand_related_names_are_refused_quickly() {
    let Some(s) = crate::start().await else {
        return;
    };
    let names: Vec<String> = (0..30_000).map(|i| format!("Rel{i}")).collect();
    let started = Instant::now();
    let (st, body) = tunnelled_get(&s, "Album", json!({ "related": names.join(",") })).await;
    let took = started.elapsed();
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_list_items"), "{body}");
    assert!(took < QUICK, "30,000 related names took {took:?}");

    // The per-relation parameters that `related=*` picks up count too.
    let mut params = serde_json::Map::new();
    params.insert("related".into(), json!("*"));
    for i in 0..30_000 {
        params.insert(format!("Rel{i}.limit"), json!("1"));
    }
    let started = Instant::now();
    let (st, body) = tunnelled_get(&s, "Album", Value::Object(params)).await;
    let took = started.elapsed();
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_list_items"), "{body}");
    assert!(took < QUICK, "30,000 REL.limit parameters took {took:?}");
}

#[tokio::test]
async fn one_related_name_repeated_is_one_name() {
    let Some(s) = crate::start().await else {
        return;
    };
    // De-duplicated before the cap: 30,000 copies of one name are one relation.
    let names = vec!["Track_by_AlbumId"; 30_000].join(",");
    let started = Instant::now();
    let (st, body) = tunnelled_get(
        &s,
        "Album",
        json!({ "related": names, "filter": "AlbumId = 1", "Track_by_AlbumId.fields": "TrackId" }),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(st, StatusCode::OK, "{body}");
    let album = &body["resource"][0];
    let tracks = album["Track_by_AlbumId"].as_array().unwrap();
    assert_eq!(tracks.len(), 10, "{album}");
    assert!(took < QUICK, "30,000 copies of one name took {took:?}");
}

#[tokio::test]
async fn long_order_and_group_lists_are_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let order = vec!["Title"; 3000].join(",");
    let (st, body) = tunnelled_get(&s, "Album", json!({ "order": order })).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_list_items"), "{body}");
    assert!(message(&body).contains("order="), "{body}");

    let group = vec!["ArtistId"; 3000].join(",");
    let (st, body) = tunnelled_get(
        &s,
        "Album",
        json!({ "group": group, "fields": "ArtistId,COUNT(*)" }),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_list_items"), "{body}");
    assert!(message(&body).contains("group="), "{body}");

    // A relation's order is held to the same limit.
    let (st, body) = tunnelled_get(
        &s,
        "Album",
        json!({ "related": "Track_by_AlbumId", "Track_by_AlbumId.order": vec!["Name"; 3000].join(",") }),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_list_items"), "{body}");

    // At the limit, accepted.
    let order = vec!["Title"; 1000].join(",");
    let (st, body) = tunnelled_get(&s, "Album", json!({ "order": order, "limit": 2 })).await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

fn artists(n: usize) -> Value {
    let records: Vec<Value> = (0..n)
        .map(|i| json!({ "Name": format!("Batch artist {i}") }))
        .collect();
    json!({ "resource": records })
}

#[tokio::test]
async fn batches_past_max_batch_records_write_nothing() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Artist").await;
    let (st, body) = s.post("/chinook/_table/Artist", artists(1001)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_batch_records"), "{body}");
    assert!(message(&body).contains("1000"), "{body}");
    assert_eq!(s.count("Artist").await, before);

    // PATCH, PUT and DELETE with records, and writes by ids=.
    let keyed: Vec<Value> = (1..=1001)
        .map(|i| json!({ "ArtistId": i, "Name": "x" }))
        .collect();
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let (st, body) = s
            .send(
                s.request(method.clone(), "/chinook/_table/Artist")
                    .json(&json!({ "resource": keyed })),
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{method}: {body}");
        assert!(message(&body).contains("max_batch_records"), "{body}");
    }
    let ids: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
    let path = format!("/chinook/_table/Artist?ids={}", ids.join(","));
    let (st, body) = s.patch(&path, json!({ "Name": "x" })).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_batch_records"), "{body}");
    let (st, body) = s.delete(&path).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("max_batch_records"), "{body}");
    assert_eq!(s.count("Artist").await, before);
    let renamed = s
        .sql("SELECT COUNT(*) AS n FROM \"Artist\" WHERE \"Name\" = 'x'")
        .await;
    assert_eq!(renamed[0]["n"], json!(0));

    // GraphQL's insert_T(objects:) too.
    let objects: Vec<Value> = (0..1001)
        .map(|i| json!({ "Name": format!("Gql artist {i}") }))
        .collect();
    let answer = s
        .graphql(
            "mutation($o: [Artist_insert_input!]!) { insert_Artist(objects: $o) { affected_rows } }",
            json!({ "o": objects }),
        )
        .await;
    let error = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(error.contains("max_batch_records"), "{answer}");
    assert_eq!(s.count("Artist").await, before);

    // At the limit, written.
    let (st, body) = s.post("/chinook/_table/Artist", artists(1000)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(s.count("Artist").await, before + 1000);
}

#[tokio::test]
async fn a_write_waiting_on_a_lock_is_a_503_with_retry_after() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Only SQLite's wait is bounded by the service (busy_timeout, 5 s);
    // PostgreSQL waits without limit and MariaDB 50 s unless configured.
    if s.backend != Backend::Sqlite {
        return;
    }
    let file = s.data_dir.join("demo/chinook.sqlite");
    let other = Database::connect(format!("sqlite://{}?mode=rw", file.display()))
        .await
        .unwrap();
    let txn = other.begin().await.unwrap();
    txn.execute_unprepared("UPDATE \"Genre\" SET \"Name\" = \"Name\" WHERE \"GenreId\" = 1")
        .await
        .unwrap();
    let before = s.count("Artist").await;

    let started = Instant::now();
    let resp = s
        .request(Method::POST, "/chinook/_table/Artist")
        .json(&json!({ "resource": [{ "Name": "Waits" }, { "Name": "Waits too" }] }))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = resp.status();
    let retry = resp.headers().get("retry-after").cloned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], json!(503), "{body}");
    assert!(retry.is_some(), "no Retry-After: {body}");
    assert!(
        took < Duration::from_secs(9),
        "busy_timeout is 5 s, the answer took {took:?}"
    );
    txn.rollback().await.unwrap();
    assert_eq!(s.count("Artist").await, before);
    // Once the lock is gone, the same write goes through.
    let (st, body) = s
        .post("/chinook/_table/Artist", json!({ "Name": "Waits" }))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn a_by_id_write_on_a_non_unique_id_field_changes_nothing() {
    let Some(s) = crate::start().await else {
        return;
    };
    let albums =
        "SELECT \"AlbumId\", \"Title\" FROM \"Album\" WHERE \"ArtistId\" = 1 ORDER BY \"AlbumId\"";
    let before = s.sql(albums).await;
    assert_eq!(before.len(), 2, "{before:?}");

    let (st, body) = s
        .patch(
            "/chinook/_table/Album/1?id_field=ArtistId",
            json!({ "Title": "Overwritten" }),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("is not unique"), "{body}");
    let (st, body) = s
        .send(
            s.request(Method::PUT, "/chinook/_table/Album/1?id_field=ArtistId")
                .json(&json!({ "Title": "Overwritten", "ArtistId": 1 })),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(s.sql(albums).await, before);

    let (st, body) = s.delete("/chinook/_table/Album/1?id_field=ArtistId").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(s.sql(albums).await, before);

    // A batch of records keyed by that field: the same, nothing written.
    let (st, body) = s
        .patch(
            "/chinook/_table/Album?id_field=ArtistId",
            json!({ "resource": [{ "ArtistId": 1, "Title": "Overwritten" }] }),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(s.sql(albums).await, before);

    // A read by that id names the same problem rather than pick one.
    let (st, body) = s.get("/chinook/_table/Album/1?id_field=ArtistId").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("is not unique"), "{body}");

    // An id_field value that names one record is still fine.
    let (st, body) = s
        .patch(
            "/chinook/_table/Album/3?id_field=ArtistId",
            json!({ "Title": "Big Ones (remastered)" }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = s.get("/chinook/_table/Album/3?id_field=ArtistId").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["Title"], json!("Big Ones (remastered)"));
}
