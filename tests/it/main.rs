//! End-to-end tests: one module per area, each test with its own server.
#![allow(clippy::unwrap_used)]

mod batches;
mod composite;
mod errors;
mod filters;
mod hostile;
mod params;
mod relations;
mod schema;
mod smoke;
mod writes;
