//! The policy on a real system database (in-memory SQLite, the real migrations):
//! rows written with the entities, lines by `sync_role`, decisions after `reload`.

use std::sync::Arc;
use std::time::Instant;

use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi};
use chrono::Utc;
use entity::{app, casbin_rule, role, role_access};
use migration::MigratorTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectOptions, Database, DatabaseConnection,
    EntityTrait, IntoActiveModel, ModelTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

use super::adapter::SeaOrmAdapter;
use super::*;
use crate::query::filter;
use crate::query::plan::{Gate, Grant, Verb};

async fn system_db() -> DatabaseConnection {
    // One connection: each connection to `sqlite::memory:` is its own database.
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await.expect("in-memory SQLite");
    migration::Migrator::up(&db, None)
        .await
        .expect("the migrations run");
    db
}

async fn new_role(db: &DatabaseConnection, name: &str) -> i32 {
    role::ActiveModel {
        name: Set(name.into()),
        description: Set(String::new()),
        is_active: Set(true),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("role row")
    .id
}

async fn add_rule(
    db: &DatabaseConnection,
    role_id: i32,
    service: &str,
    component: &str,
    verbs: &str,
    filter: Option<&str>,
) -> i32 {
    role_access::ActiveModel {
        role_id: Set(role_id),
        service: Set(service.into()),
        component: Set(component.into()),
        verbs: Set(verbs.into()),
        filter: Set(filter.map(str::to_string)),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("role_access row")
    .id
}

async fn new_app(
    db: &DatabaseConnection,
    name: &str,
    role_id: Option<i32>,
    key: &str,
) -> app::Model {
    app::ActiveModel {
        name: Set(name.into()),
        description: Set(String::new()),
        role_id: Set(role_id),
        api_key_hash: Set(crate::auth::apikey::hash(key)),
        api_key_prefix: Set(key.chars().take(6).collect()),
        is_active: Set(true),
        rate_limit_per_minute: Set(Some(60)),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("app row")
}

/// `sync_role` as the admin API calls it: inside the change's transaction.
async fn sync(db: &DatabaseConnection, role_id: i32) {
    let txn = db.begin().await.expect("begin");
    sync_role(&txn, role_id).await.expect("sync_role");
    txn.commit().await.expect("commit");
}

async fn loaded(db: &DatabaseConnection) -> Arc<Snapshot> {
    Policies::load(db).await.expect("policies load").current()
}

fn grant(s: &Arc<Snapshot>, role_id: i32, service: &str, component: &str, verb: Verb) -> Grant {
    s.gate(role_id, service).grant(component, verb)
}

fn allowed(s: &Arc<Snapshot>, role_id: i32, service: &str, component: &str, verb: Verb) -> bool {
    grant(s, role_id, service, component, verb).allowed()
}

fn with_filter(text: &str) -> Grant {
    Grant::Allow(Some(Arc::new(
        filter::parse(text).expect("a test filter parses"),
    )))
}

#[tokio::test]
async fn a_more_specific_rule_with_fewer_verbs_narrows() {
    let db = system_db().await;
    let r = new_role(&db, "editor").await;
    add_rule(&db, r, "chinook", "_table/*", r#"["GET","POST"]"#, None).await;
    add_rule(&db, r, "chinook", "_table/Album", r#"["GET"]"#, None).await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    assert!(allowed(&s, r, "chinook", "_table/Album", Verb::Get));
    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Post));
    assert!(allowed(&s, r, "chinook", "_table/Track", Verb::Post));
    assert!(allowed(&s, r, "chinook", "_table/Track", Verb::Get));
    assert!(!allowed(&s, r, "chinook", "_table/Track", Verb::Delete));
    // Another service is another domain.
    assert!(!allowed(&s, r, "other", "_table/Track", Verb::Get));
    assert_eq!(s.gate(r, "chinook").who(), "role 'editor'");
}

#[tokio::test]
async fn exact_beats_prefix_beats_star() {
    let db = system_db().await;
    let r = new_role(&db, "layered").await;
    add_rule(&db, r, "chinook", "*", r#"["GET"]"#, None).await;
    add_rule(&db, r, "chinook", "_table/*", r#"["GET","POST"]"#, None).await;
    add_rule(&db, r, "chinook", "_table/Album", r#"["DELETE"]"#, None).await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    // Exact: only its own verb, not the broader rules' GET.
    assert!(allowed(&s, r, "chinook", "_table/Album", Verb::Delete));
    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Get));
    // Prefix: its verbs; `*` adds nothing it does not have.
    assert!(allowed(&s, r, "chinook", "_table/Track", Verb::Post));
    assert!(!allowed(&s, r, "chinook", "_table/Track", Verb::Delete));
    // Only `*` covers the schema.
    assert!(allowed(&s, r, "chinook", "_schema/Album", Verb::Get));
    assert!(!allowed(&s, r, "chinook", "_schema/Album", Verb::Post));
}

#[tokio::test]
async fn a_schema_rule_does_not_open_the_records() {
    let db = system_db().await;
    let r = new_role(&db, "describer").await;
    add_rule(&db, r, "chinook", "_schema/*", r#"["GET"]"#, None).await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    assert!(allowed(&s, r, "chinook", "_schema/Album", Verb::Get));
    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Get));
    assert!(s.reaches(r, "chinook"));
    assert!(!s.reaches(r, "other"));
}

#[tokio::test]
async fn the_filter_is_the_winning_rules() {
    let db = system_db().await;
    let r = new_role(&db, "filtered").await;
    add_rule(&db, r, "chinook", "*", r#"["GET"]"#, None).await;
    add_rule(
        &db,
        r,
        "chinook",
        "_table/*",
        r#"["GET","POST"]"#,
        Some("AlbumId > 10"),
    )
    .await;
    add_rule(
        &db,
        r,
        "chinook",
        "_table/Album",
        r#"["GET"]"#,
        Some("Title like 'A%'"),
    )
    .await;
    add_rule(&db, r, "chinook", "_table/Genre", r#"["GET"]"#, Some("   ")).await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    assert_eq!(
        grant(&s, r, "chinook", "_table/Album", Verb::Get),
        with_filter("Title like 'A%'")
    );
    assert_eq!(
        grant(&s, r, "chinook", "_table/Track", Verb::Post),
        with_filter("AlbumId > 10")
    );
    assert_eq!(
        grant(&s, r, "chinook", "_schema/Track", Verb::Get),
        Grant::Allow(None)
    );
    // A blank filter is no filter.
    assert_eq!(
        grant(&s, r, "chinook", "_table/Genre", Verb::Get),
        Grant::Allow(None)
    );
}

#[tokio::test]
async fn a_filter_that_no_longer_parses_denies_its_rule_only() {
    let db = system_db().await;
    let r = new_role(&db, "broken").await;
    add_rule(&db, r, "chinook", "_table/*", r#"["GET"]"#, None).await;
    add_rule(
        &db,
        r,
        "chinook",
        "_table/Album",
        r#"["GET"]"#,
        Some("Title like"),
    )
    .await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    assert_eq!(
        grant(&s, r, "chinook", "_table/Album", Verb::Get),
        Grant::Deny
    );
    assert_eq!(
        grant(&s, r, "chinook", "_table/Track", Verb::Get),
        Grant::Allow(None)
    );
}

#[tokio::test]
async fn no_rules_deny_everything() {
    let db = system_db().await;
    let r = new_role(&db, "empty").await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    for component in ["_table/Album", "_schema/Album", "*", "_table/*"] {
        for verb in Verb::ALL {
            assert_eq!(grant(&s, r, "chinook", component, verb), Grant::Deny);
        }
    }
    assert!(!s.reaches(r, "chinook"));
    // An unknown role too, and the sentence still names someone.
    assert_eq!(
        grant(&s, 999, "chinook", "_table/Album", Verb::Get),
        Grant::Deny
    );
    assert_eq!(s.gate(999, "chinook").who(), "role '(deleted)'");
}

#[tokio::test]
async fn a_rule_with_no_verbs_reaches_nothing_but_still_narrows() {
    let db = system_db().await;
    let r = new_role(&db, "nothing-on-album").await;
    add_rule(&db, r, "chinook", "_table/Album", "[]", None).await;
    sync(&db, r).await;
    assert!(!loaded(&db).await.reaches(r, "chinook"));

    add_rule(&db, r, "chinook", "*", r#"["GET"]"#, None).await;
    sync(&db, r).await;
    let s = loaded(&db).await;
    assert!(s.reaches(r, "chinook"));
    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Get));
    assert!(allowed(&s, r, "chinook", "_table/Track", Verb::Get));
}

#[tokio::test]
async fn unreadable_rules_fail_closed() {
    let db = system_db().await;
    let r = new_role(&db, "odd").await;
    add_rule(&db, r, "chinook", "_table/*", r#"["GET"]"#, None).await;
    // Unreadable verbs: the rule still wins on its component, with nothing.
    add_rule(&db, r, "chinook", "_table/Album", "GET", None).await;
    // Not a pattern: no lines at all.
    add_rule(&db, r, "chinook", "_table/Al*", r#"["GET","DELETE"]"#, None).await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Get));
    assert!(allowed(&s, r, "chinook", "_table/Also", Verb::Get));
    assert!(!allowed(&s, r, "chinook", "_table/Also", Verb::Delete));
    let lines = casbin_rule::Entity::find().count(&db).await.expect("count");
    assert_eq!(lines, 10, "two rules of five lines each");
}

#[tokio::test]
async fn of_two_rules_on_one_component_the_first_counts() {
    let db = system_db().await;
    let r = new_role(&db, "twice").await;
    add_rule(
        &db,
        r,
        "chinook",
        "_table/Album",
        r#"["GET"]"#,
        Some("AlbumId = 1"),
    )
    .await;
    add_rule(&db, r, "chinook", "_table/Album", r#"["GET","POST"]"#, None).await;
    sync(&db, r).await;
    let s = loaded(&db).await;

    assert_eq!(
        grant(&s, r, "chinook", "_table/Album", Verb::Get),
        with_filter("AlbumId = 1")
    );
    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Post));
}

#[tokio::test]
async fn an_inactive_role_grants_nothing() {
    let db = system_db().await;
    let r = new_role(&db, "paused").await;
    add_rule(&db, r, "chinook", "*", r#"["GET"]"#, None).await;
    sync(&db, r).await;
    assert!(allowed(
        &loaded(&db).await,
        r,
        "chinook",
        "_table/Album",
        Verb::Get
    ));

    let row = role::Entity::find_by_id(r)
        .one(&db)
        .await
        .expect("read")
        .expect("role");
    let mut row = row.into_active_model();
    row.is_active = Set(false);
    row.update(&db).await.expect("update");
    let s = loaded(&db).await;
    assert!(!allowed(&s, r, "chinook", "_table/Album", Verb::Get));
    assert_eq!(s.role_name(r), Some("paused"));
}

#[tokio::test]
async fn drop_role_removes_access_and_lines() {
    let db = system_db().await;
    let keep = new_role(&db, "keep").await;
    let gone = new_role(&db, "gone").await;
    for r in [keep, gone] {
        add_rule(&db, r, "chinook", "_table/*", r#"["GET"]"#, None).await;
        sync(&db, r).await;
    }
    let policies = Policies::load(&db).await.expect("load");
    assert!(allowed(
        &policies.current(),
        gone,
        "chinook",
        "_table/Album",
        Verb::Get
    ));

    let txn = db.begin().await.expect("begin");
    drop_role(&txn, gone).await.expect("drop_role");
    role::Entity::find_by_id(gone)
        .one(&txn)
        .await
        .expect("read")
        .expect("role")
        .delete(&txn)
        .await
        .expect("delete");
    txn.commit().await.expect("commit");
    policies.reload(&db).await.expect("reload");

    let s = policies.current();
    assert!(!allowed(&s, gone, "chinook", "_table/Album", Verb::Get));
    assert!(allowed(&s, keep, "chinook", "_table/Album", Verb::Get));
    let left = casbin_rule::Entity::find()
        .filter(casbin_rule::Column::V0.eq(lines::subject(gone)))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn drop_role_alone_takes_access_away() {
    let db = system_db().await;
    let r = new_role(&db, "rules-stay").await;
    add_rule(&db, r, "chinook", "_table/*", r#"["GET"]"#, None).await;
    sync(&db, r).await;
    let txn = db.begin().await.expect("begin");
    drop_role(&txn, r).await.expect("drop_role");
    txn.commit().await.expect("commit");
    // The role_access rows are still there; without lines they decide nothing.
    assert!(!allowed(
        &loaded(&db).await,
        r,
        "chinook",
        "_table/Album",
        Verb::Get
    ));
}

#[tokio::test]
async fn apps_are_found_by_key_hash_after_a_reload() {
    let db = system_db().await;
    let r = new_role(&db, "reader").await;
    let policies = Policies::load(&db).await.expect("load");
    let hash = crate::auth::apikey::hash("af_secret_key");
    assert!(policies.current().app_by_key_hash(&hash).is_none());

    let row = new_app(&db, "mobile", Some(r), "af_secret_key").await;
    policies.reload(&db).await.expect("reload");
    assert_eq!(
        policies.current().app_by_key_hash(&hash),
        Some(&AppEntry {
            id: row.id,
            name: "mobile".into(),
            role_id: Some(r),
            is_active: true,
            rate_limit_per_minute: Some(60),
        })
    );

    let mut change = row.into_active_model();
    change.is_active = Set(false);
    change.rate_limit_per_minute = Set(None);
    change.update(&db).await.expect("update");
    policies.reload(&db).await.expect("reload");
    let s = policies.current();
    let entry = s
        .app_by_key_hash(&hash)
        .expect("an inactive app is still found");
    assert!(!entry.is_active);
    assert_eq!(entry.rate_limit_per_minute, None);
    assert!(
        s.app_by_key_hash(&crate::auth::apikey::hash("another"))
            .is_none()
    );
}

#[tokio::test]
async fn the_version_rises_with_each_change() {
    let db = system_db().await;
    assert_eq!(loaded(&db).await.version, 0);
    let r = new_role(&db, "v").await;
    add_rule(&db, r, "chinook", "*", r#"["GET"]"#, None).await;
    sync(&db, r).await;
    assert_eq!(loaded(&db).await.version, 1);
    sync(&db, r).await;
    assert_eq!(loaded(&db).await.version, 2);

    let txn = db.begin().await.expect("begin");
    assert_eq!(bump_version(&txn).await.expect("bump"), 3);
    txn.commit().await.expect("commit");
    let txn = db.begin().await.expect("begin");
    drop_role(&txn, r).await.expect("drop");
    txn.commit().await.expect("commit");
    assert_eq!(loaded(&db).await.version, 4);

    // A rolled-back change does not count.
    let txn = db.begin().await.expect("begin");
    bump_version(&txn).await.expect("bump");
    txn.rollback().await.expect("rollback");
    assert_eq!(loaded(&db).await.version, 4);
}

#[tokio::test]
async fn an_older_snapshot_does_not_replace_a_newer_one() {
    let policies = Policies::empty();
    policies.install(Snapshot {
        version: 5,
        ..Snapshot::default()
    });
    policies.install(Snapshot {
        version: 3,
        ..Snapshot::default()
    });
    assert_eq!(policies.current().version, 5);
    policies.install(Snapshot {
        version: 5,
        roles: [(1, "same version, newer read".to_string())].into(),
        ..Snapshot::default()
    });
    assert_eq!(
        policies.current().role_name(1),
        Some("same version, newer read")
    );
}

/// Components a request could name, including ones no rule names and odd ones.
const PROBES: [&str; 12] = [
    "_table/Album",
    "_table/Track",
    "_table/album",
    "_table/",
    "_table",
    "_table/*",
    "_schema/Album",
    "_schema/Track",
    "_schema/*",
    "*",
    "",
    "_other/Album",
];

async fn layered_roles(db: &DatabaseConnection) -> Vec<i32> {
    let a = new_role(db, "a").await;
    add_rule(db, a, "chinook", "*", r#"["GET"]"#, None).await;
    add_rule(
        db,
        a,
        "chinook",
        "_table/*",
        r#"["GET","POST","PATCH"]"#,
        None,
    )
    .await;
    add_rule(db, a, "chinook", "_table/Album", r#"["PUT"]"#, None).await;
    add_rule(db, a, "chinook", "_schema/Track", "[]", None).await;
    add_rule(db, a, "music", "_schema/*", r#"["GET"]"#, None).await;
    let b = new_role(db, "b").await;
    add_rule(
        db,
        b,
        "chinook",
        "_table/Track",
        r#"["GET","DELETE"]"#,
        None,
    )
    .await;
    add_rule(db, b, "chinook", "_schema/*", r#"["GET"]"#, None).await;
    let c = new_role(db, "c").await;
    for r in [a, b, c] {
        sync(db, r).await;
    }
    vec![a, b, c, 999]
}

#[tokio::test]
async fn the_snapshot_answers_as_casbin_does_for_any_component() {
    let db = system_db().await;
    let roles = layered_roles(&db).await;
    let s = loaded(&db).await;

    // Casbin itself, on every line at once, through the adapter.
    let model = DefaultModel::from_str(MODEL).await.expect("model");
    let enforcer = Enforcer::new(model, SeaOrmAdapter::new(db.clone()))
        .await
        .expect("enforcer");
    for r in roles {
        for service in ["chinook", "music", "none"] {
            for component in PROBES {
                for verb in Verb::ALL {
                    let casbin = enforcer
                        .enforce((lines::subject(r), service, component, verb.as_str()))
                        .expect("enforce");
                    assert_eq!(
                        allowed(&s, r, service, component, verb),
                        casbin,
                        "role {r} {service} {component} {verb}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_second_policies_from_the_same_database_decides_the_same() {
    let db = system_db().await;
    let roles = layered_roles(&db).await;
    let one = loaded(&db).await;
    let two = loaded(&db).await;
    assert_eq!(one.version, two.version);
    let mut allowed_count = 0;
    for r in roles {
        for service in ["chinook", "music", "none"] {
            assert_eq!(one.reaches(r, service), two.reaches(r, service));
            for component in PROBES {
                for verb in Verb::ALL {
                    let g = grant(&one, r, service, component, verb);
                    allowed_count += usize::from(g.allowed());
                    assert_eq!(g, grant(&two, r, service, component, verb));
                }
            }
        }
    }
    assert!(allowed_count > 10, "the roles allow something");
}

#[tokio::test]
async fn the_adapter_stores_casbins_changes() {
    let db = system_db().await;
    let model = DefaultModel::from_str(MODEL).await.expect("model");
    let mut e = Enforcer::new(model, SeaOrmAdapter::new(db.clone()))
        .await
        .expect("enforcer");
    let line = |role: &str, obj: &str, act: &str, eft: &str, p: &str| -> Vec<String> {
        [role, "svc", obj, act, eft, p].map(str::to_string).to_vec()
    };
    assert!(
        e.add_policy(line("role:1", "_table/*", "GET", "allow", "2"))
            .await
            .expect("add")
    );
    assert!(
        e.add_policies(vec![
            line("role:1", "_table/A", "GET", "deny", "1"),
            line("role:2", "*", "GET", "allow", "3"),
        ])
        .await
        .expect("add many")
    );
    assert_eq!(
        casbin_rule::Entity::find().count(&db).await.expect("count"),
        3
    );

    // Loaded again, the lines come most specific first, whatever the order written.
    let model = DefaultModel::from_str(MODEL).await.expect("model");
    let again = Enforcer::new(model, SeaOrmAdapter::new(db.clone()))
        .await
        .expect("enforcer");
    let priorities: Vec<String> = again
        .get_policy()
        .into_iter()
        .map(|l| l[5].clone())
        .collect();
    assert_eq!(priorities, ["1", "2", "3"]);
    assert!(
        again
            .enforce(("role:1", "svc", "_table/B", "GET"))
            .expect("enforce")
    );
    assert!(
        !again
            .enforce(("role:1", "svc", "_table/A", "GET"))
            .expect("enforce")
    );

    assert!(
        e.remove_policy(line("role:1", "_table/A", "GET", "deny", "1"))
            .await
            .expect("remove")
    );
    assert!(
        e.remove_filtered_policy(0, vec!["role:2".into()])
            .await
            .expect("remove filtered")
    );
    let rows = casbin_rule::Entity::find().all(&db).await.expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].v0.as_str(),
            rows[0].v2.as_str(),
            rows[0].v5.as_str()
        ),
        ("role:1", "_table/*", "2")
    );

    // All or nothing: one missing line and none is removed.
    assert!(
        !e.remove_policies(vec![
            line("role:1", "_table/*", "GET", "allow", "2"),
            line("role:9", "*", "GET", "allow", "3"),
        ])
        .await
        .unwrap_or(false)
    );
    assert_eq!(
        casbin_rule::Entity::find().count(&db).await.expect("count"),
        1
    );

    // save_policy writes the model's lines in place of the stored ones.
    e.get_mut_model().clear_policy();
    e.get_mut_model()
        .add_policy("p", "p", line("role:3", "*", "GET", "allow", "3"));
    e.save_policy().await.expect("save");
    let rows = casbin_rule::Entity::find().all(&db).await.expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].v0, "role:3");
}

#[tokio::test]
async fn the_adapter_loads_a_filtered_policy() {
    let db = system_db().await;
    let roles = layered_roles(&db).await;
    let mut model = DefaultModel::from_str(MODEL).await.expect("model");
    let mut adapter = SeaOrmAdapter::new(db.clone());
    let a = lines::subject(roles[0]);
    adapter
        .load_filtered_policy(
            &mut model,
            casbin::Filter {
                p: vec![&a, "music"],
                g: vec![],
            },
        )
        .await
        .expect("filtered load");
    assert!(adapter.is_filtered());
    let lines = model.get_policy("p", "p");
    assert_eq!(lines.len(), 5, "one rule of role a on music");
    assert!(lines.iter().all(|l| l[0] == a && l[1] == "music"));
}

/// Not a check (time is not asserted): prints what a grant and a reload cost.
/// `cargo test -p apiforge --lib policy::tests::timing -- --ignored --nocapture`
#[tokio::test]
#[ignore]
async fn timing() {
    let db = system_db().await;
    let mut roles = Vec::new();
    for i in 0..20 {
        let r = new_role(&db, &format!("role{i}")).await;
        add_rule(&db, r, "chinook", "*", r#"["GET"]"#, None).await;
        add_rule(
            &db,
            r,
            "chinook",
            "_table/*",
            r#"["GET","POST"]"#,
            Some("Id > 3"),
        )
        .await;
        for t in 0..30 {
            add_rule(
                &db,
                r,
                "chinook",
                &format!("_table/T{t}"),
                r#"["GET"]"#,
                None,
            )
            .await;
        }
        sync(&db, r).await;
        roles.push(r);
    }
    let start = Instant::now();
    let policies = Policies::load(&db).await.expect("load");
    println!(
        "reload: 20 roles x 32 rules ({} lines): {:?}",
        casbin_rule::Entity::find().count(&db).await.expect("count"),
        start.elapsed()
    );
    let s = policies.current();
    let gate = s.gate(roles[7], "chinook");
    let n = 1_000_000u32;
    let start = Instant::now();
    let mut allowed = 0u32;
    for i in 0..n {
        let component = if i % 2 == 0 {
            "_table/T5"
        } else {
            "_table/Other"
        };
        allowed += u32::from(gate.grant(component, Verb::Post).allowed());
    }
    println!("grant: {:?} each ({allowed} allowed)", start.elapsed() / n);

    let model = DefaultModel::from_str(MODEL).await.expect("model");
    let enforcer = Enforcer::new(model, SeaOrmAdapter::new(db.clone()))
        .await
        .expect("enforcer");
    let n = 200u32;
    let sub = lines::subject(roles[7]);
    let start = Instant::now();
    for _ in 0..n {
        enforcer
            .enforce((&sub, "chinook", "_table/Other", "POST"))
            .expect("enforce");
    }
    println!(
        "casbin enforce on all lines: {:?} each",
        start.elapsed() / n
    );
}
