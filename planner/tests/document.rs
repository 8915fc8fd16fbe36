//! The read document as a state machine, driven without a database: each test
//! asks a [`ReadDoc`] for its statements, answers them with hand-made rows (a
//! relation's rows carry the parent key `__k0…` after their own columns, and a
//! limited relation's its row number `__rn` after that, as `sql::related_select`
//! selects them) and checks what it asked for and what it rendered.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use common::{JsonRow, asc, bound, drive, fields, filter, plan, plan_with, reads, rel, rendered};
use planner::Backend;
use planner::catalog::JsonType;
use planner::document::{self, Exceeded, KEY_VALUES_PER_STATEMENT, ReadDoc};
use planner::plan::{AggFunc, Budget, FieldInput, Limits, OrderInput, ReadInput, ShapeItem};
use planner::sql as build;
use sea_query::{SelectStatement, Value};
use serde_json::{Value as Json, json};

const SQLITE: Backend = Backend::Sqlite;

fn ints(values: &[i64]) -> Vec<Value> {
    values.iter().map(|v| Value::BigInt(Some(*v))).collect()
}

/// Limits with this budget (and room for many parents).
fn budget(rows: u64, bytes: u64) -> Limits {
    Limits {
        budget: Budget { rows, bytes },
        max_records: 100_000,
        ..common::limits(SQLITE)
    }
}

/// Album → Artist (to-one), Album → Track (to-many, fields TrackId and Name)
/// → Genre (to-one). Track's GenreId is selected for the join but not written.
fn albums_artists_tracks_genres() -> ReadInput {
    ReadInput {
        related: vec![
            rel("Artist_by_ArtistId"),
            (
                "Track_by_AlbumId".into(),
                ReadInput {
                    fields: fields(&["TrackId", "Name"]),
                    related: vec![rel("Genre_by_GenreId")],
                    ..ReadInput::default()
                },
            ),
        ],
        ..ReadInput::default()
    }
}

#[test]
fn a_read_without_relations_is_one_statement() {
    let plan = plan(
        SQLITE,
        "Track",
        &ReadInput {
            fields: fields(&["TrackId", "Name"]),
            filter: Some(filter("GenreId = 1")),
            ..ReadInput::default()
        },
    );
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |_, _| vec![row![1, "A"], row![2, "B \"quoted\""]]);
    assert_eq!(statements.len(), 1);
    assert_eq!(reads(&statements[0]), "Track");
    // Asked again once done, it still has nothing to run.
    assert!(doc.next_statement().is_none());
    // Written as they came, keys in `fields=` order, strings escaped.
    assert_eq!(
        String::from_utf8(doc.render().unwrap()).unwrap(),
        r#"[{"TrackId":1,"Name":"A"},{"TrackId":2,"Name":"B \"quoted\""}]"#
    );
}

