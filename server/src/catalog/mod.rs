//! The catalog model lives in the planning crate (`planner::catalog`); what builds
//! one needs a database or SeaORM, so it lives here: `discover` (a live database)
//! and `entity` (the system database's SeaORM entities).

pub use planner::catalog::*;

pub mod discover;
pub mod entity;
