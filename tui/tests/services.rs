//! The services screens as state machines (keys and answers in, calls and
//! state out) and as pictures (snapshots at 80×24 and 120×40): the list, the
//! create/edit form with its checks and the server's refusals, the detail
//! page and the table browser.

use apiforge_tui::action::{Action, Effect};
use apiforge_tui::app::App;
use apiforge_tui::client::{Call, Method};
use apiforge_tui::screen::ScreenId;
use apiforge_tui::screens::service_detail::ServiceDetail;
use apiforge_tui::screens::service_form::{ServiceForm, Tested};
use apiforge_tui::screens::services::Services;
use apiforge_tui::screens::table_browser::{Pane, TableBrowser, fit_columns};
use apiforge_tui::testing::{
    self, answer, find, lost, press, press_mod, refusal, render, type_str,
};
use crossterm::event::{KeyCode, KeyModifiers};
use serde_json::{Value, json};

/// Both sizes of one state.
fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

fn service_list() -> Value {
    json!({"resource": [
        {"id": 1, "name": "chinook", "label": "Chinook (demo)", "description": "The Chinook sample: a digital media store",
         "type": "sqlite", "config": {"database": "./data/demo/chinook.sqlite", "cache_enabled": false, "cache_ttl": 60, "max_records": 1000, "read_only": false},
         "is_active": true},
        {"id": 2, "name": "shop", "label": "Shop", "description": "", "type": "postgres",
         "config": {"host": "db.internal", "port": 5432, "database": "shop", "username": "app", "schema": "public", "tls_mode": "require", "cache_ttl": 60, "max_records": 500},
         "is_active": false}
    ]})
}

fn shop() -> Value {
    service_list()["resource"][1].clone()
}

fn chinook() -> Value {
    service_list()["resource"][0].clone()
}

/// The Services screen with its list loaded.
fn services() -> App {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char('s'));
    answer(&mut app, "GET /api/v2/system/service", Ok(service_list()));
    app
}

/// A fresh create form, over Home.
fn new_form() -> App {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::ServiceForm]
    );
    app
}

fn form(app: &App) -> &ServiceForm {
    app.top::<ServiceForm>()
        .expect("the service form is on top")
}

fn focused(app: &App) -> &'static str {
    form(app).form.focused().map_or("", |f| f.key)
}

fn error_of(app: &App, key: &str) -> Option<String> {
    form(app).form.field(key).and_then(|f| f.error.clone())
}

fn hidden(app: &App, key: &str) -> bool {
    form(app).form.field(key).is_some_and(|f| f.hidden)
}

/// Moves the focus to `key` with Tab.
fn tab_to(app: &mut App, key: &str) {
    for _ in 0..30 {
        if focused(app) == key {
            return;
        }
        press(app, KeyCode::Tab);
    }
    panic!("Tab never reached {key}");
}

fn sent(fx: &[Effect]) -> Vec<Call> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { call, .. } => Some((**call).clone()),
            _ => None,
        })
        .collect()
}

fn query<'a>(call: &'a Call, name: &str) -> Option<&'a str> {
    call.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Fills a valid SQLite service.
fn fill_sqlite(app: &mut App) {
    type_str(app, "chinook2");
    tab_to(app, "database");
    type_str(app, "/data/chinook.db");
}

// ---- the list -------------------------------------------------------------

#[test]
fn the_list_shows_every_service_and_filters() {
    let mut app = services();
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("chinook") && screen.contains("shop"),
        "{screen}"
    );
    snap("list", &app);
    press(&mut app, KeyCode::Char('/'));
    type_str(&mut app, "post");
    let list = &app.top::<Services>().expect("Services").list;
    assert_eq!(list.visible(), vec![1], "only the postgres service");
    snap("list_filtered", &app);
    // The filter takes typed keys: n typed there opens no form.
    type_str(&mut app, "n");
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Services]);
}

#[test]
fn an_empty_list_says_how_to_add_one() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char('s'));
    snap("list_loading", &app);
    answer(
        &mut app,
        "GET /api/v2/system/service",
        Ok(json!({"resource": []})),
    );
    assert!(render(&app, 80, 24).contains("press n to add one"));
    snap("list_empty", &app);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::Services, ScreenId::ServiceForm]
    );
}

#[test]
fn enter_opens_the_detail_and_t_the_tables() {
    let mut app = services();
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.top::<ServiceDetail>().map(|d| d.name.as_str()),
        Some("chinook")
    );
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(
        app.top::<TableBrowser>().map(|b| b.service.as_str()),
        Some("shop")
    );
}

