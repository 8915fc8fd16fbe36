//! A table as every builder sees it: its type names, and its columns,
//! relations and key under their field names. Names are claimed here, once
//! (types in the schema's scope, fields in the table's), so that each builder
//! reads the same spelling.

use std::collections::HashMap;
use std::sync::Arc;

use super::scalars::{BUILTIN_SCALARS, CUSTOM_SCALARS, scalar_of};
use super::{MUTATION, QUERY, order_by};
use crate::catalog::{Catalog, Column, Relation, Table};
use crate::graphql::names::{Scope, TypeNames};
use crate::query::plan::{Access, Verb};

/// What the schema offers on one table: the verbs the caller has on
/// `_table/T`, each only where the table allows it (writes need a key and a
/// table, not a view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Uses {
    /// GET: the object type, the `Query` fields, `where`/`order_by`, the
    /// relations to this table, `returning` and the `_by_pk` mutations.
    pub read: bool,
    /// POST: `insert_T`.
    pub insert: bool,
    /// PATCH: `update_T` (and `update_T_by_pk` with `read`).
    pub update: bool,
    /// DELETE: `delete_T` (and `delete_T_by_pk` with `read`).
    pub delete: bool,
}

impl Uses {
    fn of(access: &Access<'_>, table: &Table) -> Uses {
        let may = |verb| access.table(&table.name, verb).allowed();
        // Rows are written only where they can be told apart (a key), and
        // views never; the gate is asked only where a write could show.
        let writable = !table.is_view && table.columns.iter().any(|c| c.is_primary_key);
        Uses {
            read: may(Verb::Get),
            insert: writable && may(Verb::Post),
            update: writable && may(Verb::Patch),
            delete: writable && may(Verb::Delete),
        }
    }

    pub fn writes(&self) -> bool {
        self.insert || self.update || self.delete
    }

    /// `T_bool_exp` is the `where` of reads, updates and deletes.
    pub fn filters(&self) -> bool {
        self.read || self.update || self.delete
    }
}

pub(super) struct Shape<'a> {
    pub table: &'a Arc<Table>,
    pub names: &'a TypeNames,
    pub uses: Uses,
    /// Every column, in table order, under its field name.
    pub columns: Vec<(String, &'a Column)>,
    /// The relations whose target the caller may read, under their field
    /// names.
    pub relations: Vec<RelationField<'a>>,
    /// Key columns as (field name, column name), in key order.
    pub key: Vec<(String, String)>,
}

pub(super) struct RelationField<'a> {
    pub name: String,
    pub relation: &'a Relation,
    pub target: &'a TypeNames,
}

impl Shape<'_> {
    /// The key fields and their scalars, in key order.
    pub fn key_scalars(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.key.iter().map(|(name, column)| {
            let scalar = self.table.column(column).map_or("String", scalar_of);
            (name.as_str(), scalar)
        })
    }
}

/// Every table's type names, in catalog order. They are all claimed before
/// any table is built, so that relations can name their target's types.
pub(super) fn type_names(catalog: &Catalog) -> Vec<(&Arc<Table>, TypeNames)> {
    let mut types = Scope::default();
    for fixed in [QUERY, MUTATION, order_by::DIRECTIONS]
        .into_iter()
        .chain(BUILTIN_SCALARS)
        .chain(CUSTOM_SCALARS)
    {
        types.reserve(fixed);
    }
    catalog
        .tables
        .values()
        .map(|t| (t, TypeNames::new(types.claim(&t.name))))
        .collect()
}

pub(super) fn shapes<'a>(
    named: &'a [(&'a Arc<Table>, TypeNames)],
    access: &Access<'_>,
) -> Vec<Shape<'a>> {
    let uses: Vec<Uses> = named.iter().map(|(t, _)| Uses::of(access, t)).collect();
    let names_of: HashMap<&str, (&TypeNames, bool)> = named
        .iter()
        .zip(&uses)
        .map(|((t, names), uses)| (t.name.as_str(), (names, uses.read)))
        .collect();
    named
        .iter()
        .zip(uses)
        .map(|((table, names), uses)| shape(table, names, uses, &names_of))
        .collect()
}

fn shape<'a>(
    table: &'a Arc<Table>,
    names: &'a TypeNames,
    uses: Uses,
    names_of: &HashMap<&str, (&'a TypeNames, bool)>,
) -> Shape<'a> {
    let mut fields = Scope::default();
    fields.reserve("__typename");
    let columns: Vec<(String, &Column)> = table
        .columns
        .iter()
        .map(|c| (fields.claim(&c.name), c))
        .collect();
    let mut key: Vec<(String, String)> = columns
        .iter()
        .filter(|(_, c)| c.is_primary_key)
        .map(|(name, c)| (name.clone(), c.name.clone()))
        .collect();
    // Key columns in key order, not column order.
    key.sort_by_key(|(_, col)| table.primary_key.iter().position(|k| k == col));
    let relations = table
        .relations
        .iter()
        .filter_map(|relation| {
            let (target, readable) = *names_of.get(relation.ref_table.as_str())?;
            // Claimed even when hidden, so a relation has the same name in
            // every role's schema as in the admin's.
            let name = fields.claim(&relation.name);
            readable.then_some(RelationField {
                name,
                relation,
                target,
            })
        })
        .collect();
    Shape {
        table,
        names,
        uses,
        columns,
        relations,
        key,
    }
}
