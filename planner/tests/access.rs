//! The caller's access in the planning context: a role's grant decides whether
//! a table may be read or written, and its record filter narrows every read,
//! embedded rows included, and every write.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use planner::Backend;
use planner::filter;
use planner::plan::{
    self, Access, Action, Cond, Gate, Grant, PlanError, ReadInput, Verb, table_component,
};

use common::{catalog, context, filter, limits, rel};

/// A role as a table of grants; anything not listed is denied.
struct Role(HashMap<(String, Verb), Option<&'static str>>);

impl Role {
    fn new(rules: &[(&str, &[Verb], Option<&'static str>)]) -> Role {
        let mut m = HashMap::new();
        for (component, verbs, f) in rules {
            for v in *verbs {
                m.insert((component.to_string(), *v), *f);
            }
        }
        Role(m)
    }
}

impl Gate for Role {
    fn grant(&self, component: &str, verb: Verb) -> Grant {
        match self.0.get(&(component.to_string(), verb)) {
            None => Grant::Deny,
            Some(f) => Grant::Allow(f.map(|text| Arc::new(filter::parse(text).unwrap()))),
        }
    }

    fn who(&self) -> &str {
        "role 'tester'"
    }
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, PlanError>) -> String {
    match r {
        Err(PlanError::Forbidden(m)) => m,
        other => panic!("expected 403, got {other:?}"),
    }
}

#[test]
fn a_role_reads_only_what_it_may_and_only_its_rows() {
    let catalog = catalog(Backend::Sqlite);
    let role = Role::new(&[
        ("_table/Album", &[Verb::Get], Some("ArtistId = 1")),
        ("_table/Track", &[Verb::Get], None),
    ]);
    let ctx = plan::Context {
        access: Access::Role(&role),
        ..context(&catalog, limits(Backend::Sqlite))
    };
    let album = ctx.table("Album").unwrap().clone();
    let artist = ctx.table("Artist").unwrap().clone();

    // The role's filter is ANDed into the caller's own.
    let read = ctx
        .read(
            &album,
            &ReadInput {
                filter: Some(filter("Title like 'A%'")),
                ..ReadInput::default()
            },
        )
        .unwrap();
    let Some(Cond::And(parts)) = &read.filter else {
        panic!("{:?}", read.filter)
    };
    assert_eq!(parts.len(), 2);
    assert!(matches!(&parts[1], Cond::Cmp { column, .. } if column == "ArtistId"));

    // A table it may not read, by itself or embedded by name.
    let m = forbidden(ctx.read(&artist, &ReadInput::default()));
    assert!(m.contains("may not GET _table/Artist"), "{m}");
    let m = forbidden(ctx.read(
        &album,
        &ReadInput {
            related: vec![rel("Artist_by_ArtistId")],
            ..ReadInput::default()
        },
    ));
    assert!(m.contains("relation 'Artist_by_ArtistId'"), "{m}");

    // `related=*` leaves out what it may not read.
    let all = ctx
        .read(
            &album,
            &ReadInput {
                related_all: true,
                ..ReadInput::default()
            },
        )
        .unwrap();
    let names: Vec<&str> = all
        .related
        .iter()
        .map(|r| r.relation.ref_table.as_str())
        .collect();
    assert!(!names.contains(&"Artist"), "{names:?}");
    assert!(names.contains(&"Track"), "{names:?}");

    // Listing follows the same grants.
    let readable: Vec<&str> = ctx.readable_tables().map(|t| t.name.as_str()).collect();
    assert_eq!(readable, ["Album", "Track"]);
    assert_eq!(ctx.described_tables().count(), 0);
    forbidden(ctx.describe("Album"));
}

#[test]
fn an_embedded_table_gets_its_own_rule_s_filter() {
    let catalog = catalog(Backend::Sqlite);
    let role = Role::new(&[
        ("_table/Artist", &[Verb::Get], None),
        ("_table/Album", &[Verb::Get], Some("AlbumId < 10")),
    ]);
    let ctx = plan::Context {
        access: Access::Role(&role),
        ..context(&catalog, limits(Backend::Sqlite))
    };
    let artist = ctx.table("Artist").unwrap().clone();
    let read = ctx
        .read(
            &artist,
            &ReadInput {
                related: vec![rel("Album_by_ArtistId")],
                ..ReadInput::default()
            },
        )
        .unwrap();
    assert_eq!(read.filter, None);
    assert!(
        matches!(&read.related[0].plan.filter, Some(Cond::Cmp { column, .. }) if column == "AlbumId"),
        "{:?}",
        read.related[0].plan.filter
    );
}

#[test]
fn a_filter_that_does_not_fit_the_table_denies_it() {
    let catalog = catalog(Backend::Sqlite);
    let role = Role::new(&[("_table/Artist", &[Verb::Get], Some("OwnerId = 7"))]);
    let ctx = plan::Context {
        access: Access::Role(&role),
        ..context(&catalog, limits(Backend::Sqlite))
    };
    let artist = ctx.table("Artist").unwrap().clone();
    let m = forbidden(ctx.read(&artist, &ReadInput::default()));
    assert!(m.contains("does not fit") && m.contains("OwnerId"), "{m}");
}

#[test]
fn writes_need_their_verb_and_are_narrowed_and_guarded_by_the_filter() {
    let catalog = catalog(Backend::Sqlite);
    let role = Role::new(&[(
        "_table/Album",
        &[Verb::Get, Verb::Patch, Verb::Delete],
        Some("ArtistId = 1"),
    )]);
    let ctx = plan::Context {
        access: Access::Role(&role),
        ..context(&catalog, limits(Backend::Sqlite))
    };
    let album = ctx.table("Album").unwrap().clone();
    let key = vec!["AlbumId".to_string()];
    let none = || Action::Records {
        ops: vec![],
        keep_good: false,
    };

    let m = forbidden(ctx.write(&album, key.clone(), none(), vec![], Verb::Post));
    assert!(
        m.contains("may not POST") && m.contains(&table_component("Album")),
        "{m}"
    );

    let asked = plan::filter_cond(&album, "Title = 'x'", Backend::Sqlite).unwrap();
    let w = ctx
        .write(
            &album,
            key.clone(),
            Action::DeleteMatching {
                filter: asked.clone(),
            },
            vec![],
            Verb::Delete,
        )
        .unwrap();
    let guard = w.guard.clone().unwrap();
    assert_eq!(
        w.action,
        Action::DeleteMatching {
            filter: Cond::all([asked, guard.cond.clone()])
        }
    );
    assert!(guard.refusal.contains("record filter"), "{}", guard.refusal);

    // An admin's plan has no guard and is not narrowed.
    let admin = context(&catalog, limits(Backend::Sqlite));
    let w = admin
        .write(&album, key, none(), vec![], Verb::Post)
        .unwrap();
    assert_eq!(w.guard, None);
}