#[test]
fn delete_asks_first_and_only_y_deletes() {
    let mut app = services();
    press(&mut app, KeyCode::Char('d'));
    assert!(app.top::<Services>().is_some_and(|s| s.confirm.is_some()));
    snap("list_confirm_delete", &app);
    // Any other key keeps it (q does not even leave the screen).
    let fx = press(&mut app, KeyCode::Char('q'));
    assert!(sent(&fx).is_empty(), "{fx:?}");
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Services]);
    assert!(app.top::<Services>().is_some_and(|s| s.confirm.is_none()));
    press(&mut app, KeyCode::Char('d'));
    let calls = sent(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Delete, "/api/v2/system/service/chinook")
    );
    answer(
        &mut app,
        "DELETE /api/v2/system/service/chinook",
        Ok(json!({"id": 1})),
    );
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("deleted")));
    assert!(
        find(&app, "GET /api/v2/system/service").is_some(),
        "the list is read again"
    );
}

#[test]
fn a_refused_delete_is_shown() {
    let mut app = services();
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('y'));
    answer(
        &mut app,
        "DELETE /api/v2/system/service/chinook",
        refusal(404, "no service named 'chinook'"),
    );
    assert!(render(&app, 80, 24).contains("! no service named 'chinook'"));
    snap("list_error", &app);
}

// ---- the form: fields, checks, tab order ----------------------------------

#[test]
fn the_type_hides_the_fields_it_has_no_use_for() {
    let mut app = new_form();
    assert_eq!(form(&app).form.choice("type"), "sqlite");
    for key in ["host", "port", "username", "password", "schema"] {
        assert!(hidden(&app, key), "{key} is hidden for sqlite");
    }
    assert!(!hidden(&app, "database"));
    assert_eq!(
        form(&app).form.field("database").map(|f| f.label),
        Some("SQLite file")
    );
    snap("form_new_sqlite", &app);
    tab_to(&mut app, "type");
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).form.choice("type"), "postgres");
    for key in ["host", "port", "username", "password", "schema"] {
        assert!(!hidden(&app, key), "{key} is shown for postgres");
    }
    assert_eq!(form(&app).form.text("port"), "5432");
    assert_eq!(
        form(&app).form.field("database").map(|f| f.label),
        Some("Database")
    );
    snap("form_new_postgres", &app);
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).form.choice("type"), "mysql");
    assert!(hidden(&app, "schema"), "MySQL has no schema");
    assert!(!hidden(&app, "host") && !hidden(&app, "password"));
    assert_eq!(
        form(&app).form.text("port"),
        "3306",
        "the default follows the type"
    );
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).form.choice("type"), "sqlite");
    assert!(hidden(&app, "host") && hidden(&app, "schema"));
}

#[test]
fn tab_goes_through_the_shown_fields_in_order() {
    let mut app = new_form();
    let mut order = vec![focused(&app)];
    for _ in 0..13 {
        press(&mut app, KeyCode::Tab);
        order.push(focused(&app));
    }
    assert_eq!(
        order,
        vec![
            "name",
            "label",
            "description",
            "type",
            "database",
            "cache_enabled",
            "cache_ttl",
            "max_records",
            "read_only",
            "allow_tables",
            "deny_tables",
            "pool_size",
            "statement_timeout",
            "name",
        ]
    );
    press_mod(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(focused(&app), "statement_timeout");
    tab_to(&mut app, "type");
    press(&mut app, KeyCode::Right);
    let mut order = Vec::new();
    for _ in 0..7 {
        press(&mut app, KeyCode::Tab);
        order.push(focused(&app));
    }
    assert_eq!(
        order,
        vec![
            "host",
            "port",
            "database",
            "username",
            "password",
            "schema",
            "cache_enabled"
        ]
    );
}

#[test]
fn typing_q_in_a_field_types_it() {
    let mut app = new_form();
    let fx = type_str(&mut app, "q?:");
    assert_eq!(form(&app).form.text("name"), "q?:");
    assert!(!fx.contains(&Effect::Quit), "{fx:?}");
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::ServiceForm]
    );
}