#[test]
fn one_statement_per_relation_depth_first_in_plan_order() {
    let plan = plan(SQLITE, "Album", &albums_artists_tracks_genres());
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, _| match i {
        // Album: AlbumId, Title, ArtistId. Two albums share artist 1.
        0 => vec![row![1, "A", 1], row![2, "B", 1], row![3, "C", 2]],
        // Artist: ArtistId, Name, __k0.
        1 => vec![row![1, "AC/DC", 1], row![2, "Accept", 2]],
        // Track: TrackId, Name, GenreId (for the join), __k0 = AlbumId.
        2 => vec![
            row![10, "T10", 1, 1],
            row![11, "T11", 2, 1],
            row![12, "T12", 1, 3],
        ],
        // Genre: GenreId, Name, __k0.
        3 => vec![row![1, "Rock", 1], row![2, "Jazz", 2]],
        _ => panic!("statement {i} was not expected"),
    });
    // 1 + R: the read, then each relation node once, depth first.
    let tables: Vec<String> = statements.iter().map(reads).collect();
    assert_eq!(tables, ["Album", "Artist", "Track", "Genre"]);
    // Each distinct parent key once, in the order the parents came.
    assert_eq!(bound(&statements[1]), ints(&[1, 2]));
    assert_eq!(bound(&statements[2]), ints(&[1, 2, 3]));
    assert_eq!(bound(&statements[3]), ints(&[1, 2]));

    let rock = json!({"GenreId": 1, "Name": "Rock"});
    let jazz = json!({"GenreId": 2, "Name": "Jazz"});
    assert_eq!(
        rendered(&doc),
        json!([
            {
                "AlbumId": 1, "Title": "A", "ArtistId": 1,
                "Artist_by_ArtistId": {"ArtistId": 1, "Name": "AC/DC"},
                "Track_by_AlbumId": [
                    {"TrackId": 10, "Name": "T10", "Genre_by_GenreId": rock},
                    {"TrackId": 11, "Name": "T11", "Genre_by_GenreId": jazz},
                ],
            },
            {
                "AlbumId": 2, "Title": "B", "ArtistId": 1,
                "Artist_by_ArtistId": {"ArtistId": 1, "Name": "AC/DC"},
                "Track_by_AlbumId": [],
            },
            {
                "AlbumId": 3, "Title": "C", "ArtistId": 2,
                "Artist_by_ArtistId": {"ArtistId": 2, "Name": "Accept"},
                "Track_by_AlbumId": [{"TrackId": 12, "Name": "T12", "Genre_by_GenreId": rock}],
            },
        ])
    );
}

#[test]
fn many_many_rows_nest_under_every_parent_they_belong_to() {
    let input = ReadInput {
        related: vec![(
            "Track_by_PlaylistTrack".into(),
            ReadInput {
                fields: fields(&["TrackId", "Name"]),
                ..ReadInput::default()
            },
        )],
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Playlist", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, _| match i {
        0 => vec![row![1, "Music"], row![5, "90s"], row![8, "Empty"]],
        // Track: TrackId, Name, __k0 = PlaylistTrack.PlaylistId. Track 1 is
        // on two playlists: the join answers it once for each.
        _ => vec![row![1, "One", 1], row![2, "Two", 1], row![1, "One", 5]],
    });
    assert_eq!(statements.len(), 2);
    let text = statements[1].to_string(sea_query::SqliteQueryBuilder);
    assert!(text.contains(r#"INNER JOIN "PlaylistTrack""#), "{text}");
    assert_eq!(bound(&statements[1]), ints(&[1, 5, 8]));
    let one = json!({"TrackId": 1, "Name": "One"});
    assert_eq!(
        rendered(&doc),
        json!([
            {"PlaylistId": 1, "Name": "Music", "Track_by_PlaylistTrack": [one, {"TrackId": 2, "Name": "Two"}]},
            {"PlaylistId": 5, "Name": "90s", "Track_by_PlaylistTrack": [one]},
            {"PlaylistId": 8, "Name": "Empty", "Track_by_PlaylistTrack": []},
        ])
    );
}

#[test]
fn a_missing_to_one_is_null_and_a_missing_to_many_is_empty() {
    let input = ReadInput {
        fields: fields(&["TrackId"]),
        related: vec![rel("Album_by_AlbumId"), rel("PlaylistTrack_by_TrackId")],
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Track", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, _| match i {
        // Track: TrackId, AlbumId (for the join). Track 2 has no album; track
        // 3's album 99 does not answer.
        0 => vec![row![1, 1], row![2, null], row![3, 99]],
        // Album: AlbumId, Title, ArtistId, __k0.
        1 => vec![row![1, "A", 1, 1]],
        // PlaylistTrack: PlaylistId, TrackId, __k0 = TrackId.
        _ => vec![row![7, 1, 1]],
    });
    assert_eq!(statements.len(), 3);
    // A NULL key asks for nothing.
    assert_eq!(bound(&statements[1]), ints(&[1, 99]));
    assert_eq!(
        rendered(&doc),
        json!([
            {
                "TrackId": 1,
                "Album_by_AlbumId": {"AlbumId": 1, "Title": "A", "ArtistId": 1},
                "PlaylistTrack_by_TrackId": [{"PlaylistId": 7, "TrackId": 1}],
            },
            {"TrackId": 2, "Album_by_AlbumId": null, "PlaylistTrack_by_TrackId": []},
            {"TrackId": 3, "Album_by_AlbumId": null, "PlaylistTrack_by_TrackId": []},
        ])
    );
}

