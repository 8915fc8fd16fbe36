//! The roles list and the rules editor as state machines: keys in, calls and
//! state out, with the server's answers canned. Snapshots of every state at
//! 80×24 and 120×40.

use apiforge_tui::action::{Action, Effect};
use apiforge_tui::app::App;
use apiforge_tui::client::{Call, Method};
use apiforge_tui::screen::ScreenId;
use apiforge_tui::screens::roles::Roles;
use apiforge_tui::screens::rule_editor::{Focus, Part, RuleEditor, Tables};
use apiforge_tui::testing::{
    self, answer, find, lost, press, press_mod, refusal, render, type_str,
};
use crossterm::event::{KeyCode, KeyModifiers};
use serde_json::{Value, json};

fn roles_json() -> Value {
    json!({"resource": [
        {"id": 1, "name": "chinook-reader", "description": "made by the guided flow", "is_active": true,
         "access": [
            {"service": "chinook", "component": "_table/*", "verbs": ["GET"], "filter": null},
            {"service": "chinook", "component": "_schema/*", "verbs": ["GET"], "filter": null}]},
        {"id": 2, "name": "shop-writer", "description": "", "is_active": false,
         "access": [
            {"service": "shop", "component": "_table/orders", "verbs": ["GET", "POST", "PATCH"], "filter": "customer_id = 7"},
            {"service": "chinook", "component": "_table/Album", "verbs": ["GET"], "filter": null}]},
        {"id": 3, "name": "nobody", "description": "", "is_active": true, "access": []}
    ]})
}

fn services_json() -> Value {
    json!({"resource": [
        {"id": 1, "name": "chinook", "type": "sqlite", "is_active": true},
        {"id": 2, "name": "shop", "type": "postgres", "is_active": true},
        {"id": 3, "name": "old", "type": "sqlite", "is_active": false}
    ]})
}

fn chinook_tables() -> Value {
    json!({"resource": [
        {"name": "Album"}, {"name": "Artist"}, {"name": "Customer"}, {"name": "Employee"},
        {"name": "Genre"}, {"name": "Invoice"}, {"name": "InvoiceLine"}, {"name": "MediaType"},
        {"name": "Playlist"}, {"name": "PlaylistTrack"}, {"name": "Track"}
    ]})
}

/// Signed in, on Roles, with the three roles above loaded.
fn on_roles() -> App {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "roles");
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "GET /api/v2/system/role", Ok(roles_json()));
    app
}

/// On the rules editor of a new role, services and chinook's tables loaded.
fn new_role() -> App {
    let mut app = on_roles();
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::RuleEditor));
    answer(&mut app, "GET /api/v2/system/service", Ok(services_json()));
    answer(&mut app, "GET /api/v2/chinook/_table", Ok(chinook_tables()));
    app
}

fn editor(app: &App) -> &RuleEditor {
    app.top::<RuleEditor>().expect("on the rules editor")
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    press_mod(app, KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Tabs until the focus is `to` (at most 50 presses).
fn tab_to(app: &mut App, to: Focus) {
    for _ in 0..50 {
        if editor(app).focus == to {
            return;
        }
        press(app, KeyCode::Tab);
    }
    panic!("never reached {to:?}; at {:?}", editor(app).focus);
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
fn the_list_shows_each_role_its_rules_and_the_services_they_reach() {
    let app = on_roles();
    let roles = app.top::<Roles>().expect("Roles");
    assert_eq!(
        roles.list.rows,
        vec![
            vec!["chinook-reader", "yes", "2", "chinook"],
            vec!["shop-writer", "no", "2", "shop, chinook"],
            vec!["nobody", "yes", "0", ""],
        ]
    );
    snap(&app, "roles_list");
}

#[test]
fn the_list_filters_with_slash() {
    let mut app = on_roles();
    press(&mut app, KeyCode::Char('/'));
    assert!(app.screen().is_some_and(|s| s.typing()));
    type_str(&mut app, "shop");
    let roles = app.top::<Roles>().expect("Roles");
    assert_eq!(roles.list.visible(), vec![1]);
    assert_eq!(roles.selected().map(|r| r.id), Some(2));
    snap(&app, "roles_list_filtered");
}

#[test]
fn an_empty_list_and_a_failed_one_say_so() {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "roles");
    press(&mut app, KeyCode::Enter);
    snap(&app, "roles_list_loading");
    answer(
        &mut app,
        "GET /api/v2/system/role",
        Ok(json!({"resource": []})),
    );
    assert!(render(&app, 80, 24).contains("No role yet"));
    snap(&app, "roles_list_empty");
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "roles");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "GET /api/v2/system/role",
        refusal(500, "the server failed: request id 42"),
    );
    snap(&app, "roles_list_error");
}

