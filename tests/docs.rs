//! The admin API's OpenAPI document (`GET /api/v2/system/_doc`) and the docs
//! page (`GET /docs`), end to end.
//!
//! The validity check runs `python3 -m openapi_spec_validator` (PyPI's
//! `openapi-spec-validator`; `APIFORGE_OPENAPI_PYTHON` names another Python,
//! as `.ci/run` does with its venv); without it the test prints SKIPPED and
//! passes, unless `APIFORGE_REQUIRE_BACKENDS=1` (CI) makes that a failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::Command;

use apiforge_tests::TestServer;
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

async fn system_doc(s: &TestServer) -> Value {
    // No credentials: the document holds no data, and the docs page fetches
    // it without any.
    let resp = s
        .anonymous(Method::GET, "/system/_doc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    resp.json().await.unwrap()
}

/// Every (path, method) the document lists.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                out.insert((path.clone(), method.clone()));
            }
        }
    }
    out
}

/// The Python that has `openapi_spec_validator`.
fn python() -> String {
    std::env::var("APIFORGE_OPENAPI_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn validator_available() -> bool {
    let found = Command::new(python())
        .args(["-m", "openapi_spec_validator", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("APIFORGE_REQUIRE_BACKENDS").as_deref() != Ok("1"),
            "openapi-spec-validator is required (APIFORGE_REQUIRE_BACKENDS=1): pip install openapi-spec-validator"
        );
        eprintln!("SKIPPED: openapi-spec-validator is not installed");
    }
    found
}

#[tokio::test]
async fn the_system_document_is_valid_openapi_3_1() {
    let s = TestServer::start().await;
    let doc = system_doc(&s).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["scheme"], "bearer");
    assert_eq!(schemes["api_key_header"]["name"], "X-Api-Key");
    if !validator_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("system.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = Command::new(python())
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The admin API's router and document come from one list (`admin::parts`,
/// utoipa-axum's `routes!`), so this checks the list's two ends agree on the
/// running server: every documented operation is answered by its handler
/// (an anonymous call gets the handler's 401, or 200/400 where no session is
/// needed), never the fallback's 404 or a 405; and every route the SPEC
/// names is in the document.
#[tokio::test]
async fn every_route_of_the_system_router_is_documented_and_answered() {
    let s = TestServer::start().await;
    let doc = system_doc(&s).await;
    let ops = operations(&doc);
    for (path, method) in &ops {
        let concrete = path
            .strip_prefix("/api/v2")
            .unwrap()
            .replace("{key}", "no-such-key");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let resp = s.anonymous(m, &concrete).send().await.unwrap();
        let status = resp.status();
        let op = &doc["paths"][path][method];
        let documented = op["responses"]
            .as_object()
            .unwrap()
            .contains_key(status.as_str());
        assert!(
            documented,
            "{method} {path}: answered {status}, which its document does not list"
        );
        assert!(
            !matches!(
                status,
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{method} {path}: {status}"
        );
        // Each operation says whether it needs the session.
        let open = op["security"].as_array().is_some_and(|s| {
            s.iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
        });
        if !open {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
    // Every route the admin API has (SPEC.md "Admin API", docs/admin-api.md).
    let want = [
        ("/api/v2/system", "get"),
        ("/api/v2/system/_doc", "get"),
        ("/api/v2/system/admin/session", "post"),
        ("/api/v2/system/admin/session", "get"),
        ("/api/v2/system/admin/session", "delete"),
        ("/api/v2/system/service", "get"),
        ("/api/v2/system/service", "post"),
        ("/api/v2/system/service/_test", "post"),
        ("/api/v2/system/service/{key}", "get"),
        ("/api/v2/system/service/{key}", "put"),
        ("/api/v2/system/service/{key}", "patch"),
        ("/api/v2/system/service/{key}", "delete"),
        ("/api/v2/system/service/{key}/_refresh", "post"),
        ("/api/v2/system/service/{key}/next_steps", "get"),
        ("/api/v2/system/service/{key}/_quickstart", "post"),
        ("/api/v2/system/role", "get"),
        ("/api/v2/system/role", "post"),
        ("/api/v2/system/role/{key}", "get"),
        ("/api/v2/system/role/{key}", "put"),
        ("/api/v2/system/role/{key}", "patch"),
        ("/api/v2/system/role/{key}", "delete"),
        ("/api/v2/system/app", "get"),
        ("/api/v2/system/app", "post"),
        ("/api/v2/system/app/{key}", "get"),
        ("/api/v2/system/app/{key}", "put"),
        ("/api/v2/system/app/{key}", "patch"),
        ("/api/v2/system/app/{key}", "delete"),
        ("/api/v2/system/app/{key}/rotate", "post"),
        ("/api/v2/system/admin", "get"),
        ("/api/v2/system/admin", "post"),
        ("/api/v2/system/admin/{key}", "get"),
        ("/api/v2/system/admin/{key}", "patch"),
        ("/api/v2/system/admin/{key}", "delete"),
        ("/api/v2/system/audit", "get"),
    ];
    let want: BTreeSet<(String, String)> = want
        .iter()
        .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
        .collect();
    assert_eq!(ops, want);
}

/// An API key is refused on the admin API with 403, as the document says.
#[tokio::test]
async fn the_documented_403_is_what_a_key_gets() {
    let s = TestServer::start().await;
    let doc = system_doc(&s).await;
    assert!(
        doc["paths"]["/api/v2/system/role"]["get"]["responses"]
            .get("403")
            .is_some()
    );
    let (status, app) = s
        .post(
            "/system/app",
            serde_json::json!({ "name": "docs_reader", "role": null }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let key = app["api_key"].as_str().unwrap();
    let resp = s
        .anonymous(Method::GET, "/system/role")
        .header("X-Api-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], 403);
}

/// Every `src="..."` and `href="..."` value in `html`.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_docs_page_loads_from_the_binary_with_no_other_host() {
    let s = TestServer::start().await;
    let root = format!("http://{}", s.addr);
    // No credentials; `/docs` sends the browser to `/docs/`, whose relative
    // links then resolve under it.
    let resp = s.client.get(format!("{root}/docs")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.url().path(), "/docs/");
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{ct}");
    let csp = resp.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(!html.contains("http://"), "{html}");
    assert!(!html.contains("https://"), "{html}");

    let refs = references(&html);
    for needed in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
    ] {
        assert!(
            refs.iter().any(|r| r.ends_with(needed)),
            "{needed}: {refs:?}"
        );
    }
    for r in &refs {
        let url = format!("{root}/docs/{}", r.trim_start_matches("./"));
        let resp = s.client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{url}");
        assert!(!resp.bytes().await.unwrap().is_empty(), "{url}");
    }

    // Our initializer, not Swagger UI's: the selector starts from the admin
    // API and asks GET /api/v2 which services the credential reaches, each
    // document is fetched with that credential, and nothing goes to
    // swagger.io's validator.
    let init = s
        .client
        .get(format!("{root}/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"/api/v2/system/_doc\""), "{init}");
    assert!(init.contains("fetch(\"/api/v2\""), "{init}");
    assert!(init.contains("req.loadSpec"), "{init}");
    assert!(init.contains("validatorUrl: \"none\""), "{init}");
    assert!(
        !init.contains("http://") && !init.contains("https://"),
        "{init}"
    );

    // A file the page does not have: the envelope, not a panic.
    let resp = s
        .client
        .get(format!("{root}/docs/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], 404);
}
