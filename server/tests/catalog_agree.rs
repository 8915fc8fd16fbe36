//! The catalog from live discovery and the catalog from SeaORM entities describe
//! the same Chinook tables identically; plus discovery, naming and `open` checks
//! on a copy of the Chinook sample.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use apiforge::catalog::discover::{discover, json_type_for};
use apiforge::catalog::entity::table_from_entity;
use apiforge::catalog::naming::derive_relations;
use apiforge::catalog::{Catalog, ForeignKey, JsonType, Relation, RelationKind, Table};
use apiforge::services::connect::{ConnectError, open};
use apiforge::services::{ServiceConfig, ServiceKind};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

// ---------------------------------------------------------------------------
// Chinook entities, written the way an application would write them.

mod artist {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Artist")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "ArtistId")]
        pub artist_id: i32,
        #[sea_orm(column_name = "Name", column_type = "String(StringLen::N(120))")]
        pub name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::album::Entity")]
        Album,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod album {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Album")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "AlbumId")]
        pub album_id: i32,
        #[sea_orm(column_name = "Title", column_type = "String(StringLen::N(160))")]
        pub title: String,
        #[sea_orm(column_name = "ArtistId")]
        pub artist_id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::artist::Entity",
            from = "Column::ArtistId",
            to = "super::artist::Column::ArtistId"
        )]
        Artist,
        #[sea_orm(has_many = "super::track::Entity")]
        Track,
    }

    // `has_many` on Artist is defined through this reverse side.
    impl Related<super::artist::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Artist.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod genre {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Genre")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "GenreId")]
        pub genre_id: i32,
        #[sea_orm(column_name = "Name")]
        pub name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod media_type {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "MediaType")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "MediaTypeId")]
        pub media_type_id: i32,
        #[sea_orm(column_name = "Name")]
        pub name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod track {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Track")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "TrackId")]
        pub track_id: i32,
        #[sea_orm(column_name = "Name", column_type = "String(StringLen::N(200))")]
        pub name: String,
        #[sea_orm(column_name = "AlbumId")]
        pub album_id: Option<i32>,
        #[sea_orm(column_name = "MediaTypeId")]
        pub media_type_id: i32,
        #[sea_orm(column_name = "GenreId")]
        pub genre_id: Option<i32>,
        #[sea_orm(column_name = "Composer")]
        pub composer: Option<String>,
        #[sea_orm(column_name = "Milliseconds")]
        pub milliseconds: i32,
        #[sea_orm(column_name = "Bytes")]
        pub bytes: Option<i32>,
        #[sea_orm(column_name = "UnitPrice", column_type = "Decimal(Some((10, 2)))")]
        pub unit_price: Decimal,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::album::Entity",
            from = "Column::AlbumId",
            to = "super::album::Column::AlbumId"
        )]
        Album,
        #[sea_orm(
            belongs_to = "super::media_type::Entity",
            from = "Column::MediaTypeId",
            to = "super::media_type::Column::MediaTypeId"
        )]
        MediaType,
        #[sea_orm(
            belongs_to = "super::genre::Entity",
            from = "Column::GenreId",
            to = "super::genre::Column::GenreId"
        )]
        Genre,
    }

    impl Related<super::album::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Album.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod playlist {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "Playlist")]
    pub struct Model {
        #[sea_orm(primary_key, column_name = "PlaylistId")]
        pub playlist_id: i32,
        #[sea_orm(column_name = "Name")]
        pub name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod playlist_track {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "PlaylistTrack")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_name = "PlaylistId")]
        pub playlist_id: i32,
        #[sea_orm(primary_key, auto_increment = false, column_name = "TrackId")]
        pub track_id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::playlist::Entity",
            from = "Column::PlaylistId",
            to = "super::playlist::Column::PlaylistId"
        )]
        Playlist,
        #[sea_orm(
            belongs_to = "super::track::Entity",
            from = "Column::TrackId",
            to = "super::track::Column::TrackId"
        )]
        Track,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Not Chinook: the remaining value types, defaults and a composite key.
mod setting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "setting")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        #[sea_orm(default_value = "on")]
        pub value: String,
        #[sea_orm(default_value = 5)]
        pub weight: i64,
        pub enabled: bool,
        pub ratio: f64,
        pub changed_at: DateTimeUtc,
        pub day: Date,
        pub data: Json,
        pub owner: Option<Uuid>,
        pub blob: Vec<u8>,
        pub parent_scope: Option<String>,
        pub parent_key: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "Entity",
            from = "(Column::ParentScope, Column::ParentKey)",
            to = "(Column::Scope, Column::Key)"
        )]
        Parent,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// ---------------------------------------------------------------------------