#[test]
fn a_relation_no_parent_has_a_key_for_runs_no_statement() {
    let input = ReadInput {
        fields: fields(&["TrackId"]),
        related: vec![rel("Album_by_AlbumId")],
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Track", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    // NULL keys, and a key that cannot be an integer (a value whose stored
    // type is not the declared one): neither can match an album.
    let statements = drive(&mut doc, |_, _| vec![row![1, null], row![2, "abc"]]);
    assert_eq!(statements.len(), 1);
    assert_eq!(
        rendered(&doc),
        json!([
            {"TrackId": 1, "Album_by_AlbumId": null},
            {"TrackId": 2, "Album_by_AlbumId": null},
        ])
    );
}

#[test]
fn no_rows_no_relation_statements() {
    let plan = plan(SQLITE, "Album", &albums_artists_tracks_genres());
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |_, _| vec![]);
    assert_eq!(statements.len(), 1);
    assert_eq!(doc.render().unwrap(), b"[]");
    assert_eq!(document::first_record(&doc.render().unwrap()), None);
}

#[test]
fn rows_pushed_before_any_statement_are_ignored() {
    let plan = plan(SQLITE, "Artist", &ReadInput::default());
    let mut doc = ReadDoc::new(&plan, SQLITE);
    doc.push_row(&JsonRow(row![1, "stray"]));
    let statements = drive(&mut doc, |_, _| vec![row![2, "Accept"]]);
    assert_eq!(statements.len(), 1);
    assert_eq!(rendered(&doc), json!([{"ArtistId": 2, "Name": "Accept"}]));
}

#[test]
fn a_per_parent_limit_is_the_statement_s_and_rows_keep_its_order() {
    let input = ReadInput {
        related: vec![(
            "Album_by_ArtistId".into(),
            ReadInput {
                fields: fields(&["Title"]),
                order: vec![OrderInput {
                    column: "Title".into(),
                    desc: true,
                    nulls_first: None,
                }],
                limit: Some(2),
                ..ReadInput::default()
            },
        )],
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Artist", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, _| match i {
        0 => vec![row![1, "AC/DC"], row![2, "Accept"]],
        // Album: Title, __k0, __rn, in row-number order across parents.
        _ => vec![
            row!["Z", 1, 1],
            row!["M", 2, 1],
            row!["B", 1, 2],
            row!["A", 2, 2],
        ],
    });
    assert_eq!(statements.len(), 2);
    let text = statements[1].to_string(sea_query::SqliteQueryBuilder);
    assert!(text.contains("ROW_NUMBER() OVER ( PARTITION BY"), "{text}");
    assert!(
        text.ends_with(r#"WHERE "r"."__rn" <= 2 ORDER BY "r"."__rn" ASC"#),
        "{text}"
    );
    assert_eq!(
        rendered(&doc),
        json!([
            {"ArtistId": 1, "Name": "AC/DC", "Album_by_ArtistId": [{"Title": "Z"}, {"Title": "B"}]},
            {"ArtistId": 2, "Name": "Accept", "Album_by_ArtistId": [{"Title": "M"}, {"Title": "A"}]},
        ])
    );
}

#[test]
fn too_many_rows_stop_loading_before_the_relations() {
    let plan = plan_with(
        budget(3, u64::MAX),
        "Album",
        &albums_artists_tracks_genres(),
    );
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |_, _| {
        (1..=4).map(|i| row![i, "A", 1]).collect::<Vec<_>>()
    });
    // The fourth album passed the budget: no relation is asked for.
    assert_eq!(statements.len(), 1);
    let err = doc.render().unwrap_err();
    assert_eq!(err, Exceeded::Rows(3));
    assert!(err.to_string().contains("max_response_rows"), "{err}");
}

