//! Casbin's answer to every question the rules can tell apart, asked once per
//! reload and kept in the immutable snapshot, so that a request's grant is a
//! table lookup instead of a pass of Casbin's rhai matcher over the policy.
//!
//! Which questions are enough: a request's component is exact (`_table/Album`),
//! and the only patterns are `*`, `_table/*`, `_schema/*` and exact names
//! (`lines::specificity`). So for one role on one service, every table that no
//! rule names exactly is matched by the same lines (`_table/*` and `*`), and
//! gets the same answer as the request `_table/*` itself (`keyMatch("_table/*",
//! "_table/*")` holds, and no exact line matches it); likewise `_schema/*`, and
//! `*` for any other component. The questions are therefore: each exact
//! component a rule names, plus those three, times the five verbs. A test
//! (`tests.rs`) checks this against the enforcer for many components.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use casbin::{CoreApi, Enforcer};
use entity::role_access;

use super::lines::{self, ACT, DOM, FIELDS, OBJ, PTYPE, SUB, Specificity};
use crate::query::filter::{self, Expr};
use crate::query::plan::{Grant, Verb};

/// A grant per verb, in `Verb::ALL` order.
type Grants = [Grant; 5];

fn slot(verb: Verb) -> usize {
    match verb {
        Verb::Get => 0,
        Verb::Post => 1,
        Verb::Put => 2,
        Verb::Patch => 3,
        Verb::Delete => 4,
    }
}

/// The request that stands for every component of its kind that no rule names.
const ANY_TABLE: &str = "_table/*";
const ANY_SCHEMA: &str = "_schema/*";
const ANY_OTHER: &str = "*";

/// One role's access to one service, as Casbin decided it.
#[derive(Debug)]
pub(super) struct ServiceAccess {
    exact: HashMap<String, Grants>,
    tables: Grants,
    schemas: Grants,
    other: Grants,
    reaches: bool,
}

impl ServiceAccess {
    pub(super) fn grant(&self, component: &str, verb: Verb) -> Grant {
        let grants = match self.exact.get(component) {
            Some(grants) => grants,
            None if component.starts_with("_table/") => &self.tables,
            None if component.starts_with("_schema/") => &self.schemas,
            None => &self.other,
        };
        grants[slot(verb)].clone()
    }

    pub(super) fn reaches(&self) -> bool {
        self.reaches
    }
}

/// Roles → services → access.
pub(super) type AccessMap = HashMap<i32, HashMap<String, Arc<ServiceAccess>>>;

/// A rule's record filter, parsed; `Err` when the stored text no longer parses
/// (the rule then allows nothing).
type Parsed = Result<Option<Arc<Expr>>, ()>;

/// The rule behind each (role, service, component): the first by id, as
/// `sync_role` writes lines for the first only.
pub(super) struct RuleFilters(HashMap<(i32, String, String), Parsed>);

impl RuleFilters {
    pub(super) fn new(rules: &[role_access::Model]) -> RuleFilters {
        let mut map = HashMap::new();
        for rule in rules {
            let key = (rule.role_id, rule.service.clone(), rule.component.clone());
            map.entry(key).or_insert_with(|| parse_filter(rule));
        }
        RuleFilters(map)
    }

    fn get(&self, role_id: i32, service: &str, component: &str) -> Option<&Parsed> {
        // Keyed by owned strings; a reload asks a few hundred times at most.
        self.0
            .get(&(role_id, service.to_string(), component.to_string()))
    }
}

fn parse_filter(rule: &role_access::Model) -> Parsed {
    let Some(text) = rule.filter.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    filter::parse(text).map(|e| Some(Arc::new(e))).map_err(|e| {
        tracing::warn!(
            rule = rule.id,
            role = rule.role_id,
            position = e.position,
            "the record filter of this rule no longer parses ({}); the rule allows nothing until it is fixed",
            e.message
        );
    })
}

