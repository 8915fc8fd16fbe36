//! The catalog: what a data source holds (tables, columns, keys, relations).
//!
//! Every generator (REST, GraphQL, OpenAPI) and the query planner read only this.
//! It is immutable: a schema refresh builds a new `Catalog` and swaps it in, so a
//! request always sees one consistent snapshot. It imports neither axum nor a
//! database connection; building it is the server's job (`catalog::discover` from a
//! live database, `catalog::entity` from SeaORM entities).

pub mod naming;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

/// How a column's values are represented in JSON (and so how they are decoded
/// from rows and how filter literals and request bodies are coerced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    /// Fits in i64; JSON number.
    Integer,
    /// Floating point; JSON number.
    Float,
    /// Exact numeric (NUMERIC/DECIMAL); JSON number, or string past f64 precision.
    Decimal,
    Boolean,
    String,
    /// Calendar date, `YYYY-MM-DD`.
    Date,
    /// Time of day, `HH:MM:SS`.
    Time,
    /// Timestamp without zone, ISO-8601 `YYYY-MM-DDTHH:MM:SS`.
    DateTime,
    /// Timestamp with zone, ISO-8601 with offset.
    DateTimeTz,
    Uuid,
    /// JSON document column.
    Json,
    /// Binary; base64 string in JSON.
    Binary,
    /// A PostgreSQL array; a JSON array.
    Array,
}

impl JsonType {
    /// DreamFactory's `type` names in `_schema`.
    pub fn df_name(self) -> &'static str {
        match self {
            JsonType::Integer => "integer",
            JsonType::Float => "float",
            JsonType::Decimal => "decimal",
            JsonType::Boolean => "boolean",
            JsonType::String => "string",
            JsonType::Date => "date",
            JsonType::Time => "time",
            JsonType::DateTime => "datetime",
            JsonType::DateTimeTz => "timestamp",
            JsonType::Uuid => "string",
            JsonType::Json => "json",
            JsonType::Binary => "binary",
            JsonType::Array => "array",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            JsonType::Integer | JsonType::Float | JsonType::Decimal
        )
    }

    /// Whether `like` (and `contains`, GraphQL's `_like` …) applies: the
    /// planner refuses it on other types, and the GraphQL schema offers it
    /// only on these, so that nothing offered is then refused.
    pub fn is_text(self) -> bool {
        matches!(self, JsonType::String | JsonType::Uuid)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    /// The type as the database declares it (`NVARCHAR(160)`, `INTEGER`).
    pub db_type: String,
    pub json_type: JsonType,
    pub nullable: bool,
    /// The default as SQL text, if any (informational only; never executed by us).
    pub default: Option<String>,
    pub is_primary_key: bool,
    /// True when the database fills the value (SQLite INTEGER PRIMARY KEY, serial,
    /// AUTO_INCREMENT): it may be omitted on insert.
    pub auto_increment: bool,
    /// Types whose values travel as text (PostgreSQL enums, arrays, numeric,
    /// interval, inet, …; MySQL decimals): the SQL type a bound text value is
    /// cast to. `None` for types bound natively.
    #[serde(skip)]
    pub cast: Option<String>,
}

impl Column {
    /// The `160` of a declared `VARCHAR(160)`: the most characters a text
    /// column holds. SQLite keeps longer text anyway, so writes check it
    /// themselves (`plan::write::typed_fields`); the API docs promise it as
    /// `maxLength`, and both must read the same number.
    pub fn max_length(&self) -> Option<usize> {
        if !self.json_type.is_text() {
            return None;
        }
        let upper = self.db_type.to_ascii_uppercase();
        let textual = [
            "CHAR",
            "VARCHAR",
            "NVARCHAR",
            "NCHAR",
            "CHARACTER",
            "VARYING",
        ]
        .iter()
        .any(|k| upper.contains(k));
        if !textual {
            return None;
        }
        let open = upper.find('(')?;
        let close = upper[open..].find(')')? + open;
        upper[open + 1..close].trim().parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    /// Columns of this table, in constraint order.
    pub columns: Vec<String>,
    pub ref_table: String,
    /// Referenced columns, same order as `columns`.
    pub ref_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    BelongsTo,
    HasMany,
    ManyMany,
}

/// A navigable relation from one table to another, derived from foreign keys.
///
/// `columns` (on this table) match `ref_columns` (on `ref_table`) pairwise for
/// belongs_to and has_many. For many_many, `columns` on this table match
/// `junction.columns`, and `junction.ref_columns` match `ref_columns` on `ref_table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relation {
    /// DreamFactory's name: `Artist_by_ArtistId`, `Track_by_AlbumId`,
    /// `Playlist_by_PlaylistTrack`.
    pub name: String,
    pub kind: RelationKind,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub junction: Option<Junction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Junction {
    pub table: String,
    /// Junction columns pointing at the near (owning) table.
    pub columns: Vec<String>,
    /// Junction columns pointing at the far table.
    pub ref_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: String,
    /// False for views: they are readable, not writable.
    pub is_view: bool,
    pub columns: Vec<Column>,
    /// Primary key column names in key order; empty when the table has none.
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Derived by `naming::derive_relations`; empty until then.
    pub relations: Vec<Relation>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn relation(&self, name: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.name == name)
    }
}

/// All tables of one service, keyed by name. Cheap to share (`Arc`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    pub tables: BTreeMap<String, Arc<Table>>,
}

impl Catalog {
    /// Builds a catalog from tables whose `relations` are not yet derived, and
    /// derives them (one place for DreamFactory's naming rules).
    pub fn new(tables: Vec<Table>) -> Self {
        let tables = naming::derive_relations(tables);
        Catalog {
            tables: tables
                .into_iter()
                .map(|t| (t.name.clone(), Arc::new(t)))
                .collect(),
        }
    }

    pub fn table(&self, name: &str) -> Option<&Arc<Table>> {
        self.tables.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(db_type: &str, json_type: JsonType) -> Column {
        Column {
            name: "c".into(),
            db_type: db_type.into(),
            json_type,
            nullable: true,
            default: None,
            is_primary_key: false,
            auto_increment: false,
            cast: None,
        }
    }

    #[test]
    fn max_length_only_of_declared_text() {
        let text = |t: &str| col(t, JsonType::String).max_length();
        assert_eq!(text("NVARCHAR(160)"), Some(160));
        assert_eq!(text("character varying(12)"), Some(12));
        assert_eq!(text("TEXT"), None);
        assert_eq!(text("VARCHAR"), None);
        assert_eq!(col("NUMERIC(10,2)", JsonType::Decimal).max_length(), None);
        assert_eq!(col("CHAR(2)", JsonType::Integer).max_length(), None);
    }
}
