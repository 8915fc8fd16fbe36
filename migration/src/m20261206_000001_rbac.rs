//! Roles in force: an app's rate limit, the audit log of admin changes, and the
//! policy version that every node compares to know its enforcer is current.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, integer_null, pk_auto, string, string_len, text_null, timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum App {
    Table,
    RateLimitPerMinute,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    ObjectType,
    Object,
    Detail,
}

#[derive(DeriveIden)]
enum PolicyVersion {
    Table,
    Id,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(App::Table)
                    .add_column(integer_null(App::RateLimitPerMinute))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string(AuditLog::Actor))
                    .col(string_len(AuditLog::Action, 32))
                    .col(string_len(AuditLog::ObjectType, 32))
                    .col(string(AuditLog::Object))
                    .col(text_null(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;

        // One row: the version of roles, rules and apps, raised by every change.
        manager
            .create_table(
                Table::create()
                    .table(PolicyVersion::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(PolicyVersion::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big_integer(PolicyVersion::Version).default(0))
                    .col(timestamp_with_time_zone(PolicyVersion::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(PolicyVersion::Table)
                    .columns([
                        PolicyVersion::Id,
                        PolicyVersion::Version,
                        PolicyVersion::UpdatedAt,
                    ])
                    .values_panic([1.into(), 0i64.into(), Expr::current_timestamp()])
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PolicyVersion::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(App::Table)
                    .drop_column(App::RateLimitPerMinute)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
