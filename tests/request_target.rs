//! Raw `"`, `<` and `>` in a URL, as curl sends DreamFactory's documented
//! examples (`?filter=Milliseconds>300000`): over a real TCP socket, they answer
//! exactly as their percent-encoded form does, also on a keep-alive connection
//! after a request with a body (server/src/listener.rs).
#![allow(clippy::unwrap_used)]

use apiforge_tests::{TestServer, short};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TRACK: &str = "/api/v2/chinook/_table/Track";

/// `resource` of a 200 answer.
fn records(status: StatusCode, body: &str) -> Vec<Value> {
    assert_eq!(status, StatusCode::OK, "{}", short(body));
    let v: Value = serde_json::from_str(body).unwrap();
    v["resource"].as_array().unwrap().clone()
}

/// The same read through reqwest, which percent-encodes the values.
async fn encoded(s: &TestServer, pairs: &[(&str, &str)]) -> Vec<Value> {
    s.list("Track", pairs).await
}

#[tokio::test]
async fn a_raw_greater_than_answers_like_its_encoded_form() {
    let s = TestServer::start().await;
    let (status, body) = s
        .raw_http(&format!(
            "GET {TRACK}?filter=Milliseconds>300000&fields=TrackId&limit=1000 HTTP/1.1"
        ))
        .await;
    let raw = records(status, &body);
    let want = encoded(
        &s,
        &[
            ("filter", "Milliseconds>300000"),
            ("fields", "TrackId"),
            ("limit", "1000"),
        ],
    )
    .await;
    assert_eq!(raw, want);
    let n = s
        .sql_count("SELECT COUNT(*) FROM Track WHERE Milliseconds > 300000")
        .await;
    assert_eq!(raw.len() as i64, n.min(1000));
    assert!(n > 0);
}

#[tokio::test]
async fn raw_double_quotes_and_less_than_work() {
    let s = TestServer::start().await;
    for (raw_filter, filter, sql) in [
        (
            "\"Milliseconds\">300000",
            "\"Milliseconds\">300000",
            "Milliseconds > 300000",
        ),
        (
            "Milliseconds<100000",
            "Milliseconds<100000",
            "Milliseconds < 100000",
        ),
        (
            "(\"GenreId\"=1)and(Milliseconds<200000)",
            "(\"GenreId\"=1)and(Milliseconds<200000)",
            "GenreId = 1 AND Milliseconds < 200000",
        ),
    ] {
        let (status, body) = s
            .raw_http(&format!(
                "GET {TRACK}?filter={raw_filter}&fields=TrackId&limit=1000 HTTP/1.1"
            ))
            .await;
        let raw = records(status, &body);
        let want = encoded(
            &s,
            &[("filter", filter), ("fields", "TrackId"), ("limit", "1000")],
        )
        .await;
        assert_eq!(raw, want, "{raw_filter}");
        let n = s
            .sql_count(&format!("SELECT COUNT(*) FROM Track WHERE {sql}"))
            .await;
        assert_eq!(raw.len() as i64, n.min(1000), "{raw_filter}");
        assert!(n > 0, "{raw_filter}");
    }
}

/// Reads one response from `stream` (bytes past it stay in `buf`): status and body.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> (StatusCode, String) {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "the connection closed before a response: {}",
            String::from_utf8_lossy(buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let code: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.strip_prefix(&format!("{name}:"))
                .map(|v| v.trim().to_owned())
        })
    };
    assert_ne!(
        header("connection").as_deref(),
        Some("close"),
        "the server closes the connection: {head}"
    );
    buf.drain(..head_end);
    let mut body = Vec::new();
    if let Some(len) = header("content-length") {
        let len: usize = len.parse().unwrap();
        while buf.len() < len {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection closed inside a body");
            buf.extend_from_slice(&chunk[..n]);
        }
        body.extend(buf.drain(..len));
    } else {
        assert_eq!(
            header("transfer-encoding").as_deref(),
            Some("chunked"),
            "{head}"
        );
        loop {
            let line_end = loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the connection closed inside a chunk");
                buf.extend_from_slice(&chunk[..n]);
            };
            let size_text = String::from_utf8_lossy(&buf[..line_end]).to_string();
            let size =
                usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
            while buf.len() < line_end + 2 + size + 2 {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the connection closed inside a chunk");
                buf.extend_from_slice(&chunk[..n]);
            }
            body.extend_from_slice(&buf[line_end + 2..line_end + 2 + size]);
            buf.drain(..line_end + 2 + size + 2);
            if size == 0 {
                break;
            }
        }
    }
    (
        StatusCode::from_u16(code).unwrap(),
        String::from_utf8(body).unwrap(),
    )
}