#[test]
fn d_asks_first_and_only_y_deletes() {
    let mut app = on_roles();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('d'));
    assert!(render(&app, 80, 24).contains("Delete role 'shop-writer'?"));
    snap(&app, "roles_confirm_delete");
    let fx = press(&mut app, KeyCode::Char('n'));
    assert!(sent(&fx).is_empty(), "any other key keeps it: {fx:?}");
    assert!(app.top::<Roles>().is_some_and(|r| r.confirm.is_none()));
    press(&mut app, KeyCode::Char('d'));
    let fx = press(&mut app, KeyCode::Char('y'));
    let calls = sent(&fx);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Delete, "/api/v2/system/role/2")
    );
    answer(
        &mut app,
        "DELETE /api/v2/system/role/2",
        Ok(json!({"id": 2, "name": "shop-writer"})),
    );
    assert_eq!(app.notice.as_deref(), Some("role 'shop-writer' deleted"));
    assert!(find(&app, "GET /api/v2/system/role").is_some(), "reloads");
}

#[test]
fn a_new_role_starts_with_one_rule_on_the_first_active_service() {
    let app = new_role();
    let ed = editor(&app);
    assert_eq!(ed.id, None);
    assert_eq!(ed.focus, Focus::Name);
    assert_eq!(ed.rules.len(), 1);
    assert_eq!(ed.rules[0].service, "chinook");
    assert_eq!(ed.rules[0].verbs, [true, false, false, false, false]);
    assert_eq!(
        ed.services,
        Some(Ok(vec!["chinook".to_string(), "shop".to_string()])),
        "inactive services cannot be granted"
    );
    assert!(matches!(ed.tables.get("chinook"), Some(Tables::Loaded(t)) if t.len() == 11));
    snap(&app, "editor_new");
}

#[test]
fn tab_completes_a_component_from_the_services_tables() {
    let mut app = new_role();
    tab_to(&mut app, Focus::Rule(0, Part::Component));
    assert!(app.screen().is_some_and(|s| s.typing()));
    type_str(&mut app, "_table/Al");
    assert_eq!(editor(&app).suggestions(), vec!["_table/Album"]);
    snap(&app, "editor_suggestions");
    press(&mut app, KeyCode::Tab);
    let ed = editor(&app);
    assert_eq!(ed.rules[0].component.value(), "_table/Album");
    assert_eq!(
        ed.focus,
        Focus::Rule(0, Part::Component),
        "a Tab that completes stays"
    );
    assert!(
        ed.suggestions().is_empty(),
        "complete: nothing left to suggest"
    );
    // A Tab with nothing to complete moves on.
    press(&mut app, KeyCode::Tab);
    assert_eq!(editor(&app).focus, Focus::Rule(0, Part::Verbs));
}

#[test]
fn tab_completes_the_shared_prefix_in_any_case_and_arrows_pick() {
    let mut app = new_role();
    tab_to(&mut app, Focus::Rule(0, Part::Component));
    type_str(&mut app, "_sch");
    press(&mut app, KeyCode::Tab);
    assert_eq!(editor(&app).rules[0].component.value(), "_schema/");
    // Typed in lower case, completed as the table is spelled.
    press_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_str(&mut app, "_table/playlistt");
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        editor(&app).rules[0].component.value(),
        "_table/PlaylistTrack"
    );
    // ↓ ↓ Enter picks the second suggestion.
    press_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_str(&mut app, "_table/in");
    assert_eq!(
        editor(&app).suggestions(),
        vec!["_table/Invoice", "_table/InvoiceLine"]
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(editor(&app).pick, Some(1));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        editor(&app).rules[0].component.value(),
        "_table/InvoiceLine"
    );
    // Text inside a name finds it too.
    press_mod(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_str(&mut app, "genre");
    assert_eq!(
        editor(&app).suggestions(),
        vec!["_table/Genre", "_schema/Genre"]
    );
}

