//! GraphiQL end to end: `GET /api/v2/{service}/graphql` answers the page to
//! anyone, and everything the page loads comes from this server (it must work
//! with no internet access).
#![allow(clippy::unwrap_used)]

use apiforge_tests::TestServer;
use reqwest::{Method, StatusCode, header};
use serde_json::json;

/// Every `src="..."` and `href="..."` value in `html`.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            // Only whole attribute names (not `data-src="`).
            let before = html[..at].chars().next_back();
            if !before.is_some_and(char::is_whitespace) {
                continue;
            }
            let rest = &html[at + attr.len()..];
            let end = rest.find('"').expect("an unterminated attribute");
            out.push(rest[..end].to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_page_needs_no_credentials_and_loads_only_local_files() {
    let s = TestServer::start().await;
    // As a browser asks: API clients get answers at this path (GET runs
    // `?query=`), a browser's `Accept: text/html` gets the page.
    let resp = s
        .anonymous(Method::GET, "/chinook/graphql")
        .header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = resp.text().await.unwrap();
    assert!(!html.contains("http://"), "{html}");
    assert!(!html.contains("https://"), "{html}");

    let refs = references(&html);
    for needed in [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
    ] {
        assert!(
            refs.iter().any(|r| r.ends_with(needed)),
            "{needed}: {refs:?}"
        );
    }
    let root = s.base.strip_suffix("/api/v2").unwrap();
    for r in &refs {
        assert!(r.starts_with('/') && !r.starts_with("//"), "not local: {r}");
        assert!(!r.contains("://"), "not local: {r}");
        let resp = s.client.get(format!("{root}{r}")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{r}");
        assert_eq!(
            resp.headers()[header::CACHE_CONTROL],
            "public, max-age=86400",
            "{r}"
        );
        let ct = resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let expected = if r.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(ct.starts_with(expected), "{r}: {ct}");
        let body = resp.bytes().await.unwrap();
        assert!(!body.is_empty(), "{r}");
    }
}

#[tokio::test]
async fn the_graphql_endpoint_still_answers_post_and_only_post_and_get() {
    let s = TestServer::start().await;
    // The page's fetcher POSTs to the page's own path.
    let body = s.graphql("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], json!("Query"), "{body}");
    // Without credentials the POST is refused, though the page is served.
    let (st, _) = s
        .send(
            s.anonymous(Method::POST, "/chinook/graphql")
                .json(&json!({"query": "{ __typename }"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let resp = s
        .request(Method::PUT, "/chinook/graphql")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = resp.headers()["allow"].to_str().unwrap().to_owned();
    for m in ["GET", "POST"] {
        assert!(allow.contains(m), "Allow: {allow}");
    }
}

#[tokio::test]
async fn an_unknown_graphiql_file_is_a_404_in_the_envelope() {
    let s = TestServer::start().await;
    let root = s.base.strip_suffix("/api/v2").unwrap();
    for name in ["nope.js", "README.md", "graphiql.LICENSE"] {
        let resp = s
            .client
            .get(format!("{root}/graphiql/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{name}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], json!(404), "{name}: {body}");
    }
}
