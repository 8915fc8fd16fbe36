//! Discovery on the throwaway PostgreSQL server loaded with
//! Chinook_PostgreSql.sql (snake_case names), through the catalog directly.
#![allow(clippy::unwrap_used)]

use apiforge::catalog::{JsonType, RelationKind};
use apiforge::services::connect::open;
use apiforge::services::{ServiceConfig, ServiceKind};
use apiforge_tests::Backend;
use apiforge_tests::backend::cluster;

/// A fresh copy of Chinook on PostgreSQL, as a service config; `None` when
/// PostgreSQL is not installed (`backend::cluster` says so loudly).
fn config() -> Option<ServiceConfig> {
    let db = cluster(Backend::Postgres)?.fresh_chinook();
    Some(serde_json::from_value(db.config).unwrap())
}

#[tokio::test]
async fn postgres_chinook_is_discovered() {
    let Some(config) = config() else {
        return;
    };
    let (conn, catalog) = open(ServiceKind::Postgres, &config).await.unwrap();
    if std::env::var("APIFORGE_TEST_DUMP_CATALOG").is_ok() {
        for t in catalog.tables.values() {
            eprintln!("{} view={} pk={:?}", t.name, t.is_view, t.primary_key);
            for c in &t.columns {
                eprintln!(
                    "  {} {} {:?} null={} default={:?} pk={} auto={}",
                    c.name,
                    c.db_type,
                    c.json_type,
                    c.nullable,
                    c.default,
                    c.is_primary_key,
                    c.auto_increment
                );
            }
            for r in &t.relations {
                eprintln!("  -> {} {:?}", r.name, r.kind);
            }
        }
    }
    let t = |n: &str| catalog.table(n).unwrap();
    for name in [
        "album",
        "artist",
        "customer",
        "employee",
        "genre",
        "invoice",
        "invoice_line",
        "media_type",
        "playlist",
        "playlist_track",
        "track",
    ] {
        assert!(!t(name).is_view, "{name}");
    }
    assert_eq!(t("playlist_track").primary_key, ["playlist_id", "track_id"]);
    let price = t("track").column("unit_price").unwrap();
    assert_eq!(price.json_type, JsonType::Decimal);
    assert_eq!(price.db_type, "numeric(10,2)");
    assert_eq!(
        t("invoice").column("invoice_date").unwrap().json_type,
        JsonType::DateTime
    );
    assert!(t("track").column("composer").unwrap().nullable);
    assert_eq!(
        t("track")
            .relation("playlist_by_playlist_track")
            .unwrap()
            .kind,
        RelationKind::ManyMany
    );
    assert_eq!(
        t("album").relation("artist_by_artist_id").unwrap().kind,
        RelationKind::BelongsTo
    );
    assert_eq!(
        t("invoice").column("invoice_date").unwrap().db_type,
        "timestamp without time zone"
    );
    conn.close().await.unwrap();
}

/// A non-default schema: discovery looks there, and the search path makes
/// unqualified names resolve there.
#[tokio::test]
async fn postgres_schema_setting_is_honoured() {
    let Some(config) = config() else {
        return;
    };
    let probe = ServiceConfig {
        schema: Some("apiforge_test_other".into()),
        ..config.clone()
    };
    let missing = ServiceConfig {
        schema: Some("apiforge_no_such_schema".into()),
        ..config.clone()
    };
    let err = open(ServiceKind::Postgres, &missing).await.err().unwrap();
    assert_eq!(
        err.to_string(),
        "the schema 'apiforge_no_such_schema' does not exist"
    );
    let (conn, _) = open(ServiceKind::Postgres, &config).await.unwrap();
    use sea_orm::ConnectionTrait;
    conn.execute_unprepared(
        "CREATE SCHEMA IF NOT EXISTS apiforge_test_other; \
         CREATE TABLE IF NOT EXISTS apiforge_test_other.thing \
           (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text)",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();

    let (conn, catalog) = open(ServiceKind::Postgres, &probe).await.unwrap();
    assert_eq!(catalog.tables.keys().collect::<Vec<_>>(), ["thing"]);
    let id = catalog
        .table("thing")
        .unwrap()
        .column("id")
        .unwrap()
        .clone();
    assert!(id.auto_increment && id.is_primary_key);
    assert_eq!(id.json_type, JsonType::Integer);
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) FROM thing",
        ))
        .await
        .unwrap();
    assert!(
        row.is_some(),
        "unqualified name resolves in the configured schema"
    );
    conn.execute_unprepared("DROP SCHEMA apiforge_test_other CASCADE")
        .await
        .unwrap();
    conn.close().await.unwrap();
}
