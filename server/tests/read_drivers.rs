//! The two read drivers (sea-orm, used for PostgreSQL and MySQL, and rusqlite,
//! used for SQLite) turn the same plan into the same JSON, byte for byte, on a
//! copy of Chinook plus a table of awkward SQLite values; so does the rendering
//! in pieces (for response bodies).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use apiforge::query::exec::{self, ExecError};
use apiforge::query::plan::{self, Limits};
use apiforge::query::sqlite::SqliteReads;
use apiforge::rest::params::{Params, read_input};
use apiforge::services::connect::{open, reads};
use apiforge::services::{Reads, ServiceConfig, ServiceKind};
use sea_orm::{ConnectionTrait, DbBackend};

const LIMITS: Limits = Limits {
    max_records: 1000,
    backend: apiforge::query::Backend::Sqlite,
    budget: plan::Budget::UNLIMITED,
    max_list_items: 1000,
};

fn context(catalog: &apiforge::catalog::Catalog) -> plan::Context<'_> {
    plan::Context {
        catalog,
        limits: LIMITS,
        service: "chinook",
        read_only: false,
        access: plan::Access::Full,
    }
}

/// A SQLite service config over a fresh copy of Chinook.
fn chinook_service() -> (PathBuf, ServiceConfig) {
    let path = chinook_copy();
    let config = ServiceConfig {
        database: Some(path.display().to_string()),
        ..ServiceConfig::default()
    };
    (path, config)
}

/// A fresh copy per call: the tests of this file run in parallel.
fn chinook_copy() -> PathBuf {
    static COPIES: AtomicU32 = AtomicU32::new(0);
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo/chinook.sqlite");
    let dst = std::env::temp_dir().join(format!(
        "apiforge-drivers-{}-{n}.sqlite",
        std::process::id()
    ));
    std::fs::copy(src, &dst).unwrap();
    dst
}

