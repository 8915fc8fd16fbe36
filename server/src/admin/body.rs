//! Reading the admin API's JSON bodies field by field, so that every refusal
//! names the field at fault (`access[1].verbs`), which serde's own messages
//! cannot do for values inside arrays.
//!
//! Absent and `null` are told apart where they mean different things: in a
//! PATCH, an absent `role` keeps the app's role and `"role": null` removes it.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::error::AdminError;
use crate::error::ApiError;

/// Longest name of a role or an app (as for services).
pub const MAX_NAME_LEN: usize = 64;

/// A body field as sent: absent, `null`, or a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Absent,
    Null,
    Set(T),
}

impl<T> Field<T> {
    /// The value, treating `null` as absent (for fields that cannot be null).
    pub fn set(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            Field::Absent | Field::Null => None,
        }
    }
}

/// What a JSON value is, for sentences: "the number 5", "an object".
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a long text".into(),
        Value::String(s) => format!("the text \"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// An object's fields, with the path its errors are named by (`""` at the top
/// of the body, `"access[1]."` inside a list).
pub struct Object {
    map: Map<String, Value>,
    path: String,
}

impl Object {
    /// `v` must be an object whose keys are all in `allowed` or `ignored` (the
    /// read-only fields of a rendered object, accepted so that a client may
    /// send back what it received). `what` names the object in sentences
    /// ("a role"); `shape` shows one.
    pub fn new(
        v: Value,
        path: &str,
        what: &str,
        shape: &str,
        allowed: &[&str],
        ignored: &[&str],
    ) -> Result<Object, AdminError> {
        let Value::Object(mut map) = v else {
            let at = path.trim_end_matches('.');
            let subject = if at.is_empty() {
                format!("{what} must be")
            } else {
                format!("'{at}' must be")
            };
            return Err(AdminError::Invalid(format!(
                "{subject} a JSON object like {shape}, not {}",
                describe(&v)
            )));
        };
        if let Some(unknown) = map
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
        {
            return Err(AdminError::Invalid(format!(
                "'{path}{unknown}' is not a field of {what}: its fields are {}",
                allowed.join(", ")
            )));
        }
        map.retain(|k, _| allowed.contains(&k.as_str()));
        Ok(Object {
            map,
            path: path.to_owned(),
        })
    }

    /// The full name of field `key`, for sentences.
    pub fn name(&self, key: &str) -> String {
        format!("{}{key}", self.path)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn take(&mut self, key: &str) -> Field<Value> {
        match self.map.remove(key) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(v) => Field::Set(v),
        }
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> AdminError {
        AdminError::Invalid(format!(
            "'{}' must be {expected}, not {}",
            self.name(key),
            describe(got)
        ))
    }

    /// Text; `null` is refused (use [`Object::text_or_null`] where it means "none").
    pub fn text(&mut self, key: &str) -> Result<Option<String>, AdminError> {
        match self.text_or_null(key)? {
            Field::Null => Err(self.wrong(key, "text (a JSON string)", &Value::Null)),
            f => Ok(f.set()),
        }
    }

    pub fn text_or_null(&mut self, key: &str) -> Result<Field<String>, AdminError> {
        match self.take(key) {
            Field::Set(Value::String(s)) => Ok(Field::Set(s)),
            Field::Set(other) => Err(self.wrong(key, "text (a JSON string)", &other)),
            Field::Absent => Ok(Field::Absent),
            Field::Null => Ok(Field::Null),
        }
    }

    /// Text that must be there (and not `null`).
    pub fn required_text(&mut self, key: &str) -> Result<String, AdminError> {
        self.text(key)?
            .ok_or_else(|| AdminError::Invalid(format!("'{}' is required", self.name(key))))
    }

    pub fn boolean(&mut self, key: &str) -> Result<Option<bool>, AdminError> {
        match self.take(key) {
            Field::Set(Value::Bool(b)) => Ok(Some(b)),
            Field::Absent => Ok(None),
            Field::Null => Err(self.wrong(key, "true or false", &Value::Null)),
            Field::Set(other) => Err(self.wrong(key, "true or false", &other)),
        }
    }

    /// A whole number in `min..=max`, or `null`.
    pub fn int_or_null(&mut self, key: &str, min: i64, max: i64) -> Result<Field<i64>, AdminError> {
        match self.take(key) {
            Field::Set(Value::Number(n)) => match n.as_i64().filter(|n| (min..=max).contains(n)) {
                Some(n) => Ok(Field::Set(n)),
                None => Err(AdminError::Invalid(format!(
                    "'{}' must be a whole number between {min} and {max}, or null, not {n}",
                    self.name(key)
                ))),
            },
            Field::Set(other) => Err(self.wrong(
                key,
                &format!("a whole number between {min} and {max}, or null"),
                &other,
            )),
            Field::Absent => Ok(Field::Absent),
            Field::Null => Ok(Field::Null),
        }
    }

    /// A list; `null` is refused.
    pub fn list(&mut self, key: &str) -> Result<Option<Vec<Value>>, AdminError> {
        match self.take(key) {
            Field::Set(Value::Array(items)) => Ok(Some(items)),
            Field::Absent => Ok(None),
            Field::Null => Err(self.wrong(key, "a list (a JSON array)", &Value::Null)),
            Field::Set(other) => Err(self.wrong(key, "a list (a JSON array)", &other)),
        }
    }

    /// Any JSON value but `null` (for fields that take more than one type).
    pub fn value_or_null(&mut self, key: &str) -> Field<Value> {
        self.take(key)
    }
}

/// A role's or an app's name: it is also how the API addresses it
/// (`/role/{name}`), so it starts with a letter (never taken for an id) and
/// needs no escaping in a URL.
pub fn check_name(what: &str, field: &str, name: &str) -> Result<(), AdminError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.len() > MAX_NAME_LEN {
        return Err(AdminError::Invalid(format!(
            "'{field}' is not a valid {what} name: '{name}' must start with a letter, contain only letters, digits, '_' and '-', and be at most {MAX_NAME_LEN} characters"
        )));
    }
    Ok(())
}

/// The records of a create: one object, or `{"resource":[…]}` (then the
/// answer is a list too, as DreamFactory does). True if it was a list.
pub fn one_or_many(body: Value, noun: &str) -> Result<(Vec<Value>, bool), ApiError> {
    let (records, batch) = match body {
        Value::Object(mut m) if m.contains_key("resource") => match m.remove("resource") {
            Some(Value::Array(items)) => (items, true),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "\"resource\" must be a list of {noun}s"
                )));
            }
        },
        single => (vec![single], false),
    };
    if records.is_empty() {
        return Err(ApiError::bad_request(
            "\"resource\" is empty: nothing to create",
        ));
    }
    Ok((records, batch))
}

