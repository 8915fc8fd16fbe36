//! SQLite, read straight from its catalog pragmas (`pragma_table_list`,
//! `pragma_table_xinfo`, `pragma_foreign_key_list`) rather than through
//! `sea_schema::sqlite`: that module parses the declared type into a
//! `ColumnType` (so `NVARCHAR(160)` and `NUMERIC(10,2)` lose their spelling and
//! `NUMERIC` becomes an opaque custom type), reports primary-key membership
//! without key order, skips views, and splices table names into `PRAGMA` text
//! (a `'` in a name breaks it). The table-valued pragmas take bound parameters
//! and give all of that in two small queries per table.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::types::json_type_for;
use super::{DiscoverError, ensure_schema, get};
use crate::catalog::{Column, ForeignKey, Table};

pub(super) async fn discover(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<Vec<Table>, DiscoverError> {
    let sqlite = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    };

    ensure_schema(
        conn,
        sqlite(
            "SELECT 1 FROM pragma_database_list WHERE name = ?",
            vec![schema.into()],
        ),
        schema,
    )
    .await?;

    // Virtual tables are left out: reading their columns needs their module,
    // which may be an extension this process has not loaded, and one such
    // table would make the whole service fail to start.
    let listed = conn
        .query_all_raw(sqlite(
            "SELECT name, type, wr FROM pragma_table_list \
             WHERE schema = ? AND type IN ('table', 'view') ORDER BY name",
            vec![schema.into()],
        ))
        .await?;

    let mut tables = Vec::with_capacity(listed.len());
    for row in &listed {
        let name: String = get(row, 0, "")?;
        // SQLite reserves every name starting with `sqlite_` for itself.
        if name.to_ascii_lowercase().starts_with("sqlite_") {
            continue;
        }
        let kind: String = get(row, 1, &name)?;
        let without_rowid: i64 = get(row, 2, &name)?;
        let is_view = kind == "view";
        match table(conn, schema, &name, is_view, without_rowid != 0).await {
            Ok(table) => tables.push(table),
            // A view whose definition no longer compiles (it names a dropped
            // table) cannot be read anyway; the rest of the database can.
            Err(err) if is_view => {
                tracing::warn!(view = %name, error = %err, "skipping a view that cannot be read");
            }
            Err(err) => return Err(err),
        }
    }
    resolve_implicit_ref_columns(&mut tables);
    Ok(tables)
}

async fn table(
    conn: &DatabaseConnection,
    schema: &str,
    name: &str,
    is_view: bool,
    without_rowid: bool,
) -> Result<Table, DiscoverError> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden \
             FROM pragma_table_xinfo(?, ?) ORDER BY cid",
            [name.into(), schema.into()],
        ))
        .await?;

    let mut columns = Vec::with_capacity(rows.len());
    let mut pk_positions: Vec<(i64, String)> = Vec::new();
    for row in &rows {
        let column: String = get(row, 1, name)?;
        let declared: Option<String> = get(row, 2, name)?;
        let not_null: i64 = get(row, 3, name)?;
        let default: Option<String> = get(row, 4, name)?;
        let pk: i64 = get(row, 5, name)?;
        let hidden: i64 = get(row, 6, name)?;
        // 1: a virtual table's hidden column, not part of `SELECT *`.
        if hidden == 1 {
            continue;
        }
        if pk > 0 {
            pk_positions.push((pk, column.clone()));
        }
        let db_type = declared.unwrap_or_default().trim().to_owned();
        columns.push(Column {
            name: column,
            json_type: json_type_for(&db_type),
            db_type,
            // SQLite lets a non-INTEGER key column hold NULL unless declared
            // NOT NULL (a documented legacy bug); clients see the SQL rule.
            nullable: not_null == 0 && pk == 0,
            default,
            is_primary_key: pk > 0,
            auto_increment: false,
            cast: None,
        });
    }
    pk_positions.sort();
    let primary_key: Vec<String> = pk_positions.into_iter().map(|(_, c)| c).collect();

    // A single `INTEGER` key column of a rowid table is an alias for the rowid,
    // so SQLite fills it on insert. The type must be spelled exactly INTEGER.
    // (SQLite's `INTEGER PRIMARY KEY DESC` column-constraint quirk, which is
    // not an alias, cannot be seen in the pragmas and is reported as one.)
    if let [only] = primary_key.as_slice()
        && !without_rowid
        && !is_view
        && let Some(col) = columns.iter_mut().find(|c| &c.name == only)
        && col.db_type.eq_ignore_ascii_case("INTEGER")
    {
        col.auto_increment = true;
    }

    let foreign_keys = if is_view {
        Vec::new()
    } else {
        foreign_keys_of(conn, schema, name).await?
    };

    Ok(Table {
        name: name.to_owned(),
        is_view,
        columns,
        primary_key,
        foreign_keys,
        relations: Vec::new(),
    })
}

async fn foreign_keys_of(
    conn: &DatabaseConnection,
    schema: &str,
    name: &str,
) -> Result<Vec<ForeignKey>, DiscoverError> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?, ?) \
             ORDER BY id, seq",
            [name.into(), schema.into()],
        ))
        .await?;
    let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
    for row in &rows {
        let id: i64 = get(row, 0, name)?;
        let ref_table: String = get(row, 1, name)?;
        let from: String = get(row, 2, name)?;
        // NULL when the constraint names no columns: the parent's primary key,
        // filled in once every table is known.
        let to: Option<String> = get(row, 3, name)?;
        match keys.last_mut() {
            Some((last, fk)) if *last == id => {
                fk.columns.push(from);
                fk.ref_columns.push(to.unwrap_or_default());
            }
            _ => keys.push((
                id,
                ForeignKey {
                    columns: vec![from],
                    ref_table,
                    ref_columns: vec![to.unwrap_or_default()],
                },
            )),
        }
    }
    // SQLite numbers constraints last-declared first; restore declaration order.
    keys.reverse();
    Ok(keys.into_iter().map(|(_, fk)| fk).collect())
}

/// Fills `ref_columns` of foreign keys declared without a column list
/// (`REFERENCES Artist`), which mean the referenced table's primary key.
fn resolve_implicit_ref_columns(tables: &mut [Table]) {
    let pks: HashMap<String, Vec<String>> = tables
        .iter()
        .map(|t| (t.name.clone(), t.primary_key.clone()))
        .collect();
    for table in tables.iter_mut() {
        for fk in &mut table.foreign_keys {
            if fk.ref_columns.iter().all(String::is_empty)
                && let Some(pk) = pks.get(&fk.ref_table)
                && pk.len() == fk.columns.len()
            {
                fk.ref_columns = pk.clone();
            }
        }
    }
}
