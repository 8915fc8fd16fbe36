//! Live discovery of a database's tables and views.
//!
//! SQLite is read straight from its catalog pragmas (`pragma_table_list`,
//! `pragma_table_xinfo`, `pragma_foreign_key_list`) rather than through
//! `sea_schema::sqlite`: that module parses the declared type into a
//! `ColumnType` (so `NVARCHAR(160)` and `NUMERIC(10,2)` lose their spelling and
//! `NUMERIC` becomes an opaque custom type), reports primary-key membership
//! without key order, skips views, and splices table names into `PRAGMA` text
//! (a `'` in a name breaks it). The table-valued pragmas take bound parameters
//! and give all of that in two small queries per table.
//!
//! PostgreSQL and MySQL tables go through `sea_schema`'s `SchemaDiscovery`; their
//! views, which it does not list, come from one catalog query each.
//!
//! # Type mapping
//!
//! [`json_type_for`] maps a declared type name to a [`JsonType`]. It follows
//! SQLite's affinity rules (substring tests on the upper-cased name) refined by
//! the semantic names every backend uses, checked in this order (first match
//! wins; a parenthesised part such as `(10,2)` is ignored, `_` counts as a space):
//!
//! | declared type contains                              | JSON type    |
//! |-----------------------------------------------------|--------------|
//! | starts with `TINYINT(1)` (MySQL's `BOOL`)           | `boolean`    |
//! | ends with `[]`, or `ARRAY`, `RANGE`                  | `string`     |
//! | `JSON`                                              | `json`       |
//! | `UUID`, `UNIQUEIDENTIFIER`                          | `uuid`       |
//! | `BOOL`                                              | `boolean`    |
//! | `INTERVAL`, `POINT`                                 | `string`     |
//! | `TIMESTAMPTZ`, `TIMESTAMP … WITH TIME ZONE`         | `timestamp` (`DateTimeTz`) |
//! | `TIMETZ`, `TIME WITH TIME ZONE`                     | `string`     |
//! | `DATETIME`, `TIMESTAMP`                             | `datetime`   |
//! | `DATE`                                              | `date`       |
//! | `TIME`                                              | `time`       |
//! | `YEAR`                                              | `integer`    |
//! | `INT`, `SERIAL`                                     | `integer`    |
//! | `CHAR`, `CLOB`, `TEXT`                              | `string`     |
//! | `BLOB`, `BINARY`, `BYTEA`, `IMAGE`                  | `binary`     |
//! | `REAL`, `FLOA`, `DOUB`                              | `float`      |
//! | `NUMERIC`, `DECIMAL`, `MONEY`, `NUMBER`             | `decimal`    |
//! | anything else, including no declared type           | `string`     |
//!
//! `INTERVAL`/`POINT` come before `INT`, and the date/time names before `INT`
//! and `TEXT`, because they contain those substrings (`POINT`, `DATETIME_TEXT`).

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};

use super::{Column, ForeignKey, JsonType, Table};

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
        DbBackend::Sqlite => discover_sqlite(conn, schema.unwrap_or("main")).await?,
        DbBackend::Postgres => discover_postgres(conn, schema.unwrap_or("public")).await?,
        DbBackend::MySql => discover_mysql(conn, schema).await?,
        other => return Err(DiscoverError::Unsupported(format!("{other:?}"))),
    };
    tables.retain(|t| !HIDDEN_TABLES.contains(&t.name.as_str()));
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

// ---------------------------------------------------------------------------
// Type mapping

