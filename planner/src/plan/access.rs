//! The caller's access, as the planner sees it: for a component (`_table/Album`,
//! `_schema/Album`) and a verb, denied or allowed with an optional record filter.
//!
//! The server decides it (Casbin over the role's rules, `auth::policy`); the
//! planner only asks, through [`Gate`], and applies the answer in
//! [`super::Context`]. Keeping the question this small keeps the planner free of
//! Casbin, and keeps every request path asking the same question.

use std::fmt;
use std::sync::Arc;

use crate::filter::Expr;

/// The verbs a rule may allow (SPEC.md, "Words").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub const ALL: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }

    /// Upper case only, as the rules and HTTP write them.
    pub fn parse(s: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer for one component and verb.
#[derive(Debug, Clone, PartialEq)]
pub enum Grant {
    Deny,
    /// Allowed; with a filter, only on the rows that match it (the winning
    /// rule's record filter, already parsed).
    Allow(Option<Arc<Expr>>),
}

impl Grant {
    pub fn allowed(&self) -> bool {
        matches!(self, Grant::Allow(_))
    }
}

/// One caller's access to one service.
pub trait Gate: Send + Sync {
    fn grant(&self, component: &str, verb: Verb) -> Grant;
    /// Who is asking, for sentences: "role 'reader'".
    fn who(&self) -> &str;
}

/// Whose access a plan is made under.
#[derive(Clone, Copy)]
pub enum Access<'a> {
    /// An admin session: everything, no filters.
    Full,
    Role(&'a dyn Gate),
}

impl Access<'_> {
    pub fn grant(&self, component: &str, verb: Verb) -> Grant {
        match self {
            Access::Full => Grant::Allow(None),
            Access::Role(g) => g.grant(component, verb),
        }
    }

    /// The grant on a table's records (`_table/{name}`).
    pub fn table(&self, name: &str, verb: Verb) -> Grant {
        match self {
            Access::Full => Grant::Allow(None),
            Access::Role(g) => g.grant(&table_component(name), verb),
        }
    }

    pub fn who(&self) -> &str {
        match self {
            Access::Full => "an admin session",
            Access::Role(g) => g.who(),
        }
    }
}

impl fmt::Debug for Access<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Access::Full => f.write_str("Full"),
            Access::Role(g) => write!(f, "Role({})", g.who()),
        }
    }
}

/// The component of a table's records.
pub fn table_component(table: &str) -> String {
    format!("_table/{table}")
}

/// The component of a table's description.
pub fn schema_component(table: &str) -> String {
    format!("_schema/{table}")
}
