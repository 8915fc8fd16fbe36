//! Regression tests for the client bugs of issue 9: what Apollo, urql, GraphiQL
//! and DreamFactory clients send, and what they must get back.
//!
//! GraphQL answers are read here as raw text (duplicate keys are invisible once
//! parsed) and without the harness's name mapping: names in them are looked up
//! through `s.path` (the dataset's spelling, snake case on PostgreSQL). An
//! error answer may be 200 or 4xx with `{"errors":[…]}`; it is never a 5xx.

use apiforge_tests::{TestServer, enc, message, short};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const GRAPHQL: &str = "/chinook/graphql";

/// Status, raw text and parsed body (`Null` if not JSON) of an answer; never a 5xx.
async fn answer(resp: reqwest::Response) -> (StatusCode, String, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(
        !status.is_server_error(),
        "the server answered {status} (a 5xx is always a bug): {}",
        short(&text)
    );
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, text, body)
}

/// POSTs `body` to the GraphQL endpoint as it is (names already in the
/// dataset's spelling).
async fn post_gql(s: &TestServer, body: &Value) -> (StatusCode, String, Value) {
    answer(
        s.request(Method::POST, GRAPHQL)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A GraphQL request, the query in the suite's names.
async fn gql(s: &TestServer, query: &str, variables: Value) -> (StatusCode, String, Value) {
    post_gql(
        s,
        &json!({ "query": s.path(query), "variables": variables }),
    )
    .await
}

/// The `data` of a request that must succeed: 200, no `errors`.
async fn ok(s: &TestServer, query: &str, variables: Value) -> Value {
    let (status, text, body) = gql(s, query, variables).await;
    assert_eq!(status, StatusCode::OK, "{query}: {}", short(&text));
    assert!(
        body.get("errors").is_none(),
        "{query}: errors in {}",
        short(&text)
    );
    body["data"].clone()
}

/// `v[key]`, the key in the dataset's spelling.
fn at<'a>(s: &TestServer, v: &'a Value, key: &str) -> &'a Value {
    &v[s.path(key).as_str()]
}

/// The rows of list field `key` of `data`.
fn rows(s: &TestServer, data: &Value, key: &str) -> Vec<Value> {
    at(s, data, key)
        .as_array()
        .unwrap_or_else(|| panic!("no list '{key}' in {}", sh(data)))
        .clone()
}

/// The number of rows of list field `key` of a successful query.
async fn row_count(s: &TestServer, query: &str, key: &str) -> usize {
    rows(s, &ok(s, query, json!({})).await, key).len()
}

/// The messages of an error answer: a non-empty `errors`, and no data rows
/// (`data` absent or null, or every root field null).
fn refused(what: &str, answer: &(StatusCode, String, Value)) -> Vec<String> {
    let (status, text, body) = answer;
    assert!(
        *status == StatusCode::OK || status.is_client_error(),
        "{what}: {status}: {}",
        short(text)
    );
    let errors = body["errors"]
        .as_array()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| panic!("{what}: no errors in {status} {}", short(text)));
    let no_rows = match &body["data"] {
        Value::Null => true,
        Value::Object(m) => m.values().all(Value::is_null),
        _ => false,
    };
    assert!(
        no_rows,
        "{what}: data came with the errors: {}",
        short(text)
    );
    errors
        .iter()
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Asserts that some message contains `needle` (case-insensitive).
fn mentions(what: &str, messages: &[String], needle: &str) {
    assert!(
        messages
            .iter()
            .any(|m| m.to_lowercase().contains(&needle.to_lowercase())),
        "{what}: no message mentions '{needle}': {messages:?}"
    );
}

/// At most 300 characters of a value's JSON text, for failure messages.
fn sh(v: &Value) -> String {
    short(&v.to_string())
}

/// How often `"key":` occurs in the raw text (`key` in the suite's names).
fn key_count(s: &TestServer, text: &str, key: &str) -> usize {
    text.matches(&format!("\"{}\":", s.path(key))).count()
}

