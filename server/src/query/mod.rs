//! One planner for every API: parameters → [`plan`] → SQL ([`sql`]) → rows ([`exec`]).

pub mod exec;
pub mod filter;
pub mod plan;
pub mod sql;
pub mod value;
pub mod write;
