//! The end-to-end suite (`it/`) with service `chinook` on SQLite (the bundled demo file).
#![allow(clippy::unwrap_used)]

apiforge_tests::backend_suite!(Sqlite);

#[path = "it/mod.rs"]
mod it;
