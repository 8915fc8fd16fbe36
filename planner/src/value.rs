//! JSON ⇄ SQL values, driven by the catalog's [`JsonType`] of each column.
//!
//! Incoming values (request bodies, filter literals, ids) are coerced to the column's
//! type here, so a wrong type is a 400 before any SQL runs and every backend sees
//! the same typed parameter. Reading cells back needs a driver's row type, so that
//! half lives with the drivers in the server (`query::cells`, `query::wire`); the
//! helpers both halves share (decimals, key text, SQLite timestamps) are here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use sea_query::Value;
use serde_json::Value as Json;

use crate::Backend;
use crate::catalog::{Column, JsonType};

/// Why a value does not fit its column; rendered into a 400 sentence by the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

fn wrong(col: &Column, expected: &str, got: &Json) -> ValueError {
    let shown = match got {
        Json::String(s) if s.chars().count() > 40 => {
            format!("'{}…'", s.chars().take(40).collect::<String>())
        }
        Json::String(s) => format!("'{s}'"),
        Json::Array(_) => "an array".into(),
        Json::Object(_) => "an object".into(),
        other => other.to_string(),
    };
    ValueError(format!(
        "field '{}' expects {expected}, got {shown}",
        col.name
    ))
}

/// A typed NULL, so that drivers that care about parameter types (PostgreSQL) get one.
pub fn null_of(ty: JsonType, backend: Backend) -> Value {
    match ty {
        JsonType::Integer => Value::BigInt(None),
        JsonType::Float => Value::Double(None),
        JsonType::Decimal if backend == Backend::Sqlite => Value::Double(None),
        JsonType::Decimal => Value::Decimal(None),
        JsonType::Boolean => Value::Bool(None),
        JsonType::Json => Value::Json(None),
        JsonType::Binary => Value::Bytes(None),
        JsonType::Uuid if backend == Backend::Postgres => Value::Uuid(None),
        JsonType::Date if backend != Backend::Sqlite => Value::ChronoDate(None),
        JsonType::Time if backend != Backend::Sqlite => Value::ChronoTime(None),
        JsonType::DateTime if backend != Backend::Sqlite => Value::ChronoDateTime(None),
        JsonType::DateTimeTz if backend != Backend::Sqlite => {
            Value::ChronoDateTimeWithTimeZone(None)
        }
        _ => Value::String(None),
    }
}

/// A typed parameter back as JSON, as a read of it would answer (`5`, not the
/// `"5"` a client may have sent): keys given in a request are answered from
/// their typed value. `None` for what a read answers differently (timestamps
/// stored in SQLite's text form, binary), which callers take as it was given.
pub fn to_json(ty: JsonType, v: &Value) -> Option<Json> {
    if matches!(
        ty,
        JsonType::Date
            | JsonType::Time
            | JsonType::DateTime
            | JsonType::DateTimeTz
            | JsonType::Binary
            | JsonType::Json
    ) {
        return None;
    }
    Some(match v {
        Value::Bool(b) => b.map_or(Json::Null, Json::Bool),
        Value::TinyInt(i) => i.map_or(Json::Null, Json::from),
        Value::SmallInt(i) => i.map_or(Json::Null, Json::from),
        Value::Int(i) => i.map_or(Json::Null, Json::from),
        Value::BigInt(i) => i.map_or(Json::Null, Json::from),
        Value::TinyUnsigned(i) => i.map_or(Json::Null, Json::from),
        Value::SmallUnsigned(i) => i.map_or(Json::Null, Json::from),
        Value::Unsigned(i) => i.map_or(Json::Null, Json::from),
        Value::BigUnsigned(i) => i.map_or(Json::Null, Json::from),
        Value::Double(f) => f.map_or(Json::Null, Json::from),
        Value::String(s) => s.clone().map_or(Json::Null, Json::String),
        Value::Uuid(u) => u.map_or(Json::Null, |u| Json::String(u.to_string())),
        Value::Decimal(d) => d.map_or(Json::Null, decimal_json),
        _ => return None,
    })
}

