//! The guided flow's state machine: the preset becomes the quickstart's body,
//! the key shows whole and `c` copies it, "try it" sends both calls with the
//! key and shows their statuses and rows, a refusal lands on its step, a lost
//! connection resumes the step, Esc cancels one. Snapshots of every step at
//! 80×24 and 120×40.

use apiforge_tui::action::{Action, Effect};
use apiforge_tui::app::App;
use apiforge_tui::client::{Auth, Method};
use apiforge_tui::screen::ScreenId;
use apiforge_tui::screens::guide::{Again, Guide, Level, Parts, Step};
use apiforge_tui::testing::{self, answer, find, lost, press, refusal, render, type_str};
use crossterm::event::KeyCode;
use serde_json::{Value, json};

const KEY: &str = "afk_Vee0LOkSOtcH0zzmSeAm9rLqyPDDh2ncwIQO6UChYUk";

/// Home with service `chinook` (nothing made for it yet), then `g`.
fn at_guide() -> App {
    let mut app = testing::signed_in();
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "home");
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/system/service",
        Ok(json!({"resource": [{"id": 1, "name": "chinook", "type": "sqlite"}]})),
    );
    answer(
        &mut app,
        "chinook/next_steps",
        Ok(json!({"service": "chinook", "ready": false, "steps": [
            {"step": "role", "done": false, "detail": ""},
            {"step": "app", "done": false, "detail": ""},
            {"step": "try", "done": false, "detail": ""}
        ]})),
    );
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.screen_ids(), vec![ScreenId::Home, ScreenId::Guide]);
    assert!(
        app.pending().is_empty(),
        "the guide asks nothing before Enter"
    );
    app
}

fn guide(app: &App) -> &Guide {
    app.top::<Guide>().expect("the guide is on top")
}

fn quickstart_answer() -> Value {
    json!({
        "role": {"id": 1, "name": "chinook_auto_role", "description": "made by the guided flow", "is_active": true,
                 "access": [{"service": "chinook", "component": "_table/*", "verbs": ["GET"], "filter": null},
                            {"service": "chinook", "component": "_schema/*", "verbs": ["GET"], "filter": null}]},
        "app": {"id": 1, "name": "chinook_app", "description": "made by the guided flow", "role": "chinook_auto_role",
                "is_active": true, "rate_limit_per_minute": null, "api_key_prefix": "afk_Vee0LOkS", "api_key": KEY},
        "api_key": KEY,
        "try": {"rest": "curl …", "graphql": null, "graphql_schema": "", "docs": ""}
    })
}

/// The guide with the key shown (quickstart answered).
fn with_key() -> App {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "POST /api/v2/system/service/chinook/_quickstart",
        Ok(quickstart_answer()),
    );
    app
}

fn album_schema() -> Value {
    json!({"name": "Album", "fields": [
        {"name": "AlbumId", "type": "integer", "is_primary_key": true},
        {"name": "Title", "type": "string"},
        {"name": "ArtistId", "type": "integer"}
    ]})
}

fn album_rows() -> Value {
    json!([
        {"AlbumId": 1, "Title": "For Those About To Rock We Salute You", "ArtistId": 1},
        {"AlbumId": 2, "Title": "Balls to the Wall", "ArtistId": 2},
        {"AlbumId": 3, "Title": "Restless and Wild", "ArtistId": 2}
    ])
}

/// Enter on step 3 up to the two calls with the key in flight.
fn to_the_calls(app: &mut App) {
    press(app, KeyCode::Enter);
    answer(
        app,
        "GET /api/v2/chinook/_table",
        Ok(json!({"resource": [{"name": "Album"}, {"name": "Artist"}]})),
    );
    answer(app, "GET /api/v2/chinook/_schema/Album", Ok(album_schema()));
}

/// The guide after a full run of "try it".
fn tried() -> App {
    let mut app = with_key();
    to_the_calls(&mut app);
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(json!({ "resource": album_rows() })),
    );
    answer(
        &mut app,
        "POST /api/v2/chinook/graphql",
        Ok(json!({"data": {"Album": album_rows()}})),
    );
    app
}

#[test]
fn the_preset_chosen_is_the_quickstarts_body() {
    let mut app = at_guide();
    assert_eq!(guide(&app).level, Level::Read);
    assert_eq!(guide(&app).parts, Parts::All);
    press(&mut app, KeyCode::Right);
    assert_eq!(guide(&app).level, Level::Write);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(guide(&app).level, Level::Full);
    press(&mut app, KeyCode::Right);
    assert_eq!(guide(&app).level, Level::Full, "full is the last one");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(guide(&app).parts, Parts::Tables);
    assert_eq!(guide(&app).level, Level::Full, "1 changed the parts row");
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Left);
    assert_eq!(guide(&app).level, Level::Write);
    press(&mut app, KeyCode::Enter);
    let (_, call) = find(&app, "POST /api/v2/system/service/chinook/_quickstart")
        .expect("Enter runs the quickstart");
    assert_eq!(call.auth, Auth::Session);
    assert_eq!(
        call.body,
        Some(json!({"level": "write", "components": "tables"}))
    );
}

