//! Query parameters → [`ReadInput`] and write options.
//!
//! DreamFactory's parameters, including per-relation ones (`REL.fields=`,
//! `REL.filter=`, `REL.order=`, `REL.limit=`, `REL.related=`, nesting as
//! `REL.SUB.fields=`). Unknown parameters are ignored, as DreamFactory does.

use std::collections::{HashMap, HashSet};

use crate::error::ApiError;
use crate::query::filter;
use crate::query::plan::{AggFunc, FieldInput, MAX_RELATED_DEPTH, OrderInput, ReadInput};

/// The raw `(name, value)` pairs of the query string (and of a POST body sent with
/// `X-HTTP-Method: GET`), indexed by name once: a request may carry tens of
/// thousands of parameters, and each relation reads several of them, so a scan
/// per lookup would make planning quadratic in the request's size.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// Name → position of its last occurrence (the last one wins, so that a
    /// body can override the URL).
    index: HashMap<String, usize>,
}

impl From<Vec<(String, String)>> for Params {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut p = Params::default();
        for (k, v) in pairs {
            p.push(k, v);
        }
        p
    }
}

impl Params {
    pub fn push(&mut self, name: String, value: String) {
        self.index.insert(name.clone(), self.pairs.len());
        self.pairs.push((name, value));
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.index
            .get(name)
            .and_then(|&i| self.pairs.get(i))
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter name, once each (in the order of their last occurrence).
    fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| self.index.get(k) == Some(i))
            .map(|(_, (k, _))| k.as_str())
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

/// The parameters a relation may have of its own (`REL.limit=2`).
const PER_RELATION: [&str; 6] = ["fields", "filter", "order", "limit", "offset", "related"];

/// Builds the read request for the table and, through `related=` and the
/// per-relation parameters (`REL.fields=`, `REL.SUB.limit=`…), its relations.
///
/// Each level names at most `max_items` relations (the service's
/// `max_list_items`), counted after repeats are removed, so that a request
/// costs time in proportion to its size and a long list is refused before
/// any of it is planned.
pub fn read_input(p: &Params, max_items: usize) -> Result<ReadInput, ApiError> {
    let children = relation_params(p);
    read_level(p, &children, "", 0, max_items)
}

/// The relations that have parameters of their own, by the prefix they hang
/// under ("" for the table, "REL." for a relation's): what `related=*` reads
/// with parameters. Each once, found in one pass over the parameters.
fn relation_params(p: &Params) -> HashMap<&str, Vec<&str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for k in p.names() {
        let Some((path, param)) = k.rsplit_once('.') else {
            continue;
        };
        if !PER_RELATION.contains(&param) {
            continue;
        }
        let (prefix, name) = match path.rsplit_once('.') {
            Some((parent, name)) => (&k[..=parent.len()], name),
            None => ("", path),
        };
        if !name.is_empty() && seen.insert(path) {
            out.entry(prefix).or_default().push(name);
        }
    }
    out
}

/// One level of [`read_input`]: the table's (prefix "") or a relation's
/// (prefix "REL." or "REL.SUB."), `depth` relations down.
fn read_level(
    p: &Params,
    children: &HashMap<&str, Vec<&str>>,
    prefix: &str,
    depth: usize,
    max_items: usize,
) -> Result<ReadInput, ApiError> {
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

    // Repeats first removed, then counted: 30,000 copies of one name are one
    // relation, 30,000 different names are refused at the first past the cap.
    let mut names: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut add = |name| {
        if seen.insert(name) {
            if seen.len() > max_items {
                return Err(ApiError::bad_request(format!(
                    "{} names more than {max_items} relations; at most {max_items} are accepted (the service's max_list_items setting).",
                    key("related=")
                )));
            }
            names.push(name);
        }
        Ok(())
    };
    if let Some(related) = p.text(&key("related")) {
        for name in related.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if name == "*" {
                input.related_all = true;
            } else {
                add(name)?;
            }
        }
    }
    if input.related_all {
        // `related=*` with `REL.limit=2` & co.: the relations that have
        // parameters are read with them (the others with the defaults).
        for &name in children.get(prefix).into_iter().flatten() {
            add(name)?;
        }
    }
    // Refused here as the planner would, before reading deeper levels.
    if (input.related_all || !names.is_empty()) && depth >= MAX_RELATED_DEPTH {
        return Err(ApiError::bad_request(format!(
            "related= nests at most {MAX_RELATED_DEPTH} levels deep."
        )));
    }
    for name in names {
        let sub = read_level(
            p,
            children,
            &format!("{prefix}{name}."),
            depth + 1,
            max_items,
        )?;
        input.related.push((name.to_string(), sub));
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
        Params::from(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>(),
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
        let input = read_input(&params, 10).unwrap();
        let (name, sub) = &input.related[0];
        assert_eq!(name, "Track_by_AlbumId");
        assert_eq!(sub.limit, Some(2));
        assert_eq!(
            sub.related[0].1.fields,
            Some(vec![FieldInput::Column("Name".into())])
        );
    }

    #[test]
    fn the_last_occurrence_wins() {
        let params = p(&[("limit", "1"), ("fields", "Title"), ("limit", "2")]);
        assert_eq!(params.get("limit"), Some("2"));
        assert_eq!(params.names().collect::<Vec<_>>(), ["fields", "limit"]);
    }

    #[test]
    fn related_names_are_counted_once_then_capped() {
        let names = vec!["A"; 50].join(",");
        let input = read_input(&p(&[("related", &names)]), 2).unwrap();
        assert_eq!(input.related.len(), 1);
        assert!(read_input(&p(&[("related", "A,B")]), 2).is_ok());
        let err = read_input(&p(&[("related", "A,B,C")]), 2).unwrap_err();
        assert!(err.to_string().contains("max_list_items"), "{err}");
        // Under `related=*`, relations named only by their own parameters
        // count too, once each whatever their number of parameters.
        let star = |n: usize| {
            let mut pairs = vec![("related".to_string(), "*".to_string())];
            for i in 0..n {
                pairs.push((format!("R{i}.limit"), "1".into()));
                pairs.push((format!("R{i}.fields"), "x".into()));
            }
            Params::from(pairs)
        };
        assert_eq!(read_input(&star(2), 2).unwrap().related.len(), 2);
        assert!(read_input(&star(3), 2).is_err());
    }

    #[test]
    fn related_star_finds_each_level_s_own_parameters() {
        let params = p(&[
            ("related", "*"),
            ("A.related", "*"),
            ("A.B.limit", "3"),
            ("A.B.C.fields", "x"),
            ("C.x.limit", "1"),
        ]);
        let input = read_input(&params, 10).unwrap();
        let names: Vec<&str> = input.related.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["A"]);
        let a = &input.related[0].1;
        assert_eq!(a.related.len(), 1);
        assert_eq!(a.related[0].0, "B");
        assert_eq!(a.related[0].1.limit, Some(3));
        // B has no related=, so A.B.C's parameters are not read.
        assert!(a.related[0].1.related.is_empty());
    }

    #[test]
    fn nesting_is_refused_past_the_planner_s_depth() {
        let mut pairs = vec![("related".to_string(), "A".to_string())];
        let mut prefix = String::new();
        for _ in 0..MAX_RELATED_DEPTH {
            prefix.push_str("A.");
            pairs.push((format!("{prefix}related"), "A".into()));
        }
        let err = read_input(&Params::from(pairs), 10).unwrap_err();
        assert!(err.to_string().contains("levels deep"), "{err}");
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
