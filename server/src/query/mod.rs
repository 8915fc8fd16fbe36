//! One planner for every API: parameters → [`plan`] → SQL ([`sql`]) → rows ([`exec`]).

pub mod filter;
