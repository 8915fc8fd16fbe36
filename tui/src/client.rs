//! The admin API over HTTP. A [`Call`] says what to ask; [`Client::run`] asks it,
//! off the UI thread, and the answer comes back to the app as an action. Screens
//! build calls through the functions of [`calls`] and never touch the network.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::wire::ErrorEnvelope;

/// How a call proves who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// The admin's session token, filled in by the app when it sends the call:
    /// screens never see the token.
    Session,
    /// An app's API key (the guided flow's "try it").
    Key(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP request to the server, as data: tests read it, the runtime sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: Method,
    /// Below the server's base URL, e.g. `/api/v2/system/service`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub auth: Auth,
    /// Another server than the session's (Login, before there is a session).
    pub base: Option<String>,
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            auth: Auth::Session,
            base: None,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Call::new(Method::Get, path)
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_string(), value.into()));
        self
    }

    pub fn json(mut self, body: &impl Serialize) -> Self {
        // Our wire types always serialize; a failure would be a bug in them,
        // and sending no body makes the server say what is missing.
        self.body = serde_json::to_value(body).ok();
        self
    }

    pub fn base(mut self, base: &str) -> Self {
        self.base = Some(base.to_string());
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }
}

/// What can go wrong with a call, as the screens need to tell it apart.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error envelope (or a status without one).
    #[error("{message}")]
    Api {
        status: u16,
        message: String,
        context: Value,
    },
    /// No answer: the server is down, unreachable, or too slow.
    #[error("no answer from the server: {0}")]
    Lost(String),
    /// An answer we could not read as the expected shape.
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
    /// The admin pressed Esc while the call was running.
    #[error("cancelled")]
    Cancelled,
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Reads a loaded body as a wire type; a shape mismatch is a `Decode` error.
    pub fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ClientError> {
        serde_json::from_value(value).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

/// Every answer a screen receives: the JSON body, or why there is none.
pub type Answer = Result<Value, ClientError>;

/// Reads a loaded answer as a wire type.
pub fn decode<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, ClientError> {
    answer.and_then(ClientError::parse)
}

/// The HTTP side: one reqwest client (its connection pool) for the whole run.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
}

/// A request that takes longer than this is reported as a lost connection, so
/// the console never waits forever on a server that stopped answering.
const TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
    pub fn new() -> Result<Self, ClientError> {
        // reqwest is built without a default crypto provider (STACK.md); an
        // error means one is installed already, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Lost(e.to_string()))?;
        Ok(Client { http })
    }

    /// Sends `call` to the server at `base` with the session `token`.
    pub async fn run(&self, base: &str, token: Option<&str>, call: Call) -> Answer {
        let mut url = reqwest::Url::parse(&format!("{}{}", base.trim_end_matches('/'), call.path))
            .map_err(|e| ClientError::Lost(format!("'{base}' is not a URL ({e})")))?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        let method = reqwest::Method::from_bytes(call.method.as_str().as_bytes())
            .map_err(|e| ClientError::Lost(e.to_string()))?;
        let mut req = self.http.request(method, url);
        match (&call.auth, token) {
            (Auth::Session, Some(t)) => req = req.bearer_auth(t),
            (Auth::Key(k), _) => req = req.header("X-Api-Key", k),
            _ => {}
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Lost(lost_reason(&e)))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Lost(lost_reason(&e)))?;
        if (200..300).contains(&status) {
            if bytes.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()));
        }
        Err(match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
            Ok(env) => ClientError::Api {
                status,
                message: env.error.message,
                context: env.error.context,
            },
            Err(_) => ClientError::Api {
                status,
                message: format!("the server answered {status} without an error message"),
                context: Value::Null,
            },
        })
    }
}

fn lost_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "it did not answer in time".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "the connection broke".into()
    }
}

/// The admin API's calls, one function each (SPEC.md "Admin API").
pub mod calls {
    use super::{Auth, Call, Method};
    use crate::wire::{AdminBody, AppBody, LoginBody, QuickstartBody, RoleBody, ServiceBody};

    const SYSTEM: &str = "/api/v2/system";

