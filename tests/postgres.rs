//! The end-to-end suite (`it/`) with service `chinook` on PostgreSQL (a throwaway server, see `backend.rs`).
#![allow(clippy::unwrap_used)]

apiforge_tests::backend_suite!(Postgres);

#[path = "it/mod.rs"]
mod it;
