//! The SQL the planner builds, as snapshots (`tests/snapshots/`), on each of the
//! three dialects: the benchmark workloads (bench/run.sh W1–W5) and the shapes
//! of filter, relation, aggregate and write that the server plans.
//!
//! Each snapshot holds, per backend, every statement of the request as its
//! driver sends it: placeholders, then the bound values with their types. A read
//! is planned against that backend's catalog (casts differ) and driven through
//! the [`ReadDoc`] with a few synthetic rows, so that its relation statements
//! exist. A change to the SQL shows as a diff of the `.snap` file; after
//! reviewing it, accept it with `INSTA_UPDATE=always cargo test -p
//! apiforge-planner --test sql_snapshots` (or `cargo insta review`).
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use common::{BACKENDS, asc, catalog, drive, fields, filter, plan, rel, sql, table_of};
use insta::assert_snapshot;
use planner::Backend;
use planner::document::ReadDoc;
use planner::plan::{self, AggFunc, Cond, FieldInput, OrderInput, ReadInput, ReadPlan, ShapeItem};
use planner::sql as build;
use planner::value;
use serde_json::{Value as Json, json};

/// The rows one statement answers.
type Rows = Vec<Vec<Json>>;

/// Every statement `plan_of(backend)` runs on each backend, `answers[i]` pushed
/// after the i-th (no rows past the list).
fn statements_of(plan_of: impl Fn(Backend) -> ReadPlan, answers: &[Rows]) -> String {
    let mut out = String::new();
    for backend in BACKENDS {
        let plan = plan_of(backend);
        let mut doc = ReadDoc::new(&plan, backend);
        let statements = drive(&mut doc, |i, _| answers.get(i).cloned().unwrap_or_default());
        out.push_str(&format!("-- {backend:?}\n"));
        for s in &statements {
            out.push_str(&sql(s, backend));
            out.push('\n');
        }
    }
    out
}

/// The statements of `input` read from `table`.
fn read_sql(table: &str, input: &ReadInput, answers: &[Rows]) -> String {
    statements_of(|backend| plan(backend, table, input), answers)
}

/// One statement per backend, however it is built.
fn per_backend(build: impl Fn(Backend) -> String) -> String {
    BACKENDS
        .iter()
        .map(|&backend| format!("-- {backend:?}\n{}\n", build(backend)))
        .collect()
}

/// A planned read with a by-key condition ANDed in, as the REST front end does
/// for `/_table/T/{id}` and `ids=`.
fn with_keys(mut plan: ReadPlan, key: &[&str], tuples: &[Vec<Json>], backend: Backend) -> ReadPlan {
    let key: Vec<String> = key.iter().map(|k| (*k).to_owned()).collect();
    let cond = plan::key_in(&plan.table, &key, tuples, backend).unwrap();
    plan.filter = Some(Cond::all(plan.filter.take().into_iter().chain([cond])));
    plan
}

// ---- The benchmark workloads (bench/run.sh, bench/ab.sh; bench/pg.sh reads the same) ----

/// W1: `Track?filter=GenreId=1&order=TrackId&limit=100`.
fn w1() -> ReadInput {
    ReadInput {
        filter: Some(filter("GenreId=1")),
        order: vec![asc("TrackId")],
        limit: Some(100),
        ..ReadInput::default()
    }
}

const TRACK_COLUMNS: [&str; 9] = [
    "TrackId",
    "Name",
    "AlbumId",
    "MediaTypeId",
    "GenreId",
    "Composer",
    "Milliseconds",
    "Bytes",
    "UnitPrice",
];

/// GraphQL's selection of `names`, each under its own name.
fn selection(names: &[&str]) -> ReadInput {
    ReadInput {
        fields: fields(names),
        shape: Some(
            names
                .iter()
                .enumerate()
                .map(|(index, n)| ShapeItem::Output {
                    key: (*n).to_owned(),
                    index,
                })
                .collect(),
        ),
        ..ReadInput::default()
    }
}