#[test]
fn the_default_preset_is_read_on_everything() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    let (_, call) = find(&app, "/_quickstart").expect("quickstart");
    assert_eq!(
        call.body,
        Some(json!({"level": "read", "components": "all"}))
    );
}

#[test]
fn the_key_shows_whole_on_its_own_line_and_c_copies_it() {
    let mut app = with_key();
    let g = guide(&app);
    assert_eq!(g.step(), Step::Try);
    assert_eq!(g.key_text(), Some(KEY));
    let screen = render(&app, 80, 24);
    assert!(
        screen.lines().any(|l| l.trim() == KEY),
        "the key alone on a line:\n{screen}"
    );
    assert!(screen.contains("shown once"), "{screen}");
    assert!(
        screen.contains("chinook_auto_role: _table/* GET"),
        "{screen}"
    );
    let fx = press(&mut app, KeyCode::Char('c'));
    assert!(fx.contains(&Effect::Copy(KEY.into())), "{fx:?}");
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("copied")));
}

#[test]
fn try_it_sends_both_calls_with_the_new_key_and_shows_statuses_and_rows() {
    let mut app = with_key();
    press(&mut app, KeyCode::Enter);
    let (_, tables) = find(&app, "GET /api/v2/chinook/_table").expect("a table is looked for");
    assert_eq!(tables.auth, Auth::Session, "finding a table is the admin's");
    answer(
        &mut app,
        "GET /api/v2/chinook/_table",
        Ok(json!({"resource": [{"name": "Album"}, {"name": "Artist"}]})),
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_schema/Album",
        Ok(album_schema()),
    );
    let (_, rest) = find(&app, "GET /api/v2/chinook/_table/Album").expect("the REST call");
    assert_eq!(rest.auth, Auth::Key(KEY.into()));
    assert_eq!(rest.query, vec![("limit".to_string(), "3".to_string())]);
    let (_, gql) = find(&app, "POST /api/v2/chinook/graphql").expect("the GraphQL call");
    assert_eq!(gql.method, Method::Post);
    assert_eq!(gql.auth, Auth::Key(KEY.into()));
    assert_eq!(
        gql.body,
        Some(json!({"query": "{ Album(limit: 3) { AlbumId Title ArtistId } }"}))
    );
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(json!({ "resource": album_rows() })),
    );
    answer(
        &mut app,
        "POST /api/v2/chinook/graphql",
        Ok(json!({"data": {"Album": album_rows()}})),
    );
    let g = guide(&app);
    let rest = g.rest.as_ref().expect("REST outcome");
    assert_eq!(rest.status, "200 OK");
    assert_eq!(rest.rows.len(), 3);
    assert_eq!(rest.rows[1], vec!["2", "Balls to the Wall", "2"]);
    assert_eq!(
        g.graphql.as_ref().map(|o| o.rows.clone()),
        Some(rest.rows.clone())
    );
    assert!(g.running.is_none());
    let screen = render(&app, 80, 24);
    assert_eq!(screen.matches("200 OK").count(), 2, "{screen}");
    assert!(screen.contains("Balls to the Wall"), "{screen}");
    assert!(screen.contains("export API_KEY="), "{screen}");
    // y copies the exact lines of the calls that ran.
    let fx = press(&mut app, KeyCode::Char('y'));
    let Some(Effect::Copy(text)) = fx.first() else {
        panic!("y copies: {fx:?}");
    };
    assert!(
        text.starts_with(&format!("export API_KEY='{KEY}'\n")),
        "{text}"
    );
    assert!(
        text.contains("'http://127.0.0.1:8080/api/v2/chinook/_table/Album?limit=3'"),
        "{text}"
    );
    assert!(
        text.contains(r#"-d '{"query":"{ Album(limit: 3) { AlbumId Title ArtistId } }"}' 'http://127.0.0.1:8080/api/v2/chinook/graphql'"#),
        "{text}"
    );
}

#[test]
fn a_refused_call_with_the_key_shows_its_status_and_message() {
    let mut app = with_key();
    to_the_calls(&mut app);
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        refusal(403, "role 'chinook_auto_role' may not GET _table/Album"),
    );
    answer(
        &mut app,
        "POST /api/v2/chinook/graphql",
        Ok(
            json!({"data": null, "errors": [{"message": "Unknown field \"Album\" on type \"Query\"."}]}),
        ),
    );
    let g = guide(&app);
    assert_eq!(
        g.rest.as_ref().map(|o| o.status.as_str()),
        Some("403 Forbidden")
    );
    assert!(g.graphql.as_ref().is_some_and(|o| !o.ok));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("403 Forbidden"), "{screen}");
    assert!(screen.contains("may not GET _table/Album"), "{screen}");
    assert!(screen.contains("Unknown field"), "{screen}");
    insta::assert_snapshot!("refused_with_the_key_80x24", screen);
    insta::assert_snapshot!("refused_with_the_key_120x40", render(&app, 120, 40));
}

