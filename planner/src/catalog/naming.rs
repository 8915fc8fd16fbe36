//! DreamFactory's relation names, derived from foreign keys.
//!
//! Clients written against DreamFactory pass these names in `related=`, so they
//! must be spelled exactly as DreamFactory spells them:
//!
//! - **belongs_to** `{RefTable}_by_{FkColumn}`: the table holds a foreign key
//!   (Album → `Artist_by_ArtistId`).
//! - **has_many** `{ChildTable}_by_{ChildFkColumn}`: another table's foreign key
//!   points here (Album → `Track_by_AlbumId`).
//! - **many_many** `{FarTable}_by_{JunctionTable}`: through a junction table
//!   (Track → `Playlist_by_PlaylistTrack`, Playlist → `Track_by_PlaylistTrack`).
//!
//! A composite foreign key joins its column names with `_` in the name
//! (`Line_by_OrderId_LineNo`).
//!
//! **Junction rule.** A table is a junction when it has exactly two foreign keys
//! (to tables in the catalog), they point at two tables (which may be the same
//! table), and every column of both keys is part of its primary key. Chinook's
//! PlaylistTrack (key `(PlaylistId, TrackId)`) qualifies; InvoiceLine, with its
//! own `InvoiceLineId` key, does not. A junction is still an ordinary table: it
//! gets its belongs_to relations and its referenced tables get a has_many to it
//! (`PlaylistTrack_by_TrackId` on Track).
//!
//! **Collisions.** A self-reference produces the same name twice: Employee's
//! `ReportsTo → Employee` is both belongs_to and has_many
//! `Employee_by_ReportsTo`. Names are claimed in the order belongs_to, has_many,
//! many_many; a later relation whose name is taken gets a suffix naming its kind,
//! `_has_many` or `_many_many` (`Employee_by_ReportsTo_has_many`), and if that is
//! taken too, a counter (`_2`, `_3`, …). Within a kind, relations claim names in
//! order of their unsuffixed name, then their columns, so the result does not
//! depend on the order of tables or keys.
//!
//! Foreign keys to tables that are not in the list (not exposed, or in another
//! schema) produce no relation and do not count towards the junction rule.

use std::collections::{BTreeSet, HashSet};

use super::{ForeignKey, Junction, Relation, RelationKind, Table};

/// Derives `relations` for every table from the foreign keys of all tables.
/// Existing `relations` are replaced, so deriving twice gives the same result.
pub fn derive_relations(tables: Vec<Table>) -> Vec<Table> {
    let names: HashSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();

    // Keys that count: those whose target is in the catalog, each once.
    let keys: Vec<(&str, Vec<&ForeignKey>)> = tables
        .iter()
        .map(|t| {
            let mut seen = HashSet::new();
            let fks = t
                .foreign_keys
                .iter()
                .filter(|fk| names.contains(fk.ref_table.as_str()))
                .filter(|fk| seen.insert((&fk.columns, &fk.ref_table, &fk.ref_columns)))
                .collect();
            (t.name.as_str(), fks)
        })
        .collect();

    let junctions: Vec<(&str, &ForeignKey, &ForeignKey)> = tables
        .iter()
        .zip(&keys)
        .filter_map(|(table, (name, fks))| match fks.as_slice() {
            [a, b] if is_junction(table, a, b) => Some((*name, *a, *b)),
            _ => None,
        })
        .collect();

    let mut derived: Vec<Vec<Relation>> = Vec::with_capacity(tables.len());
    for table in &tables {
        let mut belongs_to = Vec::new();
        let mut has_many = Vec::new();
        let mut many_many = Vec::new();

        for (owner, fks) in &keys {
            for fk in fks {
                if *owner == table.name {
                    belongs_to.push(Relation {
                        name: format!("{}_by_{}", fk.ref_table, fk.columns.join("_")),
                        kind: RelationKind::BelongsTo,
                        columns: fk.columns.clone(),
                        ref_table: fk.ref_table.clone(),
                        ref_columns: fk.ref_columns.clone(),
                        junction: None,
                    });
                }
                if fk.ref_table == table.name {
                    has_many.push(Relation {
                        name: format!("{}_by_{}", owner, fk.columns.join("_")),
                        kind: RelationKind::HasMany,
                        columns: fk.ref_columns.clone(),
                        ref_table: (*owner).to_owned(),
                        ref_columns: fk.columns.clone(),
                        junction: None,
                    });
                }
            }
        }

        for (junction, a, b) in &junctions {
            // Both directions when both keys point here (a self-junction).
            for (near, far) in [(a, b), (b, a)] {
                if near.ref_table == table.name {
                    many_many.push(Relation {
                        name: format!("{}_by_{}", far.ref_table, junction),
                        kind: RelationKind::ManyMany,
                        columns: near.ref_columns.clone(),
                        ref_table: far.ref_table.clone(),
                        ref_columns: far.ref_columns.clone(),
                        junction: Some(Junction {
                            table: (*junction).to_owned(),
                            columns: near.columns.clone(),
                            ref_columns: far.columns.clone(),
                        }),
                    });
                }
            }
        }

        let mut taken = BTreeSet::new();
        let mut relations = Vec::new();
        for (mut group, suffix) in [
            (belongs_to, "belongs_to"),
            (has_many, "has_many"),
            (many_many, "many_many"),
        ] {
            group.sort_by(|x, y| tie_break_key(x).cmp(&tie_break_key(y)));
            for relation in &mut group {
                relation.name = claim(&mut taken, &relation.name, suffix);
            }
            group.sort_by(|x, y| x.name.cmp(&y.name));
            relations.extend(group);
        }
        derived.push(relations);
    }

    tables
        .into_iter()
        .zip(derived)
        .map(|(mut table, relations)| {
            table.relations = relations;
            table
        })
        .collect()
}

/// Everything that tells two relations apart, so that which one gets the
/// plain name never depends on input order (a self-junction's two directions
/// differ only in their junction columns).
#[allow(clippy::type_complexity)]
fn tie_break_key(
    r: &Relation,
) -> (
    &String,
    &Vec<String>,
    &String,
    &Vec<String>,
    Option<(&Vec<String>, &Vec<String>)>,
) {
    (
        &r.name,
        &r.columns,
        &r.ref_table,
        &r.ref_columns,
        r.junction.as_ref().map(|j| (&j.columns, &j.ref_columns)),
    )
}

/// Both keys lie entirely inside the primary key, so a row is nothing but a
/// link between one row of each referenced table.
fn is_junction(table: &Table, a: &ForeignKey, b: &ForeignKey) -> bool {
    !table.is_view
        && a.columns != b.columns
        && a.columns
            .iter()
            .chain(&b.columns)
            .all(|c| table.primary_key.contains(c))
}

fn claim(taken: &mut BTreeSet<String>, base: &str, kind: &str) -> String {
    if taken.insert(base.to_owned()) {
        return base.to_owned();
    }
    let suffixed = format!("{base}_{kind}");
    if taken.insert(suffixed.clone()) {
        return suffixed;
    }
    let mut n = 2u32;
    loop {
        let candidate = format!("{suffixed}_{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}