/// W3's two parent rows, and the keys they give the relation statements.
fn w3_answers() -> Vec<Rows> {
    vec![vec![
        row![1, "For Those About To Rock We Salute You", 1],
        row![2, "Balls to the Wall", 2],
    ]]
}

#[test]
fn w1_tracks_of_a_genre() {
    let sql = read_sql("Track", &w1(), &[]);
    assert_snapshot!("w1_tracks_of_a_genre", sql);
}

#[test]
fn w2_one_track_by_id() {
    // `/_table/Track/1000`: limit 1, the key ANDed into the plan.
    let input = ReadInput {
        limit: Some(1),
        ..ReadInput::default()
    };
    let sql = statements_of(
        |backend| {
            let tuple = plan::split_id(&["TrackId".to_owned()], "1000").unwrap();
            with_keys(
                plan(backend, "Track", &input),
                &["TrackId"],
                &[tuple],
                backend,
            )
        },
        &[],
    );
    assert_snapshot!("w2_one_track_by_id", sql);
}

#[test]
fn w3_albums_with_artist_and_tracks() {
    let input = ReadInput {
        limit: Some(50),
        order: vec![asc("AlbumId")],
        related: vec![rel("Artist_by_ArtistId"), rel("Track_by_AlbumId")],
        ..ReadInput::default()
    };
    let sql = read_sql("Album", &input, &w3_answers());
    assert_snapshot!("w3_albums_with_artist_and_tracks", sql);
}

#[test]
fn w4_is_w1_as_graphql() {
    // `Track(where: {GenreId: {_eq: 1}}, order_by: [{TrackId: asc}], limit: 100)`.
    let input = ReadInput {
        filter: Some(planner::filter::Expr::And(vec![filter("GenreId = 1")])),
        order: vec![asc("TrackId")],
        limit: Some(100),
        ..selection(&TRACK_COLUMNS)
    };
    let sql = read_sql("Track", &input, &[]);
    // Same statement as REST's: the GraphQL front end costs nothing in SQL.
    assert_eq!(sql, read_sql("Track", &w1(), &[]));
    assert_snapshot!("w4_is_w1_as_graphql", sql);
}

#[test]
fn w5_is_w3_as_graphql() {
    let mut input = ReadInput {
        limit: Some(50),
        order: vec![asc("AlbumId")],
        related: vec![
            (
                "Artist_by_ArtistId".into(),
                selection(&["ArtistId", "Name"]),
            ),
            ("Track_by_AlbumId".into(), selection(&TRACK_COLUMNS)),
        ],
        ..selection(&["AlbumId", "Title", "ArtistId"])
    };
    if let Some(shape) = input.shape.as_mut() {
        shape.push(ShapeItem::Related {
            key: "Artist_by_ArtistId".into(),
            index: 0,
        });
        shape.push(ShapeItem::Related {
            key: "Track_by_AlbumId".into(),
            index: 1,
        });
    }
    let sql = read_sql("Album", &input, &w3_answers());
    let rest = ReadInput {
        limit: Some(50),
        order: vec![asc("AlbumId")],
        related: vec![rel("Artist_by_ArtistId"), rel("Track_by_AlbumId")],
        ..ReadInput::default()
    };
    assert_eq!(sql, read_sql("Album", &rest, &w3_answers()));
    assert_snapshot!("w5_is_w3_as_graphql", sql);
}

// ---- Filters ----

/// `Track?filter=…&fields=TrackId`: only the condition varies.
fn track_filter(text: &str) -> String {
    let input = ReadInput {
        fields: fields(&["TrackId"]),
        filter: Some(filter(text)),
        limit: Some(10),
        ..ReadInput::default()
    };
    read_sql("Track", &input, &[])
}

#[test]
fn filter_and_or_not() {
    assert_snapshot!(
        "filter_and_or_not",
        track_filter(
            "(GenreId = 1 or GenreId >= 20) and not (Milliseconds < 60000 or Bytes <= 0) and Name <> 'x'"
        )
    );
}

