//! `GET /docs`: Swagger UI over the admin API's document and each service's,
//! served from the binary (utoipa-swagger-ui's `vendored` feature compiles the
//! files in: nothing is downloaded at build or run time, and the page asks no
//! other host for anything).
//!
//! Not utoipa-swagger-ui's own `SwaggerUi` router: that one fixes the list of
//! documents when the router is built, while which services a caller sees
//! depends on the caller. The page itself is fetched without credentials (a
//! browser sends none on navigation) and holds no data; its script
//! (`initializer.js`) asks `GET /api/v2` with the credential typed into
//! "Authorize" which services to offer, and fetches each document with it, so
//! the selector and every document are the caller's. Without a credential it
//! offers the admin API's document, which needs none and holds the login.

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use utoipa_swagger_ui::Config;

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

async fn index() -> Response {
    serve("index.html")
}

async fn file(Path(file): Path<String>) -> Response {
    serve(&file)
}

/// Swagger UI's own initializer holds a fixed configuration; ours builds the
/// selector from what the caller's credential reaches and sends that
/// credential with each document's fetch (see the file's comments).
const INITIALIZER: &str = include_str!("initializer.js");

/// utoipa-swagger-ui's `serve` wants a configuration, which only its own
/// initializer reads; ours is served instead, so this one is never shown.
static CONFIG: LazyLock<Arc<Config<'static>>> =
    LazyLock::new(|| Arc::new(Config::new(["/api/v2/system/_doc"])));

fn serve(file: &str) -> Response {
    if file == "swagger-initializer.js" {
        return with_csp(
            (
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                INITIALIZER,
            )
                .into_response(),
        );
    }
    match utoipa_swagger_ui::serve(file, CONFIG.clone()) {
        Ok(Some(found)) => {
            let mut resp = (StatusCode::OK, found.bytes.into_owned()).into_response();
            let headers = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&found.content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            if found.gzpipped {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            with_csp(resp)
        }
        Ok(None) => ApiError::not_found(format!(
            "The docs page has no file '{file}'; the page itself is at /docs."
        ))
        .into_response(),
        Err(e) => ApiError::internal(format!("the docs page's file '{file}': {e}")).into_response(),
    }
}

fn with_csp(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    resp
}