#[test]
fn client_checks_block_the_call_and_name_the_field() {
    let mut app = new_form();
    type_str(&mut app, "1bad name");
    let fx = press(&mut app, KeyCode::Enter);
    assert!(sent(&fx).is_empty(), "nothing is sent: {fx:?}");
    assert!(app.pending().is_empty());
    let name = error_of(&app, "name").expect("the name is refused");
    assert!(name.contains("start with a letter"), "{name}");
    assert!(
        error_of(&app, "database")
            .is_some_and(|e| e.contains("path of the SQLite file is required"))
    );
    assert_eq!(focused(&app), "name", "the focus goes to the first problem");
    snap("form_client_errors", &app);

    // Typing in a field clears its error; numbers must be numbers.
    press_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_str(&mut app, "shop");
    assert_eq!(error_of(&app, "name"), None);
    tab_to(&mut app, "type");
    press(&mut app, KeyCode::Right);
    tab_to(&mut app, "port");
    press_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_str(&mut app, "70000");
    tab_to(&mut app, "database");
    type_str(&mut app, "shop");
    tab_to(&mut app, "cache_ttl");
    type_str(&mut app, "x");
    tab_to(&mut app, "pool_size");
    type_str(&mut app, "0");
    let fx = press(&mut app, KeyCode::Enter);
    assert!(sent(&fx).is_empty(), "{fx:?}");
    assert!(error_of(&app, "port").is_some_and(|e| e.contains("1 to 65535")));
    assert!(error_of(&app, "cache_ttl").is_some_and(|e| e.contains("whole number")));
    assert!(error_of(&app, "pool_size").is_some_and(|e| e.contains("1 or more")));
    assert_eq!(error_of(&app, "name"), None);
    assert_eq!(error_of(&app, "database"), None);
    assert_eq!(focused(&app), "port");

    // The reserved name.
    tab_to(&mut app, "name");
    press_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_str(&mut app, "System");
    press(&mut app, KeyCode::Enter);
    assert!(error_of(&app, "name").is_some_and(|e| e.contains("reserved")));
}

// ---- the form: what is sent -------------------------------------------------

#[test]
fn create_sends_exactly_the_post_body_then_starts_the_guided_flow() {
    let mut app = new_form();
    fill_sqlite(&mut app);
    tab_to(&mut app, "read_only");
    press(&mut app, KeyCode::Char(' '));
    tab_to(&mut app, "allow_tables");
    type_str(&mut app, "Album, Artist,");
    let calls = sent(&press(&mut app, KeyCode::Enter));
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/service")
    );
    assert_eq!(
        calls[0].body,
        Some(json!({
            "name": "chinook2",
            "label": "chinook2",
            "description": "",
            "type": "sqlite",
            "config": {
                "database": "/data/chinook.db",
                "cache_enabled": false,
                "cache_ttl": 60,
                "max_records": 1000,
                "read_only": true,
                "allow_tables": ["Album", "Artist"]
            }
        }))
    );
    // A second Enter while it is on its way sends nothing more.
    assert!(sent(&press(&mut app, KeyCode::Enter)).is_empty());
    answer(
        &mut app,
        "POST /api/v2/system/service",
        Ok(
            json!({"id": 3, "name": "chinook2", "label": "chinook2", "type": "sqlite", "config": {"database": "/data/chinook.db"}, "is_active": true}),
        ),
    );
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::Guide],
        "the guided flow replaces the form"
    );
}

#[test]
fn a_postgres_create_sends_its_connection_fields() {
    let mut app = new_form();
    type_str(&mut app, "shop");
    tab_to(&mut app, "label");
    type_str(&mut app, "The shop");
    tab_to(&mut app, "type");
    press(&mut app, KeyCode::Right);
    tab_to(&mut app, "host");
    type_str(&mut app, "db.internal");
    tab_to(&mut app, "database");
    type_str(&mut app, "shop");
    tab_to(&mut app, "username");
    type_str(&mut app, "app");
    tab_to(&mut app, "password");
    type_str(&mut app, "s3cret pw");
    tab_to(&mut app, "statement_timeout");
    type_str(&mut app, "5000");
    let screen = render(&app, 80, 24);
    assert!(
        !screen.contains("s3cret"),
        "the password is masked:\n{screen}"
    );
    let calls = sent(&press(&mut app, KeyCode::Enter));
    assert_eq!(
        calls[0].body,
        Some(json!({
            "name": "shop",
            "label": "The shop",
            "description": "",
            "type": "postgres",
            "config": {
                "host": "db.internal",
                "port": 5432,
                "database": "shop",
                "username": "app",
                "password": "s3cret pw",
                "cache_enabled": false,
                "cache_ttl": 60,
                "max_records": 1000,
                "read_only": false,
                "statement_timeout": 5000
            }
        }))
    );
}

#[test]
fn a_server_400_about_the_file_lands_on_the_database_field() {
    let mut app = new_form();
    fill_sqlite(&mut app);
    tab_to(&mut app, "max_records");
    press(&mut app, KeyCode::Enter);
    let message = "SQLite file '/data/chinook.db' does not exist: a service must point to an existing database file (apiforge never creates one)";
    answer(
        &mut app,
        "POST /api/v2/system/service",
        refusal(400, message),
    );
    assert_eq!(error_of(&app, "database").as_deref(), Some(message));
    assert_eq!(focused(&app), "database", "the focus moved to the field");
    assert_eq!(error_of(&app, "name"), None);
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::ServiceForm]
    );
    assert!(!form(&app).saving, "it can be sent again");
    snap("form_server_error_database", &app);
}