#[tokio::test]
async fn raw_requests_on_one_keep_alive_connection() {
    let s = TestServer::start().await;
    let want_long = encoded(
        &s,
        &[
            ("filter", "Milliseconds>300000"),
            ("fields", "TrackId"),
            ("limit", "1000"),
        ],
    )
    .await;
    let want_short = encoded(
        &s,
        &[
            ("filter", "\"Milliseconds\"<100000"),
            ("fields", "TrackId"),
            ("limit", "1000"),
        ],
    )
    .await;
    assert!(!want_long.is_empty() && !want_short.is_empty());
    let get = |target: &str| {
        format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
            s.addr, s.token
        )
    };
    let long = get(&format!(
        "{TRACK}?filter=Milliseconds>300000&fields=TrackId&limit=1000"
    ));
    let short_ = get(&format!(
        "{TRACK}?filter=\"Milliseconds\"<100000&fields=TrackId&limit=1000"
    ));

    // One after the other, on the same connection.
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let mut buf = Vec::new();
    stream.write_all(long.as_bytes()).await.unwrap();
    let (st, body) = read_response(&mut stream, &mut buf).await;
    assert_eq!(records(st, &body), want_long);
    stream.write_all(short_.as_bytes()).await.unwrap();
    let (st, body) = read_response(&mut stream, &mut buf).await;
    assert_eq!(records(st, &body), want_short);

    // Pipelined, after a request whose body holds `<`, `>` and `"` (and text
    // that looks like a request line): the body reaches the handler as sent,
    // and the request after it is still rewritten.
    let tunnel_body = r#"{"filter":"Name = '<b> \"x\" GET /a?b>c HTTP/1.1'","fields":"TrackId"}"#;
    let tunnel = format!(
        "POST {TRACK}?limit=5&order=TrackId>x HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         X-HTTP-Method: GET\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{tunnel_body}",
        s.addr,
        s.token,
        tunnel_body.len()
    );
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let mut buf = Vec::new();
    stream
        .write_all(format!("{tunnel}{long}{short_}").as_bytes())
        .await
        .unwrap();
    // `order=TrackId>x` is not an order: the answer is the planner's 400
    // sentence, not hyper's empty one, so the raw `>` reached our code.
    let (st, body) = read_response(&mut stream, &mut buf).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"error\""), "{body}");
    let (st, body) = read_response(&mut stream, &mut buf).await;
    assert_eq!(records(st, &body), want_long);
    let (st, body) = read_response(&mut stream, &mut buf).await;
    assert_eq!(records(st, &body), want_short);
}

#[tokio::test]
async fn a_tunnelled_body_with_raw_brackets_is_read_as_sent() {
    let s = TestServer::start().await;
    // The body's filter compares with a literal holding `<`, `>` and `"`: were
    // a byte of it changed, the value would differ and no row would match.
    s.sql_exec("UPDATE Track SET Name = 'a<b>\"c\"' WHERE TrackId = 7")
        .await;
    let body = r#"{"filter":"Name = 'a<b>\"c\"'","fields":"TrackId"}"#;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let req = format!(
        "POST {TRACK}?fields=TrackId&filter=TrackId>0 HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         X-HTTP-Method: GET\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        s.addr,
        s.token,
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let (st, text) = read_response(&mut stream, &mut buf).await;
    let got = records(st, &text);
    assert_eq!(got, vec![serde_json::json!({"TrackId": 7})], "{text}");
}

#[tokio::test]
async fn http2_prior_knowledge_still_passes_through() {
    let s = TestServer::start().await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let resp = client
        .get(format!("{}/chinook/_table/Track/1?fields=TrackId", s.base))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    assert_eq!(resp.status(), StatusCode::OK);
}
