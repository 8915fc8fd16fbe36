//! Migrations of the system database. They use only the schema builder, so the
//! same steps run on SQLite, PostgreSQL and MySQL/MariaDB.

pub use sea_orm_migration::prelude::*;

mod m20250101_000001_initial;
mod m20261206_000001_rbac;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_initial::Migration),
            Box::new(m20261206_000001_rbac::Migration),
        ]
    }
}