// Fixtures

const ENTITY_TABLES: [&str; 7] = [
    "Album",
    "Artist",
    "Genre",
    "MediaType",
    "Playlist",
    "PlaylistTrack",
    "Track",
];

/// A private copy of the Chinook sample, removed on drop, so that tests can
/// alter it and never touch the shipped file.
struct Copy {
    dir: PathBuf,
    path: PathBuf,
}

impl Copy {
    fn new() -> Copy {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "apiforge-catalog-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chinook.sqlite");
        let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/chinook.sqlite");
        let source = if std::path::Path::new(shipped).exists() {
            shipped
        } else {
            "/work/shared/datasets/chinook/Chinook_Sqlite.sqlite"
        };
        std::fs::copy(source, &path).unwrap();
        Copy { dir, path }
    }

    async fn connect(&self) -> DatabaseConnection {
        Database::connect(format!("sqlite://{}?mode=rwc", self.path.display()))
            .await
            .unwrap()
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn entity_catalog() -> Catalog {
    Catalog::new(vec![
        table_from_entity(artist::Entity),
        table_from_entity(album::Entity),
        table_from_entity(genre::Entity),
        table_from_entity(media_type::Entity),
        table_from_entity(track::Entity),
        table_from_entity(playlist::Entity),
        table_from_entity(playlist_track::Entity),
    ])
}

async fn discovered_tables() -> Vec<Table> {
    let copy = Copy::new();
    let conn = copy.connect().await;
    let tables = discover(&conn, None).await.unwrap();
    conn.close().await.unwrap();
    tables
}

fn relation<'a>(table: &'a Table, name: &str) -> &'a Relation {
    table.relation(name).unwrap_or_else(|| {
        let names: Vec<_> = table.relations.iter().map(|r| &r.name).collect();
        panic!("{} has no relation {name}; it has {names:?}", table.name)
    })
}

fn names(table: &Table) -> Vec<(&str, RelationKind)> {
    table
        .relations
        .iter()
        .map(|r| (r.name.as_str(), r.kind))
        .collect()
}

fn sorted_fks(table: &Table) -> Vec<ForeignKey> {
    let mut fks = table.foreign_keys.clone();
    fks.sort_by(|a, b| (&a.columns, &a.ref_table).cmp(&(&b.columns, &b.ref_table)));
    fks
}

// ---------------------------------------------------------------------------
// Agreement