#[test]
fn related_rows_count_towards_the_row_budget() {
    // 2 albums + 3 tracks > 4: loading stops in the tracks, before genres.
    let plan = plan_with(
        budget(4, u64::MAX),
        "Album",
        &albums_artists_tracks_genres(),
    );
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, _| match i {
        0 => vec![row![1, "A", 1], row![2, "B", 1]],
        1 => vec![],
        _ => vec![
            row![10, "T10", 1, 1],
            row![11, "T11", 1, 1],
            row![12, "T12", 1, 2],
        ],
    });
    let tables: Vec<String> = statements.iter().map(reads).collect();
    assert_eq!(tables, ["Album", "Artist", "Track"]);
    assert_eq!(doc.render().unwrap_err(), Exceeded::Rows(4));
}

#[test]
fn a_row_embedded_under_several_parents_counts_once_for_each() {
    // Three tracks of one album: 4 rows loaded, 6 written.
    let input = ReadInput {
        fields: fields(&["TrackId"]),
        related: vec![rel("Album_by_AlbumId")],
        ..ReadInput::default()
    };
    let run = |rows| {
        let plan = plan_with(budget(rows, u64::MAX), "Track", &input);
        let mut doc = ReadDoc::new(&plan, SQLITE);
        let statements = drive(&mut doc, |i, _| match i {
            0 => vec![row![1, 7], row![2, 7], row![3, 7]],
            _ => vec![row![7, "Seven", 1, 7]],
        });
        assert_eq!(statements.len(), 2, "loading stays within {rows} rows");
        doc.render()
    };
    assert_eq!(run(5).unwrap_err(), Exceeded::Rows(5));
    let six: Json = serde_json::from_slice(&run(6).unwrap()).unwrap();
    assert_eq!(six.as_array().map(Vec::len), Some(3));
}

