//! Declared SQL type names → the catalog's [`JsonType`] and, for the types
//! that travel as text, the SQL type a bound value is cast to
//! (`Column::cast`). Every backend's discovery and the SeaORM entity path
//! meet here, so one declared type means the same JSON everywhere.
//!
//! # The mapping
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

use crate::catalog::JsonType;

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

/// The JSON type of a MySQL/MariaDB table column and its cast: decimals
/// travel as text, exact past rust_decimal's 28 digits, and compare as
/// decimals rather than doubles.
pub(super) fn mysql_types(db_type: &str) -> (JsonType, Option<String>) {
    let json_type = json_type_for(db_type);
    let cast = (json_type == JsonType::Decimal).then(|| "DECIMAL(65,30)".to_owned());
    (json_type, cast)
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
    fn mysql_decimals_travel_as_text() {
        assert_eq!(
            mysql_types("decimal(10,2)"),
            (JsonType::Decimal, Some("DECIMAL(65,30)".to_owned()))
        );
        assert_eq!(mysql_types("int(11)"), (JsonType::Integer, None));
        assert_eq!(mysql_types("varchar(20)"), (JsonType::String, None));
    }
}
