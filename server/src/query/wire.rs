//! PostgreSQL and MySQL cells → JSON, decoded by the type the server says the
//! value has on the wire, not by what the catalog expects.
//!
//! The wire type is the truth: a PostgreSQL `int4` does not decode as `i64`, an
//! aggregate (`SUM(int4)` is `int8`, `AVG` is `numeric`) has no catalog column at
//! all, and a MySQL `DECIMAL` travels as text. The catalog's [`JsonType`] only
//! settles what the wire cannot say: a MySQL `TINYINT(1)` or MariaDB `JSON`
//! (a `LONGTEXT`) column. The mapping is documented in `docs/types.md`.
//!
//! Types without a mapping here are selected as text by `sql` (PostgreSQL
//! `interval`, `inet`, … and arrays as JSON), so they arrive as one of these.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sea_orm::QueryResult;
use sea_orm::sqlx::mysql::{MySql, MySqlRow};
use sea_orm::sqlx::postgres::{PgRow, PgValueFormat, PgValueRef, Postgres};
use sea_orm::sqlx::{Decode, Row as _, TypeInfo, ValueRef};
use serde_json::Value as Json;

use super::value::decimal_text_json;
use crate::catalog::JsonType;

/// A cell of a PostgreSQL or MySQL row as JSON; `None` when the row is neither
/// (SQLite rows are read by `value::from_row`).
pub fn cell(row: &QueryResult, idx: usize, ty: JsonType) -> Option<Json> {
    if let Some(r) = row.try_as_pg_row() {
        return Some(pg_cell(r, idx, ty));
    }
    row.try_as_mysql_row().map(|r| mysql_cell(r, idx, ty))
}

/// Writes a cell straight into a response, without a `serde_json::Value`, for
/// the types that fill most rows (numbers, text, booleans on PostgreSQL);
/// the rest go through [`cell`]. Returns false for a SQLite row.
pub fn write_json(row: &QueryResult, idx: usize, ty: JsonType, out: &mut Vec<u8>) -> bool {
    if let Some(r) = row.try_as_pg_row() {
        if !write_pg_fast(r, idx, ty, out) {
            let _ = serde_json::to_writer(&mut *out, &pg_cell(r, idx, ty));
        }
        return true;
    }
    match row.try_as_mysql_row() {
        Some(r) => {
            let _ = serde_json::to_writer(&mut *out, &mysql_cell(r, idx, ty));
            true
        }
        None => false,
    }
}

/// PostgreSQL type OIDs of the fast path (`pg_type.dat`).
mod oid {
    pub const BOOL: u32 = 16;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const NUMERIC: u32 = 1700;
}

/// The fast path of [`write_json`]: binary-format values of the common types,
/// decoded from their bytes. False when the cell needs the general path.
fn write_pg_fast(row: &PgRow, idx: usize, ty: JsonType, out: &mut Vec<u8>) -> bool {
    let Ok(v) = row.try_get_raw(idx) else {
        return false;
    };
    if v.is_null() {
        out.extend_from_slice(b"null");
        return true;
    }
    if v.format() != PgValueFormat::Binary {
        return false;
    }
    let Some(type_oid) = v.type_info().oid().map(|o| o.0) else {
        return false;
    };
    let Ok(b) = v.as_bytes() else {
        return false;
    };
    let mut itoa = itoa::Buffer::new();
    match (type_oid, b.len()) {
        (oid::BOOL, 1) => out.extend_from_slice(if b[0] != 0 { b"true" } else { b"false" }),
        (oid::INT2, 2) => {
            out.extend_from_slice(itoa.format(i16::from_be_bytes([b[0], b[1]])).as_bytes())
        }
        (oid::INT4, 4) => out.extend_from_slice(
            itoa.format(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                .as_bytes(),
        ),
        (oid::INT8, 8) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            out.extend_from_slice(itoa.format(i64::from_be_bytes(a)).as_bytes());
        }
        (oid::FLOAT8, 8) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            let _ = serde_json::to_writer(&mut *out, &float(f64::from_be_bytes(a)));
        }
        (oid::FLOAT4, 4) => {
            let f = f32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            let _ = serde_json::to_writer(&mut *out, &float32(f));
        }
        (oid::TEXT | oid::VARCHAR | oid::BPCHAR, _) => match std::str::from_utf8(b) {
            Ok(text) => {
                let _ = serde_json::to_writer(&mut *out, text);
            }
            Err(_) => return false,
        },
        (oid::NUMERIC, _) => {
            let Some(text) = pg_numeric_text(b) else {
                return false;
            };
            let json = if ty == JsonType::Float {
                as_float(&text)
            } else {
                decimal_text_json(&text)
            };
            let _ = serde_json::to_writer(&mut *out, &json.unwrap_or(Json::Null));
        }
        _ => return false,
    }
    true
}

