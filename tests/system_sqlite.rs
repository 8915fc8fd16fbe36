//! The admin API tests (`system/`) with the system database on SQLite (the default).
#![allow(clippy::unwrap_used)]

async fn system_db(dir: &std::path::Path) -> Option<sea_orm::DatabaseConnection> {
    apiforge_tests::system_db(apiforge_tests::Backend::Sqlite, dir).await
}

#[path = "system/admin_api.rs"]
mod admin_api;

#[path = "system/rbac_admin.rs"]
mod rbac_admin;
