//! DreamFactory's relation names, derived from foreign keys.

use super::Table;

/// Derives `relations` for every table from the foreign keys of all tables.
pub fn derive_relations(tables: Vec<Table>) -> Vec<Table> {
    tables
}