#[test]
fn a_409_duplicate_name_lands_on_the_name() {
    let mut app = new_form();
    fill_sqlite(&mut app);
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "POST /api/v2/system/service",
        refusal(409, "a service named 'chinook2' already exists"),
    );
    assert_eq!(
        error_of(&app, "name").as_deref(),
        Some("a service named 'chinook2' already exists")
    );
    assert_eq!(focused(&app), "name");
    assert_eq!(error_of(&app, "database"), None);
}

#[test]
fn the_servers_sentences_land_on_their_fields() {
    let cases = [
        (
            "sqlite",
            "the service name '1bad' is not valid: it must start with a letter, contain only letters, digits, '_' and '-', and be at most 64 characters (it becomes part of the URL)",
            "name",
        ),
        (
            "sqlite",
            "this conflicts with an existing record: a name that must be unique is already taken",
            "name",
        ),
        (
            "sqlite",
            "a sqlite service needs config.database: the path of the database file",
            "database",
        ),
        (
            "sqlite",
            "'/tmp' is a directory, not a SQLite file",
            "database",
        ),
        (
            "sqlite",
            "'/etc/passwd' is not a SQLite database (it does not start with SQLite's header)",
            "database",
        ),
        ("sqlite", "pool_size must be at least 1", "pool_size"),
        (
            "sqlite",
            "config is not valid: 'cache_ttl' must be a whole number between 0 and 18446744073709551615, not the text \"x\"",
            "cache_ttl",
        ),
        (
            "postgres",
            "could not connect to the PostgreSQL server at nohost.invalid:5432: the host 'nohost.invalid' was not found (check the host name)",
            "host",
        ),
        (
            "postgres",
            "could not connect to the PostgreSQL server at localhost:1: nothing is listening at localhost:1 (connection refused; is the server running, on that port?)",
            "port",
        ),
        (
            "postgres",
            "could not connect to the PostgreSQL server at localhost:5432: the user name or password was refused (user 'app')",
            "password",
        ),
        (
            "postgres",
            "could not connect to the PostgreSQL server at localhost:5432: the database 'shop' does not exist on that server",
            "database",
        ),
        ("postgres", "the schema 'sales' does not exist", "schema"),
        (
            "mysql",
            "a MySQL service needs 'database', the database to expose",
            "database",
        ),
    ];
    for (kind, message, field) in cases {
        // An edit applies the stored type as a key on the choice would.
        let mut f = ServiceForm::edit(apiforge_tui::wire::Service {
            name: "x".into(),
            kind: kind.into(),
            ..Default::default()
        });
        f.place(message);
        let at = f
            .form
            .fields
            .iter()
            .find(|x| x.error.is_some())
            .map(|x| x.key);
        assert_eq!(at, Some(field), "{kind}: {message}");
        assert_eq!(f.form.focused().map(|x| x.key), Some(field));
    }
}

// ---- the form: test connection ---------------------------------------------

#[test]
fn test_connection_shows_success_in_the_ok_style() {
    let mut app = new_form();
    // No name yet: a test needs only the connection.
    tab_to(&mut app, "database");
    type_str(&mut app, "./data/demo/chinook.sqlite");
    let calls = sent(&press_mod(
        &mut app,
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    ));
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/service/_test")
    );
    let body = calls[0].body.clone().unwrap_or_default();
    assert_eq!(body["type"], "sqlite");
    assert_eq!(body["config"]["database"], "./data/demo/chinook.sqlite");
    assert_eq!(form(&app).tested, Some(Tested::Running));
    assert_eq!(
        form(&app).form.text("database"),
        "./data/demo/chinook.sqlite",
        "Ctrl-T is not typed"
    );
    answer(
        &mut app,
        "/service/_test",
        Ok(json!({"success": true, "message": "Connected: 11 tables found"})),
    );
    assert_eq!(
        form(&app).tested,
        Some(Tested::Ok("Connected: 11 tables found".into()))
    );
    assert!(render(&app, 80, 24).contains("✓ Connected: 11 tables found"));
    snap("form_test_ok", &app);
}

#[test]
fn a_failed_test_lands_on_the_field_it_names_and_f2_tests_too() {
    let mut app = new_form();
    tab_to(&mut app, "type");
    press(&mut app, KeyCode::Right);
    tab_to(&mut app, "host");
    type_str(&mut app, "nohost.invalid");
    tab_to(&mut app, "database");
    type_str(&mut app, "shop");
    let calls = sent(&press(&mut app, KeyCode::F(2)));
    assert_eq!(calls.len(), 1, "F2 runs the test");
    answer(
        &mut app,
        "/service/_test",
        refusal(
            400,
            "could not connect to the PostgreSQL server at nohost.invalid:5432: the host 'nohost.invalid' was not found (check the host name)",
        ),
    );
    assert_eq!(form(&app).tested, Some(Tested::Failed));
    assert!(error_of(&app, "host").is_some_and(|e| e.contains("was not found")));
    assert_eq!(error_of(&app, "name"), None);
    assert_eq!(focused(&app), "host");
    snap("form_test_failed", &app);
}

