//! Apps & keys (the key shown once, copied, forgotten; rotate; deactivate;
//! delete), Admins and the audit log as state machines, with snapshots of
//! each state at 80×24 and 120×40.

use apiforge_tui::action::Effect;
use apiforge_tui::app::App;
use apiforge_tui::client::{Call, Method};
use apiforge_tui::screen::ScreenId;
use apiforge_tui::screens::admins::{self, Admins};
use apiforge_tui::screens::apps::{Apps, Popup};
use apiforge_tui::screens::audit::{Audit, PAGE};
use apiforge_tui::testing::{self, answer, find, press, refusal, render, type_str};
use crossterm::event::KeyCode;
use serde_json::{Value, json};

const KEY: &str = "afk_Fcgfqk6WZC2lA67Xkfcu_iSMLADXuZyDBpVGXbY0sYg";
const NEW_KEY: &str = "afk_AetB0s4IPfJpB_-e2AZsYP-uSXsAQkESK37tMzTXYD0";

fn apps_json() -> Value {
    json!({"resource": [
        {"id": 1, "name": "chinook-reader-app", "description": "made by the guided flow", "role": "chinook-reader",
         "is_active": true, "rate_limit_per_minute": null, "api_key_prefix": "afk_BQAxCiGh"},
        {"id": 2, "name": "shop-backend", "description": "", "role": null,
         "is_active": false, "rate_limit_per_minute": 600, "api_key_prefix": "afk_Fcgfqk6W"}
    ]})
}

fn jump(app: &mut App, to: &str) {
    press(app, KeyCode::Char(':'));
    type_str(app, to);
    press(app, KeyCode::Enter);
}

fn on_apps() -> App {
    let mut app = testing::signed_in();
    jump(&mut app, "apps");
    answer(&mut app, "GET /api/v2/system/app", Ok(apps_json()));
    app
}

fn apps(app: &App) -> &Apps {
    app.top::<Apps>().expect("on Apps")
}

fn sent(fx: &[Effect]) -> Vec<Call> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { call, .. } => Some((**call).clone()),
            _ => None,
        })
        .collect()
}

fn snap(app: &App, name: &str) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

#[test]
fn the_list_shows_role_state_key_prefix_and_limit() {
    let app = on_apps();
    assert_eq!(
        apps(&app).list.rows,
        vec![
            vec![
                "chinook-reader-app",
                "chinook-reader",
                "yes",
                "afk_BQAxCiGh…",
                "none"
            ],
            vec!["shop-backend", "(none)", "no", "afk_Fcgfqk6W…", "600/min"],
        ]
    );
    snap(&app, "apps_list");
}

#[test]
fn an_empty_list_says_how_to_start() {
    let mut app = testing::signed_in();
    jump(&mut app, "apps");
    answer(
        &mut app,
        "GET /api/v2/system/app",
        Ok(json!({"resource": []})),
    );
    assert!(render(&app, 80, 24).contains("No app yet"));
    snap(&app, "apps_empty");
}

/// n, roles loaded, `name` typed, the role chosen with → and a rate limit.
fn fill_form(app: &mut App, name: &str, rate: &str) {
    let fx = press(app, KeyCode::Char('n'));
    assert!(
        sent(&fx).iter().any(|c| c.path == "/api/v2/system/role"),
        "the roles to choose from are loaded: {fx:?}"
    );
    answer(
        app,
        "GET /api/v2/system/role",
        Ok(json!({"resource": [
            {"id": 1, "name": "chinook-reader", "access": []},
            {"id": 2, "name": "shop-writer", "access": []}
        ]})),
    );
    type_str(app, name);
    press(app, KeyCode::Tab);
    type_str(app, "for the shop");
    press(app, KeyCode::Tab);
    assert!(
        !app.screen().is_some_and(|s| s.typing()),
        "the role is chosen, not typed"
    );
    press(app, KeyCode::Right);
    press(app, KeyCode::Right);
    press(app, KeyCode::Tab);
    type_str(app, rate);
}

