//! Issue 10, HTTP layer: every refusal in the error envelope and in users'
//! words (no Rust type or driver names), writes only from JSON bodies (a
//! browser can send text/plain or a form cross-site without a preflight), and
//! the headers that keep pages out of frames and bodies from being sniffed.

use std::time::{Duration, Instant};

use apiforge_tests::{TestServer, check_envelope, message, short};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Words a message must not show a user: Rust's integer types and the names
/// of the drivers underneath.
const LEAKS: [&str; 9] = [
    "u32",
    "u64",
    "i64",
    "usize",
    "isize",
    "sqlx",
    "rusqlite",
    "SqliteError",
    "i32",
];

/// Sends `rb` and returns the status and the body, which must be the error
/// envelope with a message free of [`LEAKS`]; the status must be `want`.
async fn refused(
    s: &TestServer,
    what: &str,
    rb: reqwest::RequestBuilder,
    want: StatusCode,
) -> String {
    let resp = rb.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.unwrap();
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{what}: {status} is not JSON ({ct}): {}", short(&text)));
    assert_eq!(status, want, "{what}: {}", short(&text));
    assert!(
        ct.starts_with("application/json"),
        "{what}: content-type {ct}"
    );
    check_envelope(status, &body);
    let msg = message(&body);
    for leak in LEAKS {
        assert!(
            !msg.contains(leak),
            "{what}: the message names '{leak}': {msg}"
        );
    }
    let _ = s;
    msg
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_gets_the_envelope() {
    let Some(s) = crate::start().await else {
        return;
    };
    for path in [
        "/chinook/_table/%FF",
        "/chinook/_table/Album/%FF%FE",
        "/system/service/%C3%28",
    ] {
        let msg = refused(
            &s,
            path,
            s.request(Method::GET, path),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(msg.contains("UTF-8"), "{path}: {msg}");
    }
}

#[tokio::test]
async fn a_body_over_max_body_bytes_gets_the_envelope_naming_the_setting() {
    let Some(s) = crate::start().await else {
        return;
    };
    let big = format!(
        "{{\"query\":\"{{ __typename }}\",\"x\":\"{}\"}}",
        "a".repeat(9 << 20)
    );
    for (what, path) in [
        ("GraphQL", "/chinook/graphql"),
        ("REST", "/chinook/_table/Artist"),
        ("admin", "/system/service"),
    ] {
        let rb = s
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body(big.clone());
        let msg = refused(&s, what, rb, StatusCode::PAYLOAD_TOO_LARGE).await;
        assert!(msg.contains("max_body_bytes"), "{what}: {msg}");
        assert!(msg.contains("8388608"), "{what}: {msg}");
    }
}

#[tokio::test]
async fn numbers_in_the_query_string_are_explained_in_words() {
    let Some(s) = crate::start().await else {
        return;
    };
    for q in [
        "limit=abc",
        "offset=abc",
        "offset=99999999999999999999",
        "offset=-1",
        "limit=1.5",
    ] {
        let path = format!("/chinook/_table/Album?{q}");
        refused(
            &s,
            q,
            s.request(Method::GET, &path),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // limit below 1 means "no limit of yours" (DreamFactory): not an error.
    let (st, _) = s.get("/chinook/_table/Album?limit=-1").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_type_in_an_admin_body_is_explained_in_words() {
    let Some(s) = crate::start().await else {
        return;
    };
    let file = s.data_dir.join("chinook.sqlite");
    let base = json!({"name": "probe", "type": "sqlite", "config": {"database": file}});
    for (field, value, words) in [
        ("max_records", json!("x"), "whole number"),
        ("max_records", json!(-5), "whole number"),
        ("port", json!(99999), "65535"),
        ("port", json!(true), "whole number"),
        ("read_only", json!("yes"), "true or false"),
    ] {
        let mut body = base.clone();
        body["config"][field] = value.clone();
        let what = format!("{field}: {value}");
        let rb = s.request(Method::POST, "/system/service").json(&body);
        let msg = refused(&s, &what, rb, StatusCode::BAD_REQUEST).await;
        assert!(msg.contains(words), "{what}: {msg}");
        assert!(msg.contains(field), "{what}: {msg}");
    }
}

#[tokio::test]
async fn a_wrong_type_in_the_login_body_names_the_field_in_words() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rb = s
        .anonymous(Method::POST, "/system/admin/session")
        .json(&json!({"email": 5, "password": "x"}));
    let msg = refused(&s, "login", rb, StatusCode::BAD_REQUEST).await;
    assert!(msg.contains("'email'") && msg.contains("text"), "{msg}");
    // Not JSON at all: 415, like every other write.
    let rb = s
        .anonymous(Method::POST, "/system/admin/session")
        .header("content-type", "text/plain")
        .body(r#"{"email":"a","password":"b"}"#);
    refused(&s, "login as text", rb, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

/// A write's body in each content type a browser may send cross-site without
/// a preflight, and none at all.
const NOT_JSON: [Option<&str>; 4] = [
    Some("text/plain"),
    Some("application/x-www-form-urlencoded"),
    Some("multipart/form-data; boundary=x"),
    None,
];

#[tokio::test]
async fn writes_need_a_json_content_type() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Artist").await;
    let body = r#"{"resource":[{"Name":"from a form"}]}"#;
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        // The table's path: a write there reads its body (DELETE by id
        // reads none, and PUT/PATCH/DELETE need a preflight anyway).
        let path = "/chinook/_table/Artist";
        for ct in NOT_JSON {
            let mut rb = s.request(method.clone(), path).body(body);
            if let Some(ct) = ct {
                rb = rb.header("content-type", ct);
            }
            let what = format!("{method} {path} as {ct:?}");
            let msg = refused(&s, &what, rb, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
            assert!(msg.contains("application/json"), "{what}: {msg}");
        }
    }
    assert_eq!(s.count("Artist").await, before);
    let (st, _) = s.get("/chinook/_table/Artist/1").await;
    assert_eq!(
        st,
        StatusCode::OK,
        "DELETE as text/plain removed the record"
    );

    // JSON with a suffix or a charset is JSON.
    for ct in [
        "application/json; charset=utf-8",
        "application/vnd.api+json",
        "Application/JSON",
    ] {
        let rb = s
            .request(Method::POST, "/chinook/_table/Artist")
            .header("content-type", ct)
            .body(body);
        let (st, b) = s.send(rb).await;
        assert_eq!(st, StatusCode::CREATED, "{ct}: {b}");
    }
    // A DELETE without a body needs no content type.
    let (st, b) = s
        .post("/chinook/_table/Artist", json!({"Name": "gone soon"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let id = b["resource"][0]["ArtistId"]
        .as_i64()
        .unwrap_or_else(|| panic!("{b}"));
    let (st, b) = s.delete(&format!("/chinook/_table/Artist?ids={id}")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, _) = s.get(&format!("/chinook/_table/Artist/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn graphql_posts_need_a_json_content_type() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Artist").await;
    let mutation =
        r#"{"query":"mutation { insert_Artist(objects: [{Name: \"csrf\"}]) { affected_rows } }"}"#;
    for ct in NOT_JSON.into_iter().chain([Some("application/graphql")]) {
        let mut rb = s.request(Method::POST, "/chinook/graphql").body(mutation);
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        let what = format!("GraphQL as {ct:?}");
        let msg = refused(&s, &what, rb, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        assert!(msg.contains("application/json"), "{what}: {msg}");
    }
    assert_eq!(s.count("Artist").await, before);
    for ct in [
        "application/json",
        "application/json;charset=utf-8",
        "application/graphql-response+json",
    ] {
        let rb = s
            .request(Method::POST, "/chinook/graphql")
            .header("content-type", ct)
            .body(r#"{"query":"{ __typename }"}"#);
        let (st, b) = s.send(rb).await;
        assert_eq!(st, StatusCode::OK, "{ct}: {b}");
        assert!(b["data"].is_object(), "{ct}: {b}");
    }
}

#[tokio::test]
async fn pages_cannot_be_framed_and_nothing_is_sniffed() {
    let Some(s) = crate::start().await else {
        return;
    };
    let page = s
        .anonymous(Method::GET, "/chinook/graphql")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let h = page.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "frame-ancestors 'none'",
        "default-src 'none'",
        "script-src 'self' 'sha256-",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(part), "{part}: {csp}");
    }
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
    assert!(
        !csp.split(';')
            .any(|d| d.trim_start().starts_with("script-src") && d.contains("'unsafe-inline'")),
        "{csp}"
    );

    // API answers, errors, 404s and GraphiQL's files: nosniff and no framing.
    for (what, rb) in [
        (
            "a read",
            s.request(Method::GET, "/chinook/_table/Album?limit=1"),
        ),
        ("a 404", s.request(Method::GET, "/nowhere")),
        ("a 401", s.anonymous(Method::GET, "/chinook/_table/Album")),
        (
            "a script",
            s.anonymous(Method::GET, "/graphiql/graphiql.min.js"),
        ),
    ] {
        let resp = rb.send().await.unwrap();
        let h = resp.headers();
        assert_eq!(
            h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            h.get("x-frame-options").map(|v| v.to_str().unwrap()),
            Some("DENY"),
            "{what}"
        );
        let csp = h
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    }
}

/// How long the server keeps a connection that sends `GET /api/v2 HTTP/1.1`
/// and then one header line every 0.5 s, never ending its head; `None` if it
/// is still open after `cap`.
async fn slow_loris_lifetime(s: &TestServer, cap: Duration) -> Option<Duration> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(b"GET /api/v2 HTTP/1.1\r\n").await.unwrap();
    let mut n = 0;
    let mut buf = [0u8; 1024];
    while started.elapsed() < cap {
        // Closed (or reset) is the read ending: a 0-byte read, an error, or
        // the 408 hyper may write first followed by the close.
        match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => {}
        }
        n += 1;
        if stream
            .write_all(format!("X-Trickle-{n}: {n}\r\n").as_bytes())
            .await
            .is_err()
        {
            return Some(started.elapsed());
        }
    }
    None
}

#[tokio::test]
async fn a_head_trickled_in_is_cut_off_at_header_read_timeout() {
    let Some(s) = crate::start_with(|c| c.header_read_timeout = 2).await else {
        return;
    };
    let lived = slow_loris_lifetime(&s, Duration::from_secs(40)).await;
    eprintln!("slow-loris connection lived {lived:?} (header_read_timeout = 2 s)");
    let lived = lived.unwrap_or_else(|| panic!("still open after 40 s"));
    assert!(
        lived >= Duration::from_millis(1500),
        "closed after {lived:?}, before its deadline"
    );
    assert!(
        lived < Duration::from_secs(4),
        "closed only after {lived:?}"
    );

    // A head sent at once, and one sent slowly but in time, are served.
    let (st, _) = s
        .raw_http("GET /api/v2/chinook/_table/Album?limit=1 HTTP/1.1")
        .await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn a_slow_but_timely_head_and_a_long_body_are_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(s) = crate::start_with(|c| c.header_read_timeout = 2).await else {
        return;
    };
    // The deadline is for the head only: a body may take longer (the request
    // timeout bounds that), and a second request on the connection gets a
    // deadline of its own.
    let body = s.path(r#"{"Name":"slow body"}"#);
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    for (i, part) in [
        s.path("POST /api/v2/chinook/_table/Artist HTTP/1.1\r\n"),
        format!("Host: x\r\nAuthorization: Bearer {}\r\n", s.token),
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ),
        body[..5].to_owned(),
        body[5..].to_owned(),
    ]
    .iter()
    .enumerate()
    {
        stream.write_all(part.as_bytes()).await.unwrap();
        // 1.5 s after the head (parts 3 and 4): 3 s in all, past the deadline.
        if i >= 2 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        } else {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("no answer")
            .unwrap();
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if n == 0 || text.contains("\"resource\"") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(text.starts_with("HTTP/1.1 201"), "{}", short(&text));
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_at_idle_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(s) = crate::start_with(|c| {
        c.idle_timeout = 2;
        c.header_read_timeout = 30;
    })
    .await
    else {
        return;
    };
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let req = format!(
        "{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        s.path("GET /api/v2/chinook/_table/Album?limit=1"),
        s.token
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        short(&String::from_utf8_lossy(&buf[..n]))
    );
    // The answer is in; the connection now waits for a next request.
    let idle = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    let waited = idle.elapsed();
    assert!(
        closed.is_ok(),
        "an idle connection is still open after {waited:?}"
    );
    assert!(
        waited >= Duration::from_millis(1500),
        "closed after {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
}

#[tokio::test]
async fn connections_past_max_connections_wait_for_a_free_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // idle_timeout = 1: the harness's own kept-alive connection (its login)
    // goes away before the test starts.
    let Some(s) = crate::start_with(|c| {
        c.max_connections = 2;
        c.idle_timeout = 1;
    })
    .await
    else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let req = format!(
        "{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        s.path("GET /api/v2/chinook/_table/Album?limit=1"),
        s.token
    );
    // Two connections in the middle of a head (header_read_timeout is 10 s)
    // hold both places.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        c.write_all(b"GET /api/v2 HTTP/1.1\r\n").await.unwrap();
        held.push(c);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A third connects (the kernel's backlog takes it) but is not served…
    let mut third = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    third.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let early = tokio::time::timeout(Duration::from_millis(1500), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection was served while two were open: {early:?}"
    );
    // …until one of the two closes.
    drop(held.pop());
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
        .await
        .expect("the third connection was not served after one closed")
        .unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        short(&String::from_utf8_lossy(&buf[..n]))
    );
}
