//! GraphiQL, the in-browser GraphQL IDE, for every service:
//! `GET /api/v2/{service}/graphql`, with its scripts and style under
//! `/graphiql/{file}`.
//!
//! The files are compiled into the binary (`server/assets/graphiql`, whose
//! README says where each comes from) rather than taken from a CDN: the page
//! then works on a server with no internet access, and no third party sees
//! who opens it or decides what code runs next to the caller's token.

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;

/// The files under `/graphiql/`; the page itself is answered by the GraphQL
/// endpoint's GET when a browser asks for HTML (`super::get`).
pub fn router() -> Router<AppState> {
    Router::new().route("/graphiql/{file}", get(asset))
}

/// One embedded file, served as `/graphiql/{name}`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Everything the page loads; nothing else is served under `/graphiql/`.
const ASSETS: [Asset; 4] = [
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
];

/// The page is the same for every service: it finds its endpoint in
/// `window.location.pathname`, so nothing from the request is ever written
/// into it. The defaults tell the user to set `Authorization`, and a session
/// token stored by an apiforge front end on this origin is sent when the
/// Headers tab sets none. Each service keeps its own tabs and history (the
/// `storage` wrapper), since one service's queries mean nothing to another's
/// schema.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · apiforge</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script>
(function () {
  'use strict';
  var endpoint = window.location.pathname;
  var token = null;
  try {
    token = window.localStorage.getItem('apiforge_session_token');
  } catch (e) {
    // Storage disabled: the Headers tab is the only way in.
  }
  try {
    var parts = endpoint.split('/');
    document.title = decodeURIComponent(parts[parts.length - 2]) + ' · GraphiQL · apiforge';
  } catch (e) {
    // A malformed name: keep the generic title.
  }

  // POSTs to the page's own path. Headers from the Headers tab win over the
  // stored token (Headers.set ignores case, so 'authorization' replaces it).
  function fetcher(params, opts) {
    return Promise.resolve().then(function () {
      var headers = new Headers();
      headers.set('Accept', 'application/json');
      if (token) {
        headers.set('Authorization', 'Bearer ' + token);
      }
      var extra = (opts && opts.headers) || {};
      Object.keys(extra).forEach(function (name) {
        headers.set(name, String(extra[name]));
      });
      headers.set('Content-Type', 'application/json');
      return fetch(endpoint, {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(params),
        credentials: 'same-origin'
      });
    }).then(function (res) {
      return res.text();
    }).then(function (text) {
      try {
        return JSON.parse(text);
      } catch (e) {
        return text;
      }
    });
  }

  // GraphiQL's localStorage keys, kept apart per service.
  var prefix = 'apiforge:' + endpoint + ':';
  function ownKeys() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key !== null && key.indexOf(prefix) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }
  var storage = null;
  try {
    window.localStorage.getItem(prefix);
    storage = {
      getItem: function (key) { return window.localStorage.getItem(prefix + key); },
      setItem: function (key, value) { window.localStorage.setItem(prefix + key, value); },
      removeItem: function (key) { window.localStorage.removeItem(prefix + key); },
      clear: function () { ownKeys().forEach(function (key) { window.localStorage.removeItem(key); }); },
      get length() { return ownKeys().length; }
    };
  } catch (e) {
    storage = null;
  }

  var defaultQuery = [
    '# Every request needs Authorization: Bearer <token>; in the Headers tab: {"Authorization": "Bearer <token>"}',
    token
      ? '# This browser holds a session token: it is sent unless the Headers tab sets Authorization.'
      : '# To get a token: POST /api/v2/system/admin/session with {"email": "...", "password": "..."}',
    '',
    '{',
    '  __typename',
    '}',
    ''
  ].join('\n');

  var props = {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    storage: storage
  };
  if (!token) {
    // No placeholder token in the editor: the server's 401 for no
    // credentials says what to send, a fake token would only be "invalid".
    props.defaultEditorToolsVisibility = 'headers';
  }
  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    document.getElementById('graphiql').textContent =
      'GraphiQL could not load its files from /graphiql/ on this server.';
    return;
  }
  ReactDOM.createRoot(document.getElementById('graphiql'))
    .render(React.createElement(GraphiQL, props));
})();
</script>
</body>
</html>
"##;

/// Served to anyone, without credentials and whatever the service name. A
/// browser cannot put a bearer token on a navigation, so requiring one would
/// make the page unreachable; and requiring nothing costs nothing, because the
/// page is the same static text everywhere and holds no data: the schema and
/// every result come from `POST` on the same path, which checks the caller
/// like any other API call. Answering 404 for an unknown service would instead
/// tell anonymous callers which services exist.
pub fn page() -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CONTENT_SECURITY_POLICY, page_policy()),
        ],
        Html(PAGE),
    )
        .into_response()
}

