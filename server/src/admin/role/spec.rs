//! A role as the admin API takes it in and gives it out: its body, the
//! validation of each access rule against the live services, and the JSON of
//! a stored role.
//!
//! Rules are checked against what the services are now (a table must exist in
//! the service's current catalog), so that a typo is a 400 at once rather
//! than a rule that silently never matches.

use std::sync::Arc;

use entity::{role, role_access};
use serde_json::{Map, Value, json};

use crate::admin::body::{Field, Object, check_name};
use crate::admin::error::AdminError;
use crate::admin::service::spec::{Edit, SYSTEM};
use crate::catalog::Table;
use crate::query::backend_of;
use crate::query::filter;
use crate::query::plan::{PlanError, Verb, resolve};
use crate::services::Registry;

/// Most rules one role may have: enough for one per table of large schemas,
/// and a bound on the work a body can ask for.
pub const MAX_RULES: usize = 1000;

const ROLE_FIELDS: &[&str] = &["name", "description", "is_active", "access"];
const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];
const RULE_FIELDS: &[&str] = &["service", "component", "verbs", "filter"];
const ROLE_SHAPE: &str = "{\"name\",\"description\",\"access\":[{\"service\",\"component\",\"verbs\":[\"GET\"],\"filter\"}]}";
const RULE_SHAPE: &str =
    "{\"service\":\"chinook\",\"component\":\"_table/*\",\"verbs\":[\"GET\"],\"filter\":null}";

/// One access rule, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub service: String,
    pub component: String,
    /// In `Verb::ALL`'s order, without repeats.
    pub verbs: Vec<Verb>,
    pub filter: Option<String>,
}

impl RuleSpec {
    /// The verbs as stored in `role_access.verbs`: a JSON array of names.
    pub fn verbs_json(&self) -> String {
        Value::from(self.verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>()).to_string()
    }

    /// A stored rule as a spec. Verbs the column holds but no longer parse are
    /// dropped rather than failing the read of the whole role.
    pub fn from_row(row: &role_access::Model) -> RuleSpec {
        let verbs = serde_json::from_str::<Vec<String>>(&row.verbs)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| Verb::parse(v))
            .collect();
        RuleSpec {
            service: row.service.clone(),
            component: row.component.clone(),
            verbs: canonical(verbs),
            filter: row.filter.clone(),
        }
    }

    pub fn render(&self) -> Value {
        json!({
            "service": self.service,
            "component": self.component,
            "verbs": self.verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
            "filter": self.filter,
        })
    }
}

fn canonical(mut verbs: Vec<Verb>) -> Vec<Verb> {
    verbs.sort();
    verbs.dedup();
    verbs
}

/// A role, validated; `access: None` keeps the stored rules (a PATCH without
/// `access`), so that editing a description never re-checks, or loses, rules
/// about a service that is down right now.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    pub name: String,
    pub description: String,
    pub is_active: bool,
    pub access: Option<Vec<RuleSpec>>,
}

/// A role body, its fields checked for type but not yet for meaning.
pub struct Body {
    name: Option<String>,
    description: Option<String>,
    is_active: Option<bool>,
    access: Option<Vec<Value>>,
    /// The fields the body sets, for the audit log.
    pub fields: Vec<String>,
}

pub fn parse_body(v: Value) -> Result<Body, AdminError> {
    let mut o = Object::new(v, "", "a role", ROLE_SHAPE, ROLE_FIELDS, READ_ONLY)?;
    let mut fields: Vec<String> = ROLE_FIELDS
        .iter()
        .filter(|f| o.has(f))
        .map(|f| (*f).to_owned())
        .collect();
    fields.sort();
    Ok(Body {
        name: o.text("name")?.map(|n| n.trim().to_owned()),
        description: o.text("description")?,
        is_active: o.boolean("is_active")?,
        access: o.list("access")?,
        fields,
    })
}

/// A new role (POST), and every edit once merged with the stored role.
pub fn spec_for_create(body: Body, services: &Registry) -> Result<RoleSpec, AdminError> {
    let name = body
        .name
        .ok_or_else(|| AdminError::Invalid("'name' is required: the role needs a name".into()))?;
    check_name("role", "name", &name)?;
    Ok(RoleSpec {
        name,
        description: body.description.unwrap_or_default(),
        is_active: body.is_active.unwrap_or(true),
        access: Some(rules(body.access.unwrap_or_default(), services)?),
    })
}

/// PUT replaces the role (what it leaves out takes its default, but the
/// name stays); PATCH changes only the fields it sends, `access` as a whole.
pub fn spec_for_edit(
    row: &role::Model,
    body: Body,
    how: Edit,
    services: &Registry,
) -> Result<RoleSpec, AdminError> {
    let name = body.name.unwrap_or_else(|| row.name.clone());
    check_name("role", "name", &name)?;
    match how {
        Edit::Replace => Ok(RoleSpec {
            name,
            description: body.description.unwrap_or_default(),
            is_active: body.is_active.unwrap_or(true),
            access: Some(rules(body.access.unwrap_or_default(), services)?),
        }),
        Edit::Merge => Ok(RoleSpec {
            name,
            description: body.description.unwrap_or_else(|| row.description.clone()),
            is_active: body.is_active.unwrap_or(row.is_active),
            access: body.access.map(|a| rules(a, services)).transpose()?,
        }),
    }
}