#[test]
fn a_refused_quickstart_is_shown_on_step_one() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/_quickstart",
        refusal(
            400,
            "service 'chinook' is not running (is_active is false, or its database could not be opened): fix it first",
        ),
    );
    let g = guide(&app);
    assert_eq!(g.step(), Step::Role);
    assert!(g.issued.is_none());
    assert!(
        g.role_error
            .as_deref()
            .is_some_and(|e| e.starts_with("400: service"))
    );
    let screen = render(&app, 80, 24);
    let role_line = screen
        .lines()
        .position(|l| l.contains("1 Role"))
        .expect("step 1");
    let err_line = screen
        .lines()
        .position(|l| l.contains("400: service"))
        .expect("the error");
    let key_line = screen
        .lines()
        .position(|l| l.contains("2 API key"))
        .expect("step 2");
    assert!(role_line < err_line && err_line < key_line, "{screen}");
    insta::assert_snapshot!("refused_quickstart_80x24", screen);
    insta::assert_snapshot!("refused_quickstart_120x40", render(&app, 120, 40));
    // Enter tries again.
    press(&mut app, KeyCode::Enter);
    assert!(find(&app, "/_quickstart").is_some());
}

#[test]
fn run_again_it_offers_a_new_key_for_the_app_made_before() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/_quickstart",
        refusal(
            409,
            "a role named 'chinook_auto_role' exists already: the quickstart was run before.",
        ),
    );
    answer(
        &mut app,
        "GET /api/v2/system/app",
        Ok(json!({"resource": [
            {"id": 4, "name": "other_app", "role": "x"},
            {"id": 7, "name": "chinook_app", "role": "chinook_auto_role"}
        ]})),
    );
    assert_eq!(
        guide(&app).again,
        Some(Again::Rotate {
            id: 7,
            app: "chinook_app".into()
        })
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("exists already"), "{screen}");
    assert!(
        screen.contains("Enter issues a new key for app chinook_app (its old key stops working)"),
        "{screen}"
    );
    insta::assert_snapshot!("made_before_80x24", screen);
    insta::assert_snapshot!("made_before_120x40", render(&app, 120, 40));
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "POST /api/v2/system/app/7/rotate",
        Ok(json!({"id": 7, "name": "chinook_app", "role": "chinook_auto_role", "api_key": KEY})),
    );
    let g = guide(&app);
    assert_eq!(g.key_text(), Some(KEY));
    assert_eq!(g.step(), Step::Try);
    assert!(render(&app, 80, 24).contains("chinook_auto_role, made before"));
}

#[test]
fn run_again_without_the_app_it_makes_the_app_with_the_role() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "/_quickstart",
        refusal(409, "a role named 'chinook_auto_role' exists already"),
    );
    answer(
        &mut app,
        "GET /api/v2/system/app",
        Ok(json!({"resource": []})),
    );
    press(&mut app, KeyCode::Enter);
    let (_, call) = find(&app, "POST /api/v2/system/app").expect("the app is made");
    assert_eq!(
        call.body.as_ref().and_then(|b| b.get("role")).cloned(),
        Some(json!("chinook_auto_role"))
    );
    answer(
        &mut app,
        "POST /api/v2/system/app",
        refusal(403, "only admins may create apps"),
    );
    let g = guide(&app);
    assert_eq!(
        g.key_error.as_deref(),
        Some("403: only admins may create apps")
    );
    let screen = render(&app, 80, 24);
    let key_line = screen
        .lines()
        .position(|l| l.contains("2 API key"))
        .expect("step 2");
    let err_line = screen
        .lines()
        .position(|l| l.contains("403: only admins"))
        .expect("the error");
    assert_eq!(
        err_line,
        key_line + 1,
        "the error sits on step 2:\n{screen}"
    );
}

#[test]
fn a_table_refusal_is_shown_on_step_three() {
    let mut app = with_key();
    press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        "GET /api/v2/chinook/_table",
        refusal(404, "no service named 'chinook'"),
    );
    let g = guide(&app);
    assert_eq!(
        g.try_error.as_deref(),
        Some("404: no service named 'chinook'")
    );
    assert!(g.running.is_none());
    let screen = render(&app, 80, 24);
    let try_line = screen
        .lines()
        .position(|l| l.contains("3 Try it"))
        .expect("step 3");
    assert!(
        screen
            .lines()
            .nth(try_line + 1)
            .is_some_and(|l| l.contains("404: no service")),
        "{screen}"
    );
}

