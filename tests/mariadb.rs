//! The end-to-end suite (`it/`) with service `chinook` on MariaDB (a throwaway server, see `backend.rs`).
#![allow(clippy::unwrap_used)]

apiforge_tests::backend_suite!(MariaDb);

#[path = "it/mod.rs"]
mod it;
