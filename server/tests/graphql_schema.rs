//! The generated GraphQL schema, pinned: the SDL of the Chinook sample and of a
//! catalog made to exercise the naming rule, views, keyless and composite-key
//! tables and every column type, and of a role's schema (only what it may
//! use). A change to a generated name, type or argument shows up here as a
//! snapshot diff, before any client sees it.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use apiforge::catalog::discover::discover;
use apiforge::catalog::{Catalog, Column, ForeignKey, JsonType, Table};
use apiforge::graphql::schema::{GraphCatalog, QueryLimits, build};
use apiforge::query::plan::{Access, Gate, Grant, Verb, table_component};
use sea_orm::Database;

const LIMITS: QueryLimits = QueryLimits {
    max_depth: 15,
    max_complexity: 1000,
    cache_bytes: 1 << 20,
};

/// The Chinook sample's catalog, discovered from a private copy of the file.
async fn chinook() -> Catalog {
    let dir = std::env::temp_dir().join(format!("apiforge-gql-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("chinook.sqlite");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/demo/chinook.sqlite"),
        &path,
    )
    .unwrap();
    let conn = Database::connect(format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let tables = discover(&conn, None).await.unwrap();
    conn.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Catalog::new(tables)
}

fn column(name: &str, db_type: &str, json_type: JsonType, nullable: bool) -> Column {
    Column {
        name: name.to_owned(),
        db_type: db_type.to_owned(),
        json_type,
        nullable,
        default: None,
        is_primary_key: false,
        auto_increment: false,
        cast: None,
    }
}

fn table(name: &str, columns: Vec<Column>, key: &[&str]) -> Table {
    let columns = columns
        .into_iter()
        .map(|mut c| {
            c.is_primary_key = key.contains(&c.name.as_str());
            c
        })
        .collect();
    Table {
        name: name.to_owned(),
        is_view: false,
        columns,
        primary_key: key.iter().map(|k| (*k).to_owned()).collect(),
        foreign_keys: Vec::new(),
        relations: Vec::new(),
    }
}

/// Names that need mangling, two that collide once mangled, a composite key
/// given out of column order, a view, a table without a key, a table with
/// no numeric and no orderable column, and every JSON type.
fn odd() -> Catalog {
    use JsonType as J;
    let mut items = table(
        "order items",
        vec![
            column("line no", "INTEGER", J::Integer, false),
            column("order-id", "BIGINT", J::Integer, false),
            column("price €", "NUMERIC(10,2)", J::Decimal, true),
            column("weight", "REAL", J::Float, true),
            column("note", "TEXT", J::String, true),
            column("2nd", "TEXT", J::String, true),
        ],
        &["order-id", "line no"],
    );
    items.foreign_keys.push(ForeignKey {
        columns: vec!["order-id".to_owned()],
        ref_table: "orders".to_owned(),
        ref_columns: vec!["id".to_owned()],
    });
    let orders = table(
        "orders",
        vec![
            column("id", "BIGINT", J::Integer, false),
            column("placed", "DATE", J::Date, false),
            column("at", "TIME", J::Time, true),
            column("created", "TIMESTAMP", J::DateTime, true),
            column("updated", "TIMESTAMPTZ", J::DateTimeTz, true),
            column("ref", "UUID", J::Uuid, true),
            column("paid", "BOOLEAN", J::Boolean, true),
            column("meta", "JSON", J::Json, true),
            column("tags", "text[]", J::Array, true),
            column("scan", "BLOB", J::Binary, true),
        ],
        &["id"],
    );
    let mut totals = table(
        "order-totals",
        vec![
            column("id", "BIGINT", J::Integer, true),
            column("total", "NUMERIC", J::Decimal, true),
        ],
        &[],
    );
    totals.is_view = true;
    let log = table("log", vec![column("line", "TEXT", J::String, true)], &[]);
    let flags = table(
        "flags",
        vec![
            column("on", "BOOLEAN", J::Boolean, false),
            column("doc", "JSON", J::Json, true),
        ],
        &["on"],
    );
    let twin = table(
        "order_items",
        vec![column("id", "INTEGER", J::Integer, false)],
        &["id"],
    );
    Catalog::new(vec![items, orders, totals, log, flags, twin])
}

fn schema(catalog: &Catalog) -> GraphCatalog {
    build(catalog, LIMITS, Access::Full).unwrap()
}

#[tokio::test]
async fn chinook_sdl() {
    let gql = schema(&chinook().await);
    insta::assert_snapshot!(gql.schema.sdl());
}

#[tokio::test]
async fn odd_names_sdl() {
    let gql = schema(&odd());
    insta::assert_snapshot!(gql.schema.sdl());
}

/// A role allowed exactly the listed verbs on the listed tables.
struct Rules(Vec<(String, Verb)>);

impl Rules {
    fn new<'a>(rules: impl IntoIterator<Item = (&'a str, Verb)>) -> Rules {
        Rules(rules.into_iter().map(|(t, v)| (t.to_owned(), v)).collect())
    }
}

impl Gate for Rules {
    fn grant(&self, component: &str, verb: Verb) -> Grant {
        if self
            .0
            .iter()
            .any(|(t, v)| *v == verb && table_component(t) == component)
        {
            Grant::Allow(None)
        } else {
            Grant::Deny
        }
    }

    fn who(&self) -> &str {
        "role 'reader'"
    }
}

/// GET on Album and Artist, POST on Album: no Track, Genre, … anywhere
/// (nor Album's relations to them), and only `insert_Album` to write.
#[tokio::test]
async fn reader_sdl() {
    let gate = Rules::new([
        ("Album", Verb::Get),
        ("Artist", Verb::Get),
        ("Album", Verb::Post),
    ]);
    let gql = build(&chinook().await, LIMITS, Access::Role(&gate)).unwrap();
    insta::assert_snapshot!(gql.schema.sdl());
}

/// A role that may do everything sees the admin's schema, to the letter.
#[tokio::test]
async fn every_rule_is_the_admin_schema() {
    for catalog in [chinook().await, odd()] {
        let all = Rules::new(
            catalog
                .tables
                .keys()
                .flat_map(|t| Verb::ALL.map(|v| (t.as_str(), v))),
        );
        let role = build(&catalog, LIMITS, Access::Role(&all)).unwrap();
        assert_eq!(role.schema.sdl(), schema(&catalog).schema.sdl());
    }
}
