//! Hostile input: SQL in literals and identifiers, comments, deep nesting, huge
//! filters, malformed and oversized bodies, absurd numbers. Each is refused (4xx)
//! or harmless (200 with the right rows), never a 5xx (the harness checks), and
//! afterwards the database is exactly as before.

use apiforge_tests::{TestServer, enc, short, table_path};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// GET with `filter`; returns the status and the number of rows (if 200).
async fn try_filter(s: &TestServer, table: &str, filter: &str) -> (StatusCode, Option<usize>) {
    let (st, body) = s.get(&table_path(table, &[("filter", filter)])).await;
    let n = body["resource"].as_array().map(Vec::len);
    (st, n)
}

#[tokio::test]
async fn sql_in_string_literals_is_just_text() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let literals = [
        "Title = 'x''; DROP TABLE Album; --'",
        "Title = 'x'' OR ''1''=''1'",
        "Title = '''; DELETE FROM Album WHERE ''1''=''1'",
        "Title like '%'' UNION SELECT name, sql, 1 FROM sqlite_master --'",
        "Title = '\\'; DROP TABLE Album; --'",
        "Title contains '\"; DROP TABLE \"Album'",
        "Title in ('a'');DROP TABLE Album;--', 'b')",
        "Title = 'Robert''); DROP TABLE Students;--'",
        "Title = 'a' or Title = 'b''--'",
    ];
    for f in literals {
        let (st, n) = try_filter(&s, "Album", f).await;
        assert!(
            (st == StatusCode::OK && n == Some(0)) || st == StatusCode::BAD_REQUEST,
            "{f}: {st} {n:?}"
        );
    }
    // A literal that does match is matched exactly, quote and all.
    let (st, body) = s
        .post(
            "/chinook/_table/Album",
            json!({"Title": "x'; DROP TABLE Album; --", "ArtistId": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let id = body["resource"][0]["AlbumId"].clone();
    let (st, n) = try_filter(&s, "Album", "Title = 'x''; DROP TABLE Album; --'").await;
    assert_eq!((st, n), (StatusCode::OK, Some(1)));
    let (st, _) = s.delete(&format!("/chinook/_table/Album/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.count("Album").await, 347);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn statements_comments_and_subqueries_in_filters_are_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let filters = [
        "AlbumId = 1; DROP TABLE Album",
        "AlbumId = 1;",
        ";",
        "AlbumId = 1 -- comment",
        "AlbumId = 1 --",
        "-- AlbumId = 1",
        "AlbumId = 1 /* comment */",
        "/* x */ AlbumId = 1",
        "AlbumId /**/ = 1",
        "AlbumId = 1 #",
        "AlbumId = 1 or 1 = 1",
        "1 = 1",
        "AlbumId = AlbumId",
        "AlbumId = ArtistId",
        "AlbumId in (select AlbumId from Album)",
        "AlbumId = (select max(AlbumId) from Album)",
        "exists (select 1)",
        "AlbumId = 1 union select * from Artist",
        "AlbumId = 1 + 1",
        "AlbumId = 1 || 1",
        "sqlite_master.name = 'Album'",
        "Album.AlbumId = 1",
        "[AlbumId] = 1",
        "`AlbumId` = 1",
        "AlbumId = load_extension('x')",
        "lower(Title) = 'x'",
        "AlbumId = 0x10",
        "AlbumId = ?",
        "AlbumId = :id",
        "AlbumId = $1",
        "Title = \"x\"",
        "Title = 'x' collate nocase",
        "Title = 'x' escape '\\'",
        "AlbumId == 1",
        "AlbumId = 1 and",
        "or AlbumId = 1",
        "AlbumId is 1",
        "AlbumId between 1",
        "AlbumId in 1",
        "AlbumId = 'x",
        "(",
        ")",
        "AlbumId = 1)",
        "Title = 'x'\u{0}",
        "Title = 'x' \u{0} or 1=1",
    ];
    for f in filters {
        let (st, body) = s.get(&table_path("Album", &[("filter", f)])).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{f:?}: {body}");
    }
    // The same through REL.filter, the tunnel and writes.
    let (st, _) = s
        .get(&table_path(
            "Artist",
            &[
                ("related", "Album_by_ArtistId"),
                ("Album_by_ArtistId.filter", "AlbumId = 1; DROP TABLE Album"),
            ],
        ))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": "AlbumId = 1 -- x"}));
    let (st, _) = s.send(rb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = s
        .patch(
            &table_path("Album", &[("filter", "AlbumId = 1 or 1 = 1")]),
            json!({"Title": "pwned"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = s
        .delete(&table_path("InvoiceLine", &[("filter", "1 = 1")]))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = s
        .delete(&table_path(
            "InvoiceLine",
            &[("filter", "InvoiceLineId > 0 /*")],
        ))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn sql_in_identifiers_and_paths_is_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let params: Vec<Vec<(&str, &str)>> = vec![
        vec![("fields", "AlbumId; DROP TABLE Album")],
        vec![("fields", "AlbumId,\"Title\""), ("limit", "1")],
        vec![("fields", "* FROM Album; --")],
        vec![("fields", "COUNT(*) FROM Album; --")],
        vec![("fields", "COUNT(1)")],
        vec![("fields", "COUNT(AlbumId) OVER ()")],
        vec![("order", "Title; DROP TABLE Album")],
        vec![("order", "Title desc; --")],
        vec![("order", "(SELECT 1)")],
        vec![("order", "1")],
        vec![("order", "Title collate nocase")],
        vec![
            ("group", "ArtistId; DROP TABLE Album"),
            ("fields", "COUNT(*)"),
        ],
        vec![("related", "Artist_by_ArtistId; DROP TABLE Album")],
        vec![
            ("related", "Artist_by_ArtistId"),
            ("Artist_by_ArtistId.fields", "Name; --"),
        ],
        vec![
            ("related", "Artist_by_ArtistId"),
            ("Artist_by_ArtistId.order", "Name; --"),
        ],
        vec![("id_field", "AlbumId; DROP TABLE Album"), ("ids", "1")],
        vec![("ids", "1); DROP TABLE Album; --")],
        vec![("ids", "1 OR 1=1")],
        vec![("limit", "1; DROP TABLE Album")],
        vec![("offset", "1 --")],
    ];
    for p in &params {
        let (st, body) = s.get(&table_path("Album", p)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{p:?}: {body}");
    }
    // Tables and services named with SQL are just unknown names.
    for path in [
        format!("/chinook/_table/{}", enc("Album; DROP TABLE Album")),
        format!("/chinook/_table/{}", enc("Album\" WHERE 1=1 --")),
        format!("/chinook/_table/{}", enc("sqlite_master")),
        format!("/chinook/_schema/{}", enc("sqlite_master")),
        format!("/chinook/_table/{}/1", enc("Album--")),
        format!("/{}/_table/Album", enc("chinook; --")),
        "/chinook/_table/..%2F..%2Fetc%2Fpasswd".to_string(),
        "/..%2Fsystem/_table/service".to_string(),
    ] {
        let (st, body) = s.get(&path).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    // Record ids with SQL: not an integer → 400, or simply not found.
    for id in [
        "1 OR 1=1",
        "1; DROP TABLE Album",
        "1)--",
        "-1",
        "99999999999999999999999",
        "1e3",
        "0x1",
    ] {
        let (st, body) = s.get(&format!("/chinook/_table/Album/{}", enc(id))).await;
        assert!(
            st == StatusCode::BAD_REQUEST || st == StatusCode::NOT_FOUND,
            "{id}: {st} {body}"
        );
        let (st, _) = s
            .delete(&format!("/chinook/_table/InvoiceLine/{}", enc(id)))
            .await;
        assert!(
            st == StatusCode::BAD_REQUEST || st == StatusCode::NOT_FOUND,
            "DELETE {id}: {st}"
        );
    }
    // Field names with SQL in a body.
    for body in [
        json!({"Title\" = 'x'; --": "a", "ArtistId": 1}),
        json!({"Title": "a", "ArtistId": 1, "AlbumId) VALUES (1,'x',1); --": 1}),
        json!({"": "a"}),
    ] {
        let (st, b) = s.post("/chinook/_table/Album", body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {b}");
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn deep_nesting_and_huge_filters_are_refused_cheaply() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let opens = "(".repeat(10_000);
    let balanced = format!("{}AlbumId = 1{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}AlbumId = 1", "not ".repeat(10_000));
    let closes = ")".repeat(10_000);
    for f in [&opens, &balanced, &nots, &closes] {
        let (st, body) = s.get(&table_path("Album", &[("filter", f)])).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{}…: {body}", &f[..20]);
    }
    // Up to a sane depth it works.
    let ok = format!("{}AlbumId = 1{}", "(".repeat(20), ")".repeat(20));
    let (st, n) = try_filter(&s, "Album", &ok).await;
    assert_eq!((st, n), (StatusCode::OK, Some(1)));

    // A 100 kB filter, in the URL and in a tunnelled body.
    let long = format!("Title = '{}'", "x".repeat(100_000));
    let (st, body) = s
        .raw_http(&format!(
            "GET /api/v2{} HTTP/1.1",
            table_path("Album", &[("filter", &long)])
        ))
        .await;
    assert!(
        st.is_client_error(),
        "100 kB filter in the URL: {st} {}",
        short(&body)
    );
    // Just under the URL limit of the HTTP stack, a long literal is fine.
    let (st, n) = try_filter(&s, "Album", &format!("Title = '{}'", "x".repeat(20_000))).await;
    assert_eq!((st, n), (StatusCode::OK, Some(0)));
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": long}));
    let (st, _) = s.send(rb).await;
    assert!(st.is_client_error(), "100 kB filter in a body: {st}");
    // Very many terms, and a huge in-list.
    let terms: Vec<String> = (0..5000).map(|i| format!("AlbumId = {i}")).collect();
    let many = terms.join(" or ");
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": many}));
    let (st, _) = s.send(rb).await;
    assert!(st.is_client_error(), "5000 terms: {st}");
    let list: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": format!("AlbumId in ({})", list.join(","))}));
    let (st, _) = s.send(rb).await;
    assert!(st.is_client_error(), "20000 values: {st}");
    // Many ids.
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"ids": list.join(","), "count_only": true}));
    let (st, body) = s.send(rb).await;
    assert!(st == StatusCode::OK || st.is_client_error(), "{st}");
    if st == StatusCode::OK {
        assert_eq!(body, json!(347));
    }
    // Deeply nested related=.
    let mut pairs = vec![("related".to_string(), "Track_by_AlbumId".to_string())];
    let mut prefix = "Track_by_AlbumId".to_string();
    for _ in 0..10 {
        pairs.push((format!("{prefix}.related"), "Album_by_AlbumId".to_string()));
        prefix = format!("{prefix}.Album_by_AlbumId");
        pairs.push((format!("{prefix}.related"), "Track_by_AlbumId".to_string()));
        prefix = format!("{prefix}.Track_by_AlbumId");
    }
    let p: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (st, body) = s.get(&table_path("Album", &p)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn malformed_bodies_are_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let bodies: Vec<Vec<u8>> = vec![
        b"{\"Name\":".to_vec(),
        b"{'Name':'x'}".to_vec(),
        b"{Name: \"x\"}".to_vec(),
        b"[".to_vec(),
        b"nul".to_vec(),
        b"{\"Name\":\"x\"} garbage".to_vec(),
        b"{\"Name\":\"x\",}".to_vec(),
        b"{\"Name\":\"x\"}{\"Name\":\"y\"}".to_vec(),
        b"\"just a string\"".to_vec(),
        b"42".to_vec(),
        b"true".to_vec(),
        b"null".to_vec(),
        b"[1, 2]".to_vec(),
        b"[[{\"Name\":\"x\"}]]".to_vec(),
        b"{\"resource\": \"x\"}".to_vec(),
        b"{\"resource\": [1]}".to_vec(),
        b"{\"resource\": [null]}".to_vec(),
        b"{\"resource\": []}".to_vec(),
        b"{\"Name\": \"\xff\xfe\"}".to_vec(),
        b"\xef\xbb\xbf{\"Name\":\"bom\"}".to_vec(),
        b"{\"Name\": \"x\", \"Name\": {\"nested\": true}}".to_vec(),
        b"{\"Name\": 1e400}".to_vec(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes(),
    ];
    for (m, path) in [
        (Method::POST, "/chinook/_table/Artist"),
        (Method::PATCH, "/chinook/_table/Artist/1"),
        (Method::PUT, "/chinook/_table/Artist/1"),
        (Method::PATCH, "/chinook/_table/Artist"),
        (Method::PUT, "/chinook/_table/Artist?ids=1"),
        (Method::DELETE, "/chinook/_table/Artist"),
    ] {
        for b in &bodies {
            let (st, resp) = s.raw(m.clone(), path, b.clone()).await;
            assert_eq!(
                st,
                StatusCode::BAD_REQUEST,
                "{m} {path} with {:?}: {resp}",
                String::from_utf8_lossy(&b[..b.len().min(60)])
            );
        }
    }
    // The admin API and login too.
    for b in &bodies[..8] {
        let (st, _) = s.raw(Method::POST, "/system/service", b.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        let (st, _) = s
            .raw(Method::POST, "/system/admin/session", b.clone())
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
    }
    // A JSON body without the JSON content type.
    let (st, _) = s
        .send(
            s.request(Method::POST, "/chinook/_table/Artist")
                .header("content-type", "text/plain")
                .body("{\"Name\": \"x\"}"),
        )
        .await;
    assert!(
        st == StatusCode::BAD_REQUEST
            || st == StatusCode::UNSUPPORTED_MEDIA_TYPE
            || st == StatusCode::CREATED,
        "{st}"
    );
    if st == StatusCode::CREATED {
        s.sql_exec("DELETE FROM Artist WHERE ArtistId > 275").await;
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn wrong_types_and_absurd_numbers_are_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let bad_tracks = [
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": 99999999999999999999999_f64, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": 1.5, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": -1e300, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": "one", "Milliseconds": 1, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": [1], "Milliseconds": 1, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": {"$gt": 0}, "Milliseconds": 1, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": "cheap"}),
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": {"a": 1}}),
        json!({"Name": {"$ne": null}, "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": 1}),
        json!({"Name": ["a", "b"], "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": 1}),
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": 1, "Track_by_AlbumId": []}),
        json!({"Name": "x", "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": 1, "Album_by_AlbumId": {"Title": "x"}}),
    ];
    for t in &bad_tracks {
        let (st, body) = s.post("/chinook/_table/Track", t.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{t}: {body}");
        let mut patch = t.clone();
        patch.as_object_mut().unwrap().remove("Name");
        if patch
            .as_object()
            .unwrap()
            .values()
            .any(|v| !v.is_number() || v.as_i64().is_none())
        {
            let (st, body) = s.patch("/chinook/_table/Track/1", patch.clone()).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{patch}: {body}");
        }
    }
    // Absurd numbers as raw JSON (beyond i64 and f64).
    for raw in [
        "{\"Name\":\"x\",\"MediaTypeId\":1,\"Milliseconds\":123456789012345678901234567890,\"UnitPrice\":1}",
        "{\"Name\":\"x\",\"MediaTypeId\":1,\"Milliseconds\":9223372036854775808,\"UnitPrice\":1}",
        "{\"Name\":\"x\",\"MediaTypeId\":1,\"Milliseconds\":-9223372036854775809,\"UnitPrice\":1}",
        "{\"Name\":\"x\",\"MediaTypeId\":1,\"Milliseconds\":1,\"UnitPrice\":1e999}",
        "{\"Name\":\"x\",\"MediaTypeId\":1,\"Milliseconds\":NaN,\"UnitPrice\":1}",
        "{\"Name\":\"x\",\"MediaTypeId\":1,\"Milliseconds\":Infinity,\"UnitPrice\":1}",
    ] {
        let (st, body) = s.raw(Method::POST, "/chinook/_table/Track", raw).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{raw}: {body}");
    }
    // In filters and parameters.
    for f in [
        "AlbumId = 99999999999999999999999999",
        "AlbumId > 1e400",
        "Milliseconds < -99999999999999999999999999",
        "AlbumId = NaN",
        "AlbumId = Infinity",
        "AlbumId = --1",
        "AlbumId = 1e",
    ] {
        let (st, n) = try_filter(&s, "Album", f).await;
        assert!(
            st == StatusCode::BAD_REQUEST || (st == StatusCode::OK && n == Some(0)),
            "{f}: {st} {n:?}"
        );
    }
    // A limit below 1 or past max_records reads max_records (DreamFactory's
    // reading; docs/decisions.md), however many digits it has.
    for limit in [
        "99999999999999999999999",
        "-1",
        "-99999999999999999999999",
        "0",
    ] {
        let rows = s
            .list("Album", &[("limit", limit), ("fields", "AlbumId")])
            .await;
        assert_eq!(rows.len(), 347, "limit={limit}");
    }
    for p in [
        ("limit", "1.5"),
        ("limit", "--1"),
        ("offset", "-5"),
        ("offset", "99999999999999999999999"),
        ("ids", "99999999999999999999999"),
    ] {
        let (st, body) = s.get(&table_path("Album", &[p])).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{p:?}: {body}");
    }
    // A huge but valid offset is just past the end.
    let rows = s.list("Album", &[("offset", "18446744073709551615")]).await;
    assert!(rows.is_empty());
    let rows = s.list("Album", &[("offset", "9223372036854775807")]).await;
    assert!(rows.is_empty());
    let rows = s
        .list(
            "Album",
            &[("limit", "18446744073709551615"), ("fields", "AlbumId")],
        )
        .await;
    assert_eq!(rows.len(), 347);
    let rows = s
        .list(
            "Artist",
            &[
                ("ids", "1"),
                ("related", "Album_by_ArtistId"),
                ("Album_by_ArtistId.limit", "18446744073709551615"),
            ],
        )
        .await;
    assert_eq!(rows[0]["Album_by_ArtistId"].as_array().unwrap().len(), 2);
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"offset": 18446744073709551615_u64, "limit": 18446744073709551615_u64}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["resource"], json!([]));
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn odd_but_valid_input_works() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    // Unicode, emoji and control characters in literals.
    for f in [
        "Title = '🎸🔥'",
        "Title contains 'ñ'",
        "Title = 'a\tb\nc'",
        "Title = ''",
        "Title = ' '",
    ] {
        let (st, _) = try_filter(&s, "Album", f).await;
        assert_eq!(st, StatusCode::OK, "{f}");
    }
    // Repeated parameters: the last wins, no crash.
    let (st, body) = s
        .get("/chinook/_table/Album?limit=1&limit=2&fields=AlbumId&fields=Title")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    // Unknown parameters are ignored.
    let (st, _) = s
        .get("/chinook/_table/Album?limit=1&nonsense=%27%3B%20DROP%20TABLE%20Album")
        .await;
    assert_eq!(st, StatusCode::OK);
    // Broken percent-encoding in the query string.
    let (st, _) = s.get("/chinook/_table/Album?filter=%ZZ&limit=1").await;
    assert!(
        st == StatusCode::OK || st == StatusCode::BAD_REQUEST,
        "{st}"
    );
    // Odd headers.
    let (st, _) = s
        .send(
            s.request(Method::POST, "/chinook/_table/Album")
                .header("X-HTTP-Method", "DROP TABLE Album")
                .json(&json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    let (st, _) = s
        .send(
            s.request(Method::GET, "/chinook/_table/Album?limit=1")
                .header("X-Request-Id", "x".repeat(1000)),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Tunnelled GET with non-string values and a non-object body.
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"limit": {"a": 1}}));
    let (st, _) = s.send(rb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!(["filter", "AlbumId = 1"]));
    let (st, _) = s.send(rb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": null, "limit": 2}));
    let (st, body) = s.send(rb).await;
    assert!(
        st == StatusCode::OK || st == StatusCode::BAD_REQUEST,
        "{st} {body}"
    );
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn many_concurrent_hostile_requests() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let filters: Vec<String> = (0..200)
        .map(|i| match i % 5 {
            0 => format!("AlbumId = {i}; DROP TABLE Album"),
            1 => format!("Title = 'x{i}'' OR 1=1 --'"),
            2 => format!("{}AlbumId = {i}", "(".repeat(i * 10)),
            3 => format!(
                "AlbumId in ({})",
                (0..i * 20)
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => format!("Title like '%{i}%'"),
        })
        .collect();
    let server = &s;
    let futures = filters.iter().map(|f| {
        let path = table_path("Album", &[("filter", f), ("fields", "AlbumId")]);
        async move {
            let (st, _) = server.get(&path).await;
            st
        }
    });
    let statuses: Vec<StatusCode> = futures_join_all(futures).await;
    assert!(
        statuses
            .iter()
            .all(|st| *st == StatusCode::OK || *st == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert_eq!(s.snapshot().await, before);
}

/// A tiny join_all (no extra dependency): runs the futures concurrently on the
/// current task.
async fn futures_join_all<F: std::future::Future<Output = T>, T>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<T> {
    let mut set: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<T>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_some() {
                continue;
            }
            match f.as_mut().poll(cx) {
                std::task::Poll::Ready(v) => out[i] = Some(v),
                std::task::Poll::Pending => pending = true,
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.unwrap()).collect::<Vec<_>>()
}

#[tokio::test]
async fn many_keys_and_records_stay_within_driver_limits() {
    let Some(s) = crate::start().await else {
        return;
    };
    // 2400 composite keys in ids= (once a stack overflow that killed the server).
    let pairs: Vec<String> = [1, 8]
        .iter()
        .flat_map(|p| (1..1200).map(move |t| format!("{p},{t}")))
        .collect();
    let rb = s
        .request(Method::POST, "/chinook/_table/PlaylistTrack")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"ids": pairs.join(","), "count_only": true}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let want = s
        .sql_count(
            "SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId IN (1, 8) AND TrackId < 1200",
        )
        .await;
    assert_eq!(body, json!(want));
    // More ids than a statement may bind: refused, not a 500.
    let many: Vec<String> = (0..40_000).map(|i| i.to_string()).collect();
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"ids": many.join(","), "count_only": true}));
    let (st, _) = s.send(rb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // A batch larger than max_records, answered with fields= for every record.
    let (st, _) = s
        .patch(
            "/system/service/chinook",
            json!({"config": {"max_records": 5}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let records: Vec<_> = (0..20)
        .map(|i| json!({"Name": format!("capped {i}")}))
        .collect();
    let (st, body) = s
        .post(
            "/chinook/_table/Artist?fields=ArtistId,Name",
            json!({"resource": records}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let names: Vec<&str> = body["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 20);
    assert_eq!(names[19], "capped 19");
    // 34 000 parents with related rows: more keys than SQLite binds at once.
    let (st, _) = s
        .patch(
            "/system/service/chinook",
            // Batches past the default max_batch_records (1000), to reach
            // the drivers' limits.
            json!({"config": {"max_records": 100_000, "max_batch_records": 20_000}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    s.sql_exec(
        "INSERT INTO Playlist (PlaylistId, Name) WITH RECURSIVE c(x) AS (SELECT 1000 UNION ALL SELECT x + 1 FROM c WHERE x < 34999) SELECT x, 'p' FROM c",
    )
    .await;
    let (st, body) = s
        .get("/chinook/_table/Playlist?related=Track_by_PlaylistTrack&Track_by_PlaylistTrack.limit=1&Track_by_PlaylistTrack.fields=TrackId&fields=PlaylistId")
        .await;
    assert_eq!(st, StatusCode::OK, "{}", short(&body.to_string()));
    let rows = body["resource"].as_array().unwrap();
    assert_eq!(rows.len(), 18 + 34_000);
    assert_eq!(rows[0]["Track_by_PlaylistTrack"], json!([{"TrackId": 1}]));
    assert_eq!(rows[rows.len() - 1]["Track_by_PlaylistTrack"], json!([]));
    // A batch with more values than one statement may bind: still one
    // all-or-nothing write, answered for every record.
    let records: Vec<_> = (0..17_000)
        .map(|i| json!({"PlaylistId": 40_000 + i, "Name": "q"}))
        .collect();
    let (st, body) = s
        .post(
            "/chinook/_table/Playlist?fields=PlaylistId,Name",
            json!({"resource": records}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{}", short(&body.to_string()));
    assert_eq!(body["resource"].as_array().unwrap().len(), 17_000);
    assert_eq!(
        body["resource"][16_999],
        json!({"PlaylistId": 56_999, "Name": "q"})
    );
    let mut records: Vec<_> = (0..12_000)
        .map(|i| json!({"PlaylistId": 60_000 + i, "Name": "r"}))
        .collect();
    records.push(json!({"PlaylistId": 1, "Name": "duplicate"}));
    let (st, _) = s
        .post("/chinook/_table/Playlist", json!({"resource": records}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Playlist WHERE PlaylistId >= 60000")
            .await,
        0
    );
}