/// Tags an error of a multi-record request with the record it is about.
pub fn at_record(noun: &str, index: usize, total: usize, e: AdminError) -> ApiError {
    let api: ApiError = e.into();
    if total <= 1 {
        return api;
    }
    let context = json!({ "index": index });
    match api {
        ApiError::BadRequest(m) => ApiError::BadRequestWith {
            message: format!("{noun} #{} of {total}: {m}", index + 1),
            context,
        },
        ApiError::Conflict { message, .. } => ApiError::Conflict {
            message: format!("{noun} #{} of {total}: {message}", index + 1),
            context: Some(context),
        },
        other => other,
    }
}

/// What a create answers: 201 with one object or the list.
pub fn created(mut items: Vec<Value>, batch: bool) -> (StatusCode, axum::Json<Value>) {
    let body = if batch {
        json!({ "resource": items })
    } else {
        items.pop().unwrap_or(Value::Null)
    };
    (StatusCode::CREATED, axum::Json(body))
}

/// Refuses a request that names the same thing twice (`what` is "role",
/// "app"): the index of the second one and a 409 sentence. Names compare
/// without case, as the stores' uniqueness does.
pub fn no_repeated_names<'a>(
    what: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), (usize, AdminError)> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        if seen.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err((
                i,
                AdminError::Conflict(format!(
                    "the {what} name '{name}' appears twice in the request"
                )),
            ));
        }
        seen.push(name);
    }
    Ok(())
}
