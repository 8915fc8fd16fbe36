//! Live discovery of a database's tables and views.
//!
//! One module per backend: `sqlite` reads SQLite's catalog pragmas; `postgres`
//! and `mysql` take tables from `sea_schema`'s `SchemaDiscovery` and views,
//! which it does not list, from one catalog query each. `types` maps every
//! declared type to its JSON type (and cast), the same way for all of them.
//! What is here is shared: the entry point, the errors, and the one builder
//! of a catalog `Table` from a server database's definitions.

mod mysql;
mod postgres;
mod sqlite;
mod types;

pub use types::{column_type_sql, json_type_for, pg_types};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};

use crate::catalog::{Column, ForeignKey, JsonType, Table};

/// Tables the service must never expose: sea-orm's migration bookkeeping.
const HIDDEN_TABLES: &[&str] = &["seaql_migrations"];

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A catalog query failed (lost connection, missing privilege, corrupt file).
    #[error("could not read the database schema: {0}")]
    Query(String),
    /// The schema (PostgreSQL), database (MySQL) or attached database (SQLite)
    /// asked for does not exist; discovering it would silently expose nothing.
    #[error("the schema '{0}' does not exist")]
    SchemaNotFound(String),
    /// A backend sea-orm knows but this discovery does not.
    #[error("discovering a {0} database is not supported")]
    Unsupported(String),
    /// A table's catalog rows could not be interpreted.
    #[error("could not understand the definition of '{table}': {reason}")]
    Unexpected { table: String, reason: String },
}

impl From<DbErr> for DiscoverError {
    fn from(err: DbErr) -> Self {
        DiscoverError::Query(db_error_message(&err))
    }
}