/// Compared per table: name; column names and order; per column json_type,
/// nullable, default, is_primary_key, auto_increment; primary key in key order;
/// foreign keys (as a set: SQLite reports them in declaration order, entities
/// in `Relation` enum order); every derived relation field (name, kind,
/// columns, ref_table, ref_columns, junction). `db_type` is compared only for
/// integer columns, the one type both spell alike (`INTEGER`); elsewhere the
/// spellings differ legitimately (`NVARCHAR(160)` vs `VARCHAR(160)`,
/// `NUMERIC(10,2)` vs `DECIMAL(10,2)`), so it is compared through the mapping:
/// `json_type_for` of each gives the same JSON type.
#[tokio::test]
async fn discovery_and_entities_agree_on_chinook() {
    let from_entities = entity_catalog();
    let discovered: Vec<Table> = discovered_tables()
        .await
        .into_iter()
        .filter(|t| ENTITY_TABLES.contains(&t.name.as_str()))
        .collect();
    let from_database = Catalog::new(discovered);

    let entity_names: Vec<_> = from_entities.tables.keys().collect();
    let database_names: Vec<_> = from_database.tables.keys().collect();
    assert_eq!(entity_names, database_names);
    assert_eq!(entity_names.len(), ENTITY_TABLES.len());

    for (name, e) in &from_entities.tables {
        let d = &from_database.tables[name];
        assert_eq!(e.is_view, d.is_view, "{name}");
        let e_cols: Vec<_> = e.columns.iter().map(|c| &c.name).collect();
        let d_cols: Vec<_> = d.columns.iter().map(|c| &c.name).collect();
        assert_eq!(e_cols, d_cols, "{name}: columns");
        for (ec, dc) in e.columns.iter().zip(&d.columns) {
            let at = format!("{name}.{}", ec.name);
            assert_eq!(ec.json_type, dc.json_type, "{at}: json_type");
            assert_eq!(
                json_type_for(&ec.db_type),
                json_type_for(&dc.db_type),
                "{at}: {} vs {}",
                ec.db_type,
                dc.db_type
            );
            if dc.json_type == JsonType::Integer {
                assert_eq!(ec.db_type, dc.db_type, "{at}: db_type");
            }
            assert_eq!(ec.nullable, dc.nullable, "{at}: nullable");
            assert_eq!(ec.default, dc.default, "{at}: default");
            assert_eq!(ec.is_primary_key, dc.is_primary_key, "{at}: is_primary_key");
            assert_eq!(ec.auto_increment, dc.auto_increment, "{at}: auto_increment");
        }
        assert_eq!(e.primary_key, d.primary_key, "{name}: primary key");
        assert_eq!(sorted_fks(e), sorted_fks(d), "{name}: foreign keys");
        assert_eq!(e.relations, d.relations, "{name}: relations");
    }

    // The agreement is not vacuous: the interesting parts are present.
    let track = from_entities.table("Track").unwrap();
    assert_eq!(
        track.column("UnitPrice").unwrap().json_type,
        JsonType::Decimal
    );
    assert!(track.column("Composer").unwrap().nullable);
    assert!(track.column("TrackId").unwrap().auto_increment);
    assert_eq!(
        relation(track, "Playlist_by_PlaylistTrack").kind,
        RelationKind::ManyMany
    );
    let pt = from_entities.table("PlaylistTrack").unwrap();
    assert_eq!(pt.primary_key, ["PlaylistId", "TrackId"]);
    assert!(pt.columns.iter().all(|c| !c.auto_increment));
}

#[test]
fn entities_map_types_defaults_and_composite_keys() {
    let setting = table_from_entity(setting::Entity);
    assert_eq!(setting.primary_key, ["scope", "key"]);
    assert!(setting.columns.iter().all(|c| !c.auto_increment));
    let col = |n: &str| setting.column(n).unwrap();
    assert_eq!(col("value").default.as_deref(), Some("'on'"));
    assert_eq!(col("weight").default.as_deref(), Some("5"));
    let types: Vec<_> = setting
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.json_type))
        .collect();
    assert_eq!(
        types,
        [
            ("scope", JsonType::String),
            ("key", JsonType::String),
            ("value", JsonType::String),
            ("weight", JsonType::Integer),
            ("enabled", JsonType::Boolean),
            ("ratio", JsonType::Float),
            ("changed_at", JsonType::DateTimeTz),
            ("day", JsonType::Date),
            ("data", JsonType::Json),
            ("owner", JsonType::Uuid),
            ("blob", JsonType::Binary),
            ("parent_scope", JsonType::String),
            ("parent_key", JsonType::String),
        ]
    );
    assert!(col("owner").nullable && !col("data").nullable);
    assert_eq!(
        setting.foreign_keys,
        [ForeignKey {
            columns: vec!["parent_scope".into(), "parent_key".into()],
            ref_table: "setting".into(),
            ref_columns: vec!["scope".into(), "key".into()],
        }]
    );
    let catalog = Catalog::new(vec![setting]);
    assert_eq!(
        names(catalog.table("setting").unwrap()),
        [
            (
                "setting_by_parent_scope_parent_key",
                RelationKind::BelongsTo
            ),
            (
                "setting_by_parent_scope_parent_key_has_many",
                RelationKind::HasMany
            ),
        ]
    );
}

// ---------------------------------------------------------------------------
// Discovery