/// Issue 9, item 1: empty lists of conditions read as GraphQL (Hasura) means
/// them: `_or: []` is false, `_and: []` and `{}` are true, `_in: []` matches
/// nothing and `_nin: []` everything.
#[tokio::test]
async fn empty_condition_lists_in_reads() {
    let Some(s) = crate::start().await else {
        return;
    };
    for (where_, expected) in [
        ("{_or: []}", 0),
        ("{_and: []}", 347),
        ("{}", 347),
        ("{_not: {}}", 0),
        ("{_or: [{}]}", 347),
        ("{_or: [{}, {AlbumId: {_eq: 1}}]}", 347),
        ("{AlbumId: {_in: []}}", 0),
        ("{AlbumId: {_nin: []}}", 347),
    ] {
        let query = format!("{{ Album(where: {where_}) {{ AlbumId }} }}");
        assert_eq!(
            row_count(&s, &query, "Album").await,
            expected,
            "where: {where_}"
        );
    }
    let data = ok(
        &s,
        "{ Album_aggregate(where: {_or: []}) { count } }",
        json!({}),
    )
    .await;
    assert_eq!(
        at(&s, &data, "Album_aggregate")["count"],
        0,
        "{}",
        sh(&data)
    );
}

/// Issue 9, item 1: a mutation whose `where` is an empty `_or` changes nothing
/// (it used to change every row).
#[tokio::test]
async fn empty_or_in_mutations_changes_nothing() {
    let Some(s) = crate::start().await else {
        return;
    };
    let data = ok(
        &s,
        "mutation { delete_PlaylistTrack(where: {_or: []}) { affected_rows } }",
        json!({}),
    )
    .await;
    assert_eq!(
        at(&s, &data, "delete_PlaylistTrack")["affected_rows"],
        0,
        "{}",
        sh(&data)
    );
    assert_eq!(s.count("PlaylistTrack").await, 8715);

    let data = ok(
        &s,
        "mutation($ids: [PlaylistTrack_bool_exp!]!) { delete_PlaylistTrack(where: {_or: $ids}) { affected_rows } }",
        json!({ "ids": [] }),
    )
    .await;
    assert_eq!(
        at(&s, &data, "delete_PlaylistTrack")["affected_rows"],
        0,
        "{}",
        sh(&data)
    );
    assert_eq!(s.count("PlaylistTrack").await, 8715);

    let data = ok(
        &s,
        "mutation { update_Album(where: {_or: []}, _set: {Title: \"x\"}) { affected_rows } }",
        json!({}),
    )
    .await;
    assert_eq!(
        at(&s, &data, "update_Album")["affected_rows"],
        0,
        "{}",
        sh(&data)
    );
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Album WHERE Title = 'x'")
            .await,
        0
    );
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Album WHERE AlbumId = 1 AND Title = 'For Those About To Rock We Salute You'")
            .await,
        1
    );
}

/// Issue 9, item 1: explicit nulls inside a `where` are refused (Hasura v2);
/// they used to drop the condition, so that a delete matched every row.
#[tokio::test]
async fn explicit_nulls_in_where_are_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let query = "{ Album(where: {AlbumId: {_eq: null}}) { AlbumId } }";
    let messages = refused(query, &gql(&s, query, json!({})).await);
    mentions(query, &messages, "_is_null");

    let query = "mutation { delete_Album(where: {_or: null}) { affected_rows } }";
    refused(query, &gql(&s, query, json!({})).await);
    assert_eq!(s.count("Album").await, 347);

    // The same on a table nothing refers to, where no constraint would stop it.
    let query = "mutation { delete_PlaylistTrack(where: {_or: null}) { affected_rows } }";
    refused(query, &gql(&s, query, json!({})).await);
    assert_eq!(s.count("PlaylistTrack").await, 8715);

    // A nullable variable left out inside a where.
    let query = "mutation($id: Int) { delete_PlaylistTrack(where: {PlaylistId: {_eq: $id}}) { affected_rows } }";
    refused(query, &gql(&s, query, json!({})).await);
    assert_eq!(s.count("PlaylistTrack").await, 8715);
}

