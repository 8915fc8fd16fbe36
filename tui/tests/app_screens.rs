//! Snapshots of what the app itself draws: Login, Home, the help overlay, the
//! `:` prompt and the lost-connection banner, at 80×24 and 120×40.

use apiforge_tui::app::{App, Start};
use apiforge_tui::screen::ScreenId;
use apiforge_tui::testing::{self, answer, lost, press, refusal, render, type_str};
use apiforge_tui::theme::Theme;
use crossterm::event::KeyCode;
use serde_json::json;

fn both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

fn login(email: &str) -> App {
    App::new(
        Theme::plain(),
        Start {
            url: "http://127.0.0.1:8080".into(),
            email: email.into(),
            password: String::new(),
        },
    )
}

/// Home with two services: one ready, one still lacking a role and an app.
fn home() -> App {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/system/service",
        Ok(json!({"resource": [
            {"id": 1, "name": "chinook", "label": "Chinook", "type": "sqlite"},
            {"id": 2, "name": "shop", "label": "Shop", "type": "postgres"}
        ]})),
    );
    answer(
        &mut app,
        "chinook/next_steps",
        Ok(json!({"service": "chinook", "ready": true, "steps": []})),
    );
    answer(
        &mut app,
        "shop/next_steps",
        Ok(json!({"service": "shop", "ready": false, "steps": [
            {"step": "role", "done": false, "detail": ""},
            {"step": "app", "done": false, "detail": ""},
            {"step": "try", "done": false, "detail": ""}
        ]})),
    );
    app
}

#[test]
fn login_prefilled() {
    both("login_prefilled", &login("admin@example.com"));
}

#[test]
fn login_refused() {
    let mut app = login("admin@example.com");
    type_str(&mut app, "wrong");
    press(&mut app, KeyCode::Enter);
    both("login_busy", &app);
    answer(
        &mut app,
        "/admin/session",
        refusal(401, "wrong email or password"),
    );
    both("login_refused", &app);
}

#[test]
fn home_with_services() {
    both("home", &home());
}

#[test]
fn home_empty() {
    both("home_empty", &testing::signed_in());
}

#[test]
fn home_filtered() {
    let mut app = home();
    type_str(&mut app, "/sh");
    both("home_filtered", &app);
}

#[test]
fn help_overlay() {
    let mut app = home();
    press(&mut app, KeyCode::Char('?'));
    both("help", &app);
}

#[test]
fn jump_prompt() {
    let mut app = home();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "rol");
    both("jump", &app);
}

#[test]
fn lost_connection_banner() {
    let mut app = home();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "/system/service", lost());
    both("lost_connection", &app);
}

#[test]
fn session_expired() {
    let mut app = home();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/system/service",
        refusal(401, "the session has expired"),
    );
    both("session_expired", &app);
}

/// Canned answers for every call the screens make, shaped as the server's.
fn canned(call: &apiforge_tui::client::Call) -> apiforge_tui::client::Answer {
    let p = call.path.as_str();
    Ok(if p.ends_with("/system/service") {
        json!({"resource": [{"id": 1, "name": "chinook", "label": "Chinook", "type": "sqlite",
            "config": {"database": "/data/chinook.sqlite"}}]})
    } else if p.ends_with("/next_steps") {
        json!({"service": "chinook", "ready": false, "steps": [{"step": "role", "done": false, "detail": ""}]})
    } else if p.ends_with("/system/service/chinook") {
        json!({"id": 1, "name": "chinook", "label": "Chinook", "type": "sqlite",
            "config": {"database": "/data/chinook.sqlite"}})
    } else if p.ends_with("/system/role") {
        json!({"resource": [{"id": 1, "name": "reader", "access": [
            {"service": "chinook", "component": "_table/*", "verbs": ["GET"], "filter": "AlbumId > 3"}]}]})
    } else if p.ends_with("/system/app") {
        json!({"resource": [{"id": 1, "name": "front", "role": "reader", "api_key_prefix": "afk_abc"}]})
    } else if p.ends_with("/system/admin") {
        json!({"resource": [{"id": 1, "email": "admin@example.com", "created_at": "2026-12-06T00:00:00Z"}]})
    } else if p.ends_with("/system/audit") {
        json!({"resource": [{"id": 1, "at": "2026-12-06T00:00:00Z", "actor": "admin@example.com",
            "action": "create", "object_type": "role", "object": "reader", "detail": {"fields": ["name"]}}]})
    } else if p.ends_with("/_table") {
        json!({"resource": [{"name": "Album"}, {"name": "Artist"}]})
    } else if p.contains("/_schema/") {
        json!({"name": "Album", "fields": [{"name": "AlbumId", "type": "integer", "db_type": "INTEGER",
            "is_primary_key": true}, {"name": "Title", "type": "string", "db_type": "NVARCHAR(160)"}]})
    } else if p.contains("/_table/") {
        json!({"resource": [{"AlbumId": 1, "Title": "For Those About To Rock We Salute You"}], "meta": {"count": 1}})
    } else {
        json!({})
    })
}

/// Every screen, with data and with a popup open, drawn on terminals from
/// 1×1 up: nothing panics however small the window gets.
#[test]
fn tiny_terminals_never_panic() {
    let sizes = [(1, 1), (2, 2), (8, 3), (20, 5), (40, 10), (79, 23)];
    let mut app = testing::signed_in();
    let look = |app: &mut App| {
        testing::answer_all(app, canned);
        for (w, h) in sizes {
            render(app, w, h);
        }
    };
    // (keys to press after `:name` Enter) for each screen and its popups.
    let tours: [(&str, &[KeyCode], ScreenId); 10] = [
        ("home", &[KeyCode::Char('?')], ScreenId::Home),
        ("services", &[KeyCode::Char('n')], ScreenId::ServiceForm),
        ("services", &[KeyCode::Enter], ScreenId::ServiceDetail),
        (
            "services",
            &[KeyCode::Char('t'), KeyCode::Enter],
            ScreenId::TableBrowser,
        ),
        ("services", &[KeyCode::Char('d')], ScreenId::Services),
        ("roles", &[KeyCode::Char('n')], ScreenId::RuleEditor),
        ("roles", &[KeyCode::Enter], ScreenId::RuleEditor),
        ("apps", &[KeyCode::Char('n')], ScreenId::Apps),
        ("admins", &[KeyCode::Char('n')], ScreenId::Admins),
        ("audit", &[KeyCode::Char('/')], ScreenId::Audit),
    ];
    for (screen, keys, reached) in tours {
        press(&mut app, KeyCode::Char(':'));
        type_str(&mut app, screen);
        press(&mut app, KeyCode::Enter);
        look(&mut app);
        for k in keys {
            press(&mut app, *k);
            look(&mut app);
        }
        assert_eq!(
            app.screen().map(|s| s.id()),
            Some(reached),
            "{screen} {keys:?}"
        );
        // Leave popups and forms before the next tour.
        for _ in 0..3 {
            press(&mut app, KeyCode::Esc);
        }
    }
    // The guided flow, step by step.
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    look(&mut app);
    press(&mut app, KeyCode::Char('g'));
    look(&mut app);
    assert_eq!(app.screen().map(|s| s.id()), Some(ScreenId::Guide));
}
