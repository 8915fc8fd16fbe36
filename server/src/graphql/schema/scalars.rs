//! The scalar types: which one a column has, and the scalars a schema
//! declares (each with its comparison type).

use async_graphql::dynamic::{Scalar, Type};

use super::bool_exp;
use super::shape::Shape;
use crate::catalog::{Column, JsonType};

/// Hasura's scalars beyond GraphQL's own.
pub(super) const CUSTOM_SCALARS: [&str; 9] = [
    "bigint",
    "numeric",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
    "json",
    "bytea",
];
pub(super) const BUILTIN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

/// The GraphQL scalar of a column (Hasura's names for the non-standard ones).
pub(super) fn scalar_of(c: &Column) -> &'static str {
    match c.json_type {
        JsonType::Integer => {
            let t = c.db_type.to_ascii_lowercase();
            if t.contains("big") || t.contains("int8") {
                "bigint"
            } else {
                "Int"
            }
        }
        JsonType::Float => "Float",
        JsonType::Decimal => "numeric",
        JsonType::Boolean => "Boolean",
        JsonType::String => "String",
        JsonType::Date => "date",
        JsonType::Time => "time",
        JsonType::DateTime => "timestamp",
        JsonType::DateTimeTz => "timestamptz",
        JsonType::Uuid => "uuid",
        JsonType::Json | JsonType::Array => "json",
        JsonType::Binary => "bytea",
    }
}

/// The scalars the schema's types name, in the order first named.
#[derive(Default)]
pub(super) struct Scalars {
    used: Vec<&'static str>,
    /// Scalars of text columns, whose comparison types offer `_like` & co.
    text: Vec<&'static str>,
}

impl Scalars {
    pub fn use_scalar(&mut self, scalar: &'static str) {
        if !self.used.contains(&scalar) {
            self.used.push(scalar);
        }
    }

    pub fn use_columns(&mut self, shape: &Shape<'_>) {
        for (_, c) in &shape.columns {
            let scalar = scalar_of(c);
            self.use_scalar(scalar);
            if c.json_type.is_text() && !self.text.contains(&scalar) {
                self.text.push(scalar);
            }
        }
    }

    /// Each scalar used (unless GraphQL has it built in) and its comparison
    /// type, which the `T_bool_exp` fields name.
    pub fn types(&self) -> Vec<Type> {
        let mut types = Vec::with_capacity(self.used.len() * 2);
        for &scalar in &self.used {
            if !BUILTIN_SCALARS.contains(&scalar) {
                types.push(Scalar::new(scalar).into());
            }
            types.push(bool_exp::comparison(scalar, self.text.contains(&scalar)).into());
        }
        types
    }
}