#[tokio::test]
async fn discovery_reads_chinook() {
    let tables = discovered_tables().await;
    let names: Vec<_> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Album",
            "Artist",
            "Customer",
            "Employee",
            "Genre",
            "Invoice",
            "InvoiceLine",
            "MediaType",
            "Playlist",
            "PlaylistTrack",
            "Track"
        ]
    );
    let table = |n: &str| tables.iter().find(|t| t.name == n).unwrap();

    let pt = table("PlaylistTrack");
    assert_eq!(pt.primary_key, ["PlaylistId", "TrackId"]);
    assert!(
        pt.columns
            .iter()
            .all(|c| c.is_primary_key && !c.auto_increment)
    );

    let track = table("Track");
    let price = track.column("UnitPrice").unwrap();
    assert_eq!(price.json_type, JsonType::Decimal);
    assert_eq!(price.db_type, "NUMERIC(10,2)");
    assert!(!price.nullable);
    let name = track.column("Name").unwrap();
    assert_eq!(name.db_type, "NVARCHAR(200)");
    assert_eq!(name.json_type, JsonType::String);
    assert!(track.column("Composer").unwrap().nullable);
    assert!(track.column("TrackId").unwrap().auto_increment);
    assert!(!track.column("AlbumId").unwrap().auto_increment);
    let fk_columns: Vec<_> = track
        .foreign_keys
        .iter()
        .map(|f| f.columns.join(","))
        .collect();
    assert_eq!(
        fk_columns,
        ["AlbumId", "GenreId", "MediaTypeId"],
        "declaration order"
    );

    let album = table("Album");
    let album_id = album.column("AlbumId").unwrap();
    assert!(album_id.auto_increment && album_id.is_primary_key && !album_id.nullable);
    assert_eq!(album_id.db_type, "INTEGER");
    assert_eq!(album_id.json_type, JsonType::Integer);
    assert_eq!(
        album.foreign_keys,
        [ForeignKey {
            columns: vec!["ArtistId".into()],
            ref_table: "Artist".into(),
            ref_columns: vec!["ArtistId".into()],
        }]
    );

    let invoice_date = table("Invoice").column("InvoiceDate").unwrap().clone();
    assert_eq!(invoice_date.json_type, JsonType::DateTime);
    assert_eq!(invoice_date.db_type, "DATETIME");
    assert!(tables.iter().all(|t| !t.is_view && t.relations.is_empty()));
}

/// Views, internal tables, implicit foreign-key columns, odd names and a
/// WITHOUT ROWID table.
#[tokio::test]
async fn discovery_handles_views_and_sqlite_quirks() {
    let copy = Copy::new();
    let conn = copy.connect().await;
    for sql in [
        "CREATE TABLE seaql_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        "CREATE TABLE Note (NoteId INTEGER PRIMARY KEY AUTOINCREMENT, \
           ArtistId REFERENCES Artist, Body TEXT DEFAULT 'none', Flag BOOLEAN NOT NULL DEFAULT 0)",
        "INSERT INTO Note (ArtistId, Body) VALUES (1, 'x')",
        "CREATE TABLE \"it's\" (\"key\" INTEGER PRIMARY KEY DESC, payload BLOB) ",
        "CREATE TABLE Tag (Name TEXT PRIMARY KEY, Weight REAL) WITHOUT ROWID",
        "CREATE TABLE Code (Id INT PRIMARY KEY, Label VARCHAR(10))",
        "CREATE VIEW AlbumTitles AS SELECT a.AlbumId, a.Title, ar.Name AS Artist, \
           count(*) AS Tracks FROM Album a JOIN Artist ar USING (ArtistId) \
           JOIN Track t USING (AlbumId) GROUP BY a.AlbumId",
        "CREATE TABLE Scratch (x INTEGER)",
        "CREATE VIEW Broken AS SELECT x FROM Scratch",
        "DROP TABLE Scratch",
    ] {
        conn.execute_unprepared(sql).await.unwrap();
    }
    let tables = discover(&conn, None).await.unwrap();
    let table = |n: &str| tables.iter().find(|t| t.name == n);

    assert!(table("seaql_migrations").is_none());
    assert!(
        table("sqlite_sequence").is_none(),
        "AUTOINCREMENT made sqlite_sequence"
    );

    let note = table("Note").unwrap();
    assert_eq!(
        note.foreign_keys,
        [ForeignKey {
            columns: vec!["ArtistId".into()],
            ref_table: "Artist".into(),
            ref_columns: vec!["ArtistId".into()],
        }],
        "REFERENCES without columns means the parent's primary key"
    );
    assert!(note.column("NoteId").unwrap().auto_increment);
    let artist_id = note.column("ArtistId").unwrap();
    assert_eq!(
        (artist_id.db_type.as_str(), artist_id.json_type),
        ("", JsonType::String)
    );
    assert_eq!(
        note.column("Body").unwrap().default.as_deref(),
        Some("'none'")
    );
    assert_eq!(note.column("Flag").unwrap().json_type, JsonType::Boolean);

    let odd = table("it's").unwrap();
    assert_eq!(odd.primary_key, ["key"]);
    assert_eq!(odd.column("payload").unwrap().json_type, JsonType::Binary);

    let tag = table("Tag").unwrap();
    assert_eq!(tag.primary_key, ["Name"]);
    assert!(!tag.column("Name").unwrap().auto_increment, "WITHOUT ROWID");
    assert!(!tag.column("Name").unwrap().nullable);
    assert_eq!(tag.column("Weight").unwrap().json_type, JsonType::Float);
    let code = table("Code").unwrap();
    assert!(
        !code.column("Id").unwrap().auto_increment,
        "INT is not a rowid alias"
    );

    let view = table("AlbumTitles").unwrap();
    assert!(view.is_view);
    assert!(view.primary_key.is_empty() && view.foreign_keys.is_empty());
    let cols: Vec<_> = view.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(cols, ["AlbumId", "Title", "Artist", "Tracks"]);
    assert_eq!(view.column("AlbumId").unwrap().json_type, JsonType::Integer);
    assert_eq!(view.column("Title").unwrap().db_type, "NVARCHAR(160)");
    assert!(
        table("Broken").is_none(),
        "a view that no longer compiles is skipped"
    );

    // Relations over the extra tables: the view takes part in none.
    let catalog = Catalog::new(tables.clone());
    let artist = catalog.table("Artist").unwrap();
    assert_eq!(
        relation(artist, "Note_by_ArtistId").kind,
        RelationKind::HasMany
    );
    assert!(catalog.table("AlbumTitles").unwrap().relations.is_empty());

    let unknown = discover(&conn, Some("elsewhere")).await.unwrap_err();
    assert_eq!(unknown.to_string(), "the schema 'elsewhere' does not exist");
    conn.close().await.unwrap();
}

