//! A client of the API: one API key and a default role.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "app")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub description: String,
    pub role_id: Option<i32>,
    /// sha256 hex of the key: the key itself is shown once and never stored.
    #[sea_orm(unique)]
    #[serde(skip)]
    pub api_key_hash: String,
    /// The first characters of the key, so an admin can tell keys apart.
    pub api_key_prefix: String,
    pub is_active: bool,
    /// Requests per minute this app's key may make; `None`: no limit.
    pub rate_limit_per_minute: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::role::Entity",
        from = "Column::RoleId",
        to = "super::role::Column::Id",
        on_update = "Cascade",
        on_delete = "SetNull"
    )]
    Role,
}

impl Related<super::role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Role.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
