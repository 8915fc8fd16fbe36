//! The initial system schema: admins, services, roles and their rules, apps,
//! casbin policy lines, and revoked sessions.
//!
//! Unique columns are VARCHAR (`string`), not TEXT: MySQL cannot index a TEXT
//! column without a prefix length. Free-form payloads (config JSON, filters) are
//! TEXT because they may outgrow 255 characters and are never indexed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, pk_auto, string, string_len, text, text_null,
    timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Admin {
    Table,
    Id,
    Email,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Service {
    Table,
    Id,
    Name,
    Label,
    Description,
    Kind,
    Config,
    PasswordEnc,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
    Name,
    Description,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoleAccess {
    Table,
    Id,
    RoleId,
    Service,
    Component,
    Verbs,
    Filter,
}

#[derive(DeriveIden)]
enum App {
    Table,
    Id,
    Name,
    Description,
    RoleId,
    ApiKeyHash,
    ApiKeyPrefix,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CasbinRule {
    Table,
    Id,
    Ptype,
    V0,
    V1,
    V2,
    V3,
    V4,
    V5,
}

#[derive(DeriveIden)]
enum RevokedSession {
    Table,
    Jti,
    ExpiresAt,
}

fn unique_index<T: IntoTableRef, C: IntoIndexColumn>(
    name: &str,
    table: T,
    col: C,
) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(col)
        .unique()
        .to_owned()
}

fn index<T: IntoTableRef, C: IntoIndexColumn>(
    name: &str,
    table: T,
    col: C,
) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Admin::Table)
                    .if_not_exists()
                    .col(pk_auto(Admin::Id))
                    .col(string(Admin::Email))
                    .col(text(Admin::PasswordHash))
                    .col(timestamp_with_time_zone(Admin::CreatedAt))
                    .col(timestamp_with_time_zone(Admin::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index("ux_admin_email", Admin::Table, Admin::Email))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Service::Table)
                    .if_not_exists()
                    .col(pk_auto(Service::Id))
                    .col(string(Service::Name))
                    .col(string(Service::Label))
                    .col(text(Service::Description))
                    .col(string_len(Service::Kind, 32))
                    .col(text(Service::Config))
                    .col(text_null(Service::PasswordEnc))
                    .col(boolean(Service::IsActive).default(true))
                    .col(timestamp_with_time_zone(Service::CreatedAt))
                    .col(timestamp_with_time_zone(Service::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "ux_service_name",
                Service::Table,
                Service::Name,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Role::Table)
                    .if_not_exists()
                    .col(pk_auto(Role::Id))
                    .col(string(Role::Name))
                    .col(text(Role::Description))
                    .col(boolean(Role::IsActive).default(true))
                    .col(timestamp_with_time_zone(Role::CreatedAt))
                    .col(timestamp_with_time_zone(Role::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index("ux_role_name", Role::Table, Role::Name))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoleAccess::Table)
                    .if_not_exists()
                    .col(pk_auto(RoleAccess::Id))
                    .col(integer(RoleAccess::RoleId))
                    .col(string(RoleAccess::Service))
                    .col(string(RoleAccess::Component))
                    .col(text(RoleAccess::Verbs))
                    .col(text_null(RoleAccess::Filter))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_access_role")
                            .from(RoleAccess::Table, RoleAccess::RoleId)
                            .to(Role::Table, Role::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_role_access_role_id",
                RoleAccess::Table,
                RoleAccess::RoleId,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(App::Table)
                    .if_not_exists()
                    .col(pk_auto(App::Id))
                    .col(string(App::Name))
                    .col(text(App::Description))
                    .col(integer_null(App::RoleId))
                    .col(string_len(App::ApiKeyHash, 64))
                    .col(string_len(App::ApiKeyPrefix, 16))
                    .col(boolean(App::IsActive).default(true))
                    .col(timestamp_with_time_zone(App::CreatedAt))
                    .col(timestamp_with_time_zone(App::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_app_role")
                            .from(App::Table, App::RoleId)
                            .to(Role::Table, Role::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index("ux_app_name", App::Table, App::Name))
            .await?;
        manager
            .create_index(unique_index(
                "ux_app_api_key_hash",
                App::Table,
                App::ApiKeyHash,
            ))
            .await?;
        manager
            .create_index(index("ix_app_role_id", App::Table, App::RoleId))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CasbinRule::Table)
                    .if_not_exists()
                    .col(pk_auto(CasbinRule::Id))
                    .col(string_len(CasbinRule::Ptype, 16))
                    .col(string(CasbinRule::V0).default(""))
                    .col(string(CasbinRule::V1).default(""))
                    .col(string(CasbinRule::V2).default(""))
                    .col(string(CasbinRule::V3).default(""))
                    .col(string(CasbinRule::V4).default(""))
                    .col(string(CasbinRule::V5).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_casbin_rule_ptype",
                CasbinRule::Table,
                CasbinRule::Ptype,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RevokedSession::Table)
                    .if_not_exists()
                    .col(string_len(RevokedSession::Jti, 64).primary_key())
                    .col(timestamp_with_time_zone(RevokedSession::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_revoked_session_expires_at",
                RevokedSession::Table,
                RevokedSession::ExpiresAt,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevokedSession::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CasbinRule::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(App::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RoleAccess::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Role::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Service::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Admin::Table).to_owned())
            .await?;
        Ok(())
    }
}