#[test]
fn create_shows_the_key_once_copies_it_and_forgets_it_on_close() {
    let mut app = on_apps();
    fill_form(&mut app, "shop-front", "60");
    snap(&app, "apps_form");
    let fx = press(&mut app, KeyCode::Enter);
    let calls = sent(&fx);
    assert_eq!(calls.len(), 1, "{fx:?}");
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/app")
    );
    assert_eq!(
        calls[0].body,
        Some(json!({
            "name": "shop-front",
            "description": "for the shop",
            "role": "shop-writer",
            "rate_limit_per_minute": 60
        }))
    );
    answer(
        &mut app,
        "POST /api/v2/system/app",
        Ok(
            json!({"id": 3, "name": "shop-front", "description": "for the shop", "role": "shop-writer",
                  "is_active": true, "rate_limit_per_minute": 60, "api_key_prefix": "afk_Fcgfqk6W",
                  "api_key": KEY}),
        ),
    );
    assert_eq!(apps(&app).shown_key(), Some(KEY));
    let screen = render(&app, 80, 24);
    // The whole key, alone on one line (a mouse selection takes only it).
    assert!(
        screen
            .lines()
            .any(|l| l.trim_matches(|c| c == ' ' || c == '│') == KEY),
        "{screen}"
    );
    assert!(screen.contains("shown once"), "{screen}");
    assert!(screen.contains("will not be shown again"), "{screen}");
    snap(&app, "apps_key_created");
    // c copies it (OSC 52), and the popup stays.
    let fx = press(&mut app, KeyCode::Char('c'));
    assert!(fx.contains(&Effect::Copy(KEY.into())), "{fx:?}");
    assert_eq!(apps(&app).shown_key(), Some(KEY));
    // A stray q does not leave the screen and lose the key.
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::Apps));
    assert_eq!(apps(&app).shown_key(), Some(KEY));
    // Enter closes: the key is gone from state and screen, the list reloads.
    let fx = press(&mut app, KeyCode::Enter);
    assert_eq!(apps(&app).popup, Popup::None);
    assert_eq!(apps(&app).shown_key(), None);
    assert!(!render(&app, 120, 40).contains(KEY));
    assert!(
        sent(&fx).iter().any(|c| c.path == "/api/v2/system/app"),
        "{fx:?}"
    );
}

#[test]
fn the_form_checks_the_name_and_the_limit_and_places_server_errors() {
    let mut app = on_apps();
    fill_form(&mut app, "", "lots");
    let fx = press(&mut app, KeyCode::Enter);
    assert!(sent(&fx).is_empty(), "{fx:?}");
    let Popup::Form(f) = &apps(&app).popup else {
        panic!("the form stays");
    };
    assert!(f.form.field("name").is_some_and(|x| x.error.is_some()));
    assert!(
        f.form
            .field("rate_limit_per_minute")
            .is_some_and(|x| x.error.is_some())
    );
    snap(&app, "apps_form_errors");
    type_str(&mut app, "x");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "POST /api/v2/system/app",
        refusal(
            400,
            "'role' names no role: there is no role 'shop-writer' (GET /api/v2/system/role lists them)",
        ),
    );
    let Popup::Form(f) = &apps(&app).popup else {
        panic!("the form stays");
    };
    assert!(
        f.form
            .field("role")
            .and_then(|x| x.error.as_deref())
            .is_some_and(|e| e.contains("names no role"))
    );
    // Esc closes the form without sending anything.
    let fx = press(&mut app, KeyCode::Esc);
    assert!(sent(&fx).is_empty());
    assert_eq!(apps(&app).popup, Popup::None);
}

#[test]
fn rotate_asks_first_then_shows_the_new_key_once() {
    let mut app = on_apps();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('o'));
    assert!(render(&app, 80, 24).contains("Issue a new key for app 'shop-backend'?"));
    snap(&app, "apps_confirm_rotate");
    let fx = press(&mut app, KeyCode::Char('y'));
    let calls = sent(&fx);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/app/2/rotate")
    );
    answer(
        &mut app,
        "/app/2/rotate",
        Ok(
            json!({"id": 2, "name": "shop-backend", "role": null, "is_active": false,
                  "rate_limit_per_minute": 600, "api_key_prefix": "afk_AetB0s4I", "api_key": NEW_KEY}),
        ),
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("has a new API key"), "{screen}");
    assert!(screen.contains(NEW_KEY), "{screen}");
    snap(&app, "apps_key_rotated");
    press(&mut app, KeyCode::Esc);
    assert_eq!(apps(&app).shown_key(), None);
    // A key other than y keeps the old key.
    press(&mut app, KeyCode::Char('o'));
    let fx = press(&mut app, KeyCode::Char('n'));
    assert!(sent(&fx).is_empty());
}