/// Every rule validated, and no two about the same service and component
/// (which one would win would be arbitrary).
fn rules(items: Vec<Value>, services: &Registry) -> Result<Vec<RuleSpec>, AdminError> {
    if items.len() > MAX_RULES {
        return Err(AdminError::Invalid(format!(
            "'access' has {} rules; a role may have at most {MAX_RULES}",
            items.len()
        )));
    }
    let mut out: Vec<RuleSpec> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let rule = rule(i, item, services)?;
        if let Some(j) = out
            .iter()
            .position(|r| r.service == rule.service && r.component == rule.component)
        {
            return Err(AdminError::Invalid(format!(
                "'access[{i}]' is about the same service and component as 'access[{j}]' ('{}', '{}'): put their verbs in one rule",
                rule.service, rule.component
            )));
        }
        out.push(rule);
    }
    Ok(out)
}

/// What a component pattern names.
enum Component<'a> {
    /// `*`, `_table/*`, `_schema/*`.
    Wildcard,
    /// `_table/{T}`: records of one table.
    Records(&'a str),
    /// `_schema/{T}`: one table's description.
    Schema(&'a str),
}

fn component(text: &str) -> Option<Component<'_>> {
    match text {
        "*" | "_table/*" | "_schema/*" => Some(Component::Wildcard),
        _ => {
            if let Some(t) = text.strip_prefix("_table/").filter(|t| !t.is_empty()) {
                Some(Component::Records(t))
            } else {
                text.strip_prefix("_schema/")
                    .filter(|t| !t.is_empty())
                    .map(Component::Schema)
            }
        }
    }
}

fn rule(i: usize, item: Value, services: &Registry) -> Result<RuleSpec, AdminError> {
    let path = format!("access[{i}].");
    let mut o = Object::new(item, &path, "a rule", RULE_SHAPE, RULE_FIELDS, &[])?;
    let invalid =
        |field: &str, sentence: String| AdminError::Invalid(format!("'{path}{field}' {sentence}"));

    let service = o.required_text("service")?;
    if service.eq_ignore_ascii_case(SYSTEM) {
        return Err(invalid(
            "service",
            "cannot be 'system': the administration API is for admin sessions only, and no role can grant it".into(),
        ));
    }
    let runtime = services.get(&service).ok_or_else(|| {
        invalid(
            "service",
            format!("names no active service: there is no '{service}' (GET /api/v2/system/service lists them)"),
        )
    })?;

    let text = o.required_text("component")?;
    let table: Option<&Arc<Table>> = match component(&text) {
        Some(Component::Wildcard) => None,
        Some(Component::Records(t) | Component::Schema(t)) => {
            Some(runtime.catalog.table(t).ok_or_else(|| {
                invalid(
                    "component",
                    format!("names a table that service '{service}' does not have: '{t}' (GET /api/v2/{service}/_table lists them)"),
                )
            })?)
        }
        None => {
            return Err(invalid(
                "component",
                format!("must be '*', '_table/*', '_schema/*', '_table/{{table}}' or '_schema/{{table}}', not '{text}'"),
            ));
        }
    };

    let verbs = o
        .list("verbs")?
        .ok_or_else(|| invalid("verbs", "is required: a list like [\"GET\"]".into()))?;
    if verbs.is_empty() {
        return Err(invalid(
            "verbs",
            "is empty: a rule allows at least one of GET, POST, PUT, PATCH, DELETE".into(),
        ));
    }
    let verbs = verbs
        .iter()
        .map(|v| {
            v.as_str().and_then(Verb::parse).ok_or_else(|| {
                invalid(
                    "verbs",
                    format!(
                        "may hold only \"GET\", \"POST\", \"PUT\", \"PATCH\" and \"DELETE\" (upper case), not {}",
                        crate::admin::body::describe(v)
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let filter = match o.text_or_null("filter")? {
        Field::Set(f) if !f.trim().is_empty() => Some(f),
        _ => None,
    };
    if let Some(f) = &filter {
        if matches!(component(&text), Some(Component::Schema(_))) || text == "_schema/*" {
            return Err(invalid(
                "filter",
                "applies to records, so it belongs on '_table/…' or '*' rules, not on '_schema/…' ones".into(),
            ));
        }
        let expr = filter::parse(f)
            .map_err(|e| invalid("filter", format!("is not a valid filter: {e}")))?;
        // On one table, the names are checked too; a wildcard rule's filter is
        // meant for several tables and is checked per table when it applies.
        if let Some(table) = table {
            let backend = backend_of(runtime.conn.get_database_backend());
            resolve(table, &expr, backend).map_err(|e| match e {
                PlanError::Invalid(m) | PlanError::NotFound(m) | PlanError::Forbidden(m) => {
                    invalid(
                        "filter",
                        format!("does not fit table '{}': {m}", table.name),
                    )
                }
            })?;
        }
    }

    Ok(RuleSpec {
        service,
        component: text,
        verbs: canonical(verbs),
        filter,
    })
}

/// The public form of a role and its rules.
pub fn render(row: &role::Model, rules: &[RuleSpec]) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "is_active": row.is_active,
        "access": rules.iter().map(RuleSpec::render).collect::<Vec<_>>(),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

/// The audit entry's detail: which fields, and the rules' services,
/// components and verbs (a filter only as whether there is one).
pub fn audit_detail(fields: Vec<String>, spec: &RoleSpec) -> Value {
    let mut values = Map::new();
    values.insert("is_active".into(), json!(spec.is_active));
    if let Some(rules) = &spec.access {
        values.insert(
            "access".into(),
            rules
                .iter()
                .map(|r| {
                    json!({
                        "service": r.service,
                        "component": r.component,
                        "verbs": r.verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
                        "filter": r.filter.is_some(),
                    })
                })
                .collect(),
        );
    }
    crate::admin::audit::detail(fields, values)
}
