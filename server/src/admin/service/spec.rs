//! A service definition as the admin API takes it in and gives it out: the
//! body's fields and their validation, and the three ways a complete
//! definition is made: a new service, an edit of a stored one (PUT replaces,
//! PATCH merges), and a stored row as it is.
//!
//! Passwords: stored encrypted, never rendered. An edit whose config has no
//! `password` key keeps the stored one (clients never receive it, so they
//! cannot send it back); `"password": null` or `""` removes it.

use entity::service;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use crate::admin::error::AdminError;
use crate::auth::secret::SecretBox;
use crate::error::serde_in_words;
use crate::services::{ServiceConfig, ServiceKind};

/// The name of the built-in administration service; no data service may take it.
pub const SYSTEM: &str = "system";
const MAX_NAME_LEN: usize = 64;

/// A service as the admin API accepts it. The read-only fields of the rendered
/// object are accepted and ignored, so a client may send back what it received.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    name: Option<String>,
    label: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    config: Option<Map<String, Value>>,
    is_active: Option<bool>,
    #[serde(rename = "id", default)]
    _id: Option<IgnoredAny>,
    #[serde(rename = "created_at", default)]
    _created_at: Option<IgnoredAny>,
    #[serde(rename = "updated_at", default)]
    _updated_at: Option<IgnoredAny>,
}

pub fn parse_body(v: Value) -> Result<Body, AdminError> {
    if !v.is_object() {
        return Err(AdminError::Invalid(
            "a service must be a JSON object like {\"name\",\"type\",\"config\":{…}}".into(),
        ));
    }
    serde_json::from_value(v.clone()).map_err(|e| {
        AdminError::Invalid(format!(
            "the service is not valid: {}",
            field_error::<Body>(&v, &e)
        ))
    })
}

/// serde's error `e` for the object `v` as a sentence naming the field at
/// fault: serde_json's own message has no path, so each field is tried alone
/// (every field of these types is optional, so only a bad value fails).
fn field_error<T: serde::de::DeserializeOwned>(v: &Value, e: &serde_json::Error) -> String {
    let culprit = v.as_object().and_then(|map| {
        map.iter().find_map(|(k, val)| {
            let alone = Value::Object(Map::from_iter([(k.clone(), val.clone())]));
            let err = serde_json::from_value::<T>(alone).err()?;
            let text = err.to_string();
            (text.starts_with("invalid ")).then(|| (k.clone(), text))
        })
    });
    match culprit {
        Some((field, text)) => format!("'{field}' {}", serde_in_words(&text)),
        None => serde_in_words(&e.to_string()),
    }
}

/// A complete, validated service definition; `config.password` is plain text.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    pub label: String,
    pub description: String,
    pub kind: ServiceKind,
    pub config: ServiceConfig,
    pub is_active: bool,
}

/// How an edit's body combines with the stored service.
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    /// PUT: the body is the whole service and what it leaves out takes its
    /// default, except the name, which stays.
    Replace,
    /// PATCH: present fields replace; `config` keys replace stored keys one by
    /// one (a `null` value resets that key to its default).
    Merge,
}

/// What a request says about the password.
enum PasswordChange {
    Keep,
    Clear,
    Set(String),
}

fn password_change(config: Option<&Map<String, Value>>) -> PasswordChange {
    match config.and_then(|c| c.get("password")) {
        None => PasswordChange::Keep,
        Some(Value::String(s)) if !s.is_empty() => PasswordChange::Set(s.clone()),
        Some(_) => PasswordChange::Clear,
    }
}

fn parse_kind(kind: &str) -> Result<ServiceKind, AdminError> {
    ServiceKind::parse(&kind.trim().to_ascii_lowercase()).ok_or_else(|| {
        AdminError::Invalid(format!(
            "unknown service type '{kind}': use sqlite, postgres or mysql"
        ))
    })
}

fn parse_config(map: Map<String, Value>) -> Result<ServiceConfig, AdminError> {
    let v = Value::Object(map);
    serde_json::from_value(v.clone()).map_err(|e| {
        AdminError::Invalid(format!(
            "config is not valid: {}",
            field_error::<ServiceConfig>(&v, &e)
        ))
    })
}

fn validate_name(name: &str) -> Result<(), AdminError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.len() > MAX_NAME_LEN {
        return Err(AdminError::Invalid(format!(
            "the service name '{name}' is not valid: it must start with a letter, contain only letters, digits, '_' and '-', and be at most {MAX_NAME_LEN} characters (it becomes part of the URL)"
        )));
    }
    if name.eq_ignore_ascii_case(SYSTEM) {
        return Err(AdminError::Invalid(
            "the service name 'system' is reserved for the administration API".into(),
        ));
    }
    Ok(())
}