/// Converts a JSON value from a request into a parameter for `col`.
pub fn to_sql(col: &Column, v: &Json, backend: Backend) -> Result<Value, ValueError> {
    if v.is_null() {
        return Ok(null_of(col.json_type, backend));
    }
    let sqlite = backend == Backend::Sqlite;
    Ok(match col.json_type {
        // MySQL's BIGINT UNSIGNED goes past i64.
        JsonType::Integer
            if backend == Backend::MySql && as_i64(v).is_none() && as_u64(v).is_some() =>
        {
            Value::BigUnsigned(as_u64(v))
        }
        JsonType::Integer => {
            Value::BigInt(Some(as_i64(v).ok_or_else(|| wrong(col, "an integer", v))?))
        }
        JsonType::Float => Value::Double(Some(as_f64(v).ok_or_else(|| wrong(col, "a number", v))?)),
        // Exact at any precision: the text is cast to numeric by the database.
        JsonType::Decimal if col.cast.is_some() => Value::String(Some(
            decimal_text(v).ok_or_else(|| wrong(col, "a decimal number", v))?,
        )),
        // A JSON array, or (from a filter, which has no arrays) PostgreSQL's
        // own literal, `'{1,2}'`; the database checks the elements either way.
        JsonType::Array => match v {
            Json::Array(items) => Value::String(Some(pg_array_literal(items))),
            Json::String(s) if s.trim_start().starts_with('{') => Value::String(Some(s.clone())),
            _ => return Err(wrong(col, "an array", v)),
        },
        JsonType::Decimal => {
            let d = as_decimal(v).ok_or_else(|| wrong(col, "a decimal number", v))?;
            if sqlite {
                Value::Double(Some(
                    d.to_string()
                        .parse::<f64>()
                        .map_err(|_| wrong(col, "a decimal number", v))?,
                ))
            } else {
                Value::Decimal(Some(d))
            }
        }
        JsonType::Boolean => Value::Bool(Some(
            as_bool(v).ok_or_else(|| wrong(col, "true or false", v))?,
        )),
        JsonType::String => match v {
            Json::String(s) => Value::String(Some(s.clone())),
            Json::Number(n) => Value::String(Some(n.to_string())),
            Json::Bool(b) => Value::String(Some(b.to_string())),
            _ => return Err(wrong(col, "a string", v)),
        },
        JsonType::Uuid => {
            let s = v.as_str().ok_or_else(|| wrong(col, "a UUID string", v))?;
            let u = uuid::Uuid::parse_str(s).map_err(|_| wrong(col, "a UUID string", v))?;
            if backend == Backend::Postgres {
                Value::Uuid(Some(u))
            } else {
                Value::String(Some(u.to_string()))
            }
        }
        JsonType::Date => {
            let s = v
                .as_str()
                .ok_or_else(|| wrong(col, "a date 'YYYY-MM-DD'", v))?;
            let d = parse_date(s).ok_or_else(|| wrong(col, "a date 'YYYY-MM-DD'", v))?;
            if sqlite {
                Value::String(Some(d.format("%Y-%m-%d").to_string()))
            } else {
                Value::ChronoDate(Some(d))
            }
        }
        JsonType::Time => {
            let s = v
                .as_str()
                .ok_or_else(|| wrong(col, "a time 'HH:MM:SS'", v))?;
            let t = parse_time(s).ok_or_else(|| wrong(col, "a time 'HH:MM:SS'", v))?;
            if sqlite {
                Value::String(Some(t.format("%H:%M:%S%.f").to_string()))
            } else {
                Value::ChronoTime(Some(t))
            }
        }
        JsonType::DateTime => {
            let s = v
                .as_str()
                .ok_or_else(|| wrong(col, "an ISO-8601 timestamp", v))?;
            match parse_datetime(s) {
                // SQLite keeps timestamps as text: store and compare in its own
                // canonical form ('YYYY-MM-DD HH:MM:SS'), which sorts correctly.
                Some(dt) if sqlite => {
                    Value::String(Some(dt.format("%Y-%m-%d %H:%M:%S%.f").to_string()))
                }
                Some(dt) => Value::ChronoDateTime(Some(dt)),
                // A bare date compares as the start of that day (on SQLite too:
                // '2021-01-01' would sort before '2021-01-01 00:00:00').
                None => match parse_date(s) {
                    Some(d) if sqlite => {
                        Value::String(Some(d.format("%Y-%m-%d 00:00:00").to_string()))
                    }
                    Some(d) => Value::ChronoDateTime(d.and_hms_opt(0, 0, 0)),
                    None => return Err(wrong(col, "an ISO-8601 timestamp", v)),
                },
            }
        }
        JsonType::DateTimeTz => {
            let s = v
                .as_str()
                .ok_or_else(|| wrong(col, "an ISO-8601 timestamp with offset", v))?;
            let dt = DateTime::parse_from_rfc3339(s)
                .ok()
                .or_else(|| parse_datetime(s).map(|n| n.and_utc().fixed_offset()))
                .ok_or_else(|| wrong(col, "an ISO-8601 timestamp with offset", v))?;
            if sqlite {
                Value::String(Some(dt.to_rfc3339()))
            } else {
                Value::ChronoDateTimeWithTimeZone(Some(dt))
            }
        }
        JsonType::Json => {
            if sqlite {
                Value::String(Some(v.to_string()))
            } else {
                Value::Json(Some(Box::new(v.clone())))
            }
        }
        JsonType::Binary => {
            let s = v.as_str().ok_or_else(|| wrong(col, "a base64 string", v))?;
            Value::Bytes(Some(
                B64.decode(s)
                    .map_err(|_| wrong(col, "a base64 string", v))?,
            ))
        }
    })
}