fn date(d: NaiveDate) -> Json {
    Json::String(d.format("%Y-%m-%d").to_string())
}

fn time(t: NaiveTime) -> Json {
    Json::String(t.format("%H:%M:%S%.f").to_string())
}

fn datetime(t: NaiveDateTime) -> Json {
    Json::String(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())
}

fn datetime_tz(t: DateTime<Utc>) -> Json {
    Json::String(t.to_rfc3339())
}

fn float(f: f64) -> Json {
    serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
}

/// An `f32` by its shortest decimal spelling (0.1f32 is 0.1, not 0.100000001).
fn float32(f: f32) -> Json {
    f.to_string().parse::<f64>().map_or(Json::Null, float)
}

fn pg_cell(row: &PgRow, idx: usize, ty: JsonType) -> Json {
    let Ok(v) = row.try_get_raw(idx) else {
        return Json::Null;
    };
    if v.is_null() {
        return Json::Null;
    }
    let info = v.type_info().into_owned();
    pg_value(v, info.name(), ty).unwrap_or(Json::Null)
}

/// A numeric where a float is expected (`AVG`, `SUM` of floats: the planner's
/// type): a JSON number, as SQLite answers.
fn as_float(text: &str) -> Option<Json> {
    text.parse::<f64>().ok().map(float)
}

fn pg_value(v: PgValueRef<'_>, name: &str, ty: JsonType) -> Option<Json> {
    fn dec<'r, T: Decode<'r, Postgres>>(v: PgValueRef<'r>) -> Option<T> {
        T::decode(v).ok()
    }
    Some(match name {
        "BOOL" => Json::Bool(dec::<bool>(v)?),
        "INT2" => Json::from(dec::<i16>(v)?),
        "INT4" => Json::from(dec::<i32>(v)?),
        "INT8" => Json::from(dec::<i64>(v)?),
        "OID" => Json::from(dec::<sea_orm::sqlx::postgres::types::Oid>(v)?.0),
        "FLOAT4" => float32(dec::<f32>(v)?),
        "FLOAT8" => float(dec::<f64>(v)?),
        "NUMERIC" => {
            let text = match v.format() {
                PgValueFormat::Binary => pg_numeric_text(v.as_bytes().ok()?)?,
                PgValueFormat::Text => v.as_str().ok()?.to_owned(),
            };
            if ty == JsonType::Float {
                as_float(&text)?
            } else {
                decimal_text_json(&text)?
            }
        }
        "DATE" => date(dec::<NaiveDate>(v)?),
        "TIME" => time(dec::<NaiveTime>(v)?),
        "TIMESTAMP" => datetime(dec::<NaiveDateTime>(v)?),
        "TIMESTAMPTZ" => datetime_tz(dec::<DateTime<Utc>>(v)?),
        "UUID" => Json::String(dec::<uuid::Uuid>(v)?.to_string()),
        "JSON" | "JSONB" => dec::<Json>(v)?,
        "BYTEA" => Json::String(B64.encode(dec::<Vec<u8>>(v)?)),
        // Text types, and enums, whose binary form is their label.
        _ => Json::String(v.as_str().ok()?.to_owned()),
    })
}

/// PostgreSQL's binary NUMERIC (base-10000 digits with a weight) as decimal text,
/// exact at any precision (rust_decimal stops at 28 digits).
fn pg_numeric_text(b: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<i32> {
        Some(i32::from(i16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])))
    };
    let ndigits = usize::try_from(word(0)?).ok()?;
    let weight = word(2)?;
    let sign = u16::from_be_bytes([*b.get(4)?, *b.get(5)?]);
    let dscale = usize::try_from(word(6)?).ok()?;
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<i32> = (0..ndigits)
        .map(|i| word(8 + 2 * i))
        .collect::<Option<_>>()?;
    let mut int = String::new();
    let mut frac = String::new();
    // Digit i stands for digits[i] × 10000^(weight − i).
    for pos in 0..=weight.max(-1) {
        let d = usize::try_from(pos)
            .ok()
            .and_then(|p| digits.get(p))
            .copied()
            .unwrap_or(0);
        if int.is_empty() {
            if d != 0 {
                int = d.to_string();
            }
        } else {
            int.push_str(&format!("{d:04}"));
        }
    }
    if int.is_empty() {
        int.push('0');
    }
    let mut pos = weight + 1;
    while frac.len() < dscale {
        let d = usize::try_from(pos)
            .ok()
            .and_then(|p| digits.get(p))
            .copied()
            .unwrap_or(0);
        let d = if pos < 0 { 0 } else { d };
        frac.push_str(&format!("{d:04}"));
        pos += 1;
    }
    frac.truncate(dscale);
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    out.push_str(&int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    Some(out)
}

