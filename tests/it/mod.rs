//! The end-to-end suite: one module per area, each test with its own server.
//! It runs once per backend (`sqlite.rs`, `postgres.rs`, `mariadb.rs`), whose
//! `start` gives each test a server over a fresh copy of Chinook there.

mod batches;
mod client_bugs;
mod composite;
mod errors;
mod filters;
mod graphql;
mod hardening_auth;
mod hardening_http;
mod hardening_queries;
mod hardening_rest;
mod hardening_services;
mod hostile;
mod openapi;
mod params;
mod rbac;
mod read_back;
mod relations;
mod schema;
mod smoke;
mod where_props;
mod writes;