/// Issue 9, item 2: fields with the same response key are merged (the spec's
/// CollectFields), so each key appears once.
#[tokio::test]
async fn overlapping_selections_are_merged() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (status, text, body) = gql(
        &s,
        "fragment A on Album { Artist_by_ArtistId { Name } } fragment B on Album { Artist_by_ArtistId { ArtistId } } { Album(limit: 1, order_by: {AlbumId: asc}) { ...A ...B } }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    assert!(body.get("errors").is_none(), "{}", short(&text));
    assert_eq!(
        key_count(&s, &text, "Artist_by_ArtistId"),
        1,
        "one key per response name: {text}"
    );
    let album = &rows(&s, &body["data"], "Album")[0];
    let artist = at(&s, album, "Artist_by_ArtistId");
    assert_eq!(at(&s, artist, "ArtistId"), 1, "{}", short(&text));
    assert_eq!(at(&s, artist, "Name"), "AC/DC", "{}", short(&text));

    let (status, text, body) = gql(
        &s,
        "{ Album(limit: 1, order_by: {AlbumId: asc}) { AlbumId Title AlbumId } }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    assert!(body.get("errors").is_none(), "{}", short(&text));
    assert_eq!(key_count(&s, &text, "AlbumId"), 1, "{}", short(&text));
    let album = &rows(&s, &body["data"], "Album")[0];
    let keys: Vec<&str> = album
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [s.path("AlbumId"), s.path("Title")],
        "{}",
        short(&text)
    );
    assert_eq!(at(&s, album, "AlbumId"), 1);

    // A root field asked for twice.
    let (status, text, body) = gql(
        &s,
        "{ Album(limit: 1) { AlbumId } Album(limit: 1) { Title } }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    assert!(body.get("errors").is_none(), "{}", short(&text));
    assert_eq!(key_count(&s, &text, "Album"), 1, "{}", short(&text));
    let album = &rows(&s, &body["data"], "Album")[0];
    assert!(
        at(&s, album, "AlbumId").is_number() && at(&s, album, "Title").is_string(),
        "both selections in one object: {text}"
    );
}

/// Issue 9, item 2: fields that share a response key but cannot be merged are
/// refused, as GraphQL validation does, and nothing is read.
#[tokio::test]
async fn conflicting_selections_are_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    for query in [
        "{ Album(limit: 1) { x: AlbumId x: Title } }",
        "{ a: Album(limit: 1) { AlbumId } a: Album(limit: 2) { AlbumId } }",
        "fragment A on Album { Artist_by_ArtistId { n: Name } } fragment B on Album { Artist_by_ArtistId { n: ArtistId } } { Album(limit: 1) { ...A ...B } }",
    ] {
        refused(query, &gql(&s, query, json!({})).await);
    }
}

/// Issue 9, item 3: a missing or null non-null variable is a request error,
/// and nothing runs (a delete used to delete everything).
#[tokio::test]
async fn missing_non_null_variables_are_request_errors() {
    let Some(s) = crate::start().await else {
        return;
    };
    let query = "query($w: Album_bool_exp!) { Album(where: $w) { AlbumId } }";
    let messages = refused(query, &gql(&s, query, json!({})).await);
    mentions(query, &messages, "$w");

    let query = "query($id: Int!) { Album_by_pk(AlbumId: $id) { AlbumId } }";
    refused(query, &gql(&s, query, json!({})).await);
    refused(query, &gql(&s, query, json!({ "id": null })).await);

    let query = "mutation($w: PlaylistTrack_bool_exp!) { delete_PlaylistTrack(where: $w) { affected_rows } }";
    refused(query, &gql(&s, query, json!({})).await);
    assert_eq!(s.count("PlaylistTrack").await, 8715);

    // A variable with a default may be left out.
    assert_eq!(
        row_count(
            &s,
            "query($n: Int = 2) { Album(limit: $n) { AlbumId } }",
            "Album"
        )
        .await,
        2
    );
}

/// Issue 9, item 4: GraphQL's `Int` is 32-bit; a larger value is an error,
/// not a key that matches nothing.
#[tokio::test]
async fn graphql_int_is_32_bit() {
    let Some(s) = crate::start().await else {
        return;
    };
    let query = "{ Album_by_pk(AlbumId: 99999999999) { AlbumId } }";
    let messages = refused(query, &gql(&s, query, json!({})).await);
    mentions(query, &messages, "Int");

    let query = "{ Album(where: {AlbumId: {_eq: 2147483648}}) { AlbumId } }";
    refused(query, &gql(&s, query, json!({})).await);

    assert_eq!(
        row_count(
            &s,
            "{ Album(where: {AlbumId: {_eq: 2147483647}}) { AlbumId } }",
            "Album"
        )
        .await,
        0
    );

    let query = "query($id: Int!) { Album_by_pk(AlbumId: $id) { AlbumId } }";
    refused(
        query,
        &gql(&s, query, json!({ "id": 99999999999_i64 })).await,
    );
}