// ---------------------------------------------------------------------------
// Naming

#[tokio::test]
async fn chinook_relations_have_dreamfactory_names() {
    let catalog = Catalog::new(discovered_tables().await);
    let t = |n: &str| catalog.table(n).unwrap();

    assert_eq!(
        names(t("Album")),
        [
            ("Artist_by_ArtistId", RelationKind::BelongsTo),
            ("Track_by_AlbumId", RelationKind::HasMany),
        ]
    );
    let artist = relation(t("Album"), "Artist_by_ArtistId");
    assert_eq!(
        (
            &artist.columns[..],
            artist.ref_table.as_str(),
            &artist.ref_columns[..]
        ),
        (
            &["ArtistId".to_owned()][..],
            "Artist",
            &["ArtistId".to_owned()][..]
        )
    );
    let tracks = relation(t("Album"), "Track_by_AlbumId");
    assert_eq!(
        (
            &tracks.columns[..],
            tracks.ref_table.as_str(),
            &tracks.ref_columns[..]
        ),
        (
            &["AlbumId".to_owned()][..],
            "Track",
            &["AlbumId".to_owned()][..]
        )
    );

    assert_eq!(
        names(t("Track")),
        [
            ("Album_by_AlbumId", RelationKind::BelongsTo),
            ("Genre_by_GenreId", RelationKind::BelongsTo),
            ("MediaType_by_MediaTypeId", RelationKind::BelongsTo),
            ("InvoiceLine_by_TrackId", RelationKind::HasMany),
            ("PlaylistTrack_by_TrackId", RelationKind::HasMany),
            ("Playlist_by_PlaylistTrack", RelationKind::ManyMany),
        ]
    );
    let playlists = relation(t("Track"), "Playlist_by_PlaylistTrack");
    assert_eq!(playlists.columns, ["TrackId"]);
    assert_eq!(playlists.ref_table, "Playlist");
    assert_eq!(playlists.ref_columns, ["PlaylistId"]);
    let junction = playlists.junction.as_ref().unwrap();
    assert_eq!(junction.table, "PlaylistTrack");
    assert_eq!(junction.columns, ["TrackId"]);
    assert_eq!(junction.ref_columns, ["PlaylistId"]);

    let tracks = relation(t("Playlist"), "Track_by_PlaylistTrack");
    assert_eq!(tracks.kind, RelationKind::ManyMany);
    assert_eq!(tracks.junction.as_ref().unwrap().columns, ["PlaylistId"]);

    // The junction keeps its own belongs_to relations.
    assert_eq!(
        names(t("PlaylistTrack")),
        [
            ("Playlist_by_PlaylistId", RelationKind::BelongsTo),
            ("Track_by_TrackId", RelationKind::BelongsTo),
        ]
    );

    // Self-reference: the has_many side gets the suffix.
    assert_eq!(
        names(t("Employee")),
        [
            ("Employee_by_ReportsTo", RelationKind::BelongsTo),
            ("Customer_by_SupportRepId", RelationKind::HasMany),
            ("Employee_by_ReportsTo_has_many", RelationKind::HasMany),
        ]
    );
    let reports = relation(t("Employee"), "Employee_by_ReportsTo_has_many");
    assert_eq!(reports.columns, ["EmployeeId"]);
    assert_eq!(reports.ref_columns, ["ReportsTo"]);

    // InvoiceLine has its own key: not a junction, so no Invoice <-> Track
    // many_many, only has_many to it.
    for table in catalog.tables.values() {
        assert!(
            table
                .relations
                .iter()
                .all(|r| r.kind != RelationKind::ManyMany
                    || r.junction.as_ref().unwrap().table == "PlaylistTrack"),
            "{}",
            table.name
        );
    }
    assert_eq!(
        names(t("Invoice")),
        [
            ("Customer_by_CustomerId", RelationKind::BelongsTo),
            ("InvoiceLine_by_InvoiceId", RelationKind::HasMany),
        ]
    );
}

