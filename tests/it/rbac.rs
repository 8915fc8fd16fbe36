//! Roles on every REST and GraphQL call (issue 12): an admin makes roles and
//! apps through the admin API, and each app's key gets exactly what its role
//! allows: the matrix of roles × tables × verbs, record filters on reads,
//! writes and embedded rows, and keys that stop working at once.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use apiforge_tests::TestServer;

/// Creates role `name` with `access` rules; its id.
async fn role(s: &TestServer, name: &str, access: Value) -> i64 {
    let (st, body) = s
        .post(
            "/system/role",
            json!({ "name": name, "description": "", "access": access }),
        )
        .await;
    assert!(st.is_success(), "role {name}: {st} {body}");
    body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("role without id: {body}"))
}

/// Creates app `name` with `role`; its id and its key (shown this once).
async fn app(s: &TestServer, name: &str, role: Option<&str>) -> (i64, String) {
    let (st, body) = s
        .post(
            "/system/app",
            json!({ "name": name, "description": "", "role": role }),
        )
        .await;
    assert!(st.is_success(), "app {name}: {st} {body}");
    let key = body["api_key"]
        .as_str()
        .unwrap_or_else(|| panic!("no api_key: {body}"))
        .to_string();
    (body["id"].as_i64().unwrap_or_default(), key)
}

fn with_key(s: &TestServer, method: Method, path: &str, key: &str) -> RequestBuilder {
    s.client
        .request(method, format!("{}{}", s.base, s.path(path)))
        .header("X-Api-Key", key)
}

async fn as_app(
    s: &TestServer,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rb = with_key(s, method, path, key);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    s.send(rb).await
}

