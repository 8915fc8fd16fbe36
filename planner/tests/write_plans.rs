//! Write plans and the planning context: what a write may do is decided here,
//! before anything runs.

#![allow(clippy::unwrap_used)]

mod common;

use planner::Backend;
use planner::plan::{self, Action, Op, PlanError, ReadInput, RecordError};
use planner::sql;
use sea_query::Value;
use serde_json::{Map, Value as Json, json};

use common::{catalog, context, limits, table_of};

fn record(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn a_read_only_service_refuses_every_write_and_still_plans_reads() {
    let catalog = catalog(Backend::Sqlite);
    let ctx = plan::Context {
        read_only: true,
        ..context(&catalog, limits(Backend::Sqlite))
    };
    let artist = ctx.table("Artist").unwrap().clone();
    let refused = ctx.write(
        &artist,
        vec!["ArtistId".into()],
        Action::DeleteMatching {
            filter: plan::Cond::TRUE,
        },
        vec![],
        plan::Verb::Delete,
    );
    assert!(
        matches!(&refused, Err(PlanError::Forbidden(m)) if m == "Service 'chinook' is read-only."),
        "{refused:?}"
    );
    assert!(ctx.read(&artist, &ReadInput::default()).is_ok());
}

#[test]
fn a_write_plan_keeps_what_it_was_given() {
    let catalog = catalog(Backend::Postgres);
    let ctx = context(&catalog, limits(Backend::Postgres));
    let artist = ctx.table("Artist").unwrap().clone();
    let read = ctx.read(&artist, &ReadInput::default()).unwrap();
    let filter = plan::filter_cond(&artist, "Name like 'A%'", Backend::Postgres).unwrap();
    let plan = ctx
        .write(
            &artist,
            vec!["ArtistId".into()],
            Action::DeleteMatching {
                filter: filter.clone(),
            },
            vec![read.clone()],
            plan::Verb::Delete,
        )
        .unwrap();
    assert_eq!(plan.key, vec!["ArtistId".to_string()]);
    assert_eq!(plan.action, Action::DeleteMatching { filter });
    assert_eq!(plan.read_back, vec![read]);
    // Deleted rows are read back before they go.
    assert!(plan.action.deletes());
    assert!(
        !Action::UpdateMatching {
            filter: plan::Cond::TRUE,
            set: vec![]
        }
        .deletes()
    );
}

#[test]
fn keys_are_typed_and_answered_as_a_read_would() {
    let artist = table_of(Backend::Sqlite, "Artist");
    let key = vec!["ArtistId".to_string()];
    // A URL's "5" is the integer 5, in the statement and in the answer.
    let (vals, json) = plan::id_key(&artist, &key, "5", Backend::Sqlite).unwrap();
    assert_eq!(vals, vec![Value::BigInt(Some(5))]);
    assert_eq!(Json::Object(json), json!({ "ArtistId": 5 }));
    assert!(plan::id_key(&artist, &key, "five", Backend::Sqlite).is_err());

    // A composite key takes one value per column, separated by commas.
    let line = table_of(Backend::Sqlite, "OrderLine");
    let key = vec!["OrderId".to_string(), "LineNo".to_string()];
    let (_, json) = plan::id_key(&line, &key, "7,2", Backend::Sqlite).unwrap();
    assert_eq!(Json::Object(json), json!({ "OrderId": 7, "LineNo": 2 }));
    assert!(plan::id_key(&line, &key, "7", Backend::Sqlite).is_err());

    // A record without its whole key has none.
    let rec = record(json!({ "OrderId": 7 }));
    assert_eq!(
        plan::record_key(&line, &key, &rec, Backend::Sqlite).unwrap(),
        None
    );
}

#[test]
fn a_row_keeps_its_place_after_an_update_that_changes_its_key() {
    let line = table_of(Backend::Sqlite, "OrderLine");
    let old = record(json!({ "OrderId": 7, "LineNo": 2 }));
    let set = vec![
        ("LineNo".to_string(), Value::BigInt(Some(9))),
        ("Quantity".to_string(), Value::BigInt(Some(1))),
    ];
    assert_eq!(
        Json::Object(plan::key_after(&line, &old, &set)),
        json!({ "OrderId": 7, "LineNo": 9 })
    );
    // A SET without key fields leaves the key as it was.
    assert_eq!(plan::key_after(&line, &old, &set[1..].to_vec()), old);
}

#[test]
fn put_sets_every_missing_nullable_field_to_null_and_patch_only_the_given_ones() {
    let track = table_of(Backend::Postgres, "Track");
    let key = vec!["TrackId".to_string()];
    let rec =
        record(json!({ "Name": "x", "MediaTypeId": 1, "Milliseconds": 1, "UnitPrice": 0.99 }));
    let patch = plan::set_list(&track, &key, &rec, false, Backend::Postgres).unwrap();
    assert_eq!(patch.len(), 4);
    let put = plan::set_list(&track, &key, &rec, true, Backend::Postgres).unwrap();
    let album = put.iter().find(|(c, _)| c == "AlbumId");
    assert_eq!(
        album,
        Some(&("AlbumId".to_string(), Value::BigInt(None))),
        "{put:?}"
    );
    assert!(!put.iter().any(|(c, _)| c == "TrackId"), "a key is not SET");

    // A PUT that leaves out a required field changes nothing.
    let missing = plan::set_list(
        &track,
        &key,
        &record(json!({ "Name": "x" })),
        true,
        Backend::Postgres,
    );
    assert!(
        matches!(&missing, Err(RecordError::Invalid(m)) if m.contains("required field(s)")),
        "{missing:?}"
    );
    // A record that names nothing to change is refused, not run as a no-op.
    assert!(plan::set_list(&track, &key, &Map::new(), false, Backend::Postgres).is_err());
    // A typo is refused, never dropped.
    let typo = plan::typed_fields(&track, &record(json!({ "Nmae": "x" })), Backend::Postgres);
    assert!(
        matches!(&typo, Err(RecordError::Invalid(m)) if m.starts_with("Unknown field 'Nmae'")),
        "{typo:?}"
    );
}

#[test]
fn insert_ops_carry_typed_values_and_the_given_key() {
    let artist = table_of(Backend::MySql, "Artist");
    let key = vec!["ArtistId".to_string()];
    let rec = record(json!({ "ArtistId": "12", "Name": "N" }));
    let op = Op::Insert {
        set: plan::typed_fields(&artist, &rec, Backend::MySql).unwrap(),
        given_key: plan::record_key(&artist, &key, &rec, Backend::MySql)
            .unwrap()
            .map(|(_, j)| j),
    };
    let Op::Insert { set, given_key } = op else {
        unreachable!()
    };
    assert_eq!(set[0], ("ArtistId".to_string(), Value::BigInt(Some(12))));
    assert_eq!(given_key.map(Json::Object), Some(json!({ "ArtistId": 12 })));
}

#[test]
fn the_rows_a_write_by_condition_matches_are_locked_where_rows_can_be() {
    let text = |backend| {
        let artist = table_of(backend, "Artist");
        let filter = plan::filter_cond(&artist, "Name like 'A%'", backend).unwrap();
        common::sql(
            &sql::lock_keys(&artist, &["ArtistId".to_string()], &filter),
            backend,
        )
    };
    assert!(text(Backend::Postgres).contains("FOR UPDATE"));
    assert!(text(Backend::MySql).contains("FOR UPDATE"));
    // SQLite has one writer: a transaction that read and then writes after
    // another writer committed is refused (busy), never run on stale rows.
    assert!(!text(Backend::Sqlite).contains("FOR UPDATE"));
}

#[test]
fn text_past_its_declared_length_is_refused_on_every_backend() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let artist = table_of(backend, "Artist");
        let fits = record(json!({ "Name": "é".repeat(120) }));
        assert!(plan::typed_fields(&artist, &fits, backend).is_ok());
        let long = record(json!({ "Name": "é".repeat(121) }));
        let refused = plan::typed_fields(&artist, &long, backend);
        assert!(
            matches!(&refused, Err(RecordError::Invalid(m))
                if m.contains("'Name' holds at most 120 characters") && m.contains("got 121")),
            "{backend:?}: {refused:?}"
        );
    }
}