fn table(name: &str, columns: &[&str], pk: &[&str], fks: &[(&[&str], &str, &[&str])]) -> Table {
    let strings = |s: &[&str]| s.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    Table {
        name: name.into(),
        is_view: false,
        columns: columns
            .iter()
            .map(|c| apiforge::catalog::Column {
                name: c.to_string(),
                db_type: "INTEGER".into(),
                json_type: JsonType::Integer,
                nullable: false,
                default: None,
                is_primary_key: pk.contains(c),
                auto_increment: false,
                cast: None,
            })
            .collect(),
        primary_key: strings(pk),
        foreign_keys: fks
            .iter()
            .map(|(cols, t, refs)| ForeignKey {
                columns: strings(cols),
                ref_table: t.to_string(),
                ref_columns: strings(refs),
            })
            .collect(),
        relations: Vec::new(),
    }
}

#[test]
fn composite_keys_self_junctions_and_unknown_targets() {
    let tables = vec![
        table("Order", &["OrderId"], &["OrderId"], &[]),
        table(
            "Line",
            &["OrderId", "LineNo"],
            &["OrderId", "LineNo"],
            &[(&["OrderId"], "Order", &["OrderId"])],
        ),
        table(
            "Shipment",
            &["ShipmentId", "OrderId", "LineNo", "WarehouseId"],
            &["ShipmentId"],
            &[
                (&["OrderId", "LineNo"], "Line", &["OrderId", "LineNo"]),
                (&["WarehouseId"], "Warehouse", &["WarehouseId"]),
            ],
        ),
        table("User", &["UserId"], &["UserId"], &[]),
        table(
            "Friend",
            &["UserA", "UserB"],
            &["UserA", "UserB"],
            &[
                (&["UserA"], "User", &["UserId"]),
                (&["UserB"], "User", &["UserId"]),
            ],
        ),
    ];
    let derived = derive_relations(tables.clone());
    let t = |n: &str| derived.iter().find(|t| t.name == n).unwrap();

    // Composite key names join the columns; the key to the unknown
    // Warehouse table gives nothing.
    assert_eq!(
        names(t("Shipment")),
        [("Line_by_OrderId_LineNo", RelationKind::BelongsTo)]
    );
    assert_eq!(
        names(t("Line")),
        [
            ("Order_by_OrderId", RelationKind::BelongsTo),
            ("Shipment_by_OrderId_LineNo", RelationKind::HasMany),
        ]
    );
    // Line has one key inside its primary key: not a junction.
    assert!(
        names(t("Order"))
            .iter()
            .all(|(_, k)| *k != RelationKind::ManyMany)
    );

    // A junction whose two keys point at the same table: both directions.
    assert_eq!(
        names(t("User")),
        [
            ("Friend_by_UserA", RelationKind::HasMany),
            ("Friend_by_UserB", RelationKind::HasMany),
            ("User_by_Friend", RelationKind::ManyMany),
            ("User_by_Friend_many_many", RelationKind::ManyMany),
        ]
    );
    let first = relation(t("User"), "User_by_Friend")
        .junction
        .clone()
        .unwrap();
    let second = relation(t("User"), "User_by_Friend_many_many")
        .junction
        .clone()
        .unwrap();
    assert_eq!(
        (first.columns, first.ref_columns),
        (vec!["UserA".to_owned()], vec!["UserB".to_owned()])
    );
    assert_eq!(
        (second.columns, second.ref_columns),
        (vec!["UserB".to_owned()], vec!["UserA".to_owned()])
    );

    // Deterministic whatever the input order, and idempotent.
    let mut reversed = tables;
    reversed.reverse();
    for table in &mut reversed {
        table.foreign_keys.reverse();
    }
    let mut again = derive_relations(reversed);
    again.reverse();
    for (a, b) in again.iter().zip(&derived) {
        assert_eq!(a.relations, b.relations, "{}", a.name);
    }
    assert_eq!(derive_relations(derived.clone()), derived);
}

