//! Cells of rows read through sea-orm (reads inside writes) and rusqlite (SQLite
//! reads) → JSON, by the column's [`JsonType`]. Outgoing values keep their JSON type
//! (numbers stay numbers, timestamps become ISO-8601 strings, binary becomes base64).
//! PostgreSQL and MySQL cells are read by their wire type in `wire`; JSON → SQL is
//! the planner's (`planner::value`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rusqlite::types::ValueRef;
use sea_orm::QueryResult;
use serde_json::Value as Json;

use crate::catalog::JsonType;
use planner::value::is_sqlite_datetime;

/// Reads column `idx` of a row as JSON, by the column's type.
///
/// PostgreSQL and MySQL rows are read by their wire type (`wire`). What is left
/// is SQLite through sea-orm (reads inside writes): dynamically typed, so a
/// value that does not decode as the declared type is read as whatever it
/// really holds, never an error.
pub fn from_row(row: &QueryResult, idx: usize, ty: JsonType) -> Json {
    if let Some(v) = super::wire::cell(row, idx, ty) {
        return v;
    }
    let typed = match ty {
        JsonType::Integer => row
            .try_get_by_index::<Option<i64>>(idx)
            .ok()
            .map(|v| v.map(Json::from)),
        JsonType::Float | JsonType::Decimal => row
            .try_get_by_index::<Option<f64>>(idx)
            .ok()
            .map(|v| v.map(Json::from)),
        JsonType::Boolean => row
            .try_get_by_index::<Option<bool>>(idx)
            .ok()
            .map(|v| v.map(Json::from)),
        // Text in a BLOB column is returned as the text it is.
        JsonType::Binary => row
            .try_get_by_index::<Option<String>>(idx)
            .ok()
            .map(|v| v.map(Json::String))
            .or_else(|| {
                row.try_get_by_index::<Option<Vec<u8>>>(idx)
                    .ok()
                    .map(|v| v.map(|b| Json::String(B64.encode(b))))
            }),
        JsonType::Json => row
            .try_get_by_index::<Option<String>>(idx)
            .ok()
            .map(|v| v.map(|s| serde_json::from_str(&s).unwrap_or(Json::String(s)))),
        JsonType::DateTime => row
            .try_get_by_index::<Option<String>>(idx)
            .ok()
            .map(|v| v.map(|s| Json::String(iso_datetime(s)))),
        _ => row
            .try_get_by_index::<Option<String>>(idx)
            .ok()
            .map(|v| v.map(Json::String)),
    };
    match typed {
        Some(v) => v.unwrap_or(Json::Null),
        None => dynamic(row, idx),
    }
}

/// SQLite's text timestamps ('2009-01-01 00:00:00') as ISO-8601 ('2009-01-01T00:00:00').
fn iso_datetime(s: String) -> String {
    if is_sqlite_datetime(&s) {
        let mut s = s;
        s.replace_range(10..11, "T");
        s
    } else {
        s
    }
}

/// Writes a SQLite value as JSON by its column's type: the mapping [`from_row`]
/// applies on SQLite (booleans from 0/1, ISO-8601 timestamps, base64 binary, JSON
/// documents parsed; a value of another type than declared as what it holds),
/// written straight into the response without a `serde_json::Value`.
pub fn write_sqlite(cell: ValueRef<'_>, ty: JsonType, out: &mut Vec<u8>) {
    // Writing numbers, strings and a parsed `Value` into a Vec cannot fail.
    match cell {
        ValueRef::Null => out.extend_from_slice(b"null"),
        ValueRef::Integer(i) if ty == JsonType::Boolean => {
            out.extend_from_slice(if i == 0 { b"false" } else { b"true" });
        }
        ValueRef::Integer(i) => {
            let _ = serde_json::to_writer(&mut *out, &i);
        }
        // Non-finite floats come out as null, as serde_json writes them.
        ValueRef::Real(f) => {
            let _ = serde_json::to_writer(&mut *out, &f);
        }
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t);
            match ty {
                JsonType::DateTime if is_sqlite_datetime(&text) => {
                    let mut iso = text.into_owned();
                    iso.replace_range(10..11, "T");
                    let _ = serde_json::to_writer(&mut *out, &iso);
                }
                JsonType::Json => match serde_json::from_str::<Json>(&text) {
                    Ok(doc) => {
                        let _ = serde_json::to_writer(&mut *out, &doc);
                    }
                    Err(_) => {
                        let _ = serde_json::to_writer(&mut *out, &*text);
                    }
                },
                _ => {
                    let _ = serde_json::to_writer(&mut *out, &*text);
                }
            }
        }
        ValueRef::Blob(b) => {
            let _ = serde_json::to_writer(&mut *out, &B64.encode(b));
        }
    }
}

/// A SQLite value as key text (see `document::Row::key`); `None` for NULL.
pub fn sqlite_key(cell: ValueRef<'_>) -> Option<String> {
    match cell {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(B64.encode(b)),
    }
}

/// Whatever the value really is, for columns whose declared type lies.
fn dynamic(row: &QueryResult, idx: usize) -> Json {
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(idx) {
        return v.map_or(Json::Null, Json::from);
    }
    if let Ok(v) = row.try_get_by_index::<Option<f64>>(idx) {
        return v.map_or(Json::Null, Json::from);
    }
    if let Ok(v) = row.try_get_by_index::<Option<String>>(idx) {
        return v.map_or(Json::Null, Json::String);
    }
    if let Ok(v) = row.try_get_by_index::<Option<Vec<u8>>>(idx) {
        return v.map_or(Json::Null, |b| Json::String(B64.encode(b)));
    }
    Json::Null
}
