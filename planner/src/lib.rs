//! The pure core of apiforge: the catalog model, the `filter=` grammar, the planner
//! (inputs → plans), the SQL builder (plans → sea-query statements) and the read
//! document (a read plan → its statements → the JSON answer).
//!
//! It has no connection, no driver and no web framework (its `Cargo.toml` has no
//! sqlx, rusqlite, sea-orm, axum or tokio), so everything that decides what a request
//! means — and, with roles, what a caller may do — is testable without a database and
//! cannot reach one. The server's drivers run what this crate plans.

pub mod catalog;
pub mod document;
pub mod filter;
pub mod plan;
pub mod sql;
pub mod value;

/// The SQL dialect a plan is built for. The planner's own enum (not the driver's),
/// so that this crate does not depend on a driver; the server maps its connection's
/// backend to it once, when a service is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}
