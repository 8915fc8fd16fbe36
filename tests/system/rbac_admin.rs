//! Roles, apps (API keys), admins and the audit log through the `system`
//! router (no network), on the harness of `admin_api.rs`: each test gets a
//! fresh, migrated system database and a copy of Chinook.

use apiforge::auth::apikey;
use apiforge_tests::qs;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::admin_api::{DB_PASSWORD, EMAIL, Harness, assert_envelope, message};

/// Registers the Chinook copy as service `chinook` (roles must name a live one).
async fn with_chinook(h: &Harness, t: Option<&str>) {
    let (s, body) = h
        .call(
            "POST",
            "/service",
            t,
            Some(json!({
                "name": "chinook", "type": "sqlite",
                "config": {"database": h.chinook(), "password": DB_PASSWORD}
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

fn reader_role() -> Value {
    json!({
        "name": "reader",
        "description": "reads the music",
        "access": [
            {"service": "chinook", "component": "_table/*", "verbs": ["GET"]},
            {"service": "chinook", "component": "_table/Album", "verbs": ["POST", "GET", "GET"], "filter": "ArtistId = 1"},
            {"service": "chinook", "component": "_schema/*", "verbs": ["GET"], "filter": null}
        ]
    })
}

async fn role_rows(h: &Harness) -> (u64, u64) {
    let roles = entity::role::Entity::find()
        .count(&h.state.system)
        .await
        .unwrap();
    let rules = entity::role_access::Entity::find()
        .count(&h.state.system)
        .await
        .unwrap();
    (roles, rules)
}

/// Expects a 400 envelope whose sentence names `field`.
fn assert_names(status: StatusCode, body: &Value, field: &str, case: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
    assert_envelope(status, body);
    assert!(
        message(body).contains(field),
        "{case}: the message should name '{field}': {body}"
    );
}

#[tokio::test]
async fn the_system_service_lists_the_new_resources() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let (s, body) = h.call("GET", "", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["resource"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for name in ["role", "app", "admin", "audit"] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
}

#[tokio::test]
async fn role_crud_validates_every_rule_and_names_the_field() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let t = Some(token.as_str());
    with_chinook(&h, t).await;

    let (s, created) = h.call("POST", "/role", t, Some(reader_role())).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["name"], "reader");
    assert_eq!(created["is_active"], true);
    let access = created["access"].as_array().expect("access");
    assert_eq!(access.len(), 3);
    assert_eq!(access[1]["component"], "_table/Album");
    // Verbs in canonical order, repeats dropped.
    assert_eq!(access[1]["verbs"], json!(["GET", "POST"]));
    assert_eq!(access[1]["filter"], "ArtistId = 1");
    assert_eq!(access[2]["filter"], Value::Null);
    // Stored as a JSON array of names.
    let stored = entity::role_access::Entity::find()
        .filter(entity::role_access::Column::Component.eq("_table/Album"))
        .one(&h.state.system)
        .await
        .unwrap()
        .expect("rule row");
    assert_eq!(stored.verbs, r#"["GET","POST"]"#);
    assert_eq!(role_rows(&h).await, (1, 3));

    let rule = |r: Value| json!({"name": "bad", "access": [r]});
    let ok_rule = json!({"service": "chinook", "component": "*", "verbs": ["GET"]});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("no name", json!({"access": []}), "'name'"),
        ("name is a number", json!({"name": 5}), "'name'"),
        ("name starts with a digit", json!({"name": "1st"}), "'name'"),
        (
            "unknown field",
            json!({"name": "x", "acces": []}),
            "'acces'",
        ),
        (
            "description not text",
            json!({"name": "x", "description": ["a"]}),
            "'description'",
        ),
        (
            "is_active not a boolean",
            json!({"name": "x", "is_active": "yes"}),
            "'is_active'",
        ),
        (
            "access not a list",
            json!({"name": "x", "access": {"service": "chinook"}}),
            "'access'",
        ),
        (
            "a rule not an object",
            json!({"name": "x", "access": ["chinook"]}),
            "'access[0]'",
        ),
        (
            "unknown rule field",
            rule(json!({"service": "chinook", "component": "*", "verbs": ["GET"], "verb": "GET"})),
            "'access[0].verb'",
        ),
        (
            "no service",
            rule(json!({"component": "*", "verbs": ["GET"]})),
            "'access[0].service'",
        ),
        (
            "unknown service",
            rule(json!({"service": "nosuch", "component": "*", "verbs": ["GET"]})),
            "'access[0].service'",
        ),
        (
            "the system service",
            rule(json!({"service": "system", "component": "*", "verbs": ["GET"]})),
            "'access[0].service'",
        ),
        (
            "bad component",
            rule(json!({"service": "chinook", "component": "_table", "verbs": ["GET"]})),
            "'access[0].component'",
        ),
        (
            "other component",
            rule(json!({"service": "chinook", "component": "_proc/*", "verbs": ["GET"]})),
            "'access[0].component'",
        ),
        (
            "unknown table",
            rule(json!({"service": "chinook", "component": "_table/NoSuch", "verbs": ["GET"]})),
            "'access[0].component'",
        ),
        (
            "unknown schema table",
            rule(json!({"service": "chinook", "component": "_schema/album", "verbs": ["GET"]})),
            "'access[0].component'",
        ),
        (
            "no verbs",
            rule(json!({"service": "chinook", "component": "*"})),
            "'access[0].verbs'",
        ),
        (
            "empty verbs",
            json!({"name": "x", "access": [ok_rule.clone(), {"service": "chinook", "component": "_table/*", "verbs": []}]}),
            "'access[1].verbs'",
        ),
        (
            "lower-case verb",
            rule(json!({"service": "chinook", "component": "*", "verbs": ["get"]})),
            "'access[0].verbs'",
        ),
        (
            "unknown verb",
            rule(json!({"service": "chinook", "component": "*", "verbs": ["GET", "HEAD"]})),
            "'access[0].verbs'",
        ),
        (
            "verbs not a list",
            rule(json!({"service": "chinook", "component": "*", "verbs": "GET"})),
            "'access[0].verbs'",
        ),
        (
            "filter not text",
            rule(json!({"service": "chinook", "component": "*", "verbs": ["GET"], "filter": 3})),
            "'access[0].filter'",
        ),
        (
            "filter on a schema",
            rule(
                json!({"service": "chinook", "component": "_schema/*", "verbs": ["GET"], "filter": "a = 1"}),
            ),
            "'access[0].filter'",
        ),
        (
            "filter unknown field",
            rule(
                json!({"service": "chinook", "component": "_table/Album", "verbs": ["GET"], "filter": "Nope = 1"}),
            ),
            "'access[0].filter'",
        ),
        (
            "same rule twice",
            json!({"name": "x", "access": [ok_rule.clone(), ok_rule.clone()]}),
            "'access[1]'",
        ),
    ];
    for (case, body, field) in cases {
        let (s, b) = h.call("POST", "/role", t, Some(body)).await;
        assert_names(s, &b, field, case);
    }
    // A filter's syntax error carries its position.
    let (s, b) = h
        .call(
            "POST",
            "/role",
            t,
            Some(rule(json!({"service": "chinook", "component": "_table/*", "verbs": ["GET"], "filter": "ArtistId = "}))),
        )
        .await;
    assert_names(s, &b, "'access[0].filter'", "filter syntax");
    assert!(message(&b).contains("position"), "{b}");
    // Nothing of the refused roles was stored.
    assert_eq!(role_rows(&h).await, (1, 3));

    // Names are unique, whatever the case.
    for name in ["reader", "READER"] {
        let (s, b) = h
            .call("POST", "/role", t, Some(json!({"name": name})))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert_envelope(s, &b);
        assert!(message(&b).contains("already exists"), "{b}");
    }

    // By id or by name; unknown ones are 404.
    let (s, by_name) = h.call("GET", "/role/reader", t, None).await;
    assert_eq!(s, StatusCode::OK, "{by_name}");
    let (s, by_id) = h.call("GET", &format!("/role/{id}"), t, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_name, by_id);
    assert_eq!(by_id["access"], created["access"]);
    for key in ["nosuch", "99999", "-1", "99999999999999999999"] {
        let (s, b) = h.call("GET", &format!("/role/{key}"), t, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{key}: {b}");
        assert_envelope(s, &b);
    }
    let (s, list) = h.call("GET", "/role", t, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["resource"], json!([by_id]));

    // PATCH changes what it sends; the rules stay.
    let (s, patched) = h
        .call(
            "PATCH",
            "/role/reader",
            t,
            Some(json!({"description": "new"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["description"], "new");
    assert_eq!(patched["access"], created["access"]);
    // A refused edit changes nothing.
    let (s, b) = h
        .call(
            "PATCH",
            "/role/reader",
            t,
            Some(json!({"description": "lost", "access": [{"service": "chinook", "component": "*", "verbs": ["FETCH"]}]})),
        )
        .await;
    assert_names(s, &b, "'access[0].verbs'", "patch");
    let (_, now) = h.call("GET", "/role/reader", t, None).await;
    assert_eq!(now["description"], "new");
    assert_eq!(role_rows(&h).await, (1, 3));
    // PUT replaces: what it leaves out takes its default, the name stays.
    let (s, put) = h
        .call(
            "PUT",
            &format!("/role/{id}"),
            t,
            Some(json!({"access": [{"service": "chinook", "component": "_table/Track", "verbs": ["DELETE", "PATCH"], "filter": "TrackId > 10"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{put}");
    assert_eq!(put["name"], "reader");
    assert_eq!(put["description"], "");
    assert_eq!(
        put["access"],
        json!([{"service": "chinook", "component": "_table/Track", "verbs": ["PATCH", "DELETE"], "filter": "TrackId > 10"}])
    );
    assert_eq!(role_rows(&h).await, (1, 1));
    // A rename is a conflict only with another role.
    let (s, b) = h
        .call("PATCH", "/role/reader", t, Some(json!({"name": "Reader"})))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Several at once: all or nothing.
    let (s, b) = h
        .call(
            "POST",
            "/role",
            t,
            Some(json!({"resource": [{"name": "a"}, {"name": "b", "access": [{"service": "chinook", "component": "*", "verbs": []}]}]})),
        )
        .await;
    assert_names(s, &b, "'access[0].verbs'", "batch");
    assert!(message(&b).contains("role #2 of 2"), "{b}");
    assert_eq!(role_rows(&h).await, (1, 1));
    let (s, b) = h
        .call(
            "POST",
            "/role",
            t,
            Some(json!({"resource": [{"name": "a"}, {"name": "b"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["resource"].as_array().map(Vec::len), Some(2));

    // DELETE takes the rules along.
    let (s, b) = h.call("DELETE", "/role/Reader", t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["id"].as_i64(), Some(id));
    let (s, _) = h.call("GET", &format!("/role/{id}"), t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(role_rows(&h).await, (2, 0));
    let (s, _) = h.call("DELETE", &format!("/role/{id}"), t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn apps_show_their_key_once_and_rotate_it() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let t = Some(token.as_str());
    with_chinook(&h, t).await;
    let (s, b) = h.call("POST", "/role", t, Some(reader_role())).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    let (s, created) = h
        .call(
            "POST",
            "/app",
            t,
            Some(json!({"name": "client", "description": "a test client", "role": "reader", "rate_limit_per_minute": 60})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    let key = created["api_key"]
        .as_str()
        .expect("the key, once")
        .to_owned();
    assert!(key.starts_with(apikey::PREFIX), "{key}");
    let prefix = created["api_key_prefix"]
        .as_str()
        .expect("prefix")
        .to_owned();
    assert!(key.starts_with(&prefix) && prefix.len() < key.len());
    assert_eq!(created["role"], "reader");
    assert_eq!(created["is_active"], true);
    assert_eq!(created["rate_limit_per_minute"], 60);
    // Only the hash is stored.
    let row = entity::app::Entity::find_by_id(i32::try_from(id).unwrap())
        .one(&h.state.system)
        .await
        .unwrap()
        .expect("row");
    assert_eq!(row.api_key_hash, apikey::hash(&key));
    assert_ne!(row.api_key_hash, key);

    // Listings and reads show the prefix, never the key or its hash.
    for path in ["/app", "/app/client", &format!("/app/{id}")] {
        let (s, b) = h.call("GET", path, t, None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let text = b.to_string();
        assert!(!text.contains(&key), "{path} shows the key: {text}");
        assert!(!text.contains(&row.api_key_hash), "{path} shows the hash");
        assert!(!text.contains("api_key\""), "{path}: {text}");
        assert!(text.contains(&prefix), "{path}: {text}");
    }

    // Rotate: a new key, shown once; the old hash is gone.
    let (s, rotated) = h.call("POST", "/app/client/rotate", t, None).await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let key2 = rotated["api_key"].as_str().expect("new key").to_owned();
    assert_ne!(key2, key);
    assert_eq!(rotated["name"], "client");
    let row = entity::app::Entity::find_by_id(i32::try_from(id).unwrap())
        .one(&h.state.system)
        .await
        .unwrap()
        .expect("row");
    assert_eq!(row.api_key_hash, apikey::hash(&key2));
    assert_eq!(rotated["api_key_prefix"], row.api_key_prefix.as_str());
    let (s, _) = h.call("POST", "/app/nosuch/rotate", t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let cases: Vec<(&str, Value, &str)> = vec![
        ("no name", json!({"role": "reader"}), "'name'"),
        ("bad name", json!({"name": "my app"}), "'name'"),
        (
            "unknown role",
            json!({"name": "x", "role": "writer"}),
            "'role'",
        ),
        (
            "role of the wrong type",
            json!({"name": "x", "role": true}),
            "'role'",
        ),
        (
            "zero rate",
            json!({"name": "x", "rate_limit_per_minute": 0}),
            "'rate_limit_per_minute'",
        ),
        (
            "negative rate",
            json!({"name": "x", "rate_limit_per_minute": -5}),
            "'rate_limit_per_minute'",
        ),
        (
            "huge rate",
            json!({"name": "x", "rate_limit_per_minute": 1e20}),
            "'rate_limit_per_minute'",
        ),
        (
            "fractional rate",
            json!({"name": "x", "rate_limit_per_minute": 1.5}),
            "'rate_limit_per_minute'",
        ),
        (
            "rate as text",
            json!({"name": "x", "rate_limit_per_minute": "60"}),
            "'rate_limit_per_minute'",
        ),
        (
            "is_active as text",
            json!({"name": "x", "is_active": "no"}),
            "'is_active'",
        ),
        (
            "a key sent",
            json!({"name": "x", "api_key": "afk_mine"}),
            "'api_key'",
        ),
        (
            "unknown field",
            json!({"name": "x", "owner": "me"}),
            "'owner'",
        ),
        ("not an object", json!(["x"]), "an app"),
    ];
    for (case, body, field) in cases {
        let (s, b) = h.call("POST", "/app", t, Some(body)).await;
        assert_names(s, &b, field, case);
    }
    let (s, b) = h
        .call("POST", "/app", t, Some(json!({"name": "CLIENT"})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(
        entity::app::Entity::find()
            .count(&h.state.system)
            .await
            .unwrap(),
        1
    );

    // PATCH: only what is sent; null clears.
    let (s, b) = h
        .call("PATCH", "/app/client", t, Some(json!({"is_active": false})))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["is_active"], false);
    assert_eq!(b["role"], "reader");
    assert_eq!(b["rate_limit_per_minute"], 60);
    assert!(b.get("api_key").is_none(), "{b}");
    let (s, b) = h
        .call(
            "PATCH",
            "/app/client",
            t,
            Some(json!({"role": null, "rate_limit_per_minute": null})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["role"], Value::Null);
    assert_eq!(b["rate_limit_per_minute"], Value::Null);
    assert_eq!(b["is_active"], false);
    let (s, b) = h
        .call("PATCH", "/app/client", t, Some(json!({"role": "nobody"})))
        .await;
    assert_names(s, &b, "'role'", "patch unknown role");
    // PUT: what it leaves out takes its default.
    let (s, b) = h
        .call("PUT", "/app/client", t, Some(json!({"role": "reader"})))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["is_active"], true);
    assert_eq!(b["description"], "");
    assert_eq!(b["role"], "reader");

    // Deleting the role leaves the app, without a role.
    let (s, b) = h.call("DELETE", "/role/reader", t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = h.call("GET", "/app/client", t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["role"], Value::Null);

    // DELETE revokes.
    let (s, b) = h.call("DELETE", &format!("/app/{id}"), t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = h.call("GET", "/app/client", t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert_envelope(s, &b);
    let (s, _) = h.call("PATCH", "/app/client", t, Some(json!({}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    h.assert_no_secret_leaked();
}

async fn login_as(h: &Harness, email: &str, password: &str) -> (StatusCode, Value) {
    h.call(
        "POST",
        "/admin/session",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

#[tokio::test]
async fn admins_crud_and_the_last_admin_stays() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let t = Some(token.as_str());
    let (s, list) = h.call("GET", "/admin", t, None).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let admins = list["resource"].as_array().expect("list");
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0]["email"], EMAIL);
    let first_id = admins[0]["id"].as_i64().expect("id");
    assert!(admins[0].get("password_hash").is_none());

    let second_pw = "second-admin-password";
    let (s, created) = h
        .call(
            "POST",
            "/admin",
            t,
            Some(json!({"email": " Second@Example.com", "password": second_pw})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["email"], "second@example.com");
    let second_id = created["id"].as_i64().expect("id");
    let text = created.to_string();
    assert!(
        !text.contains(second_pw) && !text.contains("$argon2"),
        "{text}"
    );

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "bad email",
            json!({"email": "nobody", "password": second_pw}),
            "email",
        ),
        (
            "short password",
            json!({"email": "third@example.com", "password": "short"}),
            "password",
        ),
        (
            "no password",
            json!({"email": "third@example.com"}),
            "'password'",
        ),
        (
            "password not text",
            json!({"email": "third@example.com", "password": 12345678}),
            "'password'",
        ),
        (
            "unknown field",
            json!({"email": "third@example.com", "password": second_pw, "role": "x"}),
            "'role'",
        ),
    ];
    for (case, body, field) in cases {
        let (s, b) = h.call("POST", "/admin", t, Some(body)).await;
        assert_names(s, &b, field, case);
    }
    let (s, b) = h
        .call(
            "POST",
            "/admin",
            t,
            Some(json!({"email": "SECOND@example.com", "password": second_pw})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // The new admin logs in; by email or id, the same admin.
    let (s, b) = login_as(&h, "second@example.com", second_pw).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let second_token = b["session_token"].as_str().expect("token").to_owned();
    let (s, by_email) = h.call("GET", "/admin/second@example.com", t, None).await;
    assert_eq!(s, StatusCode::OK, "{by_email}");
    let (_, by_id) = h.call("GET", &format!("/admin/{second_id}"), t, None).await;
    assert_eq!(by_email, by_id);

    // A new password: the old one stops working.
    let new_pw = "a-brand-new-password";
    let (s, b) = h
        .call(
            "PATCH",
            &format!("/admin/{second_id}"),
            Some(&second_token),
            Some(json!({"password": new_pw})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(!b.to_string().contains(new_pw));
    assert_eq!(
        login_as(&h, "second@example.com", second_pw).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_as(&h, "second@example.com", new_pw).await.0,
        StatusCode::OK
    );
    let (s, b) = h
        .call("PATCH", &format!("/admin/{second_id}"), t, Some(json!({})))
        .await;
    assert_names(s, &b, "password", "empty patch");
    let (s, b) = h
        .call(
            "PATCH",
            &format!("/admin/{second_id}"),
            t,
            Some(json!({"email": EMAIL})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // Deleting an admin ends their sessions at once.
    let (s, b) = h.call("GET", "/admin", Some(&second_token), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = h
        .call("DELETE", &format!("/admin/{second_id}"), t, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = h.call("GET", "/admin", Some(&second_token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    assert_envelope(s, &b);
    let (s, _) = h.call("GET", &format!("/admin/{second_id}"), t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The last admin cannot go, not even by their own hand.
    let (s, b) = h
        .call("DELETE", &format!("/admin/{first_id}"), t, None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_envelope(s, &b);
    assert!(message(&b).contains("last admin"), "{b}");
    let (s, b) = h.call("GET", "/admin", t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["resource"].as_array().map(Vec::len), Some(1));
    // PUT is not how admins change.
    let (s, b) = h
        .call("PUT", &format!("/admin/{first_id}"), t, Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{b}");
    h.assert_no_secret_leaked();
}

#[tokio::test]
async fn the_audit_log_records_each_change_and_no_secret() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let t = Some(token.as_str());
    with_chinook(&h, t).await;
    let (s, _) = h.call("POST", "/role", t, Some(reader_role())).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, app) = h
        .call(
            "POST",
            "/app",
            t,
            Some(json!({"name": "client", "role": "reader"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let key = app["api_key"].as_str().unwrap().to_owned();
    let (_, rotated) = h.call("POST", "/app/client/rotate", t, None).await;
    let key2 = rotated["api_key"].as_str().unwrap().to_owned();
    let admin_pw = "third-admin-password";
    let (s, _) = h
        .call(
            "POST",
            "/admin",
            t,
            Some(json!({"email": "third@example.com", "password": admin_pw})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = h
        .call(
            "PATCH",
            "/service/chinook",
            t,
            Some(json!({"label": "Music", "config": {"password": "An0ther-S3cret"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = h
        .call("PATCH", "/app/client", t, Some(json!({"is_active": false})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = h.call("DELETE", "/app/client", t, None).await;
    assert_eq!(s, StatusCode::OK);
    // A refused change leaves no entry.
    let (s, _) = h
        .call("POST", "/role", t, Some(json!({"name": "reader"})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, log) = h.call("GET", "/audit", t, None).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let entries = log["resource"].as_array().expect("entries");
    let seen: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["object_type"].as_str().unwrap_or_default().to_owned(),
                e["object"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("delete", "app", "client"),
        ("update", "app", "client"),
        ("update", "service", "chinook"),
        ("create", "admin", "third@example.com"),
        ("rotate", "app", "client"),
        ("create", "app", "client"),
        ("create", "role", "reader"),
        ("create", "service", "chinook"),
        ("login", "admin", EMAIL),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(seen, expected, "newest first");
    for e in entries {
        assert_eq!(e["actor"], EMAIL, "{e}");
        assert!(
            e["at"].as_str().is_some() && e["id"].as_i64().is_some(),
            "{e}"
        );
    }
    // The details say what changed, with harmless values.
    let role_entry = &entries[6];
    assert_eq!(
        role_entry["detail"]["access"][1]["verbs"],
        json!(["GET", "POST"])
    );
    assert_eq!(role_entry["detail"]["access"][1]["filter"], true);
    assert_eq!(entries[1]["detail"]["is_active"], false);
    assert_eq!(entries[1]["detail"]["fields"], json!(["is_active"]));
    assert_eq!(
        entries[2]["detail"]["fields"],
        json!(["config.password", "label"])
    );
    // No secret anywhere: not the passwords, not the keys, not their hashes.
    let text = log.to_string();
    for secret in [
        DB_PASSWORD,
        "An0ther-S3cret",
        admin_pw,
        crate::admin_api::PASSWORD,
        &key,
        &key2,
        &apikey::hash(&key),
        &apikey::hash(&key2),
        "$argon2",
    ] {
        assert!(
            !text.contains(secret),
            "the audit log holds '{secret}': {text}"
        );
    }

    // limit and offset page through, newest first.
    let (s, b) = h.call("GET", "/audit?limit=2", t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["resource"].as_array().unwrap().as_slice(), &entries[..2]);
    let (s, b) = h.call("GET", "/audit?limit=1&offset=4", t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["resource"].as_array().unwrap().as_slice(), &entries[4..5]);
    let (_, b) = h.call("GET", "/audit?offset=100", t, None).await;
    assert_eq!(b["resource"], json!([]));

    // filter= in the data API's grammar, over the log's fields.
    let filtered = |f: &str| format!("/audit{}", qs(&[("filter", f)]));
    let (s, b) = h.call("GET", &filtered("action = 'rotate'"), t, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["resource"].as_array().unwrap().as_slice(), &entries[4..5]);
    let (s, b) = h
        .call(
            "GET",
            &filtered("object_type = 'app' and (action = 'create' or action = 'delete')"),
            t,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let ids: Vec<&Value> = b["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, vec![&entries[0]["id"], &entries[5]["id"]]);
    let (s, b) = h
        .call(
            "GET",
            &format!("{}&limit=1", filtered("object starts with 'chin'")),
            t,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["resource"].as_array().unwrap().as_slice(), &entries[2..3]);
    let (_, b) = h
        .call("GET", &filtered("at > '2000-01-01T00:00:00Z'"), t, None)
        .await;
    assert_eq!(
        b["resource"].as_array().map(Vec::len),
        Some(entries.len()),
        "{b}"
    );
    let (_, b) = h
        .call("GET", &filtered("at < '2000-01-01T00:00:00Z'"), t, None)
        .await;
    assert_eq!(b["resource"], json!([]));
    let (_, b) = h
        .call(
            "GET",
            &filtered(&format!("actor = '{EMAIL}' and id > 0")),
            t,
            None,
        )
        .await;
    assert_eq!(
        b["resource"].as_array().map(Vec::len),
        Some(entries.len()),
        "{b}"
    );

    // Bad parameters are 400s that name them.
    for (query, field) in [
        (filtered("detail = 'x'"), "detail"),
        (filtered("secret = 1"), "secret"),
        (filtered("action = "), "position"),
        ("/audit?limit=5000".to_owned(), "limit"),
        ("/audit?limit=-1".to_owned(), "limit"),
        ("/audit?limit=ten".to_owned(), "limit"),
        ("/audit?offset=-3".to_owned(), "offset"),
        ("/audit?order=at".to_owned(), "order"),
    ] {
        let (s, b) = h.call("GET", &query, t, None).await;
        assert_names(s, &b, field, &query);
    }

    // Logging out is recorded too.
    let (s, _) = h.call("DELETE", "/admin/session", t, None).await;
    assert_eq!(s, StatusCode::OK);
    let token = h.login().await;
    let (_, b) = h
        .call("GET", &filtered("action = 'logout'"), Some(&token), None)
        .await;
    assert_eq!(b["resource"].as_array().map(Vec::len), Some(1), "{b}");
    h.assert_no_secret_leaked();
}

/// Changes at once from several admins all succeed: each transaction reads
/// (names taken, the role) before it writes, which on SQLite must not fail
/// with "database is locked" when another writer got there first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_all_succeed() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let h = std::sync::Arc::new(h);
    let token = h.login().await;
    let (s, b) = h
        .call("POST", "/role", Some(&token), Some(json!({"name": "r"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (h, token) = (h.clone(), token.clone());
        calls.spawn(async move {
            let (path, body) = if i % 3 == 0 {
                ("/role", json!({"name": format!("role{i}")}))
            } else {
                ("/app", json!({"name": format!("app{i}"), "role": "r"}))
            };
            h.call("POST", path, Some(&token), Some(body)).await
        });
    }
    while let Some(done) = calls.join_next().await {
        let (s, b) = done.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (_, log) = h
        .call(
            "GET",
            &format!("/audit{}", qs(&[("filter", "action = 'create'")])),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(log["resource"].as_array().map(Vec::len), Some(13), "{log}");
}

/// Bodies of the wrong shape on every new endpoint: 400 envelopes, never 500.
#[tokio::test]
async fn malformed_bodies_are_400s() {
    let Some(h) = Harness::new().await else {
        return;
    };
    let token = h.login().await;
    let t = Some(token.as_str());
    for (method, path) in [
        ("POST", "/role"),
        ("POST", "/app"),
        ("POST", "/admin"),
        ("PATCH", "/admin/1"),
    ] {
        for body in [
            json!(null),
            json!(5),
            json!("role"),
            json!([{"name": "x"}]),
            json!({"resource": "x"}),
            json!({"resource": []}),
            json!({"resource": [null]}),
        ] {
            let (s, b) = h.call(method, path, t, Some(body.clone())).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{method} {path} {body}: {b}");
            assert_envelope(s, &b);
        }
    }
    for path in ["/role/x", "/app/x"] {
        let (s, b) = h.call("PATCH", path, t, Some(json!([]))).await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND,
            "{path}: {b}"
        );
        assert_envelope(s, &b);
    }
}