#[test]
fn x_deactivates_and_reactivates_with_a_patch() {
    let mut app = on_apps();
    let fx = press(&mut app, KeyCode::Char('x'));
    let calls = sent(&fx);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Patch, "/api/v2/system/app/1")
    );
    assert_eq!(calls[0].body, Some(json!({"is_active": false})));
    answer(
        &mut app,
        "PATCH /api/v2/system/app/1",
        Ok(
            json!({"id": 1, "name": "chinook-reader-app", "is_active": false, "api_key_prefix": "afk_BQAxCiGh"}),
        ),
    );
    assert!(
        app.notice
            .as_deref()
            .is_some_and(|n| n.starts_with("app 'chinook-reader-app' deactivated"))
    );
    assert!(find(&app, "GET /api/v2/system/app").is_some(), "reloads");
    answer(&mut app, "GET /api/v2/system/app", Ok(apps_json()));
    press(&mut app, KeyCode::Down);
    let fx = press(&mut app, KeyCode::Char('x'));
    assert_eq!(sent(&fx)[0].body, Some(json!({"is_active": true})));
}

#[test]
fn d_asks_first_and_a_refusal_shows_above_the_list() {
    let mut app = on_apps();
    press(&mut app, KeyCode::Char('d'));
    snap(&app, "apps_confirm_delete");
    let fx = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        (sent(&fx)[0].method, sent(&fx)[0].path.as_str()),
        (Method::Delete, "/api/v2/system/app/1")
    );
    answer(
        &mut app,
        "DELETE /api/v2/system/app/1",
        refusal(
            404,
            "there is no app '1' (GET /api/v2/system/app lists them)",
        ),
    );
    assert!(render(&app, 80, 24).contains("! there is no app '1'"));
    snap(&app, "apps_refused");
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('y'));
    answer(
        &mut app,
        "DELETE /api/v2/system/app/1",
        Ok(json!({"id": 1, "name": "chinook-reader-app"})),
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("app 'chinook-reader-app' deleted")
    );
}

// Admins.

fn admins_json() -> Value {
    json!({"resource": [
        {"id": 1, "email": "admin@example.com", "created_at": "2026-12-06T21:06:20.519169203Z"},
        {"id": 2, "email": "ops@example.com", "created_at": "2026-12-07T08:30:00Z"}
    ]})
}

#[test]
fn admins_list_add_with_a_masked_password_and_delete() {
    let mut app = testing::signed_in();
    jump(&mut app, "admins");
    answer(&mut app, "GET /api/v2/system/admin", Ok(admins_json()));
    let screen = app.top::<Admins>().expect("Admins");
    assert_eq!(
        screen.list.rows[0],
        vec!["admin@example.com", "2026-12-06 21:06:20"]
    );
    assert_eq!(admins::when("2026-12-07T08:30:00Z"), "2026-12-07 08:30:00");
    snap(&app, "admins_list");
    press(&mut app, KeyCode::Char('n'));
    assert!(app.screen().is_some_and(|s| s.typing()));
    type_str(&mut app, "new@example.com");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "hunter2hunter2");
    let screen = render(&app, 80, 24);
    assert!(!screen.contains("hunter2"), "{screen}");
    snap(&app, "admins_form");
    let fx = press(&mut app, KeyCode::Enter);
    let calls = sent(&fx);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/admin")
    );
    assert_eq!(
        calls[0].body,
        Some(json!({"email": "new@example.com", "password": "hunter2hunter2"}))
    );
    answer(
        &mut app,
        "POST /api/v2/system/admin",
        refusal(400, "the admin password must have at least 8 characters"),
    );
    let Some(admins::Popup::Form(form)) = app.top::<Admins>().map(|a| &a.popup) else {
        panic!("the form stays");
    };
    assert!(form.field("password").is_some_and(|f| f.error.is_some()));
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "POST /api/v2/system/admin",
        Ok(json!({"id": 3, "email": "new@example.com", "created_at": "2026-12-07T09:00:00Z"})),
    );
    assert_eq!(app.notice.as_deref(), Some("admin 'new@example.com' added"));
    assert!(
        app.top::<Admins>()
            .is_some_and(|a| a.popup == admins::Popup::None)
    );
}

#[test]
fn deleting_the_last_admin_shows_the_servers_refusal() {
    let mut app = testing::signed_in();
    jump(&mut app, "admins");
    answer(
        &mut app,
        "GET /api/v2/system/admin",
        Ok(
            json!({"resource": [{"id": 1, "email": "admin@example.com", "created_at": "2026-12-06T21:06:20Z"}]}),
        ),
    );
    press(&mut app, KeyCode::Char('d'));
    snap(&app, "admins_confirm_delete");
    let fx = press(&mut app, KeyCode::Char('y'));
    assert_eq!(sent(&fx)[0].path, "/api/v2/system/admin/1");
    let message = "'admin@example.com' is the last admin and cannot be deleted: nobody could log in afterwards. Create another admin first (POST /api/v2/system/admin)";
    answer(
        &mut app,
        "DELETE /api/v2/system/admin/1",
        refusal(409, message),
    );
    assert_eq!(
        app.top::<Admins>().and_then(|a| a.error.clone()).as_deref(),
        Some(message)
    );
    snap(&app, "admins_last_refused");
}

