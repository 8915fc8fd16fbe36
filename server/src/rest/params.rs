//! Query parameters → [`ReadInput`] and write options.
//!
//! DreamFactory's parameters, including per-relation ones (`REL.fields=`,
//! `REL.filter=`, `REL.order=`, `REL.limit=`, `REL.related=`, nesting as
//! `REL.SUB.fields=`). Unknown parameters are ignored, as DreamFactory does.

use crate::error::ApiError;
use crate::query::filter;
use crate::query::plan::{AggFunc, FieldInput, OrderInput, ReadInput};

/// The raw `(name, value)` pairs of the query string (and of a POST body sent with
/// `X-HTTP-Method: GET`).
#[derive(Debug, Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        // The last occurrence wins, so a body can override the URL.
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
            Some(v) => Err(ApiError::bad_request(format!(
                "{name} must be true or false, not '{}'.",
                short(v)
            ))),
        }
    }

    pub fn number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "{name} must be a whole number ≥ 0, not '{}'.",
                    short(v)
                ))
            }),
        }
    }

    /// DreamFactory's `limit`: below 1 means the caller sets no limit (a
    /// table read then stops at the service's `max_records`, which also caps
    /// a larger limit; a relation's rows are not limited per parent).
    pub fn limit(&self, name: &str) -> Result<Option<u64>, ApiError> {
        let Some(v) = self.get(name).map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let (negative, digits) = match v.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, v.strip_prefix('+').unwrap_or(v)),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::bad_request(format!(
                "{name} must be a whole number, not '{}' (below 1 means no limit of yours: at most the service's max_records).",
                short(v)
            )));
        }
        // Any number of digits is a number: past u64, it is just "a lot".
        let n = digits.parse::<u64>().unwrap_or(u64::MAX);
        Ok((!negative && n > 0).then_some(n))
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty())
    }
}

fn short(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}…", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}

/// Builds the read request for the table (prefix "") or a relation (prefix
/// "REL." or "REL.SUB.").
pub fn read_input(p: &Params, prefix: &str) -> Result<ReadInput, ApiError> {
    let key = |k: &str| format!("{prefix}{k}");
    let mut input = ReadInput {
        fields: p.text(&key("fields")).map(parse_fields).transpose()?,
        order: p
            .text(&key("order"))
            .map(parse_order)
            .transpose()?
            .unwrap_or_default(),
        limit: p.limit(&key("limit"))?,
        offset: p.number(&key("offset"))?,
        group: p
            .text(&key("group"))
            .map(|g| {
                g.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        ..ReadInput::default()
    };
    if let Some(f) = p.text(&key("filter")) {
        let expr = filter::parse(f)
            .map_err(|e| ApiError::bad_request(format!("Invalid {}: {e}.", key("filter"))))?;
        input.filter = Some(expr);
    }
    if let Some(related) = p.text(&key("related")) {
        for name in related.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if name == "*" {
                input.related_all = true;
                continue;
            }
            if input.related.iter().any(|(n, _)| n == name) {
                continue;
            }
            let sub = read_input(p, &format!("{prefix}{name}."))?;
            input.related.push((name.to_string(), sub));
        }
    }
    if input.related_all {
        // `related=*` with `REL.limit=2` & co.: the relations that have parameters
        // are read with them (the others with the defaults).
        const PER_RELATION: [&str; 6] = ["fields", "filter", "order", "limit", "offset", "related"];
        for (k, _) in &p.0 {
            let Some((name, param)) = k.strip_prefix(prefix).and_then(|rest| rest.split_once('.'))
            else {
                continue;
            };
            if name.is_empty()
                || !PER_RELATION.contains(&param)
                || input.related.iter().any(|(n, _)| n == name)
            {
                continue;
            }
            let sub = read_input(p, &format!("{prefix}{name}."))?;
            input.related.push((name.to_string(), sub));
        }
    }
    Ok(input)
}

/// `fields=a,b`, `*`, or aggregates `COUNT(*),SUM(Milliseconds)`.
pub fn parse_fields(text: &str) -> Result<Vec<FieldInput>, ApiError> {
    let mut out = Vec::new();
    for raw in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some(open) = raw.find('(') {
            let func = raw[..open].trim();
            let Some(inner) = raw[open + 1..].strip_suffix(')') else {
                return Err(ApiError::bad_request(format!(
                    "Invalid fields entry '{}': expected FUNC(field), as in COUNT(*) or SUM(Milliseconds).",
                    short(raw)
                )));
            };
            let func = AggFunc::parse(func).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Unknown function '{}' in fields: use COUNT, SUM, AVG, MIN or MAX.",
                    short(func)
                ))
            })?;
            let inner = inner.trim();
            let column = if inner == "*" {
                None
            } else {
                Some(inner.to_string())
            };
            out.push(FieldInput::Aggregate { func, column });
        } else {
            out.push(FieldInput::Column(raw.to_string()));
        }
    }
    Ok(out)
}

