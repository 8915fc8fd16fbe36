//! Requests → plans: names resolved against the catalog, values typed, limits applied.
//!
//! REST parameters (and, later, GraphQL arguments) are turned into a [`ReadInput`]
//! by their front end; [`plan_read`] turns that into a [`ReadPlan`] that `sql`
//! can build without looking anything up. Every user mistake is found here, as a
//! [`PlanError`] sentence, before any SQL exists. Pure: no I/O.
//!
//! Parts: [`read`] (inputs and read plans), [`cond`] (conditions: the filter AST
//! resolved and typed), [`keys`] (record keys and ids) and [`write`] (write plans).
//! Everything a request may do is planned through one [`Context`], which is where
//! access is decided.

mod access;
mod cond;
mod context;
mod keys;
mod read;
mod write;

pub use access::*;
pub use cond::*;
pub use context::*;
pub use keys::*;
pub use read::*;
pub use write::*;

use crate::catalog::Table;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Bad input: 400.
    #[error("{0}")]
    Invalid(String),
    /// Unknown table or relation: 404 when it is the resource itself.
    #[error("{0}")]
    NotFound(String),
    /// Not allowed for this caller or this service: 403.
    #[error("{0}")]
    Forbidden(String),
}

pub(crate) fn invalid(msg: impl Into<String>) -> PlanError {
    PlanError::Invalid(msg.into())
}

pub(crate) fn unknown_column(table: &Table, name: &str, what: &str) -> PlanError {
    let known: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    invalid(format!(
        "Unknown field '{name}' in {what}: table '{}' has {}.",
        table.name,
        known.join(", ")
    ))
}

#[cfg(test)]
mod tests;
