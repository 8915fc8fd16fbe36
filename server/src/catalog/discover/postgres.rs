//! PostgreSQL: tables through `sea_schema`'s `SchemaDiscovery`, views and
//! materialized views (which it does not list) from one catalog query. Types
//! are spelled as `format_type` prints them, so tables and views read alike.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_schema::postgres::def::{ColumnDefault, ColumnInfo, References, TableDef, Type};
use sea_schema::postgres::discovery::SchemaDiscovery;

use super::types::pg_types;
use super::{
    DiscoverError, column, ensure_schema, get, keyed_table, sql_string_literal, sqlx_error_message,
    view_tables,
};
use crate::catalog::{Column, ForeignKey, Table};

pub(super) async fn discover(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<Vec<Table>, DiscoverError> {
    ensure_schema(
        conn,
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
            [schema.into()],
        ),
        schema,
    )
    .await?;

    let pool = conn.get_postgres_connection_pool().clone();
    let discovered = SchemaDiscovery::new(pool, schema)
        .discover()
        .await
        .map_err(|e| DiscoverError::Query(sqlx_error_message(&e)))?;
    let mut tables: Vec<Table> = discovered.tables.into_iter().map(table).collect();
    tables.extend(views(conn, schema).await?);
    Ok(tables)
}

fn table(def: TableDef) -> Table {
    let primary_key = def
        .primary_key_constraints
        .first()
        .map(|pk| pk.columns.clone())
        .unwrap_or_default();
    keyed_table(
        def.info.name,
        primary_key,
        &def.columns,
        table_column,
        &def.reference_constraints,
        |r: &References| ForeignKey {
            columns: r.columns.clone(),
            ref_table: r.table.clone(),
            ref_columns: r.foreign_columns.clone(),
        },
    )
}

fn table_column(col: &ColumnInfo) -> Column {
    let db_type = pg_type_sql(&col.col_type);
    let types = pg_types(&db_type, matches!(col.col_type, Type::Enum(_)));
    let default = col.default.as_ref().map(|d| match d {
        ColumnDefault::Int(i) => i.to_string(),
        ColumnDefault::Real(r) => r.to_string(),
        ColumnDefault::String(s) => sql_string_literal(s),
        ColumnDefault::Bool(b) => b.to_string(),
        ColumnDefault::CurrentTimestamp => "CURRENT_TIMESTAMP".to_owned(),
        ColumnDefault::AutoIncrement(s) | ColumnDefault::Expression(s) => s.clone(),
    });
    Column {
        auto_increment: col.is_identity
            || matches!(col.default, Some(ColumnDefault::AutoIncrement(_))),
        ..column(
            col.name.clone(),
            db_type,
            types,
            col.not_null.is_none(),
            default,
        )
    }
}

async fn views(conn: &DatabaseConnection, schema: &str) -> Result<Vec<Table>, DiscoverError> {
    // Views and materialized views; `format_type` gives the declared spelling.
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT c.relname::text, a.attname::text, \
                    pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_attribute a \
               ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') \
             ORDER BY c.relname, a.attnum",
            [schema.into()],
        ))
        .await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in &rows {
        let view: String = get(row, 0, "")?;
        let name: String = get(row, 1, &view)?;
        let db_type: String = get(row, 2, &view)?;
        let not_null: bool = get(row, 3, &view)?;
        let types = pg_types(&db_type, false);
        columns.push((view, column(name, db_type, types, !not_null, None)));
    }
    Ok(view_tables(columns))
}

/// PostgreSQL's own spelling of a type (what `format_type` prints), so that
/// discovered tables and views read alike.
fn pg_type_sql(ty: &sea_schema::postgres::def::Type) -> String {
    use sea_schema::postgres::def::Type;
    let len = |name: &str, n: Option<u16>| match n {
        Some(n) => format!("{name}({n})"),
        None => name.to_owned(),
    };
    // The catalog reports the default precision, 6, for an undeclared one;
    // leaving it out matches how the column was most likely declared.
    let time = |name: &str, p: Option<u16>, zone: &str| match p {
        Some(p) if p != 6 => format!("{name}({p}) {zone}"),
        _ => format!("{name} {zone}"),
    };
    match ty {
        Type::Decimal(a) | Type::Numeric(a) => match (a.precision, a.scale) {
            (Some(p), Some(s)) => format!("numeric({p},{s})"),
            (Some(p), None) => format!("numeric({p})"),
            _ => "numeric".to_owned(),
        },
        Type::DoublePrecision => "double precision".to_owned(),
        Type::Varchar(a) => len("character varying", a.length),
        Type::Char(a) => len("character", a.length),
        Type::Timestamp(a) => time("timestamp", a.precision, "without time zone"),
        Type::TimestampWithTimeZone(a) => time("timestamp", a.precision, "with time zone"),
        Type::Time(a) => time("time", a.precision, "without time zone"),
        Type::TimeWithTimeZone(a) => time("time", a.precision, "with time zone"),
        Type::Interval(_) => "interval".to_owned(),
        Type::Bit(a) => len("bit", a.length),
        Type::VarBit(a) => len("bit varying", a.length),
        Type::JsonBinary => "jsonb".to_owned(),
        Type::PgLsn => "pg_lsn".to_owned(),
        Type::Array(a) => match &a.col_type {
            Some(inner) => format!("{}[]", pg_type_sql(inner)),
            None => "array".to_owned(),
        },
        Type::Enum(e) => pg_ident(&e.typename),
        Type::Unknown(s) => s.clone(),
        // Every remaining variant is a unit variant named after the type
        // (`Integer`, `Bytea`, `Int4Range`, `MacAddr8`, `TsVector`, …).
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

/// PostgreSQL's name for an identifier: as it is when it needs no quotes.
fn pg_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::JsonType;
    use crate::catalog::discover::json_type_for;

    #[test]
    fn postgres_types_are_spelled_like_format_type() {
        use sea_schema::postgres::def::{
            ArbitraryPrecisionNumericAttr, StringAttr, TimeAttr, Type,
        };
        assert_eq!(pg_type_sql(&Type::Integer), "integer");
        assert_eq!(pg_type_sql(&Type::Bytea), "bytea");
        assert_eq!(pg_type_sql(&Type::DoublePrecision), "double precision");
        assert_eq!(
            pg_type_sql(&Type::Varchar(StringAttr { length: Some(160) })),
            "character varying(160)"
        );
        assert_eq!(
            pg_type_sql(&Type::Numeric(ArbitraryPrecisionNumericAttr {
                precision: Some(10),
                scale: Some(2)
            })),
            "numeric(10,2)"
        );
        assert_eq!(
            pg_type_sql(&Type::TimestampWithTimeZone(TimeAttr::default())),
            "timestamp with time zone"
        );
        assert_eq!(
            json_type_for(&pg_type_sql(&Type::Int4Range)),
            JsonType::String
        );
        assert_eq!(
            json_type_for(&pg_type_sql(&Type::MacAddr8)),
            JsonType::String
        );
    }
}
