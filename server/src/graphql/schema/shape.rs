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

pub(super) struct Shape<'a> {
    pub table: &'a Arc<Table>,
    pub names: &'a TypeNames,
    /// Every column, in table order, under its field name.
    pub columns: Vec<(String, &'a Column)>,
    /// The relations whose target has a type, under their field names.
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
    /// Tables are written only with a primary key (rows must be told apart),
    /// and views never.
    pub fn writable(&self) -> bool {
        !self.key.is_empty() && !self.table.is_view
    }

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

pub(super) fn shapes<'a>(named: &'a [(&'a Arc<Table>, TypeNames)]) -> Vec<Shape<'a>> {
    let names_of: HashMap<&str, &TypeNames> = named
        .iter()
        .map(|(t, names)| (t.name.as_str(), names))
        .collect();
    named
        .iter()
        .map(|(table, names)| shape(table, names, &names_of))
        .collect()
}

fn shape<'a>(
    table: &'a Arc<Table>,
    names: &'a TypeNames,
    names_of: &HashMap<&str, &'a TypeNames>,
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
            let target = names_of.get(relation.ref_table.as_str())?;
            Some(RelationField {
                name: fields.claim(&relation.name),
                relation,
                target,
            })
        })
        .collect();
    Shape {
        table,
        names,
        columns,
        relations,
        key,
    }
}
