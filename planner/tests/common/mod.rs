//! The fixture the planner's tests share: a small Chinook-like catalog built in
//! code, as the server's discovery would build it for each backend, and helpers to
//! plan reads on it and to drive a [`ReadDoc`] without a database.
//!
//! Discovery (`server/src/catalog/discover.rs`) returns tables with their
//! foreign keys and no relations; `Catalog::new` derives the relations with
//! `catalog::naming`, exactly as here, so the relation names the tests use are
//! the ones clients send in `related=`.
//!
//! Each test binary uses a part of this module.
#![allow(dead_code, unused_macros, clippy::unwrap_used)]

use std::sync::Arc;

use planner::Backend;
use planner::catalog::{Catalog, Column, ForeignKey, JsonType, Table};
use planner::document::{ReadDoc, Row};
use planner::filter;
use planner::plan::{self, Budget, Limits, ReadInput, ReadPlan};
use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementWriter, SelectStatement,
    SqliteQueryBuilder,
};
use serde_json::Value as Json;

pub const BACKENDS: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

/// A column as discovery describes it; `cast` and flags set by the builders below.
fn column(name: &str, db_type: &str, json_type: JsonType) -> Column {
    Column {
        name: name.into(),
        db_type: db_type.into(),
        json_type,
        nullable: true,
        default: None,
        is_primary_key: false,
        auto_increment: false,
        cast: None,
    }
}

fn int(name: &str) -> Column {
    column(name, "INTEGER", JsonType::Integer)
}

fn text(name: &str, len: u32) -> Column {
    column(name, &format!("NVARCHAR({len})"), JsonType::String)
}

fn not_null(mut c: Column) -> Column {
    c.nullable = false;
    c
}

/// A single-column key the database fills (SQLite's INTEGER PRIMARY KEY).
fn serial(name: &str) -> Column {
    Column {
        is_primary_key: true,
        auto_increment: true,
        nullable: false,
        ..int(name)
    }
}

fn key_part(c: Column) -> Column {
    Column {
        is_primary_key: true,
        nullable: false,
        ..c
    }
}

fn fk(columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        ref_table: ref_table.into(),
        ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn table(name: &str, columns: Vec<Column>, foreign_keys: Vec<ForeignKey>) -> Table {
    Table {
        name: name.into(),
        is_view: false,
        primary_key: columns
            .iter()
            .filter(|c| c.is_primary_key)
            .map(|c| c.name.clone())
            .collect(),
        columns,
        foreign_keys,
        relations: Vec::new(),
    }
}

/// A decimal column as each backend's discovery types it: bound natively on
/// SQLite, as text cast to `numeric` on PostgreSQL and to `DECIMAL(65,30)` on
/// MySQL (`Column::cast`).
fn decimal(name: &str, db_type: &str, backend: Backend) -> Column {
    Column {
        cast: match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some("numeric".into()),
            Backend::MySql => Some("DECIMAL(65,30)".into()),
        },
        ..column(name, db_type, JsonType::Decimal)
    }
}

