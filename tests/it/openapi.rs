//! `GET /api/v2/{service}/_doc` from the running server (issue 13): the admin
//! sees every table and verb; an app's key sees what its role allows, and a
//! role change shows in the very next document (the cache is per policy
//! version); the documented paths answer as documented.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use apiforge_tests::TestServer;

async fn doc_with_key(s: &TestServer, key: &str) -> Value {
    let rb = s
        .client
        .request(
            Method::GET,
            format!("{}{}", s.base, s.path("/chinook/_doc")),
        )
        .header("X-Api-Key", key);
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body
}

fn methods(doc: &Value, path: &str) -> Vec<String> {
    let mut m: Vec<String> = doc["paths"][path]
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    m.sort_unstable();
    m
}

fn paths(doc: &Value) -> Vec<String> {
    let mut p: Vec<String> = doc["paths"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    p.sort_unstable();
    p
}

#[tokio::test]
async fn each_caller_gets_the_document_of_what_it_may_call() {
    let Some(s) = crate::start().await else {
        return;
    };
    let album = s.path("/chinook/_table/Album");
    let album_id = format!("{album}/{{id}}");

    let (st, admin) = s.get("/chinook/_doc").await;
    assert_eq!(st, StatusCode::OK, "{admin}");
    assert_eq!(admin["openapi"], "3.1.0");
    assert_eq!(admin["servers"][0]["url"], "/api/v2");
    assert_eq!(
        methods(&admin, &album),
        ["delete", "get", "patch", "post", "put"]
    );
    assert_eq!(
        methods(&admin, &album_id),
        ["delete", "get", "patch", "put"]
    );
    // Every table of the service is there, by its own path.
    let (_, tables) = s.get("/chinook/_table").await;
    for t in tables["resource"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let path = format!("/chinook/_table/{name}");
        assert!(
            paths(&admin).contains(&s.path(&path)),
            "{path} missing from the admin's document"
        );
    }

    let (st, body) = s
        .post(
            "/system/role",
            json!({ "name": "doc_reader", "description": "", "access": [
                { "service": "chinook", "component": "_table/Album", "verbs": ["GET"] }
            ] }),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let (st, body) = s
        .post(
            "/system/app",
            json!({ "name": "doc_reader_app", "description": "", "role": "doc_reader" }),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let key = body["api_key"].as_str().unwrap().to_owned();

    let reader = doc_with_key(&s, &key).await;
    assert_eq!(
        paths(&reader),
        [s.path("/chinook/_table"), album.clone(), album_id.clone()]
    );
    assert_eq!(methods(&reader, &album), ["get"]);
    assert_eq!(methods(&reader, &album_id), ["get"]);
    assert!(
        reader["info"]["description"]
            .as_str()
            .unwrap()
            .contains("role 'doc_reader'"),
        "{}",
        reader["info"]
    );
    // The same key's second request: the kept document, the same text.
    assert_eq!(doc_with_key(&s, &key).await, reader);
    // What the document offers answers.
    let rb = s
        .client
        .request(Method::GET, format!("{}{album}?limit=2", s.base))
        .header("X-Api-Key", &key);
    let (st, rows) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{rows}");
    assert_eq!(rows["resource"].as_array().unwrap().len(), 2);

    // A role change shows in the next document.
    let (st, body) = s
        .patch(
            "/system/role/doc_reader",
            json!({ "access": [
                { "service": "chinook", "component": "_table/Album", "verbs": ["GET", "POST"] },
                { "service": "chinook", "component": "_table/Artist", "verbs": ["GET"] }
            ] }),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let changed = doc_with_key(&s, &key).await;
    assert_eq!(methods(&changed, &album), ["get", "post"]);
    assert_eq!(
        methods(&changed, &s.path("/chinook/_table/Artist")),
        ["get"]
    );

    // An unknown service is the usual 404.
    let (st, _) = s.get("/nope/_doc").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
