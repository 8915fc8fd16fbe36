//! An app as the admin API takes it in and gives it out: its body, its role
//! resolved by name, and the JSON of a stored app (never its key or hash).

use entity::{app, role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value, json};

use crate::admin::audit;
use crate::admin::body::{Field, Object, check_name, describe};
use crate::admin::error::AdminError;
use crate::admin::service::spec::Edit;

/// The highest `rate_limit_per_minute` accepted (over 16 000 a second: more
/// is no limit at all; send `null` for that).
pub const MAX_RATE_LIMIT: i64 = 1_000_000;

const FIELDS: &[&str] = &[
    "name",
    "description",
    "role",
    "is_active",
    "rate_limit_per_minute",
];
const READ_ONLY: &[&str] = &["id", "api_key_prefix", "created_at", "updated_at"];
const SHAPE: &str = "{\"name\",\"description\",\"role\":\"reader\",\"is_active\":true,\"rate_limit_per_minute\":null}";

/// An app, validated, its role resolved.
#[derive(Debug, Clone)]
pub struct AppSpec {
    pub name: String,
    pub description: String,
    pub role: Option<role::Model>,
    pub is_active: bool,
    pub rate_limit_per_minute: Option<i32>,
}

/// An app body, its fields checked for type.
pub struct Body {
    name: Option<String>,
    description: Option<String>,
    role: Field<Value>,
    is_active: Option<bool>,
    rate_limit: Field<i64>,
    /// The fields the body sets, for the audit log.
    pub fields: Vec<String>,
}

pub fn parse_body(v: Value) -> Result<Body, AdminError> {
    if v.get("api_key").is_some() {
        return Err(AdminError::Invalid(
            "'api_key' cannot be set: the server issues keys (on create, and with POST /api/v2/system/app/{id}/rotate)".into(),
        ));
    }
    let mut o = Object::new(v, "", "an app", SHAPE, FIELDS, READ_ONLY)?;
    let mut fields: Vec<String> = FIELDS
        .iter()
        .filter(|f| o.has(f))
        .map(|f| (*f).to_owned())
        .collect();
    fields.sort();
    Ok(Body {
        name: o.text("name")?.map(|n| n.trim().to_owned()),
        description: o.text("description")?,
        role: o.value_or_null("role"),
        is_active: o.boolean("is_active")?,
        rate_limit: o.int_or_null("rate_limit_per_minute", 1, MAX_RATE_LIMIT)?,
        fields,
    })
}

/// `role` as sent: a role's name (or id), `null` for none.
async fn resolve_role<C: ConnectionTrait>(
    db: &C,
    role: Value,
) -> Result<Option<role::Model>, AdminError> {
    let found = match &role {
        Value::String(name) => {
            role::Entity::find()
                .filter(role::Column::Name.eq(name.as_str()))
                .one(db)
                .await?
        }
        Value::Number(n) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(id) => role::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
        other => {
            return Err(AdminError::Invalid(format!(
                "'role' must be a role's name (or null for none), not {}",
                describe(other)
            )));
        }
    };
    found.map(Some).ok_or_else(|| {
        let which = match &role {
            Value::String(name) => format!("role '{name}'"),
            other => format!("role with id {other}"),
        };
        AdminError::Invalid(format!(
            "'role' names no role: there is no {which} (GET /api/v2/system/role lists them)"
        ))
    })
}

/// The numbers as stored (`rate_limit_per_minute` fits: its bound is checked).
fn rate(limit: Option<i64>) -> Option<i32> {
    limit.and_then(|n| i32::try_from(n).ok())
}

pub async fn spec_for_create<C: ConnectionTrait>(
    db: &C,
    body: Body,
) -> Result<AppSpec, AdminError> {
    let name = body
        .name
        .ok_or_else(|| AdminError::Invalid("'name' is required: the app needs a name".into()))?;
    check_name("app", "name", &name)?;
    let role = match body.role {
        Field::Set(r) => resolve_role(db, r).await?,
        Field::Absent | Field::Null => None,
    };
    Ok(AppSpec {
        name,
        description: body.description.unwrap_or_default(),
        role,
        is_active: body.is_active.unwrap_or(true),
        rate_limit_per_minute: rate(body.rate_limit.set()),
    })
}

/// PUT: the body is the whole app and what it leaves out takes its default
/// (no role, active, no limit), but the name stays. PATCH: only what is sent.
pub async fn spec_for_edit<C: ConnectionTrait>(
    db: &C,
    row: &app::Model,
    body: Body,
    how: Edit,
) -> Result<AppSpec, AdminError> {
    let name = body.name.unwrap_or_else(|| row.name.clone());
    check_name("app", "name", &name)?;
    let role = match (body.role, how) {
        (Field::Set(r), _) => resolve_role(db, r).await?,
        (Field::Null, _) | (Field::Absent, Edit::Replace) => None,
        (Field::Absent, Edit::Merge) => match row.role_id {
            Some(id) => role::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
    };
    let rate_limit_per_minute = match (body.rate_limit, how) {
        (Field::Set(n), _) => rate(Some(n)),
        (Field::Null, _) | (Field::Absent, Edit::Replace) => None,
        (Field::Absent, Edit::Merge) => row.rate_limit_per_minute,
    };
    Ok(match how {
        Edit::Replace => AppSpec {
            name,
            description: body.description.unwrap_or_default(),
            role,
            is_active: body.is_active.unwrap_or(true),
            rate_limit_per_minute,
        },
        Edit::Merge => AppSpec {
            name,
            description: body.description.unwrap_or_else(|| row.description.clone()),
            role,
            is_active: body.is_active.unwrap_or(row.is_active),
            rate_limit_per_minute,
        },
    })
}

/// The audit entry's detail: the fields sent and the values that are not
/// secret (never the key, its prefix or its hash).
pub fn audit_detail(fields: Vec<String>, spec: &AppSpec) -> Value {
    let mut values = Map::new();
    values.insert("is_active".into(), json!(spec.is_active));
    values.insert("role".into(), json!(spec.role.as_ref().map(|r| &r.name)));
    values.insert(
        "rate_limit_per_minute".into(),
        json!(spec.rate_limit_per_minute),
    );
    audit::detail(fields, values)
}

/// The public form of an app: never the key or its hash.
pub fn render(row: &app::Model, role_name: Option<&str>) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "role": role_name,
        "is_active": row.is_active,
        "rate_limit_per_minute": row.rate_limit_per_minute,
        "api_key_prefix": row.api_key_prefix,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

/// [`render`] plus the key just issued: the one time it is shown.
pub fn render_with_key(row: &app::Model, role_name: Option<&str>, key: &str) -> Value {
    let mut v = render(row, role_name);
    if let Some(m) = v.as_object_mut() {
        m.insert("api_key".into(), json!(key));
    }
    v
}