    /// Path segments are percent-encoded: names may hold characters a URL
    /// reserves.
    pub fn seg(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    pub fn login(email: &str, password: &str) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/admin/session"))
            .json(&LoginBody { email, password })
            .auth(Auth::None)
    }
    pub fn logout() -> Call {
        Call::new(Method::Delete, format!("{SYSTEM}/admin/session"))
    }
    pub fn services() -> Call {
        Call::get(format!("{SYSTEM}/service"))
    }
    pub fn service(name: &str) -> Call {
        Call::get(format!("{SYSTEM}/service/{}", seg(name)))
    }
    pub fn create_service(body: &ServiceBody) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/service")).json(body)
    }
    pub fn update_service(name: &str, body: &ServiceBody) -> Call {
        Call::new(Method::Put, format!("{SYSTEM}/service/{}", seg(name))).json(body)
    }
    pub fn delete_service(name: &str) -> Call {
        Call::new(Method::Delete, format!("{SYSTEM}/service/{}", seg(name)))
    }
    pub fn test_service(body: &ServiceBody) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/service/_test")).json(body)
    }
    pub fn refresh_service(name: &str) -> Call {
        Call::new(
            Method::Post,
            format!("{SYSTEM}/service/{}/_refresh", seg(name)),
        )
    }
    pub fn next_steps(name: &str) -> Call {
        Call::get(format!("{SYSTEM}/service/{}/next_steps", seg(name)))
    }
    pub fn quickstart(name: &str, body: &QuickstartBody) -> Call {
        Call::new(
            Method::Post,
            format!("{SYSTEM}/service/{}/_quickstart", seg(name)),
        )
        .json(body)
    }
    pub fn roles() -> Call {
        Call::get(format!("{SYSTEM}/role"))
    }
    pub fn create_role(body: &RoleBody) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/role")).json(body)
    }
    pub fn update_role(id: i64, body: &RoleBody) -> Call {
        Call::new(Method::Put, format!("{SYSTEM}/role/{id}")).json(body)
    }
    pub fn delete_role(id: i64) -> Call {
        Call::new(Method::Delete, format!("{SYSTEM}/role/{id}"))
    }
    pub fn apps() -> Call {
        Call::get(format!("{SYSTEM}/app"))
    }
    pub fn create_app(body: &AppBody) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/app")).json(body)
    }
    pub fn patch_app(id: i64, body: &AppBody) -> Call {
        Call::new(Method::Patch, format!("{SYSTEM}/app/{id}")).json(body)
    }
    pub fn rotate_app(id: i64) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/app/{id}/rotate"))
    }
    pub fn delete_app(id: i64) -> Call {
        Call::new(Method::Delete, format!("{SYSTEM}/app/{id}"))
    }
    pub fn admins() -> Call {
        Call::get(format!("{SYSTEM}/admin"))
    }
    pub fn create_admin(body: &AdminBody) -> Call {
        Call::new(Method::Post, format!("{SYSTEM}/admin")).json(body)
    }
    pub fn delete_admin(id: i64) -> Call {
        Call::new(Method::Delete, format!("{SYSTEM}/admin/{id}"))
    }
    pub fn audit(limit: u32, offset: u32, filter: &str) -> Call {
        let c = Call::get(format!("{SYSTEM}/audit"))
            .query("limit", limit.to_string())
            .query("offset", offset.to_string());
        if filter.trim().is_empty() {
            c
        } else {
            c.query("filter", filter)
        }
    }
    /// A service's tables, read with the admin's session.
    pub fn tables(service: &str) -> Call {
        Call::get(format!("/api/v2/{}/_table", seg(service)))
    }
    pub fn table_schema(service: &str, table: &str) -> Call {
        Call::get(format!("/api/v2/{}/_schema/{}", seg(service), seg(table)))
    }
    /// A GraphQL query to a service (the guided flow sends it with the new key).
    pub fn graphql(service: &str, query: &str) -> Call {
        Call::new(Method::Post, format!("/api/v2/{}/graphql", seg(service)))
            .json(&serde_json::json!({ "query": query }))
    }
    /// A page of rows, with the REST query parameters as typed.
    pub fn rows(service: &str, table: &str, params: &[(&str, &str)]) -> Call {
        let mut c = Call::get(format!("/api/v2/{}/_table/{}", seg(service), seg(table)));
        for (k, v) in params {
            if !v.trim().is_empty() {
                c = c.query(k, *v);
            }
        }
        c
    }
}