/// How values of a declared column type are represented in JSON; see the
/// module documentation for the table. Total: an unknown type is a string, the
/// representation that loses nothing a client could not parse back.
pub fn json_type_for(db_type: &str) -> JsonType {
    let upper = db_type.trim().to_ascii_uppercase();
    if upper.starts_with("TINYINT(1)") {
        return JsonType::Boolean;
    }
    let n = normalize_type_name(&upper);
    let has = |s: &str| n.contains(s);

    if n.ends_with("[]") || n.starts_with("ARRAY") || has("RANGE") {
        JsonType::String
    } else if has("JSON") {
        JsonType::Json
    } else if has("UUID") || has("UNIQUEIDENTIFIER") {
        JsonType::Uuid
    } else if has("BOOL") {
        JsonType::Boolean
    } else if has("INTERVAL") || has("POINT") {
        JsonType::String
    } else if has("TIMESTAMPTZ")
        || (has("TIMESTAMP") && (has("WITH TIME ZONE") || has("WITH TIMEZONE")))
    {
        JsonType::DateTimeTz
    } else if has("TIMETZ") || (has("TIME") && (has("WITH TIME ZONE") || has("WITH TIMEZONE"))) {
        JsonType::String
    } else if has("DATETIME") || has("TIMESTAMP") {
        JsonType::DateTime
    } else if has("DATE") {
        JsonType::Date
    } else if has("TIME") {
        JsonType::Time
    } else if has("YEAR") || has("INT") || has("SERIAL") {
        JsonType::Integer
    } else if has("CHAR") || has("CLOB") || has("TEXT") {
        JsonType::String
    } else if has("BLOB") || has("BINARY") || has("BYTEA") || has("IMAGE") {
        JsonType::Binary
    } else if has("REAL") || has("FLOA") || has("DOUB") {
        JsonType::Float
    } else if has("NUMERIC") || has("DECIMAL") || has("MONEY") || has("NUMBER") {
        JsonType::Decimal
    } else {
        JsonType::String
    }
}

/// Drops parenthesised parts (lengths, precisions, MySQL enum members, which
/// could contain any word) and folds `_` and runs of spaces to one space.
fn normalize_type_name(upper: &str) -> String {
    let mut out = String::with_capacity(upper.len());
    let mut depth = 0usize;
    for ch in upper.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '_' | ' ' | '\t' | '\n' | '\r' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out.trim().replace(" []", "[]")
}

/// Renders a sea-query column type as a SQL type name in a portable spelling
/// (`INTEGER`, `VARCHAR(160)`, `DECIMAL(10,2)`, `DATETIME`), so that catalogs
/// built from SeaORM entities carry a `db_type` that [`json_type_for`] maps the
/// same way as a discovered SQLite declaration of that type.
///
/// sea-query's own SQLite writer is not used: it spells `DECIMAL(10,2)` as
/// `real(10, 2)` (a float by affinity) and panics on types SQLite lacks.
pub fn column_type_sql(column_type: &sea_orm::ColumnType) -> String {
    use sea_orm::ColumnType as C;
    use sea_orm::sea_query::StringLen;

    let with_len = |name: &str, len: &StringLen| match len {
        StringLen::N(n) => format!("{name}({n})"),
        StringLen::Max => format!("{name}(MAX)"),
        StringLen::None => name.to_owned(),
    };
    let with_precision = |name: &str, p: &Option<(u32, u32)>| match p {
        Some((p, s)) => format!("{name}({p},{s})"),
        None => name.to_owned(),
    };
    match column_type {
        C::Char(Some(n)) => format!("CHAR({n})"),
        C::Char(None) => "CHAR".to_owned(),
        C::String(len) => with_len("VARCHAR", len),
        C::Text => "TEXT".to_owned(),
        C::Blob => "BLOB".to_owned(),
        C::TinyInteger => "TINYINT".to_owned(),
        C::SmallInteger => "SMALLINT".to_owned(),
        C::Integer => "INTEGER".to_owned(),
        C::BigInteger => "BIGINT".to_owned(),
        C::TinyUnsigned => "TINYINT UNSIGNED".to_owned(),
        C::SmallUnsigned => "SMALLINT UNSIGNED".to_owned(),
        C::Unsigned => "INTEGER UNSIGNED".to_owned(),
        C::BigUnsigned => "BIGINT UNSIGNED".to_owned(),
        C::Float => "FLOAT".to_owned(),
        C::Double => "DOUBLE".to_owned(),
        C::Decimal(p) => with_precision("DECIMAL", p),
        C::DateTime => "DATETIME".to_owned(),
        C::Timestamp => "TIMESTAMP".to_owned(),
        C::TimestampWithTimeZone => "TIMESTAMP WITH TIME ZONE".to_owned(),
        C::Time => "TIME".to_owned(),
        C::Date => "DATE".to_owned(),
        C::Year => "YEAR".to_owned(),
        C::Interval(..) => "INTERVAL".to_owned(),
        C::Binary(n) => format!("BINARY({n})"),
        C::VarBinary(len) => with_len("VARBINARY", len),
        C::Bit(Some(n)) => format!("BIT({n})"),
        C::Bit(None) => "BIT".to_owned(),
        C::VarBit(n) => format!("VARBIT({n})"),
        C::Boolean => "BOOLEAN".to_owned(),
        C::Money(p) => with_precision("MONEY", p),
        C::Json => "JSON".to_owned(),
        C::JsonBinary => "JSONB".to_owned(),
        C::Uuid => "UUID".to_owned(),
        C::Custom(name) => name.to_string(),
        // The values are strings whatever the enum's name says.
        C::Enum { .. } => "ENUM".to_owned(),
        C::Array(inner) => format!("{}[]", column_type_sql(inner)),
        C::Vector(Some(n)) => format!("VECTOR({n})"),
        C::Vector(None) => "VECTOR".to_owned(),
        C::Cidr => "CIDR".to_owned(),
        C::Inet => "INET".to_owned(),
        C::MacAddr => "MACADDR".to_owned(),
        C::LTree => "LTREE".to_owned(),
        // sea-query may add types; their debug name is the closest spelling.
        other => format!("{other:?}").to_ascii_uppercase(),
    }
}