/// `name=value` pairs of a query string (values taken literally, no decoding).
fn params(query: &str) -> Params {
    Params::from(
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn sea_orm_and_rusqlite_render_the_same_json() {
    let (path, config) = chinook_service();
    // Values whose stored type is not the declared one, and every mapped type.
    let (conn, _) = open(ServiceKind::Sqlite, &config).await.unwrap();
    conn.execute_unprepared(
        "CREATE TABLE Odd (Id INTEGER PRIMARY KEY, Flag BOOLEAN, At DATETIME, Day DATE, \
         Doc JSON, Raw BLOB, Price NUMERIC(10,2), Ratio REAL, Count INT, Label TEXT); \
         INSERT INTO Odd VALUES \
         (1, 1, '2009-01-01 10:20:30', '2009-01-01', '{\"a\":[1,2]}', x'00ff10', 1.5, 0.25, 7, 'x'), \
         (2, 0, '2009-01-01T10:20:30', 'soon', 'not json', x'', 2, 3, '12', NULL), \
         (3, NULL, 'yesterday', NULL, '3', NULL, NULL, NULL, 1.5, 'ü \"q\" \\\\ \n'), \
         (4, 'yes', 20090101, 5, 'null', 'text', 'n/a', 'x', NULL, '')",
    )
    .await
    .unwrap();
    // Reopen so that discovery sees the new table.
    let (conn, catalog) = open(ServiceKind::Sqlite, &config).await.unwrap();
    let Reads::Sqlite(reads) = reads(ServiceKind::Sqlite, &config, &conn) else {
        panic!("a SQLite service reads through rusqlite");
    };
    assert_eq!(conn.get_database_backend(), DbBackend::Sqlite);

    let cases = [
        ("Track", "filter=GenreId = 1&order=TrackId&limit=100"),
        // Rows and answer past one block of text and one piece.
        (
            "Album",
            "limit=1000&related=Artist_by_ArtistId,Track_by_AlbumId",
        ),
        ("Track", "limit=1000&order=Name desc"),
        ("Track", "fields=*,Name,TrackId&limit=3"),
        (
            "Album",
            "limit=50&order=AlbumId&related=Artist_by_ArtistId,Track_by_AlbumId",
        ),
        (
            "Album",
            "limit=20&related=Track_by_AlbumId&Track_by_AlbumId.limit=2&Track_by_AlbumId.order=Milliseconds desc\
             &Track_by_AlbumId.fields=Name&Track_by_AlbumId.related=Genre_by_GenreId,Playlist_by_PlaylistTrack\
             &Track_by_AlbumId.Playlist_by_PlaylistTrack.fields=Name",
        ),
        (
            "Playlist",
            "related=Track_by_PlaylistTrack&Track_by_PlaylistTrack.limit=3&Track_by_PlaylistTrack.fields=Name",
        ),
        ("Employee", "related=*"),
        (
            "Artist",
            "filter=Name like 'A%'&related=Album_by_ArtistId&Album_by_ArtistId.related=Track_by_AlbumId",
        ),
        ("PlaylistTrack", "limit=10&offset=100&related=*"),
        (
            "Invoice",
            "limit=5&order=Total desc,InvoiceId&related=InvoiceLine_by_InvoiceId,Customer_by_CustomerId",
        ),
        (
            "Track",
            "fields=GenreId,COUNT(*),SUM(Milliseconds),AVG(UnitPrice),MAX(Name),MIN(UnitPrice)&group=GenreId&order=GenreId",
        ),
        ("Track", "fields=COUNT(*),MAX(Bytes)"),
        ("Track", "filter=TrackId < 0"),
        ("Odd", ""),
        ("Odd", "fields=Label,Doc&filter=Id in (1,3)"),
    ];
    for (table, query) in cases {
        let ctx = context(&catalog);
        let table = ctx.table(table).unwrap();
        let input = read_input(&params(query), LIMITS.max_list_items).unwrap();
        let plan = ctx.read(table, &input).unwrap();
        let via_sea_orm = exec::read_json(&conn, &plan).await.unwrap();
        let plan = Arc::new(plan);
        let via_rusqlite = reads.read_json(plan.clone()).await.unwrap();
        let pieces = reads.read_pieces(plan).await.unwrap().into_vecs();
        assert_eq!(
            pieces.concat(),
            via_rusqlite,
            "{} ?{query} in pieces",
            table.name
        );
        assert!(
            pieces.iter().all(|p| p.len() <= 64 * 1024),
            "{} ?{query}",
            table.name
        );
        let text = String::from_utf8(via_rusqlite.clone()).unwrap();
        assert_eq!(
            String::from_utf8(via_sea_orm).unwrap(),
            text,
            "{} ?{query}",
            table.name
        );
        // And it is JSON.
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(parsed.is_array());
    }
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_sqlite_read_past_its_deadline_is_interrupted() {
    let (path, config) = chinook_service();
    let (_, catalog) = open(ServiceKind::Sqlite, &config).await.unwrap();
    let ctx = context(&catalog);
    let table = ctx.table("Track").unwrap();
    let input = read_input(&params("filter=Name like '%qqxqq%'"), LIMITS.max_list_items).unwrap();
    let plan = Arc::new(ctx.read(table, &input).unwrap());

    let expired = Arc::new(SqliteReads::new(
        path.clone(),
        1,
        Duration::from_secs(1),
        Duration::ZERO,
    ));
    let err = expired.read_json(plan.clone()).await.unwrap_err();
    assert!(matches!(err, ExecError::Timeout(_)), "{err:?}");
    // The same read with time to spare, on the same (returned) connection.
    let roomy = Arc::new(SqliteReads::new(
        path.clone(),
        1,
        Duration::from_secs(1),
        Duration::from_secs(30),
    ));
    assert_eq!(roomy.read_json(plan).await.unwrap(), b"[]");
    let _ = std::fs::remove_file(path);
}