fn mysql_cell(row: &MySqlRow, idx: usize, ty: JsonType) -> Json {
    let Ok(v) = row.try_get_raw(idx) else {
        return Json::Null;
    };
    if v.is_null() {
        return Json::Null;
    }
    let name = v.type_info().name().to_owned();
    fn dec<'r, T: Decode<'r, MySql>>(v: sea_orm::sqlx::mysql::MySqlValueRef<'r>) -> Option<T> {
        T::decode(v).ok()
    }
    let text = |v| dec::<&str>(v).map(str::to_owned);
    let out = match name.as_str() {
        "BOOLEAN" => dec::<i8>(v).map(|i| Json::Bool(i != 0)),
        "TINYINT" | "SMALLINT" | "INT" | "MEDIUMINT" | "BIGINT" if ty == JsonType::Boolean => {
            dec::<i64>(v).map(|i| Json::Bool(i != 0))
        }
        "TINYINT" | "SMALLINT" | "INT" | "MEDIUMINT" | "BIGINT" => dec::<i64>(v).map(Json::from),
        n if n.ends_with("UNSIGNED") => dec::<u64>(v).map(Json::from),
        "YEAR" => dec::<u16>(v).map(Json::from),
        "FLOAT" => dec::<f32>(v).map(float32),
        "DOUBLE" => dec::<f64>(v).map(float),
        "DECIMAL" if ty == JsonType::Float => text(v).and_then(|t| as_float(&t)),
        "DECIMAL" => text(v).and_then(|t| decimal_text_json(&t)),
        "DATE" => dec::<NaiveDate>(v).map(date),
        "TIME" => dec::<NaiveTime>(v).map(time),
        "DATETIME" => dec::<NaiveDateTime>(v).map(datetime),
        // MySQL keeps TIMESTAMP in UTC and shows it in the session's zone, which
        // apiforge sets to UTC: it reads as the instant it is.
        "TIMESTAMP" if ty == JsonType::DateTimeTz => dec::<DateTime<Utc>>(v).map(datetime_tz),
        "TIMESTAMP" => dec::<NaiveDateTime>(v).map(datetime),
        "JSON" => dec::<Json>(v),
        "BIT" => dec::<u64>(v).map(|i| {
            if ty == JsonType::Boolean {
                Json::Bool(i != 0)
            } else {
                Json::from(i)
            }
        }),
        // The binary flag is also set on text with a `_bin` collation: a
        // binary column, or bytes that are not text, are base64.
        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" | "GEOMETRY"
            if ty == JsonType::Binary
                || row.try_get_raw(idx).ok().and_then(dec::<&str>).is_none() =>
        {
            dec::<Vec<u8>>(v).map(|b| Json::String(B64.encode(b)))
        }
        _ => text(v).map(|t| match ty {
            // MariaDB's JSON is a LONGTEXT with a json_valid() check.
            JsonType::Json => serde_json::from_str(&t).unwrap_or(Json::String(t)),
            _ => Json::String(t),
        }),
    };
    out.unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    use super::pg_numeric_text;

    fn numeric(ndigits: i16, weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [ndigits, weight] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        b.extend_from_slice(&sign.to_be_bytes());
        b.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b
    }

    #[test]
    fn numeric_binary_to_text() {
        // 1.98
        assert_eq!(
            pg_numeric_text(&numeric(2, 0, 0, 2, &[1, 9800])).as_deref(),
            Some("1.98")
        );
        // 0.0001
        assert_eq!(
            pg_numeric_text(&numeric(1, -1, 0, 4, &[1])).as_deref(),
            Some("0.0001")
        );
        // -123456789.5
        assert_eq!(
            pg_numeric_text(&numeric(4, 2, 0x4000, 1, &[1, 2345, 6789, 5000])).as_deref(),
            Some("-123456789.5")
        );
        // 12345678901234567890123456789012345 (beyond rust_decimal)
        assert_eq!(
            pg_numeric_text(&numeric(
                9,
                8,
                0,
                0,
                &[123, 4567, 8901, 2345, 6789, 123, 4567, 8901, 2345]
            ))
            .as_deref(),
            Some("12345678901234567890123456789012345")
        );
        // 0 with scale 2
        assert_eq!(
            pg_numeric_text(&numeric(0, 0, 0, 2, &[])).as_deref(),
            Some("0.00")
        );
        // 10000 (one digit of weight 1)
        assert_eq!(
            pg_numeric_text(&numeric(1, 1, 0, 0, &[1])).as_deref(),
            Some("10000")
        );
    }
}