fn as_i64(v: &Json) -> Option<i64> {
    match v {
        Json::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Json::String(s) => s.trim().parse().ok(),
        Json::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn as_u64(v: &Json) -> Option<u64> {
    match v {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn as_decimal(v: &Json) -> Option<Decimal> {
    let text = match v {
        Json::Number(n) => n.to_string(),
        Json::String(s) => s.trim().to_string(),
        _ => return None,
    };
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

/// A JSON number, or a string holding one, as decimal text (any precision).
fn decimal_text(v: &Json) -> Option<String> {
    let text = match v {
        Json::Number(n) => n.to_string(),
        Json::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    let digits = text.trim_start_matches(['-', '+']);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let exp_ok = |s: &str| s.is_empty() || s.bytes().all(|b| b.is_ascii_digit());
    let (frac, exp) = match frac.split_once(['e', 'E']) {
        Some((f, e)) => (f, e.trim_start_matches(['-', '+'])),
        None => (frac, ""),
    };
    let ok = !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && exp_ok(exp);
    ok.then_some(text)
}

/// A PostgreSQL array literal (`{1,"a \"b\"",NULL}`) for a JSON array; the
/// database casts it to the column's array type, checking every element.
pub fn pg_array_literal(items: &[Json]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Json::Null => out.push_str("NULL"),
            Json::Array(inner) => out.push_str(&pg_array_literal(inner)),
            Json::String(s) => quote_array_item(s, &mut out),
            other => quote_array_item(&other.to_string(), &mut out),
        }
    }
    out.push('}');
    out
}

fn quote_array_item(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn as_bool(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Json::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt);
        }
    }
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.naive_utc())
}

/// Whether SQLite text is a timestamp in its own format (`2009-01-01 00:00:00`),
/// which the drivers write as ISO-8601.
pub fn is_sqlite_datetime(s: &str) -> bool {
    s.len() >= 19 && s.as_bytes().get(10) == Some(&b' ') && parse_datetime(s).is_some()
}

/// A JSON cell read by a driver as key text; `None` for null.
pub fn json_key(v: Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// A decimal as a JSON number when f64 carries it exactly, else as a string.
pub fn decimal_json(d: Decimal) -> Json {
    let text = d.normalize().to_string();
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && format_f64(f) == text => Json::from(f),
        _ => Json::String(d.to_string()),
    }
}

/// Decimal text from the database (`'1.98'`, 40 digits, `'NaN'`) as a JSON number
/// when f64 carries it exactly (up to 15 significant digits), else as the string.
pub fn decimal_text_json(text: &str) -> Option<Json> {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let significant = text
        .trim_start_matches(['-', '+', '0', '.'])
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    if !text.contains(['.', 'e', 'E'])
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(Json::from(i));
    }
    if digits > 0
        && significant <= 15
        && !text.contains(['e', 'E'])
        && let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    {
        return Some(Json::Number(n));
    }
    Some(Json::String(text.to_owned()))
}

fn format_f64(f: f64) -> String {
    let s = f.to_string();
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn col(ty: JsonType) -> Column {
        Column {
            name: "c".into(),
            db_type: "X".into(),
            json_type: ty,
            nullable: true,
            default: None,
            is_primary_key: false,
            auto_increment: false,
            cast: None,
        }
    }

    #[test]
    fn coerces_and_rejects() {
        let b = Backend::Sqlite;
        assert_eq!(
            to_sql(&col(JsonType::Integer), &Json::from("12"), b).unwrap(),
            Value::BigInt(Some(12))
        );
        assert!(to_sql(&col(JsonType::Integer), &Json::from("x"), b).is_err());
        assert!(to_sql(&col(JsonType::Integer), &Json::from(1.5), b).is_err());
        assert_eq!(
            to_sql(
                &col(JsonType::DateTime),
                &Json::from("2009-01-01T00:00:00"),
                b
            )
            .unwrap(),
            Value::String(Some("2009-01-01 00:00:00".into()))
        );
        assert!(to_sql(&col(JsonType::String), &serde_json::json!({"a":1}), b).is_err());
    }

    #[test]
    fn decimals_stay_exact() {
        assert_eq!(decimal_json("0.99".parse().unwrap()), Json::from(0.99));
        assert_eq!(
            decimal_json("12345678901234567890.12".parse().unwrap()),
            Json::String("12345678901234567890.12".into())
        );
    }
}