#[test]
fn filter_in_and_not_in() {
    assert_snapshot!(
        "filter_in_and_not_in",
        track_filter("AlbumId in (1, 2, 3) and GenreId not in (4, 5)")
    );
}

#[test]
fn filter_like_ignores_case_on_every_backend() {
    // SQLite's LIKE already does; PostgreSQL uses ILIKE; MySQL lowers both sides.
    // `contains` escapes the caller's `%` and `_`.
    assert_snapshot!(
        "filter_like",
        track_filter(
            "Name like 'Love%' and Composer not like '%SMITH' and Name contains '50%_Off' and Name ends with 'X'"
        )
    );
}

#[test]
fn filter_is_null_and_comparisons_with_null() {
    assert_snapshot!(
        "filter_is_null",
        track_filter("Composer is null or Bytes is not null or GenreId = null or AlbumId != null")
    );
}

#[test]
fn filter_between_on_integers_and_decimals() {
    // UnitPrice binds as a double on SQLite, as text cast to numeric on
    // PostgreSQL and to DECIMAL(65,30) on MySQL.
    assert_snapshot!(
        "filter_between",
        track_filter("Milliseconds between 1000 and 2000 and UnitPrice between 0.5 and 1.99")
    );
}

#[test]
fn filter_on_columns_that_need_a_cast() {
    // On PostgreSQL: an enum and an array compare as their type (the bound text
    // cast to it), are read as text (the array as JSON), and `like` works on
    // their text; a uuid binds natively and is matched as text.
    let input = ReadInput {
        filter: Some(filter(
            "Status = 'new' and Price > 10 and Label starts with 'ab' and DeviceId like '0b%' and Status in ('new', 'used')",
        )),
        ..ReadInput::default()
    };
    assert_snapshot!("filter_cast_columns", read_sql("Device", &input, &[]));
}

#[test]
fn filter_on_an_array_column() {
    // PostgreSQL's array literal from a filter, cast to the column's type.
    let input = ReadInput {
        fields: fields(&["DeviceId", "Tags"]),
        filter: Some(filter("Tags = '{a,b}'")),
        ..ReadInput::default()
    };
    let planned = plan(Backend::Postgres, "Device", &input);
    let mut doc = ReadDoc::new(&planned, Backend::Postgres);
    let statements = drive(&mut doc, |_, _| vec![]);
    assert_eq!(statements.len(), 1);
    assert_snapshot!(
        "filter_array_column_postgres",
        sql(&statements[0], Backend::Postgres)
    );
}

// ---- Order, paging, aggregates, counts ----

#[test]
fn order_with_nulls_first_and_last() {
    // GraphQL's `asc_nulls_first` / `desc_nulls_last`; MySQL has no NULLS
    // FIRST/LAST and orders by `IS NULL` first. The key breaks ties.
    let input = ReadInput {
        fields: fields(&["TrackId", "Composer", "Bytes"]),
        order: vec![
            OrderInput {
                column: "Composer".into(),
                desc: false,
                nulls_first: Some(true),
            },
            OrderInput {
                column: "Bytes".into(),
                desc: true,
                nulls_first: Some(false),
            },
        ],
        limit: Some(20),
        offset: Some(40),
        ..ReadInput::default()
    };
    assert_snapshot!("order_with_nulls", read_sql("Track", &input, &[]));
}

fn aggregates() -> ReadInput {
    let agg = |func, column: Option<&str>| FieldInput::Aggregate {
        func,
        column: column.map(str::to_owned),
    };
    ReadInput {
        fields: Some(vec![
            FieldInput::Column("GenreId".into()),
            agg(AggFunc::Count, None),
            agg(AggFunc::Sum, Some("Milliseconds")),
            agg(AggFunc::Avg, Some("UnitPrice")),
            agg(AggFunc::Min, Some("Name")),
            agg(AggFunc::Max, Some("Bytes")),
        ]),
        filter: Some(filter("Milliseconds > 1000")),
        group: vec!["GenreId".into()],
        order: vec![asc("GenreId")],
        ..ReadInput::default()
    }
}

