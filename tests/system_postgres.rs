//! The admin API tests (`system/`) with the system database on PostgreSQL (`--database-url postgres://…`).
#![allow(clippy::unwrap_used)]

async fn system_db(dir: &std::path::Path) -> Option<sea_orm::DatabaseConnection> {
    apiforge_tests::system_db(apiforge_tests::Backend::Postgres, dir).await
}

#[path = "system/admin_api.rs"]
mod admin_api;
