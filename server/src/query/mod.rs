//! One planner for every API: parameters → [`plan`] → SQL ([`sql`]) → the JSON
//! document ([`document`]), run by [`exec`] (sea-orm), [`server_reads`] (PostgreSQL and MySQL
//! reads on sqlx connections) or [`sqlite`] (rusqlite).

pub mod document;
pub mod exec;
pub mod filter;
pub mod plan;
pub mod server_reads;
pub mod sql;
pub mod sqlite;
pub mod value;
pub mod wire;
pub mod write;