#[test]
fn a_service_change_loads_its_tables_for_completion() {
    let mut app = new_role();
    tab_to(&mut app, Focus::Rule(0, Part::Service));
    assert!(
        !app.screen().is_some_and(|s| s.typing()),
        "a choice is not typed"
    );
    let fx = press(&mut app, KeyCode::Right);
    assert_eq!(editor(&app).rules[0].service, "shop");
    let calls = sent(&fx);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/api/v2/shop/_table");
    answer(
        &mut app,
        "GET /api/v2/shop/_table",
        Ok(json!({"resource": [{"name": "orders"}, {"name": "customers"}]})),
    );
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "_table/o");
    assert_eq!(editor(&app).suggestions(), vec!["_table/orders"]);
    // Back to chinook: its tables are known, nothing is asked again.
    press(&mut app, KeyCode::BackTab);
    let fx = press(&mut app, KeyCode::Left);
    assert_eq!(editor(&app).rules[0].service, "chinook");
    assert!(sent(&fx).is_empty());
}

#[test]
fn verbs_toggle_with_1_to_5_and_with_space_on_the_focused_verb() {
    let mut app = new_role();
    tab_to(&mut app, Focus::Rule(0, Part::Verbs));
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(
        editor(&app).rules[0].verbs,
        [true, true, false, false, true]
    );
    assert_eq!(editor(&app).verb_cursor, 4);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(editor(&app).rules[0].verbs, [true, true, false, true, true]);
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(
        editor(&app).rules[0].verbs,
        [false, true, false, true, false]
    );
    snap(&app, "editor_verbs");
    // On the filter, digits are text.
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "AlbumId = 1");
    assert_eq!(editor(&app).rules[0].filter.value(), "AlbumId = 1");
    assert_eq!(
        editor(&app).rules[0].verbs,
        [false, true, false, true, false]
    );
}

#[test]
fn without_a_verb_or_a_name_nothing_is_sent_and_the_fields_say_why() {
    let mut app = new_role();
    tab_to(&mut app, Focus::Rule(0, Part::Component));
    type_str(&mut app, "_table/*");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('1'));
    let fx = ctrl(&mut app, 's');
    assert!(sent(&fx).is_empty(), "{fx:?}");
    let ed = editor(&app);
    assert!(!ed.saving);
    assert_eq!(ed.name_error.as_deref(), Some("the role needs a name"));
    assert!(
        ed.rules[0]
            .errors
            .verbs
            .as_deref()
            .is_some_and(|e| e.contains("at least one verb"))
    );
    assert_eq!(ed.focus, Focus::Name, "the focus goes to the first problem");
    assert!(render(&app, 80, 24).contains("! allow at least one verb"));
    snap(&app, "editor_client_errors");
    // Fixed, it saves.
    type_str(&mut app, "reader");
    tab_to(&mut app, Focus::Rule(0, Part::Verbs));
    press(&mut app, KeyCode::Char('1'));
    let fx = ctrl(&mut app, 's');
    assert_eq!(sent(&fx).len(), 1);
}

#[test]
fn a_rule_without_component_is_refused_by_the_client() {
    let mut app = new_role();
    type_str(&mut app, "r");
    let fx = ctrl(&mut app, 's');
    assert!(sent(&fx).is_empty());
    let ed = editor(&app);
    assert!(ed.rules[0].errors.component.is_some());
    assert_eq!(ed.focus, Focus::Rule(0, Part::Component));
}

/// A role `reader` with two rules: Album records with GET and POST under a
/// filter, and every schema with GET.
fn fill_two_rules(app: &mut App) {
    type_str(app, "reader");
    press(app, KeyCode::Tab);
    type_str(app, "Reads albums");
    tab_to(app, Focus::Rule(0, Part::Component));
    type_str(app, "_table/Al");
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Tab);
    type_str(app, "ArtistId = 1");
    ctrl(app, 'a');
    assert_eq!(editor(app).focus, Focus::Rule(1, Part::Component));
    assert_eq!(editor(app).rules[1].service, "chinook");
    type_str(app, "_schema/*");
}