/// Every type of the schema: name → its input fields as (name, type), the
/// names in the dataset's spelling.
async fn input_types(s: &TestServer) -> Vec<(String, Vec<(String, Value)>)> {
    let query = "{ __schema { types { name inputFields { name type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } }";
    let (status, text, body) = post_gql(s, &json!({ "query": query })).await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    assert!(body.get("errors").is_none(), "{}", short(&text));
    body["data"]["__schema"]["types"]
        .as_array()
        .unwrap_or_else(|| panic!("no types: {}", short(&text)))
        .iter()
        .map(|t| {
            let fields = t["inputFields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| (f["name"].as_str().unwrap().to_owned(), f["type"].clone()))
                .collect();
            (t["name"].as_str().unwrap().to_owned(), fields)
        })
        .collect()
}

/// The named type under a type reference, and whether it is a list.
fn named(t: &Value) -> (String, bool) {
    match t["kind"].as_str() {
        Some("NON_NULL") => named(&t["ofType"]),
        Some("LIST") => (named(&t["ofType"]).0, true),
        _ => (t["name"].as_str().unwrap_or_default().to_owned(), false),
    }
}

/// A GraphQL literal of `scalar`, if there is a simple one.
fn literal_of(scalar: &str) -> Option<&'static str> {
    Some(match scalar {
        "Int" | "bigint" => "1",
        "Float" | "numeric" => "1.5",
        "String" => "\"a%\"",
        "Boolean" => "true",
        "timestamp" => "\"2021-01-01T00:00:00\"",
        "timestamptz" => "\"2021-01-01T00:00:00Z\"",
        "date" => "\"2021-01-01\"",
        "time" => "\"12:00:00\"",
        "uuid" => "\"00000000-0000-0000-0000-000000000000\"",
        _ => return None,
    })
}

const LIKE_OPS: [&str; 4] = ["_like", "_nlike", "_ilike", "_nilike"];

/// Issue 9, item 5: pattern operators are offered on text only (they were on
/// every comparison type, and refused by the server on numbers and dates).
#[tokio::test]
async fn schema_offers_like_only_on_text() {
    let Some(s) = crate::start().await else {
        return;
    };
    let types = input_types(&s).await;
    let ops = |name: &str| -> Option<Vec<String>> {
        types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.iter().map(|(n, _)| n.clone()).collect())
    };
    let mut comparisons = 0;
    for (name, fields) in &types {
        if !name.ends_with("_comparison_exp")
            || name == "String_comparison_exp"
            || name == "uuid_comparison_exp"
        {
            continue;
        }
        comparisons += 1;
        let offered: Vec<&str> = fields
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| LIKE_OPS.contains(n))
            .collect();
        assert!(offered.is_empty(), "{name} offers {offered:?}");
    }
    assert!(comparisons > 0, "no comparison types besides String's");
    let string = ops("String_comparison_exp").expect("String_comparison_exp");
    for op in LIKE_OPS {
        assert!(string.iter().any(|o| o == op), "String lacks {op}");
    }
    let int = ops("Int_comparison_exp").expect("Int_comparison_exp");
    for op in ["_eq", "_gt", "_in", "_is_null"] {
        assert!(int.iter().any(|o| o == op), "Int lacks {op}");
    }
}