// ---- the form: a lost connection --------------------------------------------

#[test]
fn a_lost_connection_during_submit_is_retried_and_then_succeeds() {
    let mut app = new_form();
    fill_sqlite(&mut app);
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "POST /api/v2/system/service", lost());
    assert!(app.lost.is_some());
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::ServiceForm]
    );
    assert!(form(&app).saving, "still waiting for its answer");
    snap("form_lost", &app);
    // A key typed meanwhile sends nothing twice.
    assert!(sent(&press(&mut app, KeyCode::Enter)).is_empty());
    let mut resent = Vec::new();
    for _ in 0..40 {
        resent.extend(sent(&app.update(Action::Tick)));
    }
    assert_eq!(resent.len(), 1, "the same POST, once: {resent:?}");
    assert_eq!(resent[0].method, Method::Post);
    assert_eq!(
        resent[0].body.as_ref().map(|b| b["name"].clone()),
        Some(json!("chinook2"))
    );
    answer(
        &mut app,
        "POST /api/v2/system/service",
        Ok(json!({"id": 3, "name": "chinook2", "type": "sqlite"})),
    );
    assert!(app.lost.is_none());
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Guide]);
}

#[test]
fn r_retries_a_lost_submit_when_no_field_is_typed_into() {
    let mut app = new_form();
    fill_sqlite(&mut app);
    tab_to(&mut app, "read_only");
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "POST /api/v2/system/service", lost());
    let calls = sent(&press(&mut app, KeyCode::Char('r')));
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/api/v2/system/service");
    answer(
        &mut app,
        "POST /api/v2/system/service",
        Ok(json!({"id": 3, "name": "chinook2", "type": "sqlite"})),
    );
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Guide]);
}

// ---- the form: edit ----------------------------------------------------------

/// The list, `e` on the postgres service, its fresh copy loaded.
fn edit_shop() -> App {
    let mut app = services();
    press(&mut app, KeyCode::Down);
    let calls = sent(&press(&mut app, KeyCode::Char('e')));
    assert_eq!(calls[0].path, "/api/v2/system/service/shop");
    answer(&mut app, "GET /api/v2/system/service/shop", Ok(shop()));
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::Services, ScreenId::ServiceForm]
    );
    app
}

#[test]
fn edit_sends_put_without_the_password_when_left_empty() {
    let mut app = edit_shop();
    assert_eq!(form(&app).form.text("host"), "db.internal");
    assert_eq!(form(&app).form.text("port"), "5432");
    assert_eq!(form(&app).form.text("password"), "", "never prefilled");
    snap("form_edit", &app);
    tab_to(&mut app, "description");
    type_str(&mut app, "orders");
    let calls = sent(&press(&mut app, KeyCode::Enter));
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Put, "/api/v2/system/service/shop")
    );
    assert_eq!(
        calls[0].body,
        Some(json!({
            "name": "shop",
            "label": "Shop",
            "description": "orders",
            "type": "postgres",
            "config": {
                "host": "db.internal",
                "port": 5432,
                "database": "shop",
                "username": "app",
                "schema": "public",
                "cache_enabled": false,
                "cache_ttl": 60,
                "max_records": 500,
                "read_only": false,
                "tls_mode": "require"
            },
            "is_active": false
        })),
        "no password (the stored one is kept), the settings the form does not show kept, still inactive"
    );
    answer(&mut app, "PUT /api/v2/system/service/shop", Ok(shop()));
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Services]);
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("saved")));
    assert!(
        find(&app, "GET /api/v2/system/service").is_some(),
        "the list is read again"
    );
}

#[test]
fn edit_sends_a_typed_password() {
    let mut app = edit_shop();
    tab_to(&mut app, "password");
    type_str(&mut app, "n3w");
    let calls = sent(&press(&mut app, KeyCode::Enter));
    let body = calls[0].body.clone().unwrap_or_default();
    assert_eq!(body["config"]["password"], "n3w");
}

// ---- the detail page ----------------------------------------------------------

fn roles() -> Value {
    json!({"resource": [
        {"id": 1, "name": "chinook-reader", "access": [
            {"service": "chinook", "component": "_table/*", "verbs": ["GET"], "filter": null},
            {"service": "chinook", "component": "_schema/*", "verbs": ["GET"]}]},
        {"id": 2, "name": "shop-writer", "access": [
            {"service": "shop", "component": "*", "verbs": ["GET", "POST"]}]},
        {"id": 3, "name": "own-invoices", "access": [
            {"service": "chinook", "component": "_table/Invoice", "verbs": ["GET", "PATCH"], "filter": "CustomerId = 5"}]}
    ]})
}

