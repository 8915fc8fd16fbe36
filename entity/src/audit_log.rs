//! One admin change: who, what, which object, when. Never a secret: `detail`
//! names changed fields, not their values when they are passwords or keys.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    /// The admin's email.
    pub actor: String,
    /// `create`, `update`, `delete`, `rotate`, `login`, `logout`, …
    pub action: String,
    /// `service`, `role`, `app`, `admin`.
    pub object_type: String,
    /// The object's name (an admin's email).
    pub object: String,
    /// JSON: what changed (field names; values only where they are not secret).
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