/// Asks `enforcer` every question of every (role, service) group of `lines`
/// (loaded in priority order) and keeps the answers, with the winning rule's
/// filter. Only roles in `active` get access: an inactive role's lines stay
/// stored but grant nothing.
///
/// For each question the enforcer's model is refilled with the group's lines
/// that can match it ([`can_match`]), through the model and never the
/// enforcer's adapter, so that nothing is written back.
pub(super) fn decide_all(
    enforcer: &mut Enforcer,
    lines: Vec<Vec<String>>,
    filters: &RuleFilters,
    active: &HashSet<i32>,
) -> casbin::Result<AccessMap> {
    let mut groups: HashMap<(i32, String), Vec<Vec<String>>> = HashMap::new();
    for line in lines {
        if line.len() != FIELDS {
            tracing::warn!(?line, "a policy line of another shape is ignored");
            continue;
        }
        let Some(role_id) = lines::role_of_subject(&line[SUB]) else {
            tracing::warn!(subject = %line[SUB], "a policy line whose subject is not a role is ignored");
            continue;
        };
        if lines::specificity(&line[OBJ]).is_err() {
            tracing::warn!(component = %line[OBJ], "a policy line whose component is not a pattern is ignored");
            continue;
        }
        if active.contains(&role_id) {
            groups
                .entry((role_id, line[DOM].clone()))
                .or_default()
                .push(line);
        }
    }

    let mut access = AccessMap::new();
    for ((role_id, service), group) in groups {
        let decided = decide_group(enforcer, role_id, &service, group, filters)?;
        access
            .entry(role_id)
            .or_default()
            .insert(service, Arc::new(decided));
    }
    // Leave no question's lines behind in the model.
    enforcer.get_mut_model().clear_policy();
    Ok(access)
}

fn decide_group(
    enforcer: &mut Enforcer,
    role_id: i32,
    service: &str,
    group: Vec<Vec<String>>,
    filters: &RuleFilters,
) -> casbin::Result<ServiceAccess> {
    let mut exact: Vec<String> = group
        .iter()
        .filter(|l| lines::specificity(&l[OBJ]) == Ok(Specificity::Exact))
        .map(|l| l[OBJ].clone())
        .collect();
    exact.sort();
    exact.dedup();

    let sub = lines::subject(role_id);
    let mut ask = |component: &str| -> casbin::Result<Grants> {
        // Only the lines that can match this component, in the order loaded.
        let candidates: Vec<Vec<String>> = group
            .iter()
            .filter(|l| can_match(component, &l[OBJ]))
            .cloned()
            .collect();
        let model = enforcer.get_mut_model();
        model.clear_policy();
        model.add_policies(PTYPE, PTYPE, candidates);
        let mut grants: Grants = std::array::from_fn(|_| Grant::Deny);
        for verb in Verb::ALL {
            let (allowed, matched) =
                enforcer.enforce_ex((&sub, service, component, verb.as_str()))?;
            grants[slot(verb)] = if allowed {
                winner_grant(role_id, service, matched.first(), filters)
            } else {
                Grant::Deny
            };
        }
        Ok(grants)
    };

    let mut decided = ServiceAccess {
        exact: HashMap::with_capacity(exact.len()),
        tables: ask(ANY_TABLE)?,
        schemas: ask(ANY_SCHEMA)?,
        other: ask(ANY_OTHER)?,
        reaches: false,
    };
    for component in exact {
        let grants = ask(&component)?;
        decided.exact.insert(component, grants);
    }
    decided.reaches = decided
        .exact
        .values()
        .chain([&decided.tables, &decided.schemas, &decided.other])
        .flatten()
        .any(Grant::allowed);
    Ok(decided)
}

/// Whether a line of pattern `pattern` could match a question about
/// `component` at all: the same pattern, its kind's `*`, or `*`. Leaving the
/// other lines out of the model changes no answer (they cannot match, so
/// Casbin would skip them) and turns a group's cost from its rules squared
/// into its rules: Casbin evaluates its matcher on every line in turn.
fn can_match(component: &str, pattern: &str) -> bool {
    pattern == component
        || pattern == ANY_OTHER
        || (pattern == ANY_TABLE && component.starts_with("_table/"))
        || (pattern == ANY_SCHEMA && component.starts_with("_schema/"))
}

/// The grant of the line Casbin says decided: its rule's filter. A line whose
/// rule is gone (written by hand, or out of step with `role_access`) grants
/// nothing: without its rule, its filter is unknown.
fn winner_grant(
    role_id: i32,
    service: &str,
    winner: Option<&Vec<String>>,
    filters: &RuleFilters,
) -> Grant {
    let Some(line) = winner.filter(|l| l.len() == FIELDS) else {
        return Grant::Deny;
    };
    match filters.get(role_id, service, &line[OBJ]) {
        Some(Ok(filter)) => Grant::Allow(filter.clone()),
        Some(Err(())) => Grant::Deny,
        None => {
            tracing::warn!(
                role = role_id,
                service,
                component = %line[OBJ],
                verb = %line[ACT],
                "a policy line has no rule in role_access; it grants nothing (an admin can save the role again)"
            );
            Grant::Deny
        }
    }
}