// ---------------------------------------------------------------------------
// open()

#[tokio::test]
async fn open_connects_filters_and_explains_failures() {
    let copy = Copy::new();
    let config = ServiceConfig {
        database: Some(copy.path.display().to_string()),
        deny_tables: vec!["Employee".into()],
        ..ServiceConfig::default()
    };
    let (conn, catalog) = open(ServiceKind::Sqlite, &config).await.unwrap();
    assert_eq!(catalog.tables.len(), 10);
    assert!(catalog.table("Employee").is_none());
    // With Employee hidden, Customer's key to it gives no relation.
    assert_eq!(
        names(catalog.table("Customer").unwrap()),
        [("Invoice_by_CustomerId", RelationKind::HasMany)]
    );
    // The default pool: two connections per core, at least 4.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    let pool = conn.get_sqlite_connection_pool();
    assert_eq!(pool.options().get_max_connections(), (2 * cores).max(4));
    let fk = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fk.try_get_by_index::<i64>(0).unwrap(),
        1,
        "foreign keys enforced"
    );
    let mode = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        mode.try_get_by_index::<String>(0).unwrap(),
        "delete",
        "file mode untouched"
    );
    conn.close().await.unwrap();

    let allow = ServiceConfig {
        allow_tables: vec!["Album".into(), "Artist".into()],
        pool_size: Some(2),
        ..config.clone()
    };
    let (conn, catalog) = open(ServiceKind::Sqlite, &allow).await.unwrap();
    assert_eq!(
        catalog.tables.keys().collect::<Vec<_>>(),
        ["Album", "Artist"]
    );
    assert_eq!(
        conn.get_sqlite_connection_pool()
            .options()
            .get_max_connections(),
        2
    );
    conn.close().await.unwrap();

    let not_sqlite = copy.dir.join("notes.txt");
    std::fs::write(
        &not_sqlite,
        "definitely not a database, just some text ".repeat(50),
    )
    .unwrap();
    let err = open(
        ServiceKind::Sqlite,
        &ServiceConfig {
            database: Some(not_sqlite.display().to_string()),
            ..ServiceConfig::default()
        },
    )
    .await
    .err()
    .unwrap();
    assert!(
        matches!(&err, ConnectError::Discovery(m) | ConnectError::Unreachable(m) if m.contains("not a database")),
        "{err:?}"
    );

    let missing = copy.dir.join("missing.sqlite");
    let err = open(
        ServiceKind::Sqlite,
        &ServiceConfig {
            database: Some(missing.display().to_string()),
            ..ServiceConfig::default()
        },
    )
    .await
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        format!("SQLite file '{}' does not exist", missing.display())
    );
    assert!(!missing.exists());
}

/// A server that is not there: the message names it and never the password.
#[tokio::test]
async fn unreachable_server_messages_hide_the_password() {
    let config = ServiceConfig {
        host: Some("127.0.0.1".into()),
        port: Some(1),
        database: Some("chinook".into()),
        username: Some("app".into()),
        password: Some("S3cret:pw@x".into()),
        connect_timeout: Some(2_000),
        ..ServiceConfig::default()
    };
    for kind in [ServiceKind::Postgres, ServiceKind::Mysql] {
        let err = open(kind, &config).await.err().unwrap();
        let msg = err.to_string();
        assert!(matches!(err, ConnectError::Unreachable(_)), "{msg}");
        assert!(msg.contains("server at 127.0.0.1:1"), "{msg}");
        assert!(!msg.contains("S3cret"), "{msg}");
    }
}