fn detail() -> App {
    let mut app = services();
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "GET /api/v2/system/service/chinook",
        Ok(chinook()),
    );
    answer(&mut app, "GET /api/v2/system/role", Ok(roles()));
    app
}

#[test]
fn the_detail_shows_the_urls_the_roles_that_reach_it_and_a_curl() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char('s'));
    answer(&mut app, "GET /api/v2/system/service", Ok(service_list()));
    press(&mut app, KeyCode::Enter);
    snap("detail_loading", &app);
    let app_loaded = detail();
    let d = app_loaded.top::<ServiceDetail>().expect("detail");
    let names: Vec<&str> = match &d.roles {
        Some(Ok(r)) => r.iter().map(|r| r.name.as_str()).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(names, vec!["chinook-reader", "own-invoices"]);
    let screen = render(&app_loaded, 120, 40);
    for want in [
        "http://127.0.0.1:8080/api/v2/chinook",
        "http://127.0.0.1:8080/api/v2/chinook/graphql",
        "http://127.0.0.1:8080/api/v2/chinook/_doc",
        "http://127.0.0.1:8080/docs",
        "GET _table/*; GET _schema/*",
        "GET,PATCH _table/Invoice [CustomerId = 5]",
        "curl -s -H \"X-Api-Key: $API_KEY\" 'http://127.0.0.1:8080/api/v2/chinook/_table'",
    ] {
        assert!(screen.contains(want), "{want} in\n{screen}");
    }
    assert!(!screen.contains("shop-writer"));
    snap("detail", &app_loaded);
    app = app_loaded;
    let fx = press(&mut app, KeyCode::Char('c'));
    assert!(
        fx.contains(&Effect::Copy(
            "curl -s -H \"X-Api-Key: $API_KEY\" 'http://127.0.0.1:8080/api/v2/chinook/_table'"
                .into()
        )),
        "{fx:?}"
    );
}

#[test]
fn a_service_no_role_reaches_says_how_to_make_one() {
    let mut app = services();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "GET /api/v2/system/service/shop", Ok(shop()));
    answer(
        &mut app,
        "GET /api/v2/system/role",
        Ok(json!({"resource": [roles()["resource"][0].clone()]})),
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("press g to create one"), "{screen}");
    assert!(screen.contains("inactive"), "{screen}");
    assert!(screen.contains("db.internal:5432/shop"), "{screen}");
    snap("detail_no_roles", &app);
}

#[test]
fn f_refreshes_the_schema_and_says_how_many_tables() {
    let mut app = detail();
    let calls = sent(&press(&mut app, KeyCode::Char('f')));
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/service/chinook/_refresh")
    );
    answer(
        &mut app,
        "/chinook/_refresh",
        Ok(json!({"success": true, "tables": 11})),
    );
    assert!(render(&app, 80, 24).contains("Schema read again: 11 tables"));
    snap("detail_refreshed", &app);
    press(&mut app, KeyCode::Char('f'));
    answer(
        &mut app,
        "/chinook/_refresh",
        refusal(
            400,
            "SQLite file './data/demo/chinook.sqlite' does not exist",
        ),
    );
    assert!(render(&app, 80, 24).contains("The schema could not be read"));
}

#[test]
fn the_detail_keys_open_the_guide_the_form_and_the_tables() {
    let mut app = detail();
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::Guide));
    press(&mut app, KeyCode::Char('q'));
    // Uncovered, the detail reads the service and the roles again.
    assert!(find(&app, "GET /api/v2/system/service/chinook").is_some());
    answer(
        &mut app,
        "GET /api/v2/system/service/chinook",
        Ok(chinook()),
    );
    answer(&mut app, "GET /api/v2/system/role", Ok(roles()));
    press(&mut app, KeyCode::Char('e'));
    let f = form(&app);
    assert_eq!(f.form.text("database"), "./data/demo/chinook.sqlite");
    assert_eq!(f.form.text("label"), "Chinook (demo)");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::TableBrowser));
}

// ---- the table browser --------------------------------------------------------

fn album_schema() -> Value {
    json!({"name": "Album", "fields": [
        {"name": "AlbumId", "type": "integer", "db_type": "INTEGER", "allow_null": false, "is_primary_key": true},
        {"name": "Title", "type": "string", "db_type": "NVARCHAR(160)", "allow_null": false, "is_primary_key": false},
        {"name": "ArtistId", "type": "integer", "db_type": "INTEGER", "allow_null": true, "is_primary_key": false}
    ]})
}

fn album_rows(from: u32, n: u32) -> Value {
    let rows: Vec<Value> = (from..from + n)
        .map(|i| json!({"AlbumId": i, "Title": format!("Album number {i} with a title long enough to be cut at 80 columns"), "ArtistId": i % 7}))
        .collect();
    json!({"resource": rows, "meta": {"count": 25}})
}