#[test]
fn group_and_aggregates() {
    assert_snapshot!(
        "group_and_aggregates",
        read_sql("Track", &aggregates(), &[])
    );
}

#[test]
fn include_count_counts_what_the_filter_matches() {
    // `include_count` / `count_only`: the rows the filter matches, past the
    // limit and offset; grouped, the number of groups.
    let listed = ReadInput {
        filter: Some(filter("GenreId = 1")),
        limit: Some(5),
        offset: Some(10),
        ..ReadInput::default()
    };
    let text = per_backend(|backend| {
        let rows = sql(&build::count(&plan(backend, "Track", &listed)), backend);
        let groups = sql(
            &build::count(&plan(backend, "Track", &aggregates())),
            backend,
        );
        format!("{rows}\n{groups}")
    });
    assert!(!text.contains("LIMIT"), "{text}");
    assert_snapshot!("include_count", text);
}

// ---- Relations ----

#[test]
fn nested_relations_with_per_parent_limits() {
    // Artist → 2 albums each (by title, descending) → 3 long tracks of each.
    let tracks = ReadInput {
        fields: fields(&["Name"]),
        filter: Some(filter("Milliseconds > 200000")),
        order: vec![OrderInput {
            column: "Milliseconds".into(),
            desc: true,
            nulls_first: None,
        }],
        limit: Some(3),
        ..ReadInput::default()
    };
    let albums = ReadInput {
        order: vec![OrderInput {
            column: "Title".into(),
            desc: true,
            nulls_first: None,
        }],
        limit: Some(2),
        related: vec![("Track_by_AlbumId".into(), tracks)],
        ..ReadInput::default()
    };
    let input = ReadInput {
        limit: Some(2),
        related: vec![("Album_by_ArtistId".into(), albums)],
        ..ReadInput::default()
    };
    let answers = vec![
        vec![row![1, "AC/DC"], row![2, "Accept"]],
        // Album's columns, the parent key `__k0`, the row number `__rn`.
        vec![
            row![4, "Let There Be Rock", 1, 1, 1],
            row![1, "For Those About To Rock", 1, 1, 2],
            row![2, "Balls to the Wall", 2, 2, 1],
        ],
    ];
    assert_snapshot!(
        "nested_relations_with_per_parent_limits",
        read_sql("Artist", &input, &answers)
    );
}

#[test]
fn many_many_through_a_junction() {
    // Playlist → its tracks through PlaylistTrack, 3 per playlist; and Track →
    // its playlists, unlimited.
    let limited = ReadInput {
        related: vec![(
            "Track_by_PlaylistTrack".into(),
            ReadInput {
                fields: fields(&["Name"]),
                limit: Some(3),
                ..ReadInput::default()
            },
        )],
        ..ReadInput::default()
    };
    let playlists = vec![vec![row![1, "Music"], row![8, "Audiobooks"]]];
    let reverse = ReadInput {
        fields: fields(&["TrackId", "Name"]),
        related: vec![rel("Playlist_by_PlaylistTrack")],
        ..ReadInput::default()
    };
    let tracks = vec![vec![row![1, "For Those About To Rock"], row![2, "Balls"]]];
    let text = format!(
        "{}\n{}",
        read_sql("Playlist", &limited, &playlists),
        read_sql("Track", &reverse, &tracks)
    );
    assert_snapshot!("many_many_through_a_junction", text);
}