pub fn validate_spec(spec: &ServiceSpec) -> Result<(), AdminError> {
    validate_name(&spec.name)?;
    if spec.kind == ServiceKind::Sqlite
        && spec
            .config
            .database
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
    {
        return Err(AdminError::Invalid(
            "a sqlite service needs config.database: the path of the database file".into(),
        ));
    }
    Ok(())
}

/// A new service (POST, `_test`), and every edit once merged. `name_required`
/// is false for `_test`.
pub fn spec_for_create(body: Body, name_required: bool) -> Result<ServiceSpec, AdminError> {
    let name = match body.name.map(|n| n.trim().to_owned()) {
        Some(n) => n,
        None if name_required => {
            return Err(AdminError::Invalid("the service needs a \"name\"".into()));
        }
        None => "test".to_owned(),
    };
    let kind = body.kind.as_deref().ok_or_else(|| {
        AdminError::Invalid("the service needs a \"type\": sqlite, postgres or mysql".into())
    })?;
    let kind = parse_kind(kind)?;
    let config = parse_config(body.config.unwrap_or_default())?;
    let spec = ServiceSpec {
        label: body.label.unwrap_or_else(|| name.clone()),
        description: body.description.unwrap_or_default(),
        name,
        kind,
        config,
        is_active: body.is_active.unwrap_or(true),
    };
    validate_spec(&spec)?;
    Ok(spec)
}

/// PUT and PATCH: the body made whole as `edit` says, then read as a new
/// service would be, with the password settled against the stored one.
pub fn spec_for_edit(
    secret: &SecretBox,
    row: &service::Model,
    body: Body,
    edit: Edit,
) -> Result<ServiceSpec, AdminError> {
    let change = password_change(body.config.as_ref());
    let whole = match edit {
        Edit::Replace => Body {
            name: body.name.or_else(|| Some(row.name.clone())),
            ..body
        },
        Edit::Merge => body.over(row),
    };
    let mut spec = spec_for_create(whole, true)?;
    spec.config.password = match change {
        PasswordChange::Keep => stored_password(secret, row)?,
        PasswordChange::Clear => None,
        PasswordChange::Set(p) => Some(p),
    };
    Ok(spec)
}

impl Body {
    /// This body's fields over the stored row's.
    fn over(self, row: &service::Model) -> Body {
        let mut config = stored_config_map(&row.config);
        for (k, v) in self.config.unwrap_or_default() {
            if v.is_null() {
                config.remove(&k);
            } else {
                config.insert(k, v);
            }
        }
        // Settled by `spec_for_edit`, whatever the stored JSON holds.
        config.remove("password");
        Body {
            name: Some(self.name.unwrap_or_else(|| row.name.clone())),
            label: Some(self.label.unwrap_or_else(|| row.label.clone())),
            description: Some(self.description.unwrap_or_else(|| row.description.clone())),
            kind: Some(self.kind.unwrap_or_else(|| row.kind.clone())),
            config: Some(config),
            is_active: Some(self.is_active.unwrap_or(row.is_active)),
            _id: None,
            _created_at: None,
            _updated_at: None,
        }
    }
}

/// The stored password, decrypted only when a request keeps it.
fn stored_password(secret: &SecretBox, row: &service::Model) -> Result<Option<String>, AdminError> {
    row.password_enc
        .as_deref()
        .map(|enc| secret.decrypt(enc))
        .transpose()
        .map_err(AdminError::from)
}

/// A stored row as a spec (start-up, refresh, `--demo` reuse).
pub fn spec_from_row(secret: &SecretBox, row: &service::Model) -> Result<ServiceSpec, AdminError> {
    let kind = parse_kind(&row.kind)?;
    let mut config: ServiceConfig = serde_json::from_str(&row.config).map_err(|e| {
        AdminError::Invalid(format!(
            "the stored config of service '{}' cannot be read: {e}",
            row.name
        ))
    })?;
    config.password = stored_password(secret, row)?;
    Ok(ServiceSpec {
        name: row.name.clone(),
        label: row.label.clone(),
        description: row.description.clone(),
        kind,
        config,
        is_active: row.is_active,
    })
}

fn stored_config_map(stored: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(stored) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The public form of a service row; the only way rows leave the server, so a
/// password (even one stored by mistake in the config JSON) never does.
pub fn render(row: &service::Model) -> Value {
    let mut config = stored_config_map(&row.config);
    config.remove("password");
    json!({
        "id": row.id,
        "name": row.name,
        "label": row.label,
        "description": row.description,
        "type": row.kind,
        "config": config,
        "is_active": row.is_active,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}
