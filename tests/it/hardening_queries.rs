//! Issue 10's query items: GraphQL documents that overflowed the stack or
//! expanded exponentially (items 1, 2, 5), answers that fanned out without a
//! total bound (4), the cache of validated documents (7) and GraphQL lists
//! past the drivers' limits (13). After each hostile request the server must
//! still answer the next one.

use apiforge_tests::{TestServer, message, short};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const GRAPHQL: &str = "/chinook/graphql";

/// POSTs a GraphQL body as it is; returns the status and the body (never a
/// 5xx, always JSON).
async fn post_gql(s: &TestServer, body: &Value) -> (StatusCode, Value) {
    let resp = s
        .request(Method::POST, GRAPHQL)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(!status.is_server_error(), "{status}: {}", short(&text));
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("not JSON ({status}): {}", short(&text)));
    (status, body)
}

/// The first error's message of a GraphQL answer that has no data.
fn gql_error(body: &Value) -> String {
    assert!(
        body["data"].is_null(),
        "expected an error, got {}",
        short(&body.to_string())
    );
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The server still answers a plain read.
async fn still_alive(s: &TestServer) {
    let body = s
        .graphql("{ Artist(limit: 1) { ArtistId } }", json!({}))
        .await;
    assert_eq!(body["data"]["Artist"].as_array().map(Vec::len), Some(1));
}

/// Item 1: a fragment spreading itself used to overflow the stack while its
/// root fields were collected, before validation could refuse the cycle.
#[tokio::test]
async fn fragment_cycles_are_refused_without_crashing() {
    let Some(s) = crate::start().await else {
        return;
    };
    for query in [
        "{ ...A } fragment A on Query { ...A }",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "query { Artist { ...C } } fragment C on Artist { Album_by_ArtistId { Artist_by_ArtistId { ...C } } }",
    ] {
        let (status, body) = post_gql(&s, &json!({ "query": s.path(query) })).await;
        assert_eq!(status, StatusCode::OK);
        let m = gql_error(&body);
        assert!(m.contains("within itself"), "{query}: {m}");
        still_alive(&s).await;
    }
}

/// Item 2: an argument nested 3,000 lists deep (6 KB) aborted the process in
/// the parser. It is refused before parsing, naming the setting; so are
/// deeply nested objects, selections and variables.
#[tokio::test]
async fn deeply_nested_documents_are_refused_without_crashing() {
    let Some(s) = crate::start().await else {
        return;
    };
    let lists = format!(
        "{{ Album(where: {{AlbumId: {{_in: {}1{}}}}}) {{ AlbumId }} }}",
        "[".repeat(3000),
        "]".repeat(3000)
    );
    let objects = format!(
        "{{ Album(where: {}{{AlbumId: {{_eq: 1}}}}{}) {{ AlbumId }} }}",
        "{_and: [".repeat(1500),
        "]}".repeat(1500)
    );
    let selections = format!("{}{}", "{ Album ".repeat(3000), "}".repeat(3000));
    for query in [lists, objects, selections] {
        let (status, body) = post_gql(&s, &json!({ "query": s.path(&query) })).await;
        assert_eq!(status, StatusCode::OK);
        let m = gql_error(&body);
        assert!(m.contains("graphql_max_nesting"), "{m}");
        still_alive(&s).await;
    }
    // Variables are JSON, whose parser stops at 128 levels. (Built as text:
    // a `Value` that deep would overflow this test's own stack.)
    let deep = format!("{}1{}", "[".repeat(3000), "]".repeat(3000));
    let text = format!(
        r#"{{"query":"query($v: [Int!]) {{ Album(where: {{AlbumId: {{_in: $v}}}}) {{ AlbumId }} }}","variables":{{"v":{deep}}}}}"#
    );
    let resp = s
        .request(Method::POST, GRAPHQL)
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    still_alive(&s).await;
    // Within the default (64), nesting is fine.
    let fine = format!(
        "{{ Album(where: {}{{AlbumId: {{_eq: 1}}}}{}) {{ AlbumId }} }}",
        "{_and: [".repeat(20),
        "]}".repeat(20)
    );
    let body = s.graphql(&fine, json!({})).await;
    assert_eq!(
        body["data"]["Album"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
}

/// Item 5: 22 levels of fragments, each spreading the next twice (912
/// bytes), took 3.4 s before being called too complex; the expansion now
/// stops at the budget.
#[tokio::test]
async fn exponential_fragments_stop_at_the_budget() {
    let Some(s) = crate::start().await else {
        return;
    };
    let mut query = String::from("{ ...F0 }");
    for i in 0..22 {
        query.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    query.push_str(" fragment F22 on Query { Artist(limit: 1) { ArtistId } }");
    let started = std::time::Instant::now();
    let (_, body) = post_gql(&s, &json!({ "query": s.path(&query) })).await;
    let took = started.elapsed();
    let m = gql_error(&body);
    assert!(m.contains("graphql_max_complexity"), "{m}");
    println!("22 levels of doubling fragments refused in {took:?}");
    still_alive(&s).await;
}

const FAN_OUT: &str = "/chinook/_table/Track?limit=80&related=Playlist_by_PlaylistTrack&Playlist_by_PlaylistTrack.related=Track_by_PlaylistTrack";

/// Item 4: 80 tracks → their playlists → those playlists' tracks answered
/// 103 MB. The answer's rows (each counted under every parent it is written
/// under) and bytes are bounded by service settings.
#[tokio::test]
async fn relation_fan_out_is_bounded() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (status, body) = s.get(FAN_OUT).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("max_response_rows"), "{body}");
    let gql = s.path(
        "{ Track(limit: 80) { TrackId Playlist_by_PlaylistTrack { Name Track_by_PlaylistTrack { TrackId Name } } } }",
    );
    let (_, body) = post_gql(&s, &json!({ "query": gql })).await;
    assert!(gql_error(&body).contains("max_response_rows"), "{body}");

    // The same shape, small enough, is answered; a byte budget refuses it.
    let small = "/chinook/_table/Track?limit=2&related=Playlist_by_PlaylistTrack&Playlist_by_PlaylistTrack.related=Track_by_PlaylistTrack&Playlist_by_PlaylistTrack.Track_by_PlaylistTrack.limit=3";
    let (status, body) = s.get(small).await;
    assert_eq!(status, StatusCode::OK, "{}", short(&body.to_string()));
    let size = body.to_string().len() as u64;
    let (status, _) = s
        .patch(
            "/system/service/chinook",
            json!({"config": {"max_response_bytes": size / 2}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s.get(small).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("max_response_bytes"), "{body}");
    // A plain list past the row budget is refused too (rows and bytes count
    // every read, not only relations).
    let (status, _) = s
        .patch(
            "/system/service/chinook",
            json!({"config": {"max_response_bytes": null, "max_response_rows": 10}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s.get("/chinook/_table/Album?limit=11").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("max_response_rows"), "{body}");
    let (status, _) = s.get("/chinook/_table/Album?limit=10").await;
    assert_eq!(status, StatusCode::OK);
}

/// Item 7: the cache of validated documents is weighed in bytes, and a
/// document too large for it is validated each time instead of kept.
#[tokio::test]
async fn large_documents_are_not_kept_validated() {
    let Some(s) = crate::start().await else {
        return;
    };
    let cache = || {
        let rt = s.state.services.get("chinook").unwrap();
        let gql = rt.graphql.as_ref().unwrap().clone();
        gql.validated.run_pending_tasks();
        (gql.validated.entry_count(), gql.validated.weighted_size())
    };
    let small = s.path("{ Artist(limit: 1) { ArtistId } }");
    let (_, body) = post_gql(&s, &json!({ "query": small })).await;
    assert!(body["errors"].is_null(), "{body}");
    let (entries, weight) = cache();
    assert_eq!(entries, 1);
    assert!(weight > small.len() as u64);
    // 2 MB of comment and whitespace around a valid query: over an eighth of
    // the default 8 MiB.
    for i in 0..4 {
        let big = format!("# {i} {}\n{small}", "x".repeat(2 * 1024 * 1024));
        let (_, body) = post_gql(&s, &json!({ "query": big })).await;
        assert!(body["errors"].is_null(), "{}", short(&body.to_string()));
    }
    assert_eq!(cache().0, 1, "large documents were cached");
}

/// Item 13: 40,000 `_in` values answered 500 ("too many SQL variables"). A
/// `where`'s values and an `order_by`'s terms are capped by `max_list_items`.
#[tokio::test]
async fn long_graphql_lists_are_capped() {
    let Some(s) = crate::start().await else {
        return;
    };
    let values: Vec<i64> = (0..40_000).collect();
    let (_, body) = post_gql(
        &s,
        &json!({
            "query": s.path("query($ids: [Int!]) { Album(where: {AlbumId: {_in: $ids}}) { AlbumId } }"),
            "variables": { "ids": values },
        }),
    )
    .await;
    let m = gql_error(&body);
    assert!(m.contains("max_list_items"), "{m}");
    let literal = format!(
        "{{ Album(where: {{_or: [{}]}}) {{ AlbumId }} }}",
        (0..1001)
            .map(|i| format!("{{AlbumId: {{_eq: {i}}}}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let (_, body) = post_gql(&s, &json!({ "query": s.path(&literal) })).await;
    assert!(gql_error(&body).contains("max_list_items"));
    let order = format!(
        "{{ Album(limit: 1, order_by: [{}]) {{ AlbumId }} }}",
        vec!["{AlbumId: asc}"; 1001].join(",")
    );
    let (_, body) = post_gql(&s, &json!({ "query": s.path(&order) })).await;
    assert!(gql_error(&body).contains("max_list_items"));
    // At the cap, the read runs.
    let body = s
        .graphql(
            "query($ids: [Int!]) { Album(where: {AlbumId: {_in: $ids}}) { AlbumId } }",
            json!({ "ids": &values[..1000] }),
        )
        .await;
    assert_eq!(
        body["data"]["Album"].as_array().map(Vec::len),
        Some(347),
        "{}",
        short(&body.to_string())
    );
}