#[test]
fn relations_on_a_composite_key() {
    // OrderLine → its shipments (`Shipment_by_OrderId_LineNo`, keys as pairs),
    // and Shipment → its order line, with a nulls-first order in the window.
    let lines = ReadInput {
        related: vec![(
            "Shipment_by_OrderId_LineNo".into(),
            ReadInput {
                order: vec![OrderInput {
                    column: "ShippedAt".into(),
                    desc: true,
                    nulls_first: Some(true),
                }],
                limit: Some(1),
                ..ReadInput::default()
            },
        )],
        ..ReadInput::default()
    };
    let answers = vec![vec![
        row![1, 1, 10, 2],
        row![1, 2, 11, 1],
        row![2, 1, 10, 5],
    ]];
    let shipments = ReadInput {
        related: vec![rel("OrderLine_by_OrderId_LineNo")],
        ..ReadInput::default()
    };
    let shipped = vec![vec![row![7, 1, 2, "2024-01-01T00:00:00"]]];
    let text = format!(
        "{}\n{}",
        read_sql("OrderLine", &lines, &answers),
        read_sql("Shipment", &shipments, &shipped)
    );
    assert_snapshot!("relations_on_a_composite_key", text);
}

#[test]
fn ids_on_a_composite_key() {
    // `OrderLine?ids=1,1,1,2` (two pairs): an OR of ANDs, which uses the index.
    let key = ["OrderId".to_owned(), "LineNo".to_owned()];
    let sql = statements_of(
        |backend| {
            let tuples = plan::split_ids(&key, "1,1,1,2").unwrap();
            with_keys(
                plan(backend, "OrderLine", &ReadInput::default()),
                &["OrderId", "LineNo"],
                &tuples,
                backend,
            )
        },
        &[],
    );
    assert_snapshot!("ids_on_a_composite_key", sql);
}

// ---- Writes ----

/// `json` typed for column `column` of `table` on `backend`.
fn typed(table: &str, column: &str, json: Json, backend: Backend) -> sea_query::Value {
    let t = table_of(backend, table);
    value::to_sql(t.column(column).unwrap(), &json, backend).unwrap()
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| (*c).to_owned()).collect()
}

#[test]
fn insert_several_records() {
    let columns = [
        "Name",
        "AlbumId",
        "MediaTypeId",
        "Milliseconds",
        "UnitPrice",
    ];
    let records = [
        json!(["New", 1, 1, 1000, "0.99"]),
        json!(["Other", null, 2, 2000, 1.5]),
    ];
    let text = per_backend(|backend| {
        let rows = records
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .zip(r.as_array().unwrap())
                    .map(|(c, v)| typed("Track", c, v.clone(), backend))
                    .collect()
            })
            .collect();
        let t = table_of(backend, "Track");
        sql(
            &build::insert(&t, &names(&columns), rows, &names(&["TrackId"])),
            backend,
        )
    });
    assert_snapshot!("insert_several_records", text);
}

#[test]
fn insert_into_columns_that_need_a_cast() {
    let columns = ["DeviceId", "Status", "Tags", "Price"];
    let record = [
        json!("0b5c6f4e-6d0a-4c51-9f1e-2b8f2f0c9a11"),
        json!("new"),
        json!(["a", "b"]),
        json!("19.990000000000000000000000000001"),
    ];
    let text = per_backend(|backend| {
        let row = columns
            .iter()
            .zip(&record)
            .map(|(c, v)| typed("Device", c, v.clone(), backend))
            .collect();
        let t = table_of(backend, "Device");
        sql(
            &build::insert(&t, &names(&columns), vec![row], &[]),
            backend,
        )
    });
    assert_snapshot!("insert_cast_columns", text);
}

#[test]
fn insert_a_record_of_defaults() {
    let text = per_backend(|backend| {
        sql(
            &build::insert_defaults("Artist", &names(&["ArtistId"])),
            backend,
        )
    });
    assert_snapshot!("insert_defaults", text);
}