/// A SQL string literal, for defaults that the discovery layer received
/// already unquoted.
fn sql_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
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

// ---------------------------------------------------------------------------
// SQLite

async fn discover_sqlite(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<Vec<Table>, DiscoverError> {
    let sqlite = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    };

    let known = conn
        .query_one_raw(sqlite(
            "SELECT 1 FROM pragma_database_list WHERE name = ?",
            vec![schema.into()],
        ))
        .await?;
    if known.is_none() {
        return Err(DiscoverError::SchemaNotFound(schema.to_owned()));
    }

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
        match sqlite_table(conn, schema, &name, is_view, without_rowid != 0).await {
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

async fn sqlite_table(
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
        sqlite_foreign_keys(conn, schema, name).await?
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

async fn sqlite_foreign_keys(
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

// ---------------------------------------------------------------------------
// PostgreSQL

async fn discover_postgres(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<Vec<Table>, DiscoverError> {
    use sea_schema::postgres::def::{ColumnDefault, Type};
    use sea_schema::postgres::discovery::SchemaDiscovery;

    let known = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
            [schema.into()],
        ))
        .await?;
    if known.is_none() {
        return Err(DiscoverError::SchemaNotFound(schema.to_owned()));
    }

    let pool = conn.get_postgres_connection_pool().clone();
    let discovered = SchemaDiscovery::new(pool, schema)
        .discover()
        .await
        .map_err(|e| DiscoverError::Query(sqlx_error_message(&e)))?;

    let mut tables = Vec::with_capacity(discovered.tables.len());
    for def in discovered.tables {
        let primary_key: Vec<String> = def
            .primary_key_constraints
            .first()
            .map(|pk| pk.columns.clone())
            .unwrap_or_default();
        let columns = def
            .columns
            .iter()
            .map(|col| {
                let db_type = pg_type_sql(&col.col_type);
                let (json_type, cast) = pg_types(&db_type, matches!(col.col_type, Type::Enum(_)));
                let is_primary_key = primary_key.contains(&col.name);
                Column {
                    name: col.name.clone(),
                    db_type,
                    json_type,
                    cast,
                    nullable: col.not_null.is_none() && !is_primary_key,
                    default: col.default.as_ref().map(|d| match d {
                        ColumnDefault::Int(i) => i.to_string(),
                        ColumnDefault::Real(r) => r.to_string(),
                        ColumnDefault::String(s) => sql_string_literal(s),
                        ColumnDefault::Bool(b) => b.to_string(),
                        ColumnDefault::CurrentTimestamp => "CURRENT_TIMESTAMP".to_owned(),
                        ColumnDefault::AutoIncrement(s) | ColumnDefault::Expression(s) => s.clone(),
                    }),
                    is_primary_key,
                    auto_increment: col.is_identity
                        || matches!(col.default, Some(ColumnDefault::AutoIncrement(_))),
                }
            })
            .collect();
        let foreign_keys = def
            .reference_constraints
            .iter()
            .map(|r| ForeignKey {
                columns: r.columns.clone(),
                ref_table: r.table.clone(),
                ref_columns: r.foreign_columns.clone(),
            })
            .collect();
        tables.push(Table {
            name: def.info.name,
            is_view: false,
            columns,
            primary_key,
            foreign_keys,
            relations: Vec::new(),
        });
    }

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
    let mut views: Vec<Table> = Vec::new();
    for row in &rows {
        let view: String = get(row, 0, "")?;
        let column: String = get(row, 1, &view)?;
        let db_type: String = get(row, 2, &view)?;
        let not_null: bool = get(row, 3, &view)?;
        let types = pg_types(&db_type, false);
        push_view_column(&mut views, view, column, db_type, types, !not_null, None);
    }
    tables.extend(views);
    Ok(tables)
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

/// The JSON type of a PostgreSQL column and, for the types that travel as text,
/// the type a bound text value is cast to (`Column::cast`). Arrays are JSON
/// arrays; text types, numbers, dates, uuid, json and bytea bind natively.
pub fn pg_types(db_type: &str, is_enum: bool) -> (JsonType, Option<String>) {
    let lower = db_type.to_ascii_lowercase();
    if lower.ends_with("[]") {
        return (JsonType::Array, Some(db_type.to_owned()));
    }
    if is_enum {
        return (JsonType::String, Some(db_type.to_owned()));
    }
    // money's binary form is a scaled integer and its text depends on the
    // server's locale: it is served as the text PostgreSQL prints (`$1.50`).
    let json_type = match json_type_for(db_type) {
        JsonType::Decimal if lower == "money" => JsonType::String,
        other => other,
    };
    let textual = [
        "character",
        "text",
        "name",
        "\"char\"",
        "citext",
        "varchar",
        "char",
        "bpchar",
    ]
    .iter()
    .any(|t| lower == *t || lower.starts_with(&format!("{t}(")) || lower.starts_with("character"));
    let cast = match json_type {
        JsonType::Decimal if lower.starts_with("numeric") || lower.starts_with("decimal") => {
            Some("numeric".to_owned())
        }
        JsonType::Decimal => Some(db_type.to_owned()),
        JsonType::String if !textual => Some(db_type.to_owned()),
        _ => None,
    };
    (json_type, cast)
}

fn push_view_column(
    views: &mut Vec<Table>,
    view: String,
    column: String,
    db_type: String,
    (json_type, cast): (JsonType, Option<String>),
    nullable: bool,
    default: Option<String>,
) {
    if views.last().is_none_or(|t| t.name != view) {
        views.push(Table {
            name: view,
            is_view: true,
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            relations: Vec::new(),
        });
    }
    let Some(table) = views.last_mut() else {
        return;
    };
    table.columns.push(Column {
        name: column,
        json_type,
        cast,
        db_type,
        nullable,
        default,
        is_primary_key: false,
        auto_increment: false,
    });
}

// ---------------------------------------------------------------------------
// MySQL / MariaDB

async fn discover_mysql(
    conn: &DatabaseConnection,
    schema: Option<&str>,
) -> Result<Vec<Table>, DiscoverError> {
    use sea_orm::sea_query::Iden;
    use sea_schema::mysql::def::{ColumnDefault, ColumnKey};
    use sea_schema::mysql::discovery::SchemaDiscovery;

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
    let known = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            [database.as_str().into()],
        ))
        .await?;
    if known.is_none() {
        return Err(DiscoverError::SchemaNotFound(database));
    }

    let pool = conn.get_mysql_connection_pool().clone();
    let discovered = SchemaDiscovery::new(pool, &database)
        .discover()
        .await
        .map_err(|e| DiscoverError::Query(sqlx_error_message(&e)))?;

    let mut tables = Vec::with_capacity(discovered.tables.len());
    for def in discovered.tables {
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
        let columns = def
            .columns
            .iter()
            .map(|col| {
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
                let is_primary_key = primary_key.contains(&col.name);
                let json_type = json_type_for(&db_type);
                Column {
                    name: col.name.clone(),
                    json_type,
                    // Decimals travel as text, exact past rust_decimal's 28
                    // digits, and compare as decimals rather than doubles.
                    cast: (json_type == JsonType::Decimal).then(|| "DECIMAL(65,30)".to_owned()),
                    db_type,
                    nullable: col.null && !is_primary_key,
                    default: col.default.as_ref().and_then(|d| match d {
                        ColumnDefault::Null => None,
                        ColumnDefault::Int(i) => Some(i.to_string()),
                        ColumnDefault::Real(r) => Some(r.to_string()),
                        ColumnDefault::String(s) => Some(sql_string_literal(s)),
                        ColumnDefault::CustomExpr(s) => Some(s.clone()),
                        ColumnDefault::CurrentTimestamp => Some("CURRENT_TIMESTAMP".to_owned()),
                    }),
                    is_primary_key,
                    auto_increment: col.extra.auto_increment,
                }
            })
            .collect();
        let foreign_keys = def
            .foreign_keys
            .iter()
            .map(|fk| ForeignKey {
                columns: fk.columns.clone(),
                ref_table: fk.referenced_table.clone(),
                ref_columns: fk.referenced_columns.clone(),
            })
            .collect();
        tables.push(Table {
            name: def.info.name,
            is_view: false,
            columns,
            primary_key,
            foreign_keys,
            relations: Vec::new(),
        });
    }

    // MariaDB's JSON is a LONGTEXT with a `json_valid(col)` check: read and
    // written as JSON all the same. (MySQL has a real JSON type, and no
    // TABLE_NAME in this view: the query fails there and changes nothing.)
    let checks = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
             FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = ? AND CHECK_CLAUSE LIKE 'json_valid(%'",
            [database.as_str().into()],
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
            [database.as_str().into()],
        ))
        .await?;
    let mut views: Vec<Table> = Vec::new();
    for row in &rows {
        let view: String = get(row, 0, "")?;
        let column: String = get(row, 1, &view)?;
        let db_type: String = get(row, 2, &view)?;
        let nullable: String = get(row, 3, &view)?;
        let default: Option<String> = get(row, 4, &view)?;
        let types = (json_type_for(&db_type), None);
        push_view_column(
            &mut views,
            view,
            column,
            db_type,
            types,
            nullable.eq_ignore_ascii_case("YES"),
            default,
        );
    }
    tables.extend(views);
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ColumnType as C;
    use sea_orm::sea_query::{Alias, IntoIden, StringLen};

    #[test]
    fn sqlite_declarations_map_by_affinity_and_meaning() {
        let cases = [
            ("INTEGER", JsonType::Integer),
            ("int", JsonType::Integer),
            ("BIGINT UNSIGNED", JsonType::Integer),
            ("NVARCHAR(160)", JsonType::String),
            ("character varying(20)", JsonType::String),
            ("CLOB", JsonType::String),
            ("TEXT", JsonType::String),
            ("REAL", JsonType::Float),
            ("FLOAT", JsonType::Float),
            ("double precision", JsonType::Float),
            ("NUMERIC(10,2)", JsonType::Decimal),
            ("DECIMAL", JsonType::Decimal),
            ("money", JsonType::Decimal),
            ("BOOLEAN", JsonType::Boolean),
            ("tinyint(1)", JsonType::Boolean),
            ("TINYINT(4)", JsonType::Integer),
            ("DATE", JsonType::Date),
            ("DATETIME", JsonType::DateTime),
            ("datetime_text", JsonType::DateTime),
            ("TIMESTAMP", JsonType::DateTime),
            ("timestamp without time zone", JsonType::DateTime),
            ("timestamp(3) with time zone", JsonType::DateTimeTz),
            ("TIMESTAMPTZ", JsonType::DateTimeTz),
            ("timestamp_with_timezone_text", JsonType::DateTimeTz),
            ("TIME", JsonType::Time),
            ("time without time zone", JsonType::Time),
            ("time with time zone", JsonType::String),
            ("BLOB", JsonType::Binary),
            ("bytea", JsonType::Binary),
            ("VARBINARY(16)", JsonType::Binary),
            ("JSON", JsonType::Json),
            ("jsonb", JsonType::Json),
            ("UUID", JsonType::Uuid),
            ("interval", JsonType::String),
            ("point", JsonType::String),
            ("integer[]", JsonType::String),
            ("int4range", JsonType::String),
            ("ENUM('INT','DATE')", JsonType::String),
            ("", JsonType::String),
            ("WHATEVER", JsonType::String),
        ];
        for (declared, expected) in cases {
            assert_eq!(json_type_for(declared), expected, "{declared}");
        }
    }

    #[test]
    fn rendered_column_types_map_to_their_meaning() {
        let cases = [
            (C::Integer, "INTEGER", JsonType::Integer),
            (C::BigUnsigned, "BIGINT UNSIGNED", JsonType::Integer),
            (
                C::String(StringLen::N(160)),
                "VARCHAR(160)",
                JsonType::String,
            ),
            (C::String(StringLen::None), "VARCHAR", JsonType::String),
            (C::Text, "TEXT", JsonType::String),
            (
                C::Decimal(Some((10, 2))),
                "DECIMAL(10,2)",
                JsonType::Decimal,
            ),
            (C::Money(None), "MONEY", JsonType::Decimal),
            (C::Double, "DOUBLE", JsonType::Float),
            (C::Float, "FLOAT", JsonType::Float),
            (C::Boolean, "BOOLEAN", JsonType::Boolean),
            (C::Date, "DATE", JsonType::Date),
            (C::Time, "TIME", JsonType::Time),
            (C::DateTime, "DATETIME", JsonType::DateTime),
            (C::Timestamp, "TIMESTAMP", JsonType::DateTime),
            (
                C::TimestampWithTimeZone,
                "TIMESTAMP WITH TIME ZONE",
                JsonType::DateTimeTz,
            ),
            (C::Blob, "BLOB", JsonType::Binary),
            (C::VarBinary(StringLen::None), "VARBINARY", JsonType::Binary),
            (C::Json, "JSON", JsonType::Json),
            (C::JsonBinary, "JSONB", JsonType::Json),
            (C::Uuid, "UUID", JsonType::Uuid),
            (C::Year, "YEAR", JsonType::Integer),
            (C::Inet, "INET", JsonType::String),
            (
                C::Enum {
                    name: Alias::new("int_kind").into_iden(),
                    variants: vec![],
                },
                "ENUM",
                JsonType::String,
            ),
        ];
        for (ty, sql, json) in cases {
            assert_eq!(column_type_sql(&ty), sql);
            assert_eq!(json_type_for(sql), json, "{sql}");
        }
    }

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