/// The database's own message for an error, without sea-orm's and sqlx's
/// prefixes ("Query Error: error returned from database: (code: 1) …"), so that
/// a sentence shown to an admin reads naturally.
pub(crate) fn db_error_message(err: &DbErr) -> String {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_error_message(e),
        DbErr::Conn(RuntimeErr::Internal(s))
        | DbErr::Exec(RuntimeErr::Internal(s))
        | DbErr::Query(RuntimeErr::Internal(s)) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn sqlx_error_message(err: &sea_orm::sqlx::Error) -> String {
    match err {
        sea_orm::sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// Discovers the tables and views of the connected database, sorted by name,
/// with `relations` left empty (`Catalog::new` derives them).
///
/// `schema` is the PostgreSQL schema (default `public`), the MySQL database
/// (default: the connected one) or the SQLite database name (default `main`;
/// another name selects an attached database).
pub async fn discover(
    conn: &DatabaseConnection,
    schema: Option<&str>,
) -> Result<Vec<Table>, DiscoverError> {
    let mut tables = match conn.get_database_backend() {
        DbBackend::Sqlite => sqlite::discover(conn, schema.unwrap_or("main")).await?,
        DbBackend::Postgres => postgres::discover(conn, schema.unwrap_or("public")).await?,
        DbBackend::MySql => mysql::discover(conn, schema).await?,
        other => return Err(DiscoverError::Unsupported(format!("{other:?}"))),
    };
    tables.retain(|t| !HIDDEN_TABLES.contains(&t.name.as_str()));
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

/// Fails with [`DiscoverError::SchemaNotFound`] when `query` (a backend's
/// "does this schema exist" statement) returns no row.
async fn ensure_schema(
    conn: &DatabaseConnection,
    query: Statement,
    schema: &str,
) -> Result<(), DiscoverError> {
    match conn.query_one_raw(query).await? {
        Some(_) => Ok(()),
        None => Err(DiscoverError::SchemaNotFound(schema.to_owned())),
    }
}

/// A table of a server database (PostgreSQL, MySQL) as a catalog `Table`.
/// Each backend passes its own sea-schema definitions and how to read one
/// column and one foreign key; what the catalog derives from the key is
/// decided here once: which columns are key columns, and that a key column
/// is never nullable, whatever its declaration says.
fn keyed_table<C, K>(
    name: String,
    primary_key: Vec<String>,
    columns: &[C],
    column: impl Fn(&C) -> Column,
    foreign_keys: &[K],
    foreign_key: impl Fn(&K) -> ForeignKey,
) -> Table {
    let columns = columns
        .iter()
        .map(|def| {
            let mut c = column(def);
            c.is_primary_key = primary_key.contains(&c.name);
            c.nullable &= !c.is_primary_key;
            c
        })
        .collect();
    Table {
        name,
        is_view: false,
        columns,
        primary_key,
        foreign_keys: foreign_keys.iter().map(foreign_key).collect(),
        relations: Vec::new(),
    }
}

/// A column as its backend declares it, before the key is known (see
/// [`keyed_table`]); not filled by the database unless the caller says so.
fn column(
    name: String,
    db_type: String,
    (json_type, cast): (JsonType, Option<String>),
    nullable: bool,
    default: Option<String>,
) -> Column {
    Column {
        name,
        db_type,
        json_type,
        cast,
        nullable,
        default,
        is_primary_key: false,
        auto_increment: false,
    }
}

/// Views from `(view, column)` pairs listed view by view, in column order
/// (what the backends' catalog queries return). A view has no key and no
/// foreign keys: it is read, never written.
fn view_tables(columns: impl IntoIterator<Item = (String, Column)>) -> Vec<Table> {
    let mut views: Vec<Table> = Vec::new();
    for (view, column) in columns {
        match views.last_mut() {
            Some(table) if table.name == view => table.columns.push(column),
            _ => views.push(Table {
                name: view,
                is_view: true,
                columns: vec![column],
                primary_key: Vec::new(),
                foreign_keys: Vec::new(),
                relations: Vec::new(),
            }),
        }
    }
    views
}

/// A SQL string literal, for defaults that the discovery layer received
/// already unquoted.
fn sql_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Column `idx` of a catalog row; a failure names the table being read.
fn get<T: sea_orm::TryGetable>(
    row: &QueryResult,
    idx: usize,
    table: &str,
) -> Result<T, DiscoverError> {
    row.try_get_by_index(idx)
        .map_err(|e| DiscoverError::Unexpected {
            table: table.to_owned(),
            reason: db_error_message(&e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, nullable: bool) -> Column {
        column(
            name.to_owned(),
            "text".to_owned(),
            (JsonType::String, None),
            nullable,
            None,
        )
    }

    #[test]
    fn key_columns_are_marked_and_never_nullable() {
        let defs = [("b", true), ("a", true), ("c", true)];
        let fks = [("c", "Other")];
        let table = keyed_table(
            "T".to_owned(),
            vec!["a".to_owned(), "b".to_owned()],
            &defs,
            |(name, nullable)| text(name, *nullable),
            &fks,
            |(col, to)| ForeignKey {
                columns: vec![(*col).to_owned()],
                ref_table: (*to).to_owned(),
                ref_columns: vec!["id".to_owned()],
            },
        );
        let flags: Vec<(&str, bool, bool)> = table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.is_primary_key, c.nullable))
            .collect();
        assert_eq!(
            flags,
            [("b", true, false), ("a", true, false), ("c", false, true)]
        );
        assert_eq!(table.primary_key, ["a", "b"]);
        assert!(!table.is_view);
        assert_eq!(table.foreign_keys[0].ref_table, "Other");
    }

    #[test]
    fn view_columns_group_by_view_in_order() {
        let views = view_tables([
            ("v1".to_owned(), text("x", true)),
            ("v1".to_owned(), text("y", false)),
            ("v2".to_owned(), text("z", true)),
        ]);
        let shape: Vec<(&str, Vec<&str>)> = views
            .iter()
            .map(|t| {
                assert!(t.is_view && t.primary_key.is_empty());
                (
                    t.name.as_str(),
                    t.columns.iter().map(|c| c.name.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(shape, [("v1", vec!["x", "y"]), ("v2", vec!["z"])]);
    }
}