#[test]
fn update_by_keys_and_by_filter() {
    let text = per_backend(|backend| {
        let t = table_of(backend, "Track");
        let ids = [vec![json!(1)], vec![json!("2")]];
        let by_ids = plan::key_in(&t, &names(&["TrackId"]), &ids, backend).unwrap();
        let set = vec![
            (
                "Name".to_owned(),
                typed("Track", "Name", json!("Renamed"), backend),
            ),
            (
                "UnitPrice".to_owned(),
                typed("Track", "UnitPrice", json!(1.29), backend),
            ),
            (
                "Composer".to_owned(),
                typed("Track", "Composer", Json::Null, backend),
            ),
        ];
        let d = table_of(backend, "Device");
        let by_filter = plan::filter_cond(&d, "Status = 'new' and Price < 5", backend).unwrap();
        let device_set = vec![(
            "Status".to_owned(),
            typed("Device", "Status", json!("used"), backend),
        )];
        format!(
            "{}\n{}",
            sql(&build::update(&t, set, &by_ids), backend),
            sql(&build::update(&d, device_set, &by_filter), backend)
        )
    });
    assert_snapshot!("update", text);
}

#[test]
fn delete_by_filter_and_by_composite_keys() {
    let text = per_backend(|backend| {
        let t = table_of(backend, "Track");
        let by_filter =
            plan::filter_cond(&t, "AlbumId = 5 and Milliseconds < 1000", backend).unwrap();
        let lines = table_of(backend, "OrderLine");
        let pairs = plan::split_ids(&names(&["OrderId", "LineNo"]), "1,1,1,2").unwrap();
        let by_keys =
            plan::key_in(&lines, &names(&["OrderId", "LineNo"]), &pairs, backend).unwrap();
        format!(
            "{}\n{}",
            sql(&build::delete(&t, &by_filter), backend),
            sql(&build::delete(&lines, &by_keys), backend)
        )
    });
    assert_snapshot!("delete", text);
}

#[test]
fn a_write_that_matches_nothing_says_false() {
    // `filter=AlbumId in ()`-like conditions resolve to FALSE: the statement
    // must say so rather than drop its WHERE (an empty OR once deleted tables).
    let text = per_backend(|backend| {
        let t = table_of(backend, "Track");
        sql(&build::delete(&t, &Cond::FALSE), backend)
    });
    for line in text.lines().filter(|l| l.starts_with("DELETE")) {
        assert!(line.ends_with("WHERE FALSE"), "{line}");
    }
    assert_snapshot!("delete_nothing", text);
}

#[test]
fn select_the_keys_a_write_touches() {
    let text = per_backend(|backend| {
        let t = table_of(backend, "Track");
        let cond = plan::filter_cond(&t, "GenreId = 1", backend).unwrap();
        let lines = table_of(backend, "OrderLine");
        let more = plan::filter_cond(&lines, "Quantity > 1", backend).unwrap();
        format!(
            "{}\n{}",
            sql(
                &build::select_keys(&t, &names(&["TrackId"]), &cond),
                backend
            ),
            sql(
                &build::select_keys(&lines, &names(&["OrderId", "LineNo"]), &more),
                backend
            )
        )
    });
    assert_snapshot!("select_keys", text);
}

#[test]
fn the_fixture_names_relations_as_the_server_does() {
    // The names clients send in `related=`: DreamFactory's, derived by
    // `catalog::naming` from the foreign keys (MediaType is not exposed).
    let catalog = catalog(Backend::Sqlite);
    let relations = |t: &str| -> Vec<String> {
        catalog.tables[t]
            .relations
            .iter()
            .map(|r| format!("{} ({:?})", r.name, r.kind))
            .collect()
    };
    assert_eq!(
        relations("Track"),
        [
            "Album_by_AlbumId (BelongsTo)",
            "Genre_by_GenreId (BelongsTo)",
            "OrderLine_by_TrackId (HasMany)",
            "PlaylistTrack_by_TrackId (HasMany)",
            "Playlist_by_PlaylistTrack (ManyMany)",
        ]
    );
    assert_eq!(
        relations("Playlist"),
        [
            "PlaylistTrack_by_PlaylistId (HasMany)",
            "Track_by_PlaylistTrack (ManyMany)",
        ]
    );
    assert_eq!(
        relations("OrderLine"),
        [
            "Track_by_TrackId (BelongsTo)",
            "Shipment_by_OrderId_LineNo (HasMany)",
        ]
    );
}