#[test]
fn save_posts_exactly_the_role_and_goes_back_to_the_list() {
    let mut app = new_role();
    fill_two_rules(&mut app);
    snap(&app, "editor_two_rules");
    tab_to(&mut app, Focus::Save);
    let fx = press(&mut app, KeyCode::Enter);
    let calls = sent(&fx);
    assert_eq!(calls.len(), 1, "{fx:?}");
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Post, "/api/v2/system/role")
    );
    assert_eq!(
        calls[0].body,
        Some(json!({
            "name": "reader",
            "description": "Reads albums",
            "is_active": true,
            "access": [
                {"service": "chinook", "component": "_table/Album", "verbs": ["GET", "POST"], "filter": "ArtistId = 1"},
                {"service": "chinook", "component": "_schema/*", "verbs": ["GET"]}
            ]
        }))
    );
    assert!(editor(&app).saving);
    assert!(render(&app, 80, 24).contains("saving…"));
    answer(
        &mut app,
        "POST /api/v2/system/role",
        Ok(
            json!({"id": 9, "name": "reader", "description": "Reads albums", "is_active": true, "access": []}),
        ),
    );
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Roles]);
    assert_eq!(app.notice.as_deref(), Some("role 'reader' saved"));
    assert!(
        find(&app, "GET /api/v2/system/role").is_some(),
        "the list reloads"
    );
}

#[test]
fn a_server_400_on_the_second_rules_filter_lands_on_that_field() {
    let mut app = new_role();
    fill_two_rules(&mut app);
    // The second rule gets a filter the server will refuse.
    ctrl(&mut app, 'x');
    ctrl(&mut app, 'a');
    type_str(&mut app, "_table/Track");
    tab_to(&mut app, Focus::Rule(1, Part::Filter));
    type_str(&mut app, "GenreId = = 1");
    ctrl(&mut app, 's');
    let message = "'access[1].filter' is not a valid filter: expected a value (a 'quoted string', a number, true, false or null) after '=' but found '=' (at position 10)";
    answer(&mut app, "POST /api/v2/system/role", refusal(400, message));
    let ed = editor(&app);
    assert!(!ed.saving);
    assert_eq!(ed.rules[1].errors.filter.as_deref(), Some(message));
    assert_eq!(ed.rules[0].errors.filter, None);
    assert_eq!(ed.error, None, "not above the form: on the field");
    assert_eq!(ed.focus, Focus::Rule(1, Part::Filter));
    snap(&app, "editor_server_error");
    // Typing in the field clears its message.
    press(&mut app, KeyCode::Backspace);
    assert_eq!(editor(&app).rules[1].errors.filter, None);
}

#[test]
fn other_server_refusals_land_on_the_name_the_component_or_above() {
    let mut app = new_role();
    fill_two_rules(&mut app);
    ctrl(&mut app, 's');
    answer(
        &mut app,
        "POST /api/v2/system/role",
        refusal(409, "a role named 'reader' already exists"),
    );
    assert_eq!(
        editor(&app).name_error.as_deref(),
        Some("a role named 'reader' already exists")
    );
    assert_eq!(editor(&app).focus, Focus::Name);
    ctrl(&mut app, 's');
    answer(
        &mut app,
        "POST /api/v2/system/role",
        refusal(
            400,
            "'access[0].component' names a table that service 'chinook' does not have: 'Albu' (GET /api/v2/chinook/_table lists them)",
        ),
    );
    assert!(editor(&app).rules[0].errors.component.is_some());
    assert_eq!(editor(&app).focus, Focus::Rule(0, Part::Component));
    ctrl(&mut app, 's');
    answer(
        &mut app,
        "POST /api/v2/system/role",
        refusal(
            400,
            "'access[1]' is about the same service and component as 'access[0]' ('chinook', '_table/Album'): put their verbs in one rule",
        ),
    );
    assert!(editor(&app).rules[1].errors.rule.is_some());
    ctrl(&mut app, 's');
    answer(
        &mut app,
        "POST /api/v2/system/role",
        refusal(400, "the body is too large"),
    );
    assert_eq!(editor(&app).error.as_deref(), Some("the body is too large"));
}

