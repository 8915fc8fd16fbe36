//! A named API over one data source.

use sea_orm::entity::prelude::*;

/// No `Serialize`: the admin API renders services through one function that leaves
/// the password out, so that no code path can echo `password_enc` by accident.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub label: String,
    pub description: String,
    /// `sqlite`, `postgres` or `mysql`.
    pub kind: String,
    /// The service configuration as JSON, without the password.
    #[sea_orm(column_type = "Text")]
    pub config: String,
    /// The password encrypted with the server's master key (base64 nonce‖ciphertext).
    #[sea_orm(column_type = "Text", nullable)]
    pub password_enc: Option<String>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
