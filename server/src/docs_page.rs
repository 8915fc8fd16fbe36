//! `GET /docs`: Swagger UI over the admin API's document and each service's,
//! served from the binary (utoipa-swagger-ui's `vendored` feature compiles the
//! files in: nothing is downloaded at build or run time, and the page asks no
//! other host for anything).
//!
//! Not utoipa-swagger-ui's own `SwaggerUi` router: that one fixes the list of
//! documents when the router is built, and services are added and removed
//! while the server runs. Here the selector is made per request from the
//! registry. It lists every running service, not only the caller's: the page
//! is fetched without credentials (a browser sends none on navigation), and
//! each document is shaped by the credentials that fetch it.
//!
//! The page needs no credentials: it holds no data. Its "Authorize" button
//! offers the schemes of the document shown (a key as `X-Api-Key`, a session
//! as a bearer token), and "Try it out" sends them from the browser.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use utoipa_swagger_ui::{Config, Url};

use crate::error::ApiError;
use crate::state::AppState;

/// Where the page lives.
pub const PATH: &str = "/docs";

/// What Swagger UI needs and no more: its own files (`'self'`), the inline
/// styles its React components set, its `data:` icons, and calls to this
/// server (the documents, "Try it out"). Set on the page's responses only;
/// every other response keeps the app's `default-src 'none'`.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        // The page's own links are relative (`./swagger-ui.css`): they
        // resolve under `/docs/` only.
        .route(PATH, get(|| async { Redirect::permanent("/docs/") }))
        .route("/docs/", get(index))
        .route("/docs/{*file}", get(file))
}

async fn index(state: State<AppState>) -> Response {
    serve(&state, "index.html")
}

async fn file(state: State<AppState>, Path(file): Path<String>) -> Response {
    serve(&state, &file)
}

/// The selector's entries, (name, document URL): the admin API first, then
/// the services by name.
fn documents(state: &AppState) -> Vec<(String, String)> {
    let mut names: Vec<String> = state
        .services
        .list()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    names.sort();
    let mut out = vec![(
        "admin API (system)".to_owned(),
        "/api/v2/system/_doc".to_owned(),
    )];
    out.extend(names.into_iter().map(|name| {
        let url = format!("/api/v2/{name}/_doc");
        (name, url)
    }));
    out
}

fn config(documents: &[(String, String)]) -> Config<'_> {
    Config::new(documents.iter().map(|(name, url)| Url::new(name, url)))
        // Swagger UI's default sends the document to validator.swagger.io
        // for a badge: an outbound request, and the document to a stranger.
        .validator_url("none")
        .try_it_out_enabled(true)
        // A key or token typed into "Authorize" survives a reload (it is kept
        // in this browser's localStorage, as GraphiQL keeps its headers).
        .persist_authorization(true)
        .display_request_duration(true)
        .filter(true)
}

fn serve(state: &AppState, file: &str) -> Response {
    let documents = documents(state);
    match utoipa_swagger_ui::serve(file, Arc::new(config(&documents))) {
        Ok(Some(found)) => {
            let mut resp = (StatusCode::OK, found.bytes.into_owned()).into_response();
            let headers = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&found.content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            if found.gzpipped {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
            resp
        }
        Ok(None) => ApiError::not_found(format!(
            "The docs page has no file '{file}'; the page itself is at /docs."
        ))
        .into_response(),
        Err(e) => ApiError::internal(format!("the docs page's file '{file}': {e}")).into_response(),
    }
}