#[test]
fn the_byte_budget_stops_loading_and_rendering() {
    let input = ReadInput {
        related: vec![rel("Album_by_ArtistId")],
        ..ReadInput::default()
    };
    let answers = |i: usize, _: &SelectStatement| match i {
        0 => vec![row![1, ("x".repeat(100))], row![2, ("y".repeat(100))]],
        _ => vec![row![1, ("z".repeat(100)), 1, 1]],
    };
    let unlimited = plan_with(budget(u64::MAX, u64::MAX), "Artist", &input);
    let mut doc = ReadDoc::new(&unlimited, SQLITE);
    drive(&mut doc, answers);
    let size = doc.render().unwrap().len() as u64;

    // The size is measured before rendering, never below what is written and
    // a few bytes (separators) above it at most.
    let plan = plan_with(budget(u64::MAX, size + 16), "Artist", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    drive(&mut doc, answers);
    assert_eq!(doc.render().unwrap().len() as u64, size);
    let plan = plan_with(budget(u64::MAX, size - 1), "Artist", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    assert_eq!(drive(&mut doc, answers).len(), 2);
    assert_eq!(doc.render().unwrap_err(), Exceeded::Bytes(size - 1));

    // Past it while loading the parents: the relation is never asked for.
    let plan = plan_with(budget(u64::MAX, 150), "Artist", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    assert_eq!(drive(&mut doc, answers).len(), 1);
    let err = doc.render().unwrap_err();
    assert_eq!(err, Exceeded::Bytes(150));
    assert!(err.to_string().contains("max_response_bytes"), "{err}");
}

#[test]
fn include_count_is_a_statement_of_its_own_without_limit_or_offset() {
    let input = ReadInput {
        filter: Some(filter("GenreId = 1")),
        limit: Some(5),
        offset: Some(10),
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Track", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let read = doc.next_statement().unwrap();
    // The read binds the filter, the limit and the offset; the count only the
    // filter.
    assert_eq!(
        bound(&read),
        [
            Value::BigInt(Some(1)),
            Value::BigUnsigned(Some(5)),
            Value::BigUnsigned(Some(10))
        ]
    );
    let count = build::count(&plan);
    assert_eq!(bound(&count), ints(&[1]));
    assert_eq!(
        count.to_string(sea_query::SqliteQueryBuilder),
        r#"SELECT COUNT(*) FROM "Track" WHERE "Track"."GenreId" = 1"#
    );
}

#[test]
fn first_record_is_the_one_row_of_a_read_by_id() {
    let input = ReadInput {
        fields: fields(&["ArtistId"]),
        limit: Some(1),
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Artist", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    drive(&mut doc, |_, _| vec![row![42]]);
    let rows = doc.render().unwrap();
    assert_eq!(
        document::first_record(&rows),
        Some(&br#"{"ArtistId":42}"#[..])
    );
    assert_eq!(document::first_record(b"[]"), None);
    assert_eq!(document::first_record(b""), None);
}

#[test]
fn grouped_rows_are_named_by_their_outputs() {
    let agg = |func, column: Option<&str>| FieldInput::Aggregate {
        func,
        column: column.map(str::to_owned),
    };
    let input = ReadInput {
        fields: Some(vec![
            FieldInput::Column("GenreId".into()),
            agg(AggFunc::Count, None),
            agg(AggFunc::Sum, Some("Milliseconds")),
            agg(AggFunc::Avg, Some("Milliseconds")),
            agg(AggFunc::Max, Some("Name")),
            agg(AggFunc::Sum, Some("UnitPrice")),
        ]),
        group: vec!["GenreId".into()],
        order: vec![asc("GenreId")],
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Track", &input);
    // What each select expression is decoded as: a count is an integer, an
    // average a float, a sum of integers an integer, of decimals a float.
    assert_eq!(
        document::select_types(&plan),
        [
            JsonType::Integer,
            JsonType::Integer,
            JsonType::Integer,
            JsonType::Float,
            JsonType::String,
            JsonType::Float,
        ]
    );
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |_, _| {
        vec![
            row![1, 2, 500, 250.0, "Z", 1.98],
            row![null, 1, 100, 100.0, "A", 0.99],
        ]
    });
    assert_eq!(statements.len(), 1);
    assert_eq!(
        String::from_utf8(doc.render().unwrap()).unwrap(),
        concat!(
            r#"[{"GenreId":1,"COUNT(*)":2,"SUM(Milliseconds)":500,"AVG(Milliseconds)":250.0,"MAX(Name)":"Z","SUM(UnitPrice)":1.98},"#,
            r#"{"GenreId":null,"COUNT(*)":1,"SUM(Milliseconds)":100,"AVG(Milliseconds)":100.0,"MAX(Name)":"A","SUM(UnitPrice)":0.99}]"#
        )
    );
}

#[test]
fn a_shaped_row_follows_its_selection() {
    // GraphQL: `Album { __typename id: AlbumId title: Title again: AlbumId
    // artist: Artist_by_ArtistId { name: Name } }`.
    let output = |key: &str, index| ShapeItem::Output {
        key: key.into(),
        index,
    };
    let input = ReadInput {
        fields: fields(&["AlbumId", "Title"]),
        related: vec![(
            "Artist_by_ArtistId".into(),
            ReadInput {
                fields: fields(&["Name"]),
                shape: Some(vec![output("name", 0)]),
                ..ReadInput::default()
            },
        )],
        shape: Some(vec![
            ShapeItem::Text {
                key: "__typename".into(),
                value: "Album".into(),
            },
            output("id", 0),
            output("title", 1),
            output("again", 0),
            ShapeItem::Related {
                key: "artist".into(),
                index: 0,
            },
        ]),
        ..ReadInput::default()
    };
    let plan = plan(SQLITE, "Album", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, _| match i {
        // Album: AlbumId, Title, ArtistId (for the join).
        0 => vec![row![1, "A", 1], row![2, "B", 3]],
        // Artist: Name, __k0.
        _ => vec![row!["AC/DC", 1]],
    });
    assert_eq!(statements.len(), 2);
    assert_eq!(
        String::from_utf8(doc.render().unwrap()).unwrap(),
        concat!(
            r#"[{"__typename":"Album","id":1,"title":"A","again":1,"artist":{"name":"AC/DC"}},"#,
            r#"{"__typename":"Album","id":2,"title":"B","again":2,"artist":null}]"#
        )
    );
}

#[test]
fn parent_keys_past_the_in_list_limit_take_more_statements() {
    let parents = KEY_VALUES_PER_STATEMENT as i64 + 1;
    let input = ReadInput {
        fields: fields(&["AlbumId"]),
        related: vec![(
            "Track_by_AlbumId".into(),
            ReadInput {
                fields: fields(&["TrackId"]),
                ..ReadInput::default()
            },
        )],
        ..ReadInput::default()
    };
    let plan = plan_with(budget(u64::MAX, u64::MAX), "Album", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let statements = drive(&mut doc, |i, stmt| match i {
        0 => (1..=parents).map(|a| row![a]).collect(),
        // One track per album asked for: TrackId, __k0.
        _ => bound(stmt)
            .into_iter()
            .map(|v| match v {
                Value::BigInt(Some(a)) => row![(a * 10), a],
                other => panic!("a key bound as {other:?}"),
            })
            .collect(),
    });
    let sizes: Vec<usize> = statements.iter().map(|s| bound(s).len()).collect();
    // The root binds its limit; each batch of the relation its keys.
    assert_eq!(sizes, [1, KEY_VALUES_PER_STATEMENT, 1]);
    let rows = rendered(&doc);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), parents as usize);
    // Rows of both batches found their parents.
    assert_eq!(
        rows[0],
        json!({"AlbumId": 1, "Track_by_AlbumId": [{"TrackId": 10}]})
    );
    assert_eq!(
        rows[parents as usize - 1],
        json!({"AlbumId": parents, "Track_by_AlbumId": [{"TrackId": parents * 10}]})
    );
}

#[test]
fn composite_parent_keys_split_by_their_number_of_values() {
    // Two values per key: 5,000 keys fill a statement.
    let per_statement = KEY_VALUES_PER_STATEMENT / 2;
    let input = ReadInput {
        fields: fields(&["OrderId", "LineNo"]),
        related: vec![(
            "Shipment_by_OrderId_LineNo".into(),
            ReadInput {
                fields: fields(&["ShipmentId"]),
                ..ReadInput::default()
            },
        )],
        ..ReadInput::default()
    };
    let plan = plan_with(budget(u64::MAX, u64::MAX), "OrderLine", &input);
    let mut doc = ReadDoc::new(&plan, SQLITE);
    let lines = per_statement as i64 + 1;
    let statements = drive(&mut doc, |i, stmt| match i {
        // OrderLine: OrderId, LineNo; order n has line n % 3.
        0 => (1..=lines).map(|n| row![n, (n % 3)]).collect(),
        // Shipment: ShipmentId, __k0, __k1; one per line asked for.
        _ => bound(stmt)
            .chunks(2)
            .map(|pair| match pair {
                [Value::BigInt(Some(o)), Value::BigInt(Some(l))] => row![(o * 100 + l), o, l],
                other => panic!("a key bound as {other:?}"),
            })
            .collect(),
    });
    let sizes: Vec<usize> = statements.iter().map(|s| bound(s).len()).collect();
    assert_eq!(sizes, [1, KEY_VALUES_PER_STATEMENT, 2]);
    let rows = rendered(&doc);
    let last = &rows.as_array().unwrap()[lines as usize - 1];
    assert_eq!(
        *last,
        json!({
            "OrderId": lines,
            "LineNo": lines % 3,
            "Shipment_by_OrderId_LineNo": [{"ShipmentId": lines * 100 + lines % 3}],
        })
    );
}