/// Issue 9, item 5: every operator the schema offers on a column of Track and
/// Invoice is accepted by the server (an operator offered but refused is the
/// bug).
#[tokio::test]
async fn every_offered_operator_works() {
    let Some(s) = crate::start().await else {
        return;
    };
    let types = input_types(&s).await;
    let fields_of = |name: &str| -> &Vec<(String, Value)> {
        &types
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no type {name}"))
            .1
    };
    let mut tried = 0;
    let mut failures = Vec::new();
    for table in ["Track", "Invoice"] {
        let table = s.path(table);
        for (column, column_type) in fields_of(&format!("{table}_bool_exp")) {
            if column.starts_with('_') {
                continue;
            }
            let (comparison, _) = named(column_type);
            for (op, op_type) in fields_of(&comparison) {
                let value = if op == "_is_null" {
                    "true".to_owned()
                } else {
                    let (scalar, list) = named(op_type);
                    let Some(v) = literal_of(&scalar) else {
                        continue;
                    };
                    if list { format!("[{v}]") } else { v.to_owned() }
                };
                let query = format!(
                    "{{ {table}(where: {{{column}: {{{op}: {value}}}}}, limit: 1) {{ {column} }} }}"
                );
                tried += 1;
                let (status, text, body) = post_gql(&s, &json!({ "query": query })).await;
                if status != StatusCode::OK || body.get("errors").is_some() {
                    failures.push(format!("{query} → {status} {}", short(&text)));
                }
            }
        }
    }
    assert!(tried > 50, "only {tried} operators tried");
    assert!(
        failures.is_empty(),
        "{} of {tried} offered operators refused:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Issue 9, item 6: `limit: 0` is an empty list (it was an error); a negative
/// limit is still an error.
#[tokio::test]
async fn graphql_limit_zero_is_empty() {
    let Some(s) = crate::start().await else {
        return;
    };
    assert_eq!(
        row_count(&s, "{ Album(limit: 0) { AlbumId } }", "Album").await,
        0
    );
    let query = "{ Album(limit: -1) { AlbumId } }";
    refused(query, &gql(&s, query, json!({})).await);

    let data = ok(
        &s,
        "{ Album(limit: 2, order_by: {AlbumId: asc}) { AlbumId Track_by_AlbumId(limit: 0) { TrackId } } }",
        json!({}),
    )
    .await;
    let albums = rows(&s, &data, "Album");
    assert_eq!(albums.len(), 2, "{}", sh(&data));
    for a in &albums {
        assert_eq!(at(&s, a, "Track_by_AlbumId"), &json!([]), "{}", sh(&data));
    }
}

/// `{"query": q}` with `q` in the dataset's names.
fn op(s: &TestServer, query: &str) -> Value {
    json!({ "query": s.path(query) })
}

/// Issue 9, item 7: a JSON array of operations (Apollo's BatchHttpLink) gets
/// an array of results, in order, each with its own data or errors.
#[tokio::test]
async fn batched_operations_answer_an_array() {
    let Some(s) = crate::start().await else {
        return;
    };
    let album = "{ Album(limit: 1, order_by: {AlbumId: asc}) { AlbumId } }";
    let artist = "{ Artist(limit: 1, order_by: {ArtistId: asc}) { ArtistId } }";
    let (status, text, body) = post_gql(&s, &json!([op(&s, album), op(&s, artist)])).await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    let results = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", short(&text)));
    assert_eq!(results.len(), 2, "{}", short(&text));
    assert!(
        results.iter().all(|r| r.get("errors").is_none()),
        "{}",
        short(&text)
    );
    assert_eq!(
        at(&s, &rows(&s, &results[0]["data"], "Album")[0], "AlbumId"),
        1,
        "{}",
        short(&text)
    );
    assert_eq!(
        at(&s, &rows(&s, &results[1]["data"], "Artist")[0], "ArtistId"),
        1,
        "{}",
        short(&text)
    );

    // One bad operation does not spoil the others.
    let (status, text, body) = post_gql(&s, &json!([op(&s, album), op(&s, "{ nope }")])).await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    let results = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", short(&text)));
    assert_eq!(results.len(), 2, "{}", short(&text));
    assert!(
        results[0].get("errors").is_none() && results[0]["data"].is_object(),
        "{}",
        short(&text)
    );
    assert!(
        results[1]["errors"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{}",
        short(&text)
    );

    // An empty batch is a bad request.
    let (status, text, body) = post_gql(&s, &json!([])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", short(&text));
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{}",
        short(&text)
    );
}

/// Issue 9, item 7: a batch holds at most `graphql_max_batch` (10) operations.
#[tokio::test]
async fn batch_size_is_limited() {
    let Some(s) = crate::start().await else {
        return;
    };
    let one = op(&s, "{ Album(limit: 1) { AlbumId } }");
    let (status, text, body) = post_gql(&s, &Value::Array(vec![one.clone(); 10])).await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    let results = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", short(&text)));
    assert_eq!(results.len(), 10, "{}", short(&text));
    assert!(
        results
            .iter()
            .all(|r| r.get("errors").is_none() && r["data"].is_object()),
        "{}",
        short(&text)
    );

    let (status, text, body) = post_gql(&s, &Value::Array(vec![one; 11])).await;
    assert!(status.is_client_error(), "{status}: {}", short(&text));
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {}", short(&text)));
    let messages: Vec<String> = errors
        .iter()
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    mentions("11 operations", &messages, "graphql_max_batch");
}

/// A GET to the GraphQL endpoint with `query` (and more) parameters, the
/// query in the suite's names.
fn get_url(s: &TestServer, query: &str, extra: &str) -> String {
    format!("{GRAPHQL}?query={}{extra}", enc(&s.path(query)))
}

/// Issue 9, item 7: GraphQL over GET (`Accept: application/json`) runs
/// queries, refuses mutations with 405, and needs credentials; a browser still
/// gets GraphiQL, even with `?query=`.
#[tokio::test]
async fn graphql_over_get() {
    let Some(s) = crate::start().await else {
        return;
    };
    // A browser (HTML first in `Accept`) still gets the GraphiQL page without
    // credentials, even with a `query` parameter.
    let browser = "text/html,application/xhtml+xml,*/*;q=0.8";
    for path in [
        GRAPHQL.to_owned(),
        get_url(&s, "{ Album(limit: 2) { AlbumId } }", ""),
    ] {
        let resp = s
            .anonymous(Method::GET, &path)
            .header(header::ACCEPT, browser)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {}", short(&text));
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        assert!(text.contains("graphiql"), "{path}: {}", short(&text));
    }

    let query = "{ Album(limit: 2, order_by: {AlbumId: asc}) { AlbumId } }";
    let (status, text, body) = answer(
        s.request(Method::GET, &get_url(&s, query, ""))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    assert!(body.is_object(), "not a JSON answer: {}", short(&text));
    assert!(body.get("errors").is_none(), "{}", short(&text));
    let ids: Vec<Value> = rows(&s, &body["data"], "Album")
        .iter()
        .map(|r| at(&s, r, "AlbumId").clone())
        .collect();
    assert_eq!(ids, [json!(1), json!(2)], "{}", short(&text));

    // With variables.
    let vars = format!("&variables={}", enc(r#"{"n":2}"#));
    let (status, text, body) = answer(
        s.request(
            Method::GET,
            &get_url(&s, "query($n: Int) { Album(limit: $n) { AlbumId } }", &vars),
        )
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", short(&text));
    assert!(body.get("errors").is_none(), "{}", short(&text));
    assert_eq!(
        rows(&s, &body["data"], "Album").len(),
        2,
        "{}",
        short(&text)
    );

    // A mutation over GET: 405, nothing written.
    let mutation =
        "mutation { delete_PlaylistTrack(where: {PlaylistId: {_eq: 18}}) { affected_rows } }";
    let (status, text, body) = answer(
        s.request(Method::GET, &get_url(&s, mutation, ""))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{}", short(&text));
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{}",
        short(&text)
    );
    assert_eq!(s.count("PlaylistTrack").await, 8715);

    // No credentials.
    let (status, text, _) = answer(
        s.anonymous(Method::GET, &get_url(&s, query, ""))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", short(&text));
}

/// Issue 9, item 7: a subscription is refused with one error (the same error
/// used to come twice).
#[tokio::test]
async fn subscriptions_are_refused_once() {
    let Some(s) = crate::start().await else {
        return;
    };
    let query = "subscription { Album { AlbumId } }";
    let answer = gql(&s, query, json!({})).await;
    let messages = refused(query, &answer);
    assert_eq!(messages.len(), 1, "{}", answer.1);
    mentions(query, &messages, "subscription");
}

/// Issue 9, item 8: `ids=` answers the records in the order asked (repeats
/// included), and a missing id is a 404 that names it (DreamFactory).
#[tokio::test]
async fn rest_ids_keep_order_and_report_missing_ones() {
    let Some(s) = crate::start().await else {
        return;
    };
    let ids = |records: &[Value]| -> Vec<Value> {
        records.iter().map(|r| r["AlbumId"].clone()).collect()
    };
    let records = s.list("Album", &[("ids", "3,1,2")]).await;
    assert_eq!(ids(&records), [json!(3), json!(1), json!(2)]);
    let records = s.list("Album", &[("ids", "2,2")]).await;
    assert_eq!(ids(&records), [json!(2), json!(2)]);

    let (status, body) = s.get("/chinook/_table/Album?ids=1,999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{}", sh(&body));
    assert!(message(&body).contains("999999"), "{}", sh(&body));
    assert_eq!(
        body["error"]["context"]["error"],
        json!([1]),
        "{}",
        sh(&body)
    );

    let (status, body) = s
        .get("/chinook/_table/Album?ids=1,999999&continue=true")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{}", sh(&body));
    assert_eq!(
        body["error"]["context"]["error"],
        json!([1]),
        "{}",
        sh(&body)
    );
    let (_, album1) = s.get("/chinook/_table/Album/1").await;
    let resource = body["error"]["context"]["resource"]
        .as_array()
        .unwrap_or_else(|| panic!("no context.resource: {body}"));
    assert_eq!(resource.len(), 2, "{}", sh(&body));
    assert_eq!(resource[0], album1, "{}", sh(&body));
    assert!(resource[1]["error"].is_object(), "{}", sh(&body));

    let records = s
        .list("Album", &[("ids", "3,1,2"), ("fields", "Title")])
        .await;
    let mut expected = Vec::new();
    for id in [3, 1, 2] {
        let row = s
            .sql(&format!("SELECT Title FROM Album WHERE AlbumId = {id}"))
            .await;
        expected.push(json!({ "Title": row[0]["Title"] }));
    }
    assert_eq!(records, expected);
}

/// `POST /chinook/_table/Album` with `X-HTTP-Method: GET` and `body`.
async fn tunnelled_get(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.send(
        s.request(Method::POST, "/chinook/_table/Album")
            .header("X-HTTP-Method", "GET")
            .json(&body),
    )
    .await
}

/// Issue 9, item 9: a tunnelled GET whose body is `{"resource":[records]}`
/// reads those records by key, in order (it used to answer every album).
#[tokio::test]
async fn tunnelled_get_reads_the_records_of_resource() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (status, body) =
        tunnelled_get(&s, json!({"resource": [{"AlbumId": 2}, {"AlbumId": 1}]})).await;
    assert_eq!(status, StatusCode::OK, "{}", sh(&body));
    let records = body["resource"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{}", sh(&body));
    let ids: Vec<&Value> = records.iter().map(|r| &r["AlbumId"]).collect();
    assert_eq!(ids, [&json!(2), &json!(1)], "{}", sh(&body));

    let (status, body) =
        tunnelled_get(&s, json!({"resource": [{"AlbumId": 1}, {"Title": "x"}]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", sh(&body));
    assert!(
        message(&body).to_lowercase().contains("key"),
        "{}",
        sh(&body)
    );

    let (status, body) = tunnelled_get(
        &s,
        json!({"resource": [{"AlbumId": 1}, {"AlbumId": 999999}]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{}", sh(&body));
    assert!(message(&body).contains("999999"), "{}", sh(&body));

    let (status, body) =
        tunnelled_get(&s, json!({"resource": [{"AlbumId": 1}], "fields": "Title"})).await;
    assert_eq!(status, StatusCode::OK, "{}", sh(&body));
    let title = s.sql("SELECT Title FROM Album WHERE AlbumId = 1").await;
    assert_eq!(
        body["resource"],
        json!([{ "Title": title[0]["Title"] }]),
        "{}",
        sh(&body)
    );
}

/// Issue 9, item 10: a REST `limit` below 1 means no limit of the client's
/// (max_records still applies), as does one above max_records; a relation
/// limit below 1 means no per-parent limit.
#[tokio::test]
async fn rest_limit_below_one_means_max_records() {
    let Some(s) = crate::start().await else {
        return;
    };
    for limit in ["0", "-1", "5000"] {
        let records = s
            .list("Track", &[("limit", limit), ("fields", "TrackId")])
            .await;
        assert_eq!(records.len(), 1000, "limit={limit}");
    }
    let (status, body) = s.get("/chinook/_table/Track?limit=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", sh(&body));

    let tracks = s
        .sql_count("SELECT COUNT(*) FROM Track WHERE AlbumId = 1")
        .await;
    assert!(tracks > 1);
    for limit in ["0", "-1"] {
        let records = s
            .list(
                "Album",
                &[
                    ("ids", "1"),
                    ("related", "Track_by_AlbumId"),
                    ("Track_by_AlbumId.limit", limit),
                ],
            )
            .await;
        assert_eq!(records.len(), 1, "Track_by_AlbumId.limit={limit}");
        let got = records[0]["Track_by_AlbumId"]
            .as_array()
            .unwrap_or_else(|| panic!("no tracks: {}", records[0]))
            .len();
        assert_eq!(got as i64, tracks, "Track_by_AlbumId.limit={limit}");
    }
}
