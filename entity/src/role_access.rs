//! One rule of a role: service, component pattern, verbs and an optional filter.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "role_access")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub role_id: i32,
    pub service: String,
    /// `_table/*`, `_table/Album`, `_schema/*`, `*`.
    pub component: String,
    /// JSON array of verbs, e.g. `["GET","POST"]`.
    #[sea_orm(column_type = "Text")]
    pub verbs: String,
    /// Record filter in the `filter=` grammar, ANDed into what the rule allows.
    #[sea_orm(column_type = "Text", nullable)]
    pub filter: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::role::Entity",
        from = "Column::RoleId",
        to = "super::role::Column::Id",
        on_update = "Cascade",
        on_delete = "Cascade"
    )]
    Role,
}

impl Related<super::role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Role.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