// Audit.

fn entries(from: i64, n: i64) -> Value {
    let actions = ["create", "update", "delete", "login"];
    let types = ["role", "app", "service", "admin"];
    let list: Vec<Value> = (0..n)
        .map(|i| {
            let id = from - i;
            json!({"id": id, "at": format!("2026-12-06T21:{:02}:{:02}.5Z", (id / 60) % 60, id % 60),
                   "actor": "admin@example.com", "action": actions[(id % 4) as usize],
                   "object_type": types[(id % 4) as usize], "object": format!("object-{id}"),
                   "detail": if id % 4 == 3 { Value::Null } else { json!({"fields": ["name", "access"]}) }})
        })
        .collect();
    json!({ "resource": list })
}

fn query(call: &Call, name: &str) -> Option<String> {
    call.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

#[test]
fn audit_pages_with_offset_newest_first() {
    let mut app = testing::signed_in();
    jump(&mut app, "audit");
    let (_, call) = find(&app, "GET /api/v2/system/audit").expect("asked");
    assert_eq!(query(&call, "limit").as_deref(), Some("50"));
    assert_eq!(query(&call, "offset").as_deref(), Some("0"));
    assert_eq!(query(&call, "filter"), None);
    answer(
        &mut app,
        "GET /api/v2/system/audit",
        Ok(entries(120, i64::from(PAGE))),
    );
    let a = app.top::<Audit>().expect("Audit");
    assert_eq!(
        a.list.rows[0],
        vec![
            "2026-12-06 21:02:00",
            "admin@example.com",
            "create",
            "role",
            "object-120"
        ]
    );
    snap(&app, "audit_list");
    let fx = press(&mut app, KeyCode::PageDown);
    assert_eq!(query(&sent(&fx)[0], "offset").as_deref(), Some("50"));
    answer(&mut app, "GET /api/v2/system/audit", Ok(entries(70, 20)));
    assert_eq!(app.top::<Audit>().map(|a| a.offset), Some(50));
    // A short page is the last: PgDn asks nothing more.
    let fx = press(&mut app, KeyCode::PageDown);
    assert!(sent(&fx).is_empty());
    assert_eq!(app.notice.as_deref(), Some("this is the oldest page"));
    let fx = press(&mut app, KeyCode::PageUp);
    assert_eq!(query(&sent(&fx)[0], "offset").as_deref(), Some("0"));
}

#[test]
fn audit_filter_goes_to_the_server_and_its_400_shows_inline() {
    let mut app = testing::signed_in();
    jump(&mut app, "audit");
    answer(&mut app, "GET /api/v2/system/audit", Ok(entries(3, 3)));
    press(&mut app, KeyCode::Char('/'));
    assert!(app.screen().is_some_and(|s| s.typing()));
    type_str(&mut app, "action == 'delete'");
    let fx = press(&mut app, KeyCode::Enter);
    assert_eq!(
        query(&sent(&fx)[0], "filter").as_deref(),
        Some("action == 'delete'")
    );
    let message = "Invalid filter: '==' is not an operator; use '=' (at position 7).";
    answer(&mut app, "GET /api/v2/system/audit", refusal(400, message));
    let a = app.top::<Audit>().expect("Audit");
    assert_eq!(a.filter_error.as_deref(), Some(message));
    assert!(a.editing, "the input stays open to be fixed");
    assert_eq!(a.list.rows.len(), 3, "the entries shown stay");
    snap(&app, "audit_filter_error");
    // Fixed: the page is read again from the start with the filter.
    for _ in 0..9 {
        press(&mut app, KeyCode::Left);
    }
    press(&mut app, KeyCode::Backspace);
    let fx = press(&mut app, KeyCode::Enter);
    let call = &sent(&fx)[0];
    assert_eq!(query(call, "filter").as_deref(), Some("action = 'delete'"));
    assert_eq!(query(call, "offset").as_deref(), Some("0"));
    answer(
        &mut app,
        "GET /api/v2/system/audit",
        Ok(json!({"resource": []})),
    );
    let a = app.top::<Audit>().expect("Audit");
    assert!(!a.editing);
    assert_eq!(a.filter_error, None);
    assert!(render(&app, 80, 24).contains("No entry matches the filter."));
    snap(&app, "audit_filtered_empty");
}