/// What the page may load: its own files, and of inline code only the one
/// script in [`PAGE`] (by its hash, so an injected script would not run).
/// Styles need `'unsafe-inline'`: GraphiQL's libraries (emotion,
/// react-remove-scroll) add `<style>` elements at run time, which no hash can
/// name; a style cannot run code. Fonts and icons are `data:` URLs in
/// GraphiQL's CSS; `connect-src 'self'` is the page's POST to its endpoint.
/// Nothing may frame it: it acts with the token stored in this origin.
fn page_policy() -> &'static str {
    static POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let scripts: Vec<String> = inline_scripts(PAGE)
            .map(|code| format!("'sha256-{}'", sha256_base64(code)))
            .collect();
        format!(
            "default-src 'none'; script-src 'self' {}; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            scripts.join(" ")
        )
    });
    &POLICY
}

/// The code of each `<script>` without attributes in `html`: what a browser
/// hashes to match a CSP `'sha256-…'` source.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</script>").map(|(code, _)| code))
}

fn sha256_base64(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
}

async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    let Some(a) = ASSETS.iter().find(|a| a.name == file) else {
        return Err(ApiError::not_found(
            "There is no such GraphiQL file; the page at GET /api/v2/{service}/graphql loads the ones it needs.",
        ));
    };
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        a.body,
    )
        .into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    /// Every `attr="..."` value in `html`.
    fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
        let needle = format!(" {attr}=\"");
        html.match_indices(&needle)
            .map(|(at, _)| {
                let rest = &html[at + needle.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect()
    }

    #[test]
    fn the_policy_allows_the_pages_own_script_and_nothing_inline_else() {
        let policy = page_policy();
        let scripts: Vec<&str> = inline_scripts(PAGE).collect();
        assert_eq!(scripts.len(), 1);
        assert!(scripts[0].contains("ReactDOM.createRoot"));
        // The digest of the exact bytes between the tags, as a browser takes them.
        let start = PAGE.find("<script>\n(function").unwrap() + "<script>".len();
        let end = start + PAGE[start..].find("</script>").unwrap();
        let hash = format!("'sha256-{}'", sha256_base64(&PAGE[start..end]));
        let script_src = policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap();
        assert_eq!(script_src, format!("script-src 'self' {hash}"));
        for directive in [
            "frame-ancestors 'none'",
            "default-src 'none'",
            "connect-src 'self'",
        ] {
            assert!(policy.contains(directive), "{directive}: {policy}");
        }
        // Inline handlers and javascript: URLs would need 'unsafe-inline'.
        let lower = PAGE.to_ascii_lowercase();
        assert!(!lower.contains("javascript:"));
        for attr in [" onload=", " onclick=", " onerror="] {
            assert!(!lower.contains(attr), "{attr}");
        }
        let resp = page();
        assert_eq!(resp.headers()[header::CONTENT_SECURITY_POLICY], policy);
        assert_eq!(resp.headers()[header::X_FRAME_OPTIONS], "DENY");
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        assert!(!PAGE.contains("http://"));
        assert!(!PAGE.contains("https://"));
        assert!(!PAGE.contains("//cdn"));
    }

    #[tokio::test]
    async fn every_file_the_page_references_is_served() {
        let refs: Vec<&str> = ["src", "href"]
            .iter()
            .flat_map(|attr| attribute_values(PAGE, attr))
            .collect();
        assert_eq!(refs.len(), ASSETS.len(), "{refs:?}");
        for r in refs {
            let name = r.strip_prefix("/graphiql/").unwrap();
            let resp = asset(Path(name.to_string())).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{r}");
            let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
            let expected = if r.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            };
            assert!(ct.starts_with(expected), "{r}: {ct}");
            assert_eq!(
                resp.headers()[header::CACHE_CONTROL],
                "public, max-age=86400"
            );
            let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
                .await
                .unwrap();
            assert!(!body.is_empty(), "{r}");
        }
    }

    #[tokio::test]
    async fn an_unknown_file_is_a_404() {
        for name in [
            "nope.js",
            "README.md",
            "graphiql.LICENSE",
            "../graphiql.rs",
            "",
        ] {
            let err = asset(Path(name.to_string())).await.unwrap_err();
            assert_eq!(
                err.into_response().status(),
                StatusCode::NOT_FOUND,
                "{name}"
            );
        }
    }

    #[test]
    fn the_page_wires_graphiql_as_documented() {
        for needle in [
            "window.location.pathname",
            "'Content-Type', 'application/json'",
            "method: 'POST'",
            "isHeadersEditorEnabled: true",
            "localStorage.getItem('apiforge_session_token')",
            "Authorization: Bearer <token>",
        ] {
            assert!(PAGE.contains(needle), "{needle}");
        }
    }
}
