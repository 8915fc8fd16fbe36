//! One planner for every API: parameters → [`plan`] → SQL ([`sql`]) → the JSON
//! document ([`document`]), all from the pure `planner` crate (re-exported here so
//! the server names them in one place), run by the drivers of this module: [`exec`]
//! (sea-orm), [`server_reads`] (PostgreSQL and MySQL reads on sqlx connections),
//! [`sqlite`] (rusqlite) and [`write`] (transactions). Cells → JSON need a driver's
//! row type, so they live here too: [`cells`] (sea-orm, rusqlite) and [`wire`]
//! (PostgreSQL and MySQL wire types).

pub use planner::{Backend, document, filter, plan, sql, value};

pub mod cells;
pub mod exec;
pub mod server_reads;
pub mod sqlite;
pub mod wire;
pub mod write;

/// The planner's dialect for a sea-orm connection's backend.
pub fn backend_of(db: sea_orm::DbBackend) -> Backend {
    match db {
        sea_orm::DbBackend::Postgres => Backend::Postgres,
        sea_orm::DbBackend::MySql => Backend::MySql,
        // sea-orm's enum is non-exhaustive; SQLite is the only other one it has.
        _ => Backend::Sqlite,
    }
}