/// The browser of `chinook`, Album open, its first page loaded.
fn browser() -> App {
    let mut app = detail();
    press(&mut app, KeyCode::Char('t'));
    answer(
        &mut app,
        "GET /api/v2/chinook/_table",
        Ok(json!({"resource": [{"name": "Album"}, {"name": "Artist"}, {"name": "Track"}]})),
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_schema/Album",
        Ok(album_schema()),
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(1, 10)),
    );
    app
}

fn browser_state(app: &App) -> &TableBrowser {
    app.top::<TableBrowser>().expect("the table browser")
}

#[test]
fn the_browser_opens_the_first_table_with_its_columns_and_a_page() {
    let mut app = detail();
    press(&mut app, KeyCode::Char('t'));
    snap("browser_loading", &app);
    let fx = answer(
        &mut app,
        "GET /api/v2/chinook/_table",
        Ok(json!({"resource": [{"name": "Album"}, {"name": "Artist"}, {"name": "Track"}]})),
    );
    let calls = sent(&fx);
    assert_eq!(calls[0].path, "/api/v2/chinook/_schema/Album");
    let rows = &calls[1];
    assert_eq!(query(rows, "limit"), Some("10"));
    assert_eq!(query(rows, "offset"), Some("0"));
    assert_eq!(query(rows, "filter"), None, "empty inputs are not sent");
    answer(
        &mut app,
        "GET /api/v2/chinook/_schema/Album",
        Ok(album_schema()),
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(1, 10)),
    );
    let b = browser_state(&app);
    assert!(
        matches!(&b.rows, Some(Ok(p)) if p.rows.len() == 10 && p.columns == ["AlbumId", "Title", "ArtistId"])
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("rows 1–10 of 25"), "{screen}");
    assert!(
        screen.lines().all(|l| l.chars().count() <= 80),
        "nothing past 80 columns"
    );
    assert!(screen.contains("…"), "long titles are cut: {screen}");
    snap("browser", &app);
}

#[test]
fn pgdn_and_pgup_page_by_offset() {
    let mut app = browser();
    let calls = sent(&press(&mut app, KeyCode::PageDown));
    assert_eq!(query(&calls[0], "offset"), Some("10"));
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(11, 10)),
    );
    let calls = sent(&press(&mut app, KeyCode::PageDown));
    assert_eq!(query(&calls[0], "offset"), Some("20"));
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(21, 5)),
    );
    assert!(render(&app, 80, 24).contains("rows 21–25 of 25"));
    assert!(
        sent(&press(&mut app, KeyCode::PageDown)).is_empty(),
        "no page after the last"
    );
    let calls = sent(&press(&mut app, KeyCode::PageUp));
    assert_eq!(query(&calls[0], "offset"), Some("10"));
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(11, 10)),
    );
    let calls = sent(&press(&mut app, KeyCode::PageUp));
    assert_eq!(query(&calls[0], "offset"), Some("0"));
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(1, 10)),
    );
    assert!(
        sent(&press(&mut app, KeyCode::PageUp)).is_empty(),
        "no page before the first"
    );
    assert_eq!(browser_state(&app).offset, 0);
}

#[test]
fn the_inputs_are_sent_and_a_bad_filter_is_shown_under_it() {
    let mut app = browser();
    press(&mut app, KeyCode::PageDown);
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(album_rows(11, 10)),
    );
    press(&mut app, KeyCode::Tab);
    assert_eq!(browser_state(&app).pane, Pane::Filter);
    assert!(app.screen().is_some_and(|s| s.typing()));
    type_str(&mut app, "Title lik 'A%'");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "AlbumId,Title");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "Title desc");
    let calls = sent(&press(&mut app, KeyCode::Enter));
    assert_eq!(query(&calls[0], "filter"), Some("Title lik 'A%'"));
    assert_eq!(query(&calls[0], "fields"), Some("AlbumId,Title"));
    assert_eq!(query(&calls[0], "order"), Some("Title desc"));
    assert_eq!(
        query(&calls[0], "offset"),
        Some("0"),
        "a new query starts at the top"
    );
    let message = "Invalid filter: expected an operator after column 'Title' (=, !=, >, like, in, is null, between …) but found 'lik' (at position 6).";
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        refusal(400, message),
    );
    let b = browser_state(&app);
    assert_eq!(b.errors[1].as_deref(), Some(message));
    assert_eq!(b.pane, Pane::Filter, "the focus is on the filter");
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("! Invalid filter: expected an operator"),
        "{screen}"
    );
    snap("browser_filter_error", &app);
    // Fixing the filter clears the message.
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(browser_state(&app).errors[1], None);
}

