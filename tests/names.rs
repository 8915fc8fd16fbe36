//! The one place where the suite's Chinook names meet each dataset's own.
//!
//! The suite is written against the SQLite and MySQL spelling (`InvoiceLine`,
//! `TrackId`); the PostgreSQL dataset spells the same things in snake case
//! (`invoice_line`, `track_id`). On PostgreSQL the harness rewrites what it sends
//! (URL, JSON body, SQL) into snake case and what it gets back (keys, and names
//! quoted in messages) into the suite's spelling, so that every expectation
//! stays as written. Literals in single quotes are never touched.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Forward (suite → dataset) and reverse maps of every table and column name.
#[derive(Debug, Default)]
pub struct Names {
    forward: HashMap<String, String>,
    reverse: HashMap<String, String>,
    /// Table names in the dataset's spelling.
    tables: std::collections::HashSet<String>,
}

/// `InvoiceLineId` → `invoice_line_id`: how the PostgreSQL dataset was derived.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Names {
    /// Maps for these suite names, spelled in snake case by the dataset.
    pub fn snake_case(
        tables: impl IntoIterator<Item = String>,
        columns: impl IntoIterator<Item = String>,
    ) -> Names {
        let mut n = Names::default();
        for t in tables {
            n.tables.insert(snake(&t));
            n.add(t);
        }
        for c in columns {
            n.add(c);
        }
        n
    }

    fn add(&mut self, name: String) {
        let s = snake(&name);
        self.reverse.insert(s.clone(), name.clone());
        self.forward.insert(name, s);
    }

    /// Rewrites identifiers in a URL path or query (percent-encoded or not), a
    /// filter, or SQL text. Tokens are runs of letters and digits (so `_` splits
    /// `Track_by_AlbumId` into names); `%XX` escapes and single-quoted literals
    /// are copied as they are.
    pub fn forward_text(&self, text: &str) -> String {
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len() + 16);
        let mut i = 0;
        let mut quoted = false;
        while i < b.len() {
            let is_escape = b[i] == b'%'
                && i + 2 < b.len() + 1
                && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if is_escape {
                if &text[i + 1..i + 3] == "27" {
                    quoted = !quoted;
                }
                out.push_str(&text[i..i + 3]);
                i += 3;
            } else if b[i] == b'\'' {
                quoted = !quoted;
                out.push('\'');
                i += 1;
            } else if b[i].is_ascii_alphanumeric() {
                let start = i;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let token = &text[start..i];
                match self.forward.get(token) {
                    Some(s) if !quoted => out.push_str(s),
                    _ => out.push_str(token),
                }
            } else {
                // Copy one whole UTF-8 character.
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
        out
    }

    /// Request bodies: keys are names; so are the string values of the keys that
    /// take names (`{"filter": "AlbumId = 1"}`, `deny_tables`), literals aside.
    /// Other string values are data and stay as they are.
    pub fn forward_json(&self, v: &Value) -> Value {
        self.forward_json_in(v, false)
    }

    fn forward_json_in(&self, v: &Value, names: bool) -> Value {
        const NAMED: [&str; 10] = [
            "filter",
            "fields",
            "order",
            "related",
            "group",
            "id_field",
            "ids",
            "allow_tables",
            "deny_tables",
            "component",
        ];
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        let named = NAMED.contains(&k.as_str()) || k.contains('.');
                        (self.forward_text(k), self.forward_json_in(v, named))
                    })
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(a) => {
                Value::Array(a.iter().map(|v| self.forward_json_in(v, names)).collect())
            }
            Value::String(s) if names => Value::String(self.forward_text(s)),
            other => other.clone(),
        }
    }

    /// A key of a record back in the suite's spelling: a name, a relation, or
    /// an aggregate (`SUM(milliseconds)`).
    pub fn reverse_key(&self, key: &str) -> Option<String> {
        if let Some(r) = self.reverse_name(key) {
            return Some(r);
        }
        let (func, rest) = key.split_once('(')?;
        let inner = rest.strip_suffix(')')?;
        Some(format!("{func}({})", self.reverse_name(inner)?))
    }

    /// A name (or relation name `a_by_b`) back in the suite's spelling.
    fn reverse_name(&self, name: &str) -> Option<String> {
        if let Some(n) = self.reverse.get(name) {
            return Some(n.clone());
        }
        let (left, right) = name.split_once("_by_")?;
        let left = self.reverse.get(left)?;
        // The far side may carry a suffix (`employee_by_reports_to_has_many`).
        let mut cut = right.len();
        loop {
            if let Some(r) = self.reverse.get(&right[..cut]) {
                return Some(format!("{left}_by_{r}{}", &right[cut..]));
            }
            cut = right[..cut].rfind('_')?;
        }
    }

    /// Response bodies: keys, string values that are exactly a name (`_schema`,
    /// `_table`), and names in single quotes inside messages.
    pub fn reverse_json(&self, v: &Value) -> Value {
        match v {
            Value::Object(o) if self.is_description(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), self.reverse_json(v)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        (
                            self.reverse_key(k).unwrap_or_else(|| k.clone()),
                            self.reverse_json(v),
                        )
                    })
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.reverse_json(v)).collect()),
            Value::String(s) => Value::String(
                self.reverse_name(s)
                    .unwrap_or_else(|| self.reverse_quoted(s)),
            ),
            other => other.clone(),
        }
    }

    /// Whether an object describes something (a service, table, field or
    /// relationship, whose keys are SPEC.md's: `name`, `type`, …) rather than
    /// being a record (whose keys are column names). `{"name": "album"}` from
    /// `_table` is a description; `{"name": "AC/DC"}` a record.
    fn is_description(&self, o: &Map<String, Value>) -> bool {
        const META: [&str; 6] = [
            "type",
            "label",
            "db_type",
            "is_view",
            "relationships",
            "ref_table",
        ];
        if META.iter().any(|k| o.contains_key(*k)) {
            return true;
        }
        o.len() == 1
            && o.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| self.tables.contains(n))
    }

    /// `field 'track_id' …` → `field 'TrackId' …`.
    fn reverse_quoted(&self, s: &str) -> String {
        let parts: Vec<&str> = s.split('\'').collect();
        if parts.len() < 3 {
            return s.to_owned();
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i % 2 == 1 {
                    self.reverse_name(p).unwrap_or_else(|| (*p).to_owned())
                } else {
                    (*p).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names::snake_case(
            ["Track", "InvoiceLine", "PlaylistTrack", "Album"].map(String::from),
            ["TrackId", "AlbumId", "Name"].map(String::from),
        )
    }

    #[test]
    fn forward_keeps_literals_and_escapes() {
        let n = names();
        assert_eq!(snake("InvoiceLineId"), "invoice_line_id");
        assert_eq!(
            n.forward_text(
                "/chinook/_table/Track?related=Album_by_AlbumId&filter=Name%20like%20%27Track%25%27"
            ),
            "/chinook/_table/track?related=album_by_album_id&filter=name%20like%20%27Track%25%27"
        );
        assert_eq!(
            n.forward_text("SELECT \"TrackId\" FROM Track WHERE Name = 'Name'"),
            "SELECT \"track_id\" FROM track WHERE name = 'Name'"
        );
        assert_eq!(
            n.forward_text("Track_by_PlaylistTrack.limit=1"),
            "track_by_playlist_track.limit=1"
        );
    }

    #[test]
    fn reverse_restores_names_and_relations() {
        let n = names();
        let v = serde_json::json!({"track_id": 1, "album_by_album_id": {"name": "x"},
            "error": {"message": "field 'track_id' is unknown in 'name'"}, "list": ["invoice_line"]});
        assert_eq!(
            n.reverse_json(&v),
            serde_json::json!({"TrackId": 1, "Album_by_AlbumId": {"Name": "x"},
                "error": {"message": "field 'TrackId' is unknown in 'Name'"}, "list": ["InvoiceLine"]})
        );
    }
}
