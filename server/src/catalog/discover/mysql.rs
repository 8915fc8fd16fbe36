//! MySQL and MariaDB: tables through `sea_schema`'s `SchemaDiscovery`, views
//! (which it does not list) from `information_schema`. Types are spelled as
//! the server prints them (`int(11)`, `enum('A','b')`).

use sea_orm::sea_query::Iden;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_schema::mysql::def::{ColumnDefault, ColumnInfo, ColumnKey, ForeignKeyInfo, TableDef};
use sea_schema::mysql::discovery::SchemaDiscovery;

use super::types::{json_type_for, mysql_types};
use super::{
    DiscoverError, column, ensure_schema, get, keyed_table, sql_string_literal, sqlx_error_message,
    view_tables,
};
use crate::catalog::{Column, ForeignKey, JsonType, Table};

pub(super) async fn discover(
    conn: &DatabaseConnection,
    schema: Option<&str>,
) -> Result<Vec<Table>, DiscoverError> {
    let database = match schema {
        Some(s) => s.to_owned(),
        None => {
            let row = conn
                .query_one_raw(Statement::from_string(
                    DbBackend::MySql,
                    "SELECT CAST(DATABASE() AS CHAR)",
                ))
                .await?;
            let current: Option<String> = match &row {
                Some(row) => get(row, 0, "")?,
                None => None,
            };
            current.ok_or_else(|| {
                DiscoverError::Query("the connection has no current database".to_owned())
            })?
        }
    };
    ensure_schema(
        conn,
        Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            [database.as_str().into()],
        ),
        &database,
    )
    .await?;

    let pool = conn.get_mysql_connection_pool().clone();
    let discovered = SchemaDiscovery::new(pool, &database)
        .discover()
        .await
        .map_err(|e| DiscoverError::Query(sqlx_error_message(&e)))?;
    let mut tables: Vec<Table> = discovered.tables.into_iter().map(table).collect();
    json_checks(conn, &database, &mut tables).await?;
    tables.extend(views(conn, &database).await?);
    Ok(tables)
}

fn table(def: TableDef) -> Table {
    let mut primary_key: Vec<String> = def
        .indexes
        .iter()
        .find(|i| i.name == "PRIMARY")
        .map(|i| i.parts.iter().map(|p| p.column.clone()).collect())
        .unwrap_or_default();
    if primary_key.is_empty() {
        primary_key = def
            .columns
            .iter()
            .filter(|c| c.key == ColumnKey::Primary)
            .map(|c| c.name.clone())
            .collect();
    }
    keyed_table(
        def.info.name,
        primary_key,
        &def.columns,
        table_column,
        &def.foreign_keys,
        |fk: &ForeignKeyInfo| ForeignKey {
            columns: fk.columns.clone(),
            ref_table: fk.referenced_table.clone(),
            ref_columns: fk.referenced_columns.clone(),
        },
    )
}

fn table_column(col: &ColumnInfo) -> Column {
    let spelled = col.col_type.quoted();
    // The character set and collation are not part of the type.
    let db_type = spelled
        .split(" CHARACTER SET ")
        .next()
        .unwrap_or_default()
        .split(" COLLATE ")
        .next()
        .unwrap_or_default()
        .trim();
    let db_type = lower_outside_quotes(db_type);
    let types = mysql_types(&db_type);
    let default = col.default.as_ref().and_then(|d| match d {
        ColumnDefault::Null => None,
        ColumnDefault::Int(i) => Some(i.to_string()),
        ColumnDefault::Real(r) => Some(r.to_string()),
        ColumnDefault::String(s) => Some(sql_string_literal(s)),
        ColumnDefault::CustomExpr(s) => Some(s.clone()),
        ColumnDefault::CurrentTimestamp => Some("CURRENT_TIMESTAMP".to_owned()),
    });
    Column {
        auto_increment: col.extra.auto_increment,
        ..column(col.name.clone(), db_type, types, col.null, default)
    }
}

async fn json_checks(
    conn: &DatabaseConnection,
    database: &str,
    tables: &mut [Table],
) -> Result<(), DiscoverError> {
    // MariaDB's JSON is a LONGTEXT with a `json_valid(col)` check: read and
    // written as JSON all the same. (MySQL has a real JSON type, and no
    // TABLE_NAME in this view: the query fails there and changes nothing.)
    let checks = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
             FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = ? AND CHECK_CLAUSE LIKE 'json_valid(%'",
            [database.into()],
        ))
        .await
        .unwrap_or_default();
    for row in &checks {
        let table: String = get(row, 0, "")?;
        let clause: String = get(row, 1, &table)?;
        let column = clause
            .trim_start_matches("json_valid(")
            .trim_end_matches(')')
            .trim_matches('`');
        if let Some(c) = tables
            .iter_mut()
            .find(|t| t.name == table)
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
        {
            c.json_type = JsonType::Json;
        }
    }
    Ok(())
}

async fn views(conn: &DatabaseConnection, database: &str) -> Result<Vec<Table>, DiscoverError> {
    // information_schema text columns come back as binary strings on some
    // servers; the casts make them decode as text everywhere.
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), \
                    CAST(c.COLUMN_TYPE AS CHAR), CAST(c.IS_NULLABLE AS CHAR), \
                    CAST(c.COLUMN_DEFAULT AS CHAR) \
             FROM information_schema.COLUMNS c \
             JOIN information_schema.VIEWS v \
               ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND v.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = ? \
             ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
            [database.into()],
        ))
        .await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in &rows {
        let view: String = get(row, 0, "")?;
        let name: String = get(row, 1, &view)?;
        let db_type: String = get(row, 2, &view)?;
        let nullable: String = get(row, 3, &view)?;
        let default: Option<String> = get(row, 4, &view)?;
        let types = (json_type_for(&db_type), None);
        let nullable = nullable.eq_ignore_ascii_case("YES");
        columns.push((view, column(name, db_type, types, nullable, default)));
    }
    Ok(view_tables(columns))
}

/// MySQL spells types in lower case (`int(11)`, `enum('A','b')`); sea-schema
/// renders them in upper case. Enum and set members keep their case.
fn lower_outside_quotes(s: &str) -> String {
    let mut quoted = false;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        // `DECIMAL(10, 2)` is `decimal(10,2)`.
        if c == ' ' && !quoted && out.ends_with(',') {
            continue;
        }
        out.push(if quoted { c } else { c.to_ascii_lowercase() });
    }
    out
}