/// A GraphQL operation with an app's key: the whole answer.
async fn gql(s: &TestServer, key: &str, query: &str) -> Value {
    let (st, body) = as_app(
        s,
        key,
        Method::POST,
        "/chinook/graphql",
        Some(json!({ "query": s.path(query) })),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{query}: {body}");
    body
}

/// The tables of the matrix: key column, a record to insert, a PUT body.
const TABLES: [(&str, &str, &str); 3] = [
    ("Album", "AlbumId", r#"{"Title":"Matrix","ArtistId":1}"#),
    ("Artist", "ArtistId", r#"{"Name":"Matrix"}"#),
    ("Genre", "GenreId", r#"{"Name":"Matrix"}"#),
];

const VERBS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// What each role of the matrix may do: (role, table, verb) → allowed.
fn expected(role: &str, table: &str, verb: &str) -> bool {
    match role {
        "album_reader" => table == "Album" && verb == "GET",
        // `_table/*` may do everything, `_table/Album` narrows Album to GET.
        "narrowed_writer" => table != "Album" || verb == "GET",
        "filtered" => table == "Album",
        "schema_only" | "no_rules" => false,
        other => panic!("unknown role {other}"),
    }
}

async fn matrix_roles(s: &TestServer) -> Vec<(&'static str, String)> {
    let all = json!(["GET", "POST", "PUT", "PATCH", "DELETE"]);
    role(
        s,
        "album_reader",
        json!([{ "service": "chinook", "component": "_table/Album", "verbs": ["GET"] }]),
    )
    .await;
    role(
        s,
        "narrowed_writer",
        json!([
            { "service": "chinook", "component": "_table/*", "verbs": all },
            { "service": "chinook", "component": "_table/Album", "verbs": ["GET"] },
        ]),
    )
    .await;
    role(
        s,
        "filtered",
        json!([{ "service": "chinook", "component": "_table/Album", "verbs": all, "filter": "ArtistId = 1" }]),
    )
    .await;
    role(
        s,
        "schema_only",
        json!([{ "service": "chinook", "component": "_schema/*", "verbs": ["GET"] }]),
    )
    .await;
    role(s, "no_rules", json!([])).await;
    let mut keys = Vec::new();
    for r in [
        "album_reader",
        "narrowed_writer",
        "filtered",
        "schema_only",
        "no_rules",
    ] {
        let (_, key) = app(s, &format!("{r}_app"), Some(r)).await;
        keys.push((r, key));
    }
    keys
}

/// A row of `table` that the `filtered` role may write (Album: ArtistId 1),
/// made by the admin; its id.
async fn fresh_row(s: &TestServer, table: &str, record: &str) -> i64 {
    let (st, body) = s
        .post(
            &format!("/chinook/_table/{table}"),
            serde_json::from_str(record).unwrap_or_default(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let key = TABLES
        .iter()
        .find(|t| t.0 == table)
        .map(|t| t.1)
        .unwrap_or_default();
    body["resource"][0][key]
        .as_i64()
        .unwrap_or_else(|| panic!("no {key}: {body}"))
}

#[tokio::test]
async fn every_role_gets_exactly_its_verbs_on_every_table_over_rest() {
    let Some(s) = crate::start().await else {
        return;
    };
    let keys = matrix_roles(&s).await;
    let mut unexpected = Vec::new();
    for (role, key) in &keys {
        for (table, _, record) in TABLES {
            for verb in VERBS {
                let allowed = expected(role, table, verb);
                let id = fresh_row(&s, table, record).await;
                let before = s.snapshot().await;
                let base = format!("/chinook/_table/{table}");
                let body: Value = serde_json::from_str(record).unwrap_or_default();
                let (st, answer) = match verb {
                    "GET" => as_app(&s, key, Method::GET, &format!("{base}/{id}"), None).await,
                    "POST" => as_app(&s, key, Method::POST, &base, Some(body)).await,
                    "PUT" => {
                        as_app(&s, key, Method::PUT, &format!("{base}/{id}"), Some(body)).await
                    }
                    "PATCH" => {
                        let field = if table == "Album" { "Title" } else { "Name" };
                        as_app(
                            &s,
                            key,
                            Method::PATCH,
                            &format!("{base}/{id}"),
                            Some(json!({ field: "Patched" })),
                        )
                        .await
                    }
                    _ => as_app(&s, key, Method::DELETE, &format!("{base}/{id}"), None).await,
                };
                let got = st.is_success();
                if got != allowed {
                    unexpected.push(format!("{role} {verb} {table}: {st} {answer}"));
                }
                if !got {
                    assert_eq!(st, StatusCode::FORBIDDEN, "{role} {verb} {table}: {answer}");
                    assert_eq!(
                        s.snapshot().await,
                        before,
                        "{role} {verb} {table} was refused but changed the data"
                    );
                }
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected answers:\n{}",
        unexpected.join("\n")
    );
}

#[tokio::test]
async fn every_role_gets_exactly_its_verbs_on_every_table_over_graphql() {
    let Some(s) = crate::start().await else {
        return;
    };
    let keys = matrix_roles(&s).await;
    let mut unexpected = Vec::new();
    for (role, key) in &keys {
        for (table, pk, record) in TABLES {
            let field = if table == "Album" { "Title" } else { "Name" };
            // GraphQL has no PUT: an update is PATCH.
            for verb in ["GET", "POST", "PATCH", "DELETE"] {
                let allowed = expected(role, table, verb);
                let id = fresh_row(&s, table, record).await;
                let before = s.snapshot().await;
                let object = if table == "Album" {
                    "{Title: \"Matrix\", ArtistId: 1}"
                } else {
                    "{Name: \"Matrix\"}"
                };
                let query = match verb {
                    "GET" => format!("{{ {table}_by_pk({pk}: {id}) {{ {pk} }} }}"),
                    "POST" => format!(
                        "mutation {{ insert_{table}(objects: [{object}]) {{ affected_rows }} }}"
                    ),
                    "PATCH" => format!(
                        "mutation {{ update_{table}_by_pk(pk_columns: {{{pk}: {id}}}, _set: {{{field}: \"Patched\"}}) {{ {pk} }} }}"
                    ),
                    _ => format!("mutation {{ delete_{table}_by_pk({pk}: {id}) {{ {pk} }} }}"),
                };
                let answer = gql(&s, key, &query).await;
                let errors = answer.get("errors").is_some_and(|e| !e.is_null());
                if errors == allowed {
                    unexpected.push(format!("{role} {verb} {table}: {answer}"));
                }
                if errors {
                    assert_eq!(
                        s.snapshot().await,
                        before,
                        "{role} {verb} {table} was refused but changed the data"
                    );
                }
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected answers:\n{}",
        unexpected.join("\n")
    );
}

#[tokio::test]
async fn a_record_filter_narrows_reads_counts_and_ids_and_guards_writes() {
    let Some(s) = crate::start().await else {
        return;
    };
    let all = json!(["GET", "POST", "PUT", "PATCH", "DELETE"]);
    role(
        &s,
        "artist_one",
        json!([{ "service": "chinook", "component": "_table/Album", "verbs": all, "filter": "ArtistId = 1" }]),
    )
    .await;
    let (_, key) = app(&s, "artist_one_app", Some("artist_one")).await;
    let mine = s
        .sql_count("SELECT COUNT(*) FROM \"Album\" WHERE \"ArtistId\" = 1")
        .await;

    // Lists, counts and by id see only the role's rows.
    let (st, body) = as_app(
        &s,
        &key,
        Method::GET,
        "/chinook/_table/Album?include_count=true&limit=1000",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let rows = body["resource"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len() as i64, mine);
    assert!(rows.iter().all(|r| r["ArtistId"] == json!(1)), "{body}");
    assert_eq!(body["meta"]["count"], json!(mine), "{body}");
    let (st, _) = as_app(&s, &key, Method::GET, "/chinook/_table/Album/2", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "album 2 is artist 2's");
    let (st, body) = as_app(
        &s,
        &key,
        Method::GET,
        "/chinook/_table/Album?count_only=true",
        None,
    )
    .await;
    assert_eq!((st, body), (StatusCode::OK, json!(mine)));

    // Writes outside the filter: not found, or refused with nothing written.
    let before = s.snapshot().await;
    let (st, _) = as_app(
        &s,
        &key,
        Method::PATCH,
        "/chinook/_table/Album/2",
        Some(json!({ "Title": "Not mine" })),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, body) = as_app(
        &s,
        &key,
        Method::PATCH,
        "/chinook/_table/Album/1",
        Some(json!({ "ArtistId": 2 })),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "moving a record out of the filter: {body}"
    );
    let (st, body) = as_app(
        &s,
        &key,
        Method::POST,
        "/chinook/_table/Album",
        Some(json!({ "resource": [
            { "Title": "Mine", "ArtistId": 1 },
            { "Title": "Not mine", "ArtistId": 2 },
        ]})),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = as_app(
        &s,
        &key,
        Method::DELETE,
        "/chinook/_table/Album?filter=ArtistId%3D2",
        None,
    )
    .await;
    assert!(st.is_success(), "{body}");
    assert_eq!(
        body["resource"],
        json!([]),
        "no row of artist 2 is the role's"
    );
    assert_eq!(
        s.snapshot().await,
        before,
        "nothing outside the filter changed"
    );

    // With continue=true the good record is kept and the other one fails.
    let (st, body) = as_app(
        &s,
        &key,
        Method::POST,
        "/chinook/_table/Album?continue=true",
        Some(json!({ "resource": [
            { "Title": "Kept", "ArtistId": 1 },
            { "Title": "Refused", "ArtistId": 2 },
        ]})),
    )
    .await;
    assert!(st.is_client_error() || st.is_success(), "{body}");
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM \"Album\" WHERE \"Title\" IN ('Kept', 'Refused')")
            .await,
        1,
        "{body}"
    );

    // Inside the filter, every verb works.
    let (st, body) = as_app(
        &s,
        &key,
        Method::POST,
        "/chinook/_table/Album",
        Some(json!({ "Title": "Mine too", "ArtistId": 1 })),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = as_app(
        &s,
        &key,
        Method::PATCH,
        "/chinook/_table/Album?filter=Title%3D'Mine too'",
        Some(json!({ "Title": "Mine, renamed" })),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"].as_array().map(Vec::len), Some(1), "{body}");
}

#[tokio::test]
async fn embedded_rows_obey_their_own_table_s_rule_over_rest_and_graphql() {
    let Some(s) = crate::start().await else {
        return;
    };
    role(
        &s,
        "long_tracks",
        json!([
            { "service": "chinook", "component": "_table/Album", "verbs": ["GET"] },
            { "service": "chinook", "component": "_table/Track", "verbs": ["GET"], "filter": "Milliseconds > 300000" },
        ]),
    )
    .await;
    let (_, key) = app(&s, "long_tracks_app", Some("long_tracks")).await;

    let (st, body) = as_app(
        &s,
        &key,
        Method::GET,
        "/chinook/_table/Album/1?related=Track_by_AlbumId",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let tracks = body["Track_by_AlbumId"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let long = s
        .sql_count(
            "SELECT COUNT(*) FROM \"Track\" WHERE \"AlbumId\" = 1 AND \"Milliseconds\" > 300000",
        )
        .await;
    assert_eq!(tracks.len() as i64, long, "{body}");
    assert!(
        tracks
            .iter()
            .all(|t| t["Milliseconds"].as_i64().is_some_and(|ms| ms > 300000)),
        "{body}"
    );

    // Artist is not the role's: embedding it is refused, related=* leaves it out.
    let (st, body) = as_app(
        &s,
        &key,
        Method::GET,
        "/chinook/_table/Album/1?related=Artist_by_ArtistId",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = as_app(
        &s,
        &key,
        Method::GET,
        "/chinook/_table/Album/1?related=*",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body.get("Artist_by_ArtistId").is_none(), "{body}");

    let answer = gql(
        &s,
        &key,
        "{ Album_by_pk(AlbumId: 1) { Track_by_AlbumId { Milliseconds } } }",
    )
    .await;
    let nested = s.data(&answer, "Album_by_pk")["Track_by_AlbumId"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nested.len() as i64, long, "{answer}");

    let answer = gql(
        &s,
        &key,
        "{ Album_by_pk(AlbumId: 1) { Artist_by_ArtistId { Name } } }",
    )
    .await;
    assert!(answer["errors"].is_array(), "{answer}");
}

#[tokio::test]
async fn listings_show_only_what_the_role_may_get() {
    let Some(s) = crate::start().await else {
        return;
    };
    role(
        &s,
        "album_and_schema",
        json!([
            { "service": "chinook", "component": "_table/Album", "verbs": ["GET"] },
            { "service": "chinook", "component": "_schema/Genre", "verbs": ["GET"] },
        ]),
    )
    .await;
    role(&s, "nothing", json!([])).await;
    let (_, key) = app(&s, "album_and_schema_app", Some("album_and_schema")).await;
    let (_, nothing) = app(&s, "nothing_app", Some("nothing")).await;
    let (_, roleless) = app(&s, "roleless_app", None).await;

    let (st, body) = as_app(&s, &key, Method::GET, "/chinook/_table", None).await;
    assert_eq!(st, StatusCode::OK);
    // Answers come back in the suite's names (see `TestServer::send`).
    assert_eq!(body["resource"], json!([{ "name": "Album" }]));
    let (st, body) = as_app(&s, &key, Method::GET, "/chinook/_schema", None).await;
    assert_eq!(st, StatusCode::OK);
    let described: Vec<&str> = body["resource"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(described, ["Genre"]);
    let (st, _) = as_app(&s, &key, Method::GET, "/chinook/_schema/Album", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Nor through a list's include_schema.
    let (st, body) = as_app(
        &s,
        &key,
        Method::GET,
        "/chinook/_table/Album?limit=1&include_schema=true",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");

    let names = |body: &Value| -> Vec<String> {
        body["resource"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, body) = as_app(&s, &key, Method::GET, "", None).await;
    assert_eq!(names(&body), ["chinook"]);
    let (_, body) = as_app(&s, &nothing, Method::GET, "", None).await;
    assert!(names(&body).is_empty(), "{body}");
    let (_, body) = s.get("").await;
    assert!(names(&body).contains(&"system".to_string()), "{body}");

    // The system service is for admins; an app without a role reaches nothing.
    let (st, body) = as_app(&s, &key, Method::GET, "/system/role", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = as_app(&s, &roleless, Method::GET, "/chinook/_table/Album", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no role"),
        "{body}"
    );
}

#[tokio::test]
async fn rotate_deactivate_and_delete_take_effect_on_the_next_request() {
    let Some(s) = crate::start().await else {
        return;
    };
    role(
        &s,
        "reader",
        json!([{ "service": "chinook", "component": "_table/*", "verbs": ["GET"] }]),
    )
    .await;
    let (id, key) = app(&s, "rotating", Some("reader")).await;
    let path = "/chinook/_table/Genre?limit=1";
    assert_eq!(
        as_app(&s, &key, Method::GET, path, None).await.0,
        StatusCode::OK
    );
    // The query-string and DreamFactory header forms work too.
    let (st, _) = s
        .send(s.anonymous(Method::GET, &format!("{path}&api_key={key}")))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .send(
            s.anonymous(Method::GET, path)
                .header("X-DreamFactory-API-Key", &key),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    let (st, body) = s.post(&format!("/system/app/{id}/rotate"), json!({})).await;
    assert!(st.is_success(), "{body}");
    let new_key = body["api_key"].as_str().unwrap_or_default().to_string();
    assert!(new_key.len() > 30 && new_key != key, "{body}");
    assert_eq!(
        as_app(&s, &key, Method::GET, path, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        as_app(&s, &new_key, Method::GET, path, None).await.0,
        StatusCode::OK
    );

    let (st, body) = s
        .patch(&format!("/system/app/{id}"), json!({ "is_active": false }))
        .await;
    assert!(st.is_success(), "{body}");
    assert_eq!(
        as_app(&s, &new_key, Method::GET, path, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (st, body) = s
        .patch(&format!("/system/app/{id}"), json!({ "is_active": true }))
        .await;
    assert!(st.is_success(), "{body}");
    assert_eq!(
        as_app(&s, &new_key, Method::GET, path, None).await.0,
        StatusCode::OK
    );

    // A role change is seen by the next request too.
    let (st, body) = s
        .patch(
            "/system/role/reader",
            json!({ "access": [{ "service": "chinook", "component": "_table/Album", "verbs": ["GET"] }] }),
        )
        .await;
    assert!(st.is_success(), "{body}");
    assert_eq!(
        as_app(&s, &new_key, Method::GET, path, None).await.0,
        StatusCode::FORBIDDEN
    );

    let (st, body) = s.delete(&format!("/system/app/{id}")).await;
    assert!(st.is_success(), "{body}");
    assert_eq!(
        as_app(&s, &new_key, Method::GET, path, None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // The listing never shows a key.
    let (_, listing) = s.get("/system/app").await;
    assert!(!listing.to_string().contains(&new_key), "{listing}");
}

#[tokio::test]
async fn an_app_over_its_rate_limit_gets_429_with_its_headers() {
    let Some(s) = crate::start().await else {
        return;
    };
    role(
        &s,
        "limited",
        json!([{ "service": "chinook", "component": "_table/*", "verbs": ["GET"] }]),
    )
    .await;
    let (st, body) = s
        .post(
            "/system/app",
            json!({ "name": "limited_app", "role": "limited", "rate_limit_per_minute": 2 }),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let key = body["api_key"].as_str().unwrap_or_default().to_string();
    let path = "/chinook/_table/Genre?limit=1";
    let mut last = None;
    for _ in 0..3 {
        let resp = with_key(&s, Method::GET, path, &key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        last = Some((
            resp.status(),
            resp.headers().get("x-ratelimit-limit").cloned(),
            resp.headers().get("x-ratelimit-remaining").cloned(),
            resp.headers().get("retry-after").cloned(),
        ));
        let (st, ..) = last.clone().unwrap_or((StatusCode::OK, None, None, None));
        // The minute may turn between two requests: then the count restarts.
        if st == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    let (st, limit, remaining, retry) = last.unwrap_or((StatusCode::OK, None, None, None));
    if st == StatusCode::TOO_MANY_REQUESTS {
        assert_eq!(limit.as_ref().and_then(|v| v.to_str().ok()), Some("2"));
        assert_eq!(remaining.as_ref().and_then(|v| v.to_str().ok()), Some("0"));
        assert!(retry.is_some());
    } else {
        // Three requests straddled a minute: the header still counts down.
        assert!(remaining.is_some());
    }
}

/// Runs a printed shell line with `API_KEY` set; its stdout as JSON. `None`
/// (after saying SKIPPED) when curl is missing and CI does not require it.
/// On a blocking thread: the server answering curl runs on this test's runtime.
async fn run_line(line: &str, key: &str) -> Option<Value> {
    let (line, key) = (line.to_owned(), key.to_owned());
    tokio::task::spawn_blocking(move || run_line_blocking(&line, &key))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run_line_blocking(line: &str, key: &str) -> Option<Value> {
    let found = std::process::Command::new("sh")
        .args(["-c", "command -v curl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("APIFORGE_REQUIRE_BACKENDS").as_deref() != Ok("1"),
            "curl is required (APIFORGE_REQUIRE_BACKENDS=1)"
        );
        eprintln!("SKIPPED: curl is not installed");
        return None;
    }
    let out = std::process::Command::new("sh")
        .args(["-c", line])
        .env("API_KEY", key)
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    Some(serde_json::from_str(&text).unwrap_or_else(|_| panic!("{line} answered: {text}")))
}

#[tokio::test]
async fn next_steps_and_the_quickstart_lead_to_calls_that_answer_rows() {
    let Some(s) = crate::start().await else {
        return;
    };
    // A service of its own: the suite's `chinook` has the demo's reader already.
    let _guide = s.add_chinook_service("guide", json!({})).await;
    let (st, steps) = s.get("/system/service/guide/next_steps").await;
    assert_eq!(st, StatusCode::OK, "{steps}");
    assert_eq!(steps["ready"], json!(false), "{steps}");
    assert_eq!(steps["steps"][0]["step"], json!("role"));
    assert_eq!(steps["steps"][0]["done"], json!(false));
    assert!(
        steps["steps"][0]["curl"]
            .as_str()
            .is_some_and(|c| c.contains("/system/role")),
        "{steps}"
    );

    // Bad input on the quickstart: the envelope, naming the field.
    for (body, field) in [
        (json!({ "level": "admin" }), "level"),
        (json!({ "components": 3 }), "components"),
        (json!({ "level": "read", "extra": true }), "extra"),
    ] {
        let (st, answer) = s.post("/system/service/guide/_quickstart", body).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(field)),
            "{answer}"
        );
    }
    let (st, _) = s
        .post("/system/service/nowhere/_quickstart", json!({}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, made) = s
        .post(
            "/system/service/guide/_quickstart",
            json!({ "level": "read", "components": "all" }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let key = made["api_key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("afk_"), "{made}");
    // (On PostgreSQL the suite's name mapping may spell the key `Name`.)
    assert!(
        made["role"].to_string().contains("\"guide_auto_role\""),
        "{made}"
    );
    assert!(made["app"].to_string().contains("\"guide_app\""), "{made}");
    for which in ["rest", "graphql"] {
        let line = made["try"][which].as_str().unwrap_or_default().to_string();
        let Some(answer) = run_line(&line, &key).await else {
            return;
        };
        let rows = if which == "rest" {
            answer["resource"].clone()
        } else {
            answer["data"]
                .as_object()
                .and_then(|d| d.values().next().cloned())
                .unwrap_or_default()
        };
        assert!(
            rows.as_array().is_some_and(|r| !r.is_empty()),
            "{line} answered {answer}"
        );
    }
    // The read role may not write.
    let (st, _) = as_app(&s, &key, Method::DELETE, "/guide/_table/Genre/1", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Run again: 409, saying how to get a new key.
    let (st, again) = s.post("/system/service/guide/_quickstart", json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");
    assert!(again.to_string().contains("rotate"), "{again}");

    let (_, steps) = s.get("/system/service/guide/next_steps").await;
    assert_eq!(steps["ready"], json!(true), "{steps}");
}

#[tokio::test]
async fn a_role_s_introspection_lists_only_what_it_may_use_and_follows_its_rules() {
    let Some(s) = crate::start().await else {
        return;
    };
    role(
        &s,
        "album_only",
        json!([{ "service": "chinook", "component": "_table/Album", "verbs": ["GET"] }]),
    )
    .await;
    let (_, key) = app(&s, "album_only_app", Some("album_only")).await;
    // Introspection in the dataset's own names: read past the suite's name
    // mapping, which would rename the `name` keys of the answer itself.
    let raw = |query: &str| {
        let rb = with_key(&s, Method::POST, "/chinook/graphql", &key)
            .json(&json!({ "query": s.path(query) }));
        async move {
            let resp = rb.send().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json::<Value>().await.unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let roots = |answer: &Value| -> Vec<String> {
        let mut names: Vec<String> = answer["data"]["__schema"]["queryType"]["fields"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let introspect =
        "{ __schema { queryType { fields { name } } mutationType { name } types { name } } }";
    let answer = raw(introspect).await;
    let album = s.path("Album");
    assert_eq!(
        roots(&answer),
        [
            album.clone(),
            format!("{album}_aggregate"),
            format!("{album}_by_pk")
        ],
        "{answer}"
    );
    assert!(
        answer["data"]["__schema"]["mutationType"].is_null(),
        "{answer}"
    );
    let types = answer["data"]["__schema"]["types"].to_string();
    assert!(
        !types.contains(&format!("\"{}\"", s.path("Artist"))),
        "{types}"
    );

    // A field it may not use: an error that says why, with its path.
    let answer = gql(
        &s,
        &key,
        "{ a: Album(limit: 1) { Artist_by_ArtistId { Name } } }",
    )
    .await;
    let error = &answer["errors"][0];
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("may not GET")),
        "{answer}"
    );
    assert_eq!(error["path"][0], json!("a"), "{answer}");

    // The next request after a rule change sees the new schema.
    let (st, body) = s
        .patch(
            "/system/role/album_only",
            json!({ "access": [
                { "service": "chinook", "component": "_table/Album", "verbs": ["GET"] },
                { "service": "chinook", "component": "_table/Artist", "verbs": ["GET", "POST"] },
            ]}),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let answer = raw(introspect).await;
    assert!(roots(&answer).contains(&s.path("Artist")), "{answer}");
    assert!(
        answer["data"]["__schema"]["mutationType"]["name"].is_string(),
        "insert_Artist makes a mutation type: {answer}"
    );
}
