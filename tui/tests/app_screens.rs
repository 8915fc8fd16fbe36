//! Snapshots of what the app itself draws: Login, Home, the help overlay, the
//! `:` prompt and the lost-connection banner, at 80×24 and 120×40.

use apiforge_tui::app::{App, Start};
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
