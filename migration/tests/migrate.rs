//! The migration applies, rolls back and re-applies, and the entities read and
//! write what it creates (constraints included). SQLite always; PostgreSQL or
//! MySQL too when `APIFORGE_TEST_SYSTEM_DB` names an empty scratch database
//! (it is wiped: the test starts and ends with `Migrator::reset`).

use chrono::Utc;
use entity::{admin, app, revoked_session, role, role_access, service};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, DatabaseConnection, EntityTrait};

async fn db() -> DatabaseConnection {
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    Migrator::up(&db, None).await.expect("migrate up");
    db
}

#[tokio::test]
async fn up_down_up() {
    let db = db().await;
    up_down_up_on(&db).await;
}

async fn up_down_up_on(db: &DatabaseConnection) {
    Migrator::down(db, None).await.expect("down");
    Migrator::up(db, None).await.expect("up again");
    // Idempotent: nothing pending.
    Migrator::up(db, None).await.expect("up twice");
}

#[tokio::test]
async fn other_backend_from_env() {
    let Ok(url) = std::env::var("APIFORGE_TEST_SYSTEM_DB") else {
        return;
    };
    let db = Database::connect(url.as_str()).await.expect("connect");
    Migrator::reset(&db).await.expect("reset");
    Migrator::up(&db, None).await.expect("up");
    up_down_up_on(&db).await;
    round_trip_on(&db).await;
    Migrator::reset(&db).await.expect("reset");
}

#[tokio::test]
async fn entities_round_trip_and_constraints_hold() {
    let db = db().await;
    round_trip_on(&db).await;
}

async fn round_trip_on(db: &DatabaseConnection) {
    let db = db.clone();
    let now = Utc::now();
    let a = admin::ActiveModel {
        email: Set("a@example.com".into()),
        password_hash: Set("$argon2id$x".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("admin");
    assert_eq!(a.email, "a@example.com");
    let dup = admin::ActiveModel {
        email: Set("a@example.com".into()),
        password_hash: Set("x".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await;
    assert!(dup.is_err(), "email must be unique");

    let s = service::ActiveModel {
        name: Set("chinook".into()),
        label: Set("Chinook".into()),
        description: Set(String::new()),
        kind: Set("sqlite".into()),
        config: Set("{}".into()),
        password_enc: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("service");
    let back = service::Entity::find_by_id(s.id)
        .one(&db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(back.created_at.timestamp(), now.timestamp());

    let r = role::ActiveModel {
        name: Set("reader".into()),
        description: Set(String::new()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("role");
    role_access::ActiveModel {
        role_id: Set(r.id),
        service: Set("chinook".into()),
        component: Set("_table/*".into()),
        verbs: Set(r#"["GET"]"#.into()),
        filter: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("rule");
    let ap = app::ActiveModel {
        name: Set("web".into()),
        description: Set(String::new()),
        role_id: Set(Some(r.id)),
        api_key_hash: Set("ab".repeat(32)),
        api_key_prefix: Set("abababab".into()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("app");

    // A rule for a missing role is refused (FK).
    let orphan = role_access::ActiveModel {
        role_id: Set(r.id + 100),
        service: Set("chinook".into()),
        component: Set("*".into()),
        verbs: Set("[]".into()),
        filter: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await;
    assert!(orphan.is_err(), "role_access.role_id must reference a role");

    // Deleting the role cascades to its rules and detaches the app.
    role::Entity::delete_by_id(r.id)
        .exec(&db)
        .await
        .expect("delete role");
    assert!(
        role_access::Entity::find()
            .all(&db)
            .await
            .expect("rules")
            .is_empty()
    );
    let ap = app::Entity::find_by_id(ap.id)
        .one(&db)
        .await
        .expect("query")
        .expect("app row");
    assert_eq!(ap.role_id, None);

    revoked_session::ActiveModel {
        jti: Set("0d9c2a4e-0000-4000-8000-000000000000".into()),
        expires_at: Set(now),
    }
    .insert(&db)
    .await
    .expect("revoked");
}