/// The tables, in discovery's order (by name), relations not yet derived.
///
/// - Chinook's Artist, Album, Genre, Track, Playlist and PlaylistTrack (a
///   junction: two foreign keys, both inside its composite key). Track's key to
///   MediaType points at a table that is not exposed, so it gives no relation.
/// - OrderLine, keyed by (OrderId, LineNo), and Shipment, whose composite
///   foreign key points at it: composite keys in `ids=` and in relations.
/// - Device, whose columns travel as text on PostgreSQL (an enum, an array,
///   a numeric; its uuid key binds natively there). On SQLite and MySQL the
///   same table holds plain text, JSON and decimals.
pub fn tables(backend: Backend) -> Vec<Table> {
    let device = match backend {
        Backend::Postgres => vec![
            key_part(column("DeviceId", "uuid", JsonType::Uuid)),
            Column {
                cast: Some("device_status".into()),
                ..not_null(column("Status", "device_status", JsonType::String))
            },
            Column {
                cast: Some("text[]".into()),
                ..column("Tags", "text[]", JsonType::Array)
            },
            decimal("Price", "numeric(12,2)", backend),
            column("Label", "text", JsonType::String),
        ],
        Backend::MySql => vec![
            key_part(column("DeviceId", "char(36)", JsonType::String)),
            not_null(column("Status", "enum('new','used')", JsonType::String)),
            column("Tags", "json", JsonType::Json),
            decimal("Price", "decimal(12,2)", backend),
            column("Label", "text", JsonType::String),
        ],
        Backend::Sqlite => vec![
            key_part(column("DeviceId", "UUID", JsonType::Uuid)),
            not_null(column("Status", "TEXT", JsonType::String)),
            column("Tags", "JSON", JsonType::Json),
            decimal("Price", "NUMERIC(12,2)", backend),
            column("Label", "TEXT", JsonType::String),
        ],
    };
    vec![
        table(
            "Album",
            vec![
                serial("AlbumId"),
                not_null(text("Title", 160)),
                not_null(int("ArtistId")),
            ],
            vec![fk(&["ArtistId"], "Artist", &["ArtistId"])],
        ),
        table(
            "Artist",
            vec![serial("ArtistId"), text("Name", 120)],
            vec![],
        ),
        table("Device", device, vec![]),
        table("Genre", vec![serial("GenreId"), text("Name", 120)], vec![]),
        table(
            "OrderLine",
            vec![
                key_part(int("OrderId")),
                key_part(int("LineNo")),
                not_null(int("TrackId")),
                not_null(int("Quantity")),
            ],
            vec![fk(&["TrackId"], "Track", &["TrackId"])],
        ),
        table(
            "Playlist",
            vec![serial("PlaylistId"), text("Name", 120)],
            vec![],
        ),
        table(
            "PlaylistTrack",
            vec![key_part(int("PlaylistId")), key_part(int("TrackId"))],
            vec![
                fk(&["TrackId"], "Track", &["TrackId"]),
                fk(&["PlaylistId"], "Playlist", &["PlaylistId"]),
            ],
        ),
        table(
            "Shipment",
            vec![
                serial("ShipmentId"),
                not_null(int("OrderId")),
                not_null(int("LineNo")),
                column("ShippedAt", "DATETIME", JsonType::DateTime),
            ],
            vec![fk(
                &["OrderId", "LineNo"],
                "OrderLine",
                &["OrderId", "LineNo"],
            )],
        ),
        table(
            "Track",
            vec![
                serial("TrackId"),
                not_null(text("Name", 200)),
                int("AlbumId"),
                not_null(int("MediaTypeId")),
                int("GenreId"),
                text("Composer", 220),
                not_null(int("Milliseconds")),
                int("Bytes"),
                not_null(decimal("UnitPrice", "NUMERIC(10,2)", backend)),
            ],
            vec![
                fk(&["MediaTypeId"], "MediaType", &["MediaTypeId"]),
                fk(&["GenreId"], "Genre", &["GenreId"]),
                fk(&["AlbumId"], "Album", &["AlbumId"]),
            ],
        ),
    ]
}

/// The catalog of [`tables`], relations derived as the server derives them.
pub fn catalog(backend: Backend) -> Catalog {
    Catalog::new(tables(backend))
}

/// The service limits of the tests: generous, unlimited answers.
pub fn limits(backend: Backend) -> Limits {
    Limits {
        max_records: 1000,
        backend,
        budget: Budget::UNLIMITED,
        max_list_items: 100,
    }
}