#[test]
fn a_lost_connection_during_save_retries_the_same_call() {
    let mut app = new_role();
    fill_two_rules(&mut app);
    let fx = ctrl(&mut app, 's');
    let first = sent(&fx);
    answer(&mut app, "POST /api/v2/system/role", lost());
    assert!(app.lost.is_some());
    assert!(editor(&app).saving, "still saving while the call waits");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Lost connection"), "{screen}");
    snap(&app, "editor_lost_connection");
    // Keys do not change what is being saved.
    type_str(&mut app, "zz");
    assert_eq!(editor(&app).rules[1].component.value(), "_schema/*");
    let fx = press(&mut app, KeyCode::Char('r'));
    let again = sent(&fx);
    assert_eq!(again.len(), 1, "{fx:?}");
    assert_eq!(again[0], first[0], "the same call, the same body");
    answer(
        &mut app,
        "POST /api/v2/system/role",
        Ok(json!({"id": 9, "name": "reader", "is_active": true, "access": []})),
    );
    assert!(app.lost.is_none());
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Roles]);
}

#[test]
fn esc_during_save_cancels_it_and_the_editor_stays() {
    let mut app = new_role();
    fill_two_rules(&mut app);
    ctrl(&mut app, 's');
    let (id, _) = find(&app, "POST /api/v2/system/role").expect("saving");
    let fx = press(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::Abort(id)));
    assert!(!editor(&app).saving);
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::RuleEditor));
    // The late answer is dropped.
    app.update(Action::Loaded {
        id,
        answer: Ok(json!({"id": 9, "name": "reader"})),
    });
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::RuleEditor));
}

#[test]
fn editing_puts_the_whole_role_and_keeps_it_inactive() {
    let mut app = on_roles();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('e'));
    // The rules' services' tables are asked for at once.
    assert!(find(&app, "GET /api/v2/shop/_table").is_some());
    assert!(find(&app, "GET /api/v2/chinook/_table").is_some());
    answer(&mut app, "GET /api/v2/system/service", Ok(services_json()));
    answer(
        &mut app,
        "GET /api/v2/shop/_table",
        refusal(404, "there is no service 'shop'"),
    );
    answer(&mut app, "GET /api/v2/chinook/_table", Ok(chinook_tables()));
    let ed = editor(&app);
    assert_eq!(ed.id, Some(2));
    assert_eq!(ed.name.value(), "shop-writer");
    assert!(!ed.active);
    assert_eq!(ed.rules[0].verbs, [true, true, false, true, false]);
    assert_eq!(ed.rules[0].filter.value(), "customer_id = 7");
    assert_eq!(
        app.screen().map(|s| s.title()).as_deref(),
        Some("Role shop-writer")
    );
    snap(&app, "editor_edit");
    // Drop the second rule and save.
    tab_to(&mut app, Focus::Rule(1, Part::Service));
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(editor(&app).rules.len(), 1);
    let fx = ctrl(&mut app, 's');
    let calls: Vec<Call> = sent(&fx)
        .into_iter()
        .filter(|c| c.path.contains("/system/"))
        .collect();
    assert_eq!(calls.len(), 1, "{fx:?}");
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        (Method::Put, "/api/v2/system/role/2")
    );
    assert_eq!(
        calls[0].body,
        Some(json!({
            "name": "shop-writer",
            "description": "",
            "is_active": false,
            "access": [
                {"service": "shop", "component": "_table/orders", "verbs": ["GET", "POST", "PATCH"], "filter": "customer_id = 7"}
            ]
        }))
    );
}

#[test]
fn q_is_typed_in_a_text_field_and_goes_back_from_a_choice() {
    let mut app = new_role();
    type_str(&mut app, "q?:");
    assert_eq!(editor(&app).name.value(), "q?:");
    assert_eq!(app.screen_ids().last(), Some(&ScreenId::RuleEditor));
    tab_to(&mut app, Focus::Active);
    press(&mut app, KeyCode::Char(' '));
    assert!(!editor(&app).active);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Roles]);
}

#[test]
fn the_help_lists_the_editors_keys() {
    let mut app = new_role();
    press(&mut app, KeyCode::F(1));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("toggle GET POST PUT PATCH DELETE"),
        "{screen}"
    );
    snap(&app, "editor_help");
}
