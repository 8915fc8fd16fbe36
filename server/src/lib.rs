//! apiforge: a SQL database as a REST (and later GraphQL) API.
//!
//! See ARCHITECTURE.md for the map. The request pipeline is
//! `auth` → `rest` (parse) → `query::plan` → `query::sql` → `query::exec` → response.

pub mod admin;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod context;
pub mod demo;
pub mod docs_page;
pub mod error;
pub mod extract;
pub mod graphql;
pub mod json_body;
pub mod listener;
pub mod log_text;
pub mod openapi;
pub mod query;
pub mod rate_limit;
pub mod rest;
pub mod services;
pub mod state;