/// `order=Title desc,AlbumId` (`asc`/`desc`, case-insensitive).
pub fn parse_order(text: &str) -> Result<Vec<OrderInput>, ApiError> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut words = item.split_whitespace();
        let column = words.next().unwrap_or_default().to_string();
        let desc = match words.next() {
            None => false,
            Some(w) if w.eq_ignore_ascii_case("asc") => false,
            Some(w) if w.eq_ignore_ascii_case("desc") => true,
            Some(w) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid order '{}': after the field name, only 'asc' or 'desc' may follow, not '{}'.",
                    short(item),
                    short(w)
                )));
            }
        };
        if words.next().is_some() {
            return Err(ApiError::bad_request(format!(
                "Invalid order '{}': expected 'field [asc|desc]'.",
                short(item)
            )));
        }
        out.push(OrderInput {
            column,
            desc,
            nulls_first: None,
        });
    }
    Ok(out)
}

/// How a multi-record write treats a failing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    /// Default: one transaction, nothing written if any record fails.
    AllOrNothing,
    /// `continue=true`: keep the good records, report the bad ones.
    Continue,
}

pub fn batch_mode(p: &Params) -> Result<BatchMode, ApiError> {
    let cont = p.flag("continue")?;
    let rollback = p.get("rollback").map(|_| p.flag("rollback")).transpose()?;
    match (cont, rollback) {
        (true, Some(true)) => Err(ApiError::bad_request(
            "continue=true and rollback=true contradict each other: choose one.",
        )),
        (true, _) => Ok(BatchMode::Continue),
        _ => Ok(BatchMode::AllOrNothing),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn nested_related_params() {
        let params = p(&[
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.limit", "2"),
            ("Track_by_AlbumId.related", "Genre_by_GenreId"),
            ("Track_by_AlbumId.Genre_by_GenreId.fields", "Name"),
        ]);
        let input = read_input(&params, "").unwrap();
        let (name, sub) = &input.related[0];
        assert_eq!(name, "Track_by_AlbumId");
        assert_eq!(sub.limit, Some(2));
        assert_eq!(
            sub.related[0].1.fields,
            Some(vec![FieldInput::Column("Name".into())])
        );
    }

    #[test]
    fn order_and_fields() {
        assert_eq!(
            parse_order("Title desc, AlbumId").unwrap(),
            vec![
                OrderInput {
                    column: "Title".into(),
                    desc: true,
                    nulls_first: None,
                },
                OrderInput {
                    column: "AlbumId".into(),
                    desc: false,
                    nulls_first: None,
                }
            ]
        );
        assert!(parse_order("Title sideways").is_err());
        assert!(parse_fields("LOWER(Title)").is_err());
        assert_eq!(
            parse_fields("COUNT(*)").unwrap(),
            vec![FieldInput::Aggregate {
                func: AggFunc::Count,
                column: None
            }]
        );
    }

    #[test]
    fn continue_with_rollback_is_refused() {
        assert!(batch_mode(&p(&[("continue", "true"), ("rollback", "true")])).is_err());
        assert_eq!(
            batch_mode(&p(&[("continue", "true")])).unwrap(),
            BatchMode::Continue
        );
    }
}