#[test]
fn a_lost_connection_mid_flow_resumes_the_step_once_answered() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "/_quickstart", lost());
    assert!(app.lost.is_some());
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Lost connection"), "{screen}");
    assert!(
        screen.contains("making the role"),
        "the step still runs:\n{screen}"
    );
    // r sends the same call again; its answer finishes the step.
    let fx = press(&mut app, KeyCode::Char('r'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Send { call, .. } if call.path.ends_with("/_quickstart"))),
        "{fx:?}"
    );
    answer(&mut app, "/_quickstart", Ok(quickstart_answer()));
    assert!(app.lost.is_none());
    assert_eq!(guide(&app).key_text(), Some(KEY));
    // Lost again during "try it": the countdown retries and the rows arrive.
    to_the_calls(&mut app);
    answer(&mut app, "GET /api/v2/chinook/_table/Album", lost());
    answer(&mut app, "POST /api/v2/chinook/graphql", lost());
    let mut resent = Vec::new();
    for _ in 0..40 {
        resent.extend(app.update(Action::Tick));
    }
    let keyed = resent
        .iter()
        .filter(|e| matches!(e, Effect::Send { call, .. } if call.auth == Auth::Key(KEY.into())))
        .count();
    assert_eq!(keyed, 2, "both calls go again with the key: {resent:?}");
    answer(
        &mut app,
        "GET /api/v2/chinook/_table/Album",
        Ok(json!({ "resource": album_rows() })),
    );
    answer(
        &mut app,
        "POST /api/v2/chinook/graphql",
        Ok(json!({"data": {"Album": album_rows()}})),
    );
    let g = guide(&app);
    assert!(g.running.is_none());
    assert_eq!(g.rest.as_ref().map(|o| o.rows.len()), Some(3));
    assert_eq!(g.graphql.as_ref().map(|o| o.rows.len()), Some(3));
}

#[test]
fn esc_cancels_a_running_step_and_enter_starts_it_again() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    let (id, _) = find(&app, "/_quickstart").expect("quickstart");
    let fx = press(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::Abort(id)), "{fx:?}");
    assert_eq!(
        app.screen_ids(),
        vec![ScreenId::Home, ScreenId::Guide],
        "Esc stopped the call, not the screen"
    );
    let g = guide(&app);
    assert!(g.running.is_none());
    assert_eq!(g.role_error.as_deref(), Some("cancelled"));
    // The answer that comes anyway is dropped.
    app.update(Action::Loaded {
        id,
        answer: Ok(quickstart_answer()),
    });
    assert!(guide(&app).issued.is_none());
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "/_quickstart", Ok(quickstart_answer()));
    // Esc during "try it" stops both calls; each says it was cancelled.
    to_the_calls(&mut app);
    let fx = press(&mut app, KeyCode::Esc);
    assert_eq!(
        fx.iter().filter(|e| matches!(e, Effect::Abort(_))).count(),
        2,
        "{fx:?}"
    );
    let g = guide(&app);
    assert!(g.running.is_none());
    assert_eq!(
        g.rest.as_ref().map(|o| o.status.as_str()),
        Some("cancelled")
    );
    assert_eq!(g.step(), Step::Try);
    // Nothing runs: Esc now goes back.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen_ids(), vec![ScreenId::Home]);
}

#[test]
fn keys_do_nothing_twice_while_a_step_runs() {
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.pending().len(), 1, "one quickstart only");
    press(&mut app, KeyCode::Right);
    assert_eq!(
        guide(&app).level,
        Level::Read,
        "the preset is fixed while it is made"
    );
}

#[test]
fn snapshots_of_every_step() {
    let mut app = at_guide();
    insta::assert_snapshot!("choose_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("choose_120x40", render(&app, 120, 40));
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("making_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("making_120x40", render(&app, 120, 40));
    answer(&mut app, "/_quickstart", Ok(quickstart_answer()));
    insta::assert_snapshot!("key_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("key_120x40", render(&app, 120, 40));
    to_the_calls(&mut app);
    insta::assert_snapshot!("calling_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("calling_120x40", render(&app, 120, 40));
    let app = tried();
    insta::assert_snapshot!("tried_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("tried_120x40", render(&app, 120, 40));
    let mut app = at_guide();
    press(&mut app, KeyCode::Enter);
    answer(&mut app, "/_quickstart", lost());
    insta::assert_snapshot!("lost_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("lost_120x40", render(&app, 120, 40));
    let app = {
        let mut a = tried();
        press(&mut a, KeyCode::Char('?'));
        a
    };
    insta::assert_snapshot!("help_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("help_120x40", render(&app, 120, 40));
}
