//! The app's own state machine: login, Home, `:` jumps, help, Esc cancelling a
//! call, a lost connection and its retries, and a 401 that sends the admin to
//! Login and back to where they were.

use apiforge_tui::action::{Action, Effect};
use apiforge_tui::app::{App, Overlay, Start};
use apiforge_tui::client::{Auth, Method};
use apiforge_tui::screen::ScreenId;
use apiforge_tui::screens::home::Home;
use apiforge_tui::screens::login::Login;
use apiforge_tui::testing::{self, answer, find, lost, press, refusal, render, type_str};
use apiforge_tui::theme::Theme;
use crossterm::event::KeyCode;
use serde_json::json;

fn fresh(url: &str, email: &str, password: &str) -> App {
    App::new(
        Theme::plain(),
        Start {
            url: url.into(),
            email: email.into(),
            password: password.into(),
        },
    )
}

#[test]
fn with_all_three_prefilled_one_enter_logs_in() {
    let mut app = fresh("http://h:1/", "a@b.c", "pw");
    let fx = press(&mut app, KeyCode::Enter);
    let Some(Effect::Send {
        base, call, token, ..
    }) = fx.first()
    else {
        panic!("Enter sent nothing: {fx:?}");
    };
    assert_eq!(base, "http://h:1");
    assert_eq!(
        (call.method, call.path.as_str()),
        (Method::Post, "/api/v2/system/admin/session")
    );
    assert_eq!(call.auth, Auth::None);
    assert_eq!(token, &None);
    assert_eq!(call.body, Some(json!({"email": "a@b.c", "password": "pw"})));
    answer(
        &mut app,
        "/admin/session",
        Ok(json!({"session_token": "tok", "email": "a@b.c"})),
    );
    assert_eq!(app.screen_ids(), vec![ScreenId::Home]);
    assert!(app.session.signed_in());
    // Home asks for the services with the session.
    let fx = app.pending();
    assert_eq!(fx.len(), 1);
    assert_eq!(fx[0].1.path, "/api/v2/system/service");
}

#[test]
fn an_empty_field_is_named_and_nothing_is_sent() {
    let mut app = fresh("http://h:1", "", "");
    let fx = press(&mut app, KeyCode::Enter);
    assert!(fx.is_empty(), "{fx:?}");
    let login = app.top::<Login>().expect("still on Login");
    assert!(
        login
            .form
            .field("email")
            .and_then(|f| f.error.clone())
            .is_some()
    );
    assert!(
        login
            .form
            .field("password")
            .and_then(|f| f.error.clone())
            .is_some()
    );
    assert!(
        login
            .form
            .field("url")
            .and_then(|f| f.error.clone())
            .is_none()
    );
}

#[test]
fn a_wrong_password_is_shown_on_the_password_field() {
    let mut app = fresh("http://h:1", "a@b.c", "nope");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/admin/session",
        refusal(401, "wrong email or password"),
    );
    let login = app.top::<Login>().expect("still on Login");
    assert_eq!(
        login
            .form
            .field("password")
            .and_then(|f| f.error.clone())
            .as_deref(),
        Some("wrong email or password")
    );
    assert!(render(&app, 80, 24).contains("wrong email or password"));
}

#[test]
fn typing_q_in_a_field_types_it_and_f1_opens_the_help() {
    let mut app = fresh("http://h:1", "", "");
    let fx = type_str(&mut app, "q?:");
    assert!(!fx.contains(&Effect::Quit), "{fx:?}");
    assert_eq!(
        app.top::<Login>()
            .map(|l| l.form.text("email").to_string())
            .as_deref(),
        Some("q?:")
    );
    press(&mut app, KeyCode::F(1));
    assert_eq!(app.overlay, Overlay::Help);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn colon_jumps_by_name_and_q_goes_back_to_home() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "roles");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Roles]);
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "nowhere");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.notice
            .as_deref()
            .is_some_and(|n| n.contains("no screen"))
    );
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.screen_ids(), vec![ScreenId::Home]);
    let fx = press(&mut app, KeyCode::Char('q'));
    assert!(fx.contains(&Effect::Quit));
}

#[test]
fn esc_cancels_a_running_call_and_says_so() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    let (id, _) = find(&app, "/system/service").expect("Home reloads");
    assert!(render(&app, 80, 24).contains("Esc cancels"));
    let fx = press(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::Abort(id)), "{fx:?}");
    assert!(app.pending().is_empty());
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home],
        "Esc stopped the call, not the screen"
    );
    // An answer that arrives after all is dropped.
    app.update(Action::Loaded {
        id,
        answer: Ok(json!({"resource": []})),
    });
}

#[test]
fn a_lost_connection_shows_a_banner_and_retries_until_answered() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "/system/service", lost());
    assert!(app.lost.is_some());
    assert!(app.pending().is_empty());
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Lost connection to http://127.0.0.1:8080"),
        "{screen}"
    );
    // The countdown ends: the same call goes again.
    let mut resent = Vec::new();
    for _ in 0..40 {
        resent.extend(app.update(Action::Tick));
    }
    assert!(
        resent.iter().any(
            |e| matches!(e, Effect::Send { call, .. } if call.path == "/api/v2/system/service")
        ),
        "{resent:?}"
    );
    answer(
        &mut app,
        "/system/service",
        Ok(json!({"resource": [{"id": 1, "name": "db", "type": "sqlite"}]})),
    );
    assert!(app.lost.is_none());
    let home = app.top::<Home>().expect("Home");
    assert!(matches!(&home.services, Some(Ok(list)) if list.len() == 1));
}

#[test]
fn r_retries_at_once() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "/system/service", lost());
    let fx = press(&mut app, KeyCode::Char('r'));
    assert!(matches!(fx.as_slice(), [Effect::Send { .. }]), "{fx:?}");
}

#[test]
fn an_expired_session_goes_to_login_and_comes_back_with_the_call() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "roles");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/system/service",
        refusal(401, "the session has expired"),
    );
    assert_eq!(app.screen_ids(), vec![ScreenId::Login]);
    assert!(!app.session.signed_in());
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Your session ended"), "{screen}");
    type_str(&mut app, "secret");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/admin/session",
        Ok(json!({"session_token": "new", "email": "admin@example.com"})),
    );
    assert_eq!(app.screen_ids(), vec![ScreenId::Home]);
    let Some((_, call)) = find(&app, "/system/service") else {
        panic!("the interrupted call is sent again: {:?}", app.pending());
    };
    assert_eq!(call.auth, Auth::Session);
}
