//! SeaORM entities of the system database (admins, services, roles, apps, policies).
//!
//! Timestamps are `DateTimeUtc` everywhere so that the same entities read and write
//! SQLite, PostgreSQL and MySQL alike; JSON payloads (service config, verbs) are
//! TEXT rather than a native JSON type for the same reason.

pub mod admin;
pub mod app;
pub mod audit_log;
pub mod casbin_rule;
pub mod policy_version;
pub mod prelude;
pub mod revoked_session;
pub mod role;
pub mod role_access;
pub mod service;