/// `filter=` text as the REST front end parses it.
pub fn filter(text: &str) -> filter::Expr {
    filter::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

/// `ReadInput.related` of one relation with default parameters.
pub fn rel(name: &str) -> (String, ReadInput) {
    (name.to_owned(), ReadInput::default())
}

/// `fields=a,b,…` as column names.
pub fn fields(names: &[&str]) -> Option<Vec<plan::FieldInput>> {
    Some(
        names
            .iter()
            .map(|n| plan::FieldInput::Column((*n).to_owned()))
            .collect(),
    )
}

/// `order=col` (ascending, the database's NULL placement).
pub fn asc(column: &str) -> plan::OrderInput {
    plan::OrderInput {
        column: column.into(),
        desc: false,
        nulls_first: None,
    }
}

/// The plan of `input` on `table`, which must be valid.
pub fn plan(backend: Backend, table: &str, input: &ReadInput) -> ReadPlan {
    plan_with(limits(backend), table, input)
}

pub fn plan_with(limits: Limits, table: &str, input: &ReadInput) -> ReadPlan {
    let catalog = catalog(limits.backend);
    let ctx = context(&catalog, limits);
    let t = ctx.table(table).unwrap().clone();
    ctx.read(&t, input)
        .unwrap_or_else(|e| panic!("reading {table} should plan: {e}"))
}

/// The fixture's table `name` (on SQLite, unless the backend matters).
pub fn table_of(backend: Backend, name: &str) -> Arc<Table> {
    catalog(backend).table(name).unwrap().clone()
}

/// The planning context of a writable service over `catalog`.
pub fn context(catalog: &Catalog, limits: Limits) -> plan::Context<'_> {
    plan::Context {
        catalog,
        limits,
        service: "chinook",
        read_only: false,
        access: planner::plan::Access::Full,
    }
}

/// A result row over plain JSON values: what a driver hands the document.
/// Keys are the values' text, as the drivers give them (`value::json_key`).
pub struct JsonRow(pub Vec<Json>);

impl Row for JsonRow {
    fn write_json(&self, idx: usize, _ty: JsonType, out: &mut Vec<u8>) {
        serde_json::to_writer(&mut *out, &self.0[idx]).unwrap();
    }

    fn key(&self, idx: usize, _ty: JsonType) -> Option<String> {
        planner::value::json_key(self.0[idx].clone())
    }
}

/// Builds a `Vec<Json>` row: `row![1, "x", null]` (a negative number in
/// parentheses: `(-1)`).
macro_rules! row {
    ($($v:tt),* $(,)?) => { vec![$(serde_json::json!($v)),*] };
}

/// Runs a document to the end against a fake database: `answer` gets each
/// statement and its position, and gives its rows. Returns the statements.
pub fn drive(
    doc: &mut ReadDoc<'_>,
    mut answer: impl FnMut(usize, &SelectStatement) -> Vec<Vec<Json>>,
) -> Vec<SelectStatement> {
    let mut statements = Vec::new();
    while let Some(stmt) = doc.next_statement() {
        for row in answer(statements.len(), &stmt) {
            doc.push_row(&JsonRow(row));
        }
        statements.push(stmt);
    }
    statements
}

/// The document's answer, parsed.
pub fn rendered(doc: &ReadDoc<'_>) -> Json {
    let bytes = doc.render().unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A statement as the driver of `backend` sends it: placeholders, then the
/// bound values (which carry their types: a decimal is not a double).
pub fn sql(stmt: &impl QueryStatementWriter, backend: Backend) -> String {
    let (text, values) = match backend {
        Backend::Sqlite => stmt.build(SqliteQueryBuilder),
        Backend::Postgres => stmt.build(PostgresQueryBuilder),
        Backend::MySql => stmt.build(MysqlQueryBuilder),
    };
    with_values(text, &values)
}

/// SQL text and its values, the values one to a line so that a snapshot diff
/// points at the one that changed.
pub fn with_values(text: String, values: &sea_query::Values) -> String {
    let mut out = text;
    for (i, v) in values.0.iter().enumerate() {
        out.push_str(&format!("\n  {}: {v:?}", i + 1));
    }
    out
}

/// The values a statement binds (the parent keys of a relation's statement).
pub fn bound(stmt: &SelectStatement) -> Vec<sea_query::Value> {
    stmt.build(SqliteQueryBuilder).1.0
}

/// The table a statement reads (its first `FROM`), from its SQLite text.
pub fn reads(stmt: &SelectStatement) -> String {
    let text = stmt.to_string(SqliteQueryBuilder);
    // A limited relation wraps its select: `FROM (SELECT … FROM "T" …) AS "r"`.
    let from = text
        .match_indices(" FROM \"")
        .map(|(i, _)| i + 7)
        .next()
        .unwrap();
    text[from..].split('"').next().unwrap().to_owned()
}