#[test]
fn a_bad_order_is_shown_under_the_order_input() {
    let mut app = browser();
    press_mod(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(browser_state(&app).pane, Pane::Order);
    type_str(&mut app, "Nope");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        refusal(
            400,
            "Unknown field 'Nope' in order: table 'Album' has AlbumId, Title, ArtistId.",
        ),
    );
    let b = browser_state(&app);
    assert!(b.errors[3].is_some() && b.errors[1].is_none() && b.errors[2].is_none());
}

#[test]
fn enter_on_a_table_opens_it_and_a_late_answer_for_the_old_one_is_dropped() {
    let mut app = browser();
    press(&mut app, KeyCode::PageDown);
    let (old, _) = find(&app, "GET /api/v2/chinook/_table/Album").expect("page 2 asked");
    press(&mut app, KeyCode::Down);
    let calls = sent(&press(&mut app, KeyCode::Enter));
    assert_eq!(calls[0].path, "/api/v2/chinook/_schema/Artist");
    assert_eq!(calls[1].path, "/api/v2/chinook/_table/Artist");
    assert_eq!(query(&calls[1], "offset"), Some("0"));
    app.update(Action::Loaded {
        id: old,
        answer: Ok(album_rows(11, 10)),
    });
    assert_eq!(
        browser_state(&app).rows,
        None,
        "Album's late page is not shown as Artist's"
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Artist",
        Ok(json!({"resource": [{"ArtistId": 1, "Name": "AC/DC"}]})),
    );
    assert!(render(&app, 80, 24).contains("AC/DC"));
}

#[test]
fn a_service_without_tables_says_so() {
    let mut app = detail();
    press(&mut app, KeyCode::Char('t'));
    answer(
        &mut app,
        "GET /api/v2/chinook/_table",
        Ok(json!({"resource": []})),
    );
    assert!(app.pending().is_empty());
    assert!(render(&app, 80, 24).contains("no table"));
    snap("browser_empty", &app);
}

#[test]
fn wide_tables_narrow_their_columns_then_leave_the_last_out() {
    let header: Vec<String> = [
        "TrackId",
        "Name",
        "AlbumId",
        "MediaTypeId",
        "GenreId",
        "Composer",
        "Milliseconds",
        "Bytes",
        "UnitPrice",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let row: Vec<String> = [
        "1",
        "For Those About To Rock (We Salute You)",
        "1",
        "1",
        "1",
        "Angus Young, Malcolm Young, Brian Johnson",
        "343719",
        "11170334",
        "0.99",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    for room in [40, 64, 104] {
        let w = fit_columns(&header, std::slice::from_ref(&row), room);
        let total: usize = w.iter().sum::<usize>() + 2 * (w.len() - 1);
        assert!(total <= room, "{room}: {w:?}");
        assert!(w.iter().all(|x| *x >= 7), "{room}: readable widths {w:?}");
    }
    assert!(fit_columns(&header, std::slice::from_ref(&row), 64).len() < header.len());
    assert_eq!(fit_columns(&header, &[row], 200).len(), header.len());
}

#[test]
fn a_wide_page_says_how_many_columns_are_left_out() {
    let mut app = browser();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let fields: Vec<Value> = [
        ("TrackId", "integer", "INTEGER"),
        ("Name", "string", "NVARCHAR(200)"),
        ("AlbumId", "integer", "INTEGER"),
        ("MediaTypeId", "integer", "INTEGER"),
        ("GenreId", "integer", "INTEGER"),
        ("Composer", "string", "NVARCHAR(220)"),
        ("Milliseconds", "integer", "INTEGER"),
        ("Bytes", "integer", "INTEGER"),
        ("UnitPrice", "decimal", "NUMERIC(10,2)"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, t, d))| json!({"name": n, "type": t, "db_type": d, "allow_null": *n == "Composer", "is_primary_key": i == 0}))
    .collect();
    answer(
        &mut app,
        "GET /api/v2/chinook/_schema/Track",
        Ok(json!({"name": "Track", "fields": fields})),
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Track",
        Ok(json!({"resource": [
            {"TrackId": 1, "Name": "For Those About To Rock (We Salute You)", "AlbumId": 1, "MediaTypeId": 1, "GenreId": 1,
             "Composer": "Angus Young, Malcolm Young, Brian Johnson", "Milliseconds": 343719, "Bytes": 11170334, "UnitPrice": 0.99},
            {"TrackId": 2, "Name": "Balls to the Wall", "AlbumId": 2, "MediaTypeId": 2, "GenreId": 1,
             "Composer": null, "Milliseconds": 342562, "Bytes": 5510424, "UnitPrice": 0.99}
        ], "meta": {"count": 3503}})),
    );
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("more columns: name them in fields"),
        "{screen}"
    );
    assert!(screen.lines().all(|l| l.chars().count() <= 80));
    snap("browser_wide", &app);
}
