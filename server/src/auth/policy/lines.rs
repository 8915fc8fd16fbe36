//! A role's rules as Casbin policy lines, and back: the only place that knows
//! the shape of a line (`model.conf`'s `p = sub, dom, obj, act, eft, priority`).
//!
//! Pure: the admin API can check a rule with [`check_rule`] before storing it,
//! with the same sentences [`rule_lines`] would log when skipping it.

use std::collections::BTreeSet;

use entity::role_access;

use crate::query::plan::Verb;

/// The `ptype` of every line apiforge writes.
pub const PTYPE: &str = "p";

/// Fields of a line, in `model.conf`'s order.
pub(super) const SUB: usize = 0;
pub(super) const DOM: usize = 1;
pub(super) const OBJ: usize = 2;
pub(super) const ACT: usize = 3;
pub(super) const FIELDS: usize = 6;

const SUBJECT_PREFIX: &str = "role:";

/// Casbin's subject for a role. By id, so renaming a role touches no line.
pub fn subject(role_id: i32) -> String {
    format!("{SUBJECT_PREFIX}{role_id}")
}

pub(super) fn role_of_subject(sub: &str) -> Option<i32> {
    sub.strip_prefix(SUBJECT_PREFIX)?.parse().ok()
}

/// Why a stored rule cannot become policy lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error(
        "component '{0}' is not one of '*', '_table/*', '_schema/*', '_table/{{table}}', '_schema/{{table}}'"
    )]
    Component(String),
    #[error("verbs must be a JSON array of verb names such as [\"GET\",\"POST\"], not '{0}'")]
    VerbsNotArray(String),
    #[error("verb '{0}' is not one of GET, POST, PUT, PATCH, DELETE (upper case)")]
    Verb(String),
}

/// How specific a component pattern is. The order is the rule's precedence:
/// the first variant wins over the others (SPEC.md, "Words").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Specificity {
    /// `_table/Album`, `_schema/Album`.
    Exact,
    /// `_table/*`, `_schema/*`.
    Prefix,
    /// `*`.
    Any,
}

impl Specificity {
    /// The line's `priority` field: Casbin's convention, lower first.
    pub(super) fn priority(self) -> &'static str {
        match self {
            Specificity::Exact => "1",
            Specificity::Prefix => "2",
            Specificity::Any => "3",
        }
    }
}

const KINDS: [&str; 2] = ["_table/", "_schema/"];

/// The specificity of a rule's component pattern.
///
/// A `*` is only accepted as the whole pattern or right after the kind: the
/// model's `keyMatch` reads any `*` as "anything from here", so `_table/A*`
/// would be a prefix rule that SPEC.md does not have. That restriction is also
/// what lets the snapshot decide every table a role names no rule for with one
/// answer (`snapshot.rs`).
pub fn specificity(component: &str) -> Result<Specificity, RuleError> {
    if component == "*" {
        return Ok(Specificity::Any);
    }
    let bad = || RuleError::Component(component.to_string());
    let name = KINDS
        .iter()
        .find_map(|kind| component.strip_prefix(kind))
        .ok_or_else(bad)?;
    match name {
        "*" => Ok(Specificity::Prefix),
        "" => Err(bad()),
        name if name.contains('*') => Err(bad()),
        _ => Ok(Specificity::Exact),
    }
}

/// The verbs of a rule's `verbs` column (`["GET","POST"]`).
pub fn parse_verbs(verbs: &str) -> Result<BTreeSet<Verb>, RuleError> {
    let names: Vec<String> = serde_json::from_str(verbs)
        .map_err(|_| RuleError::VerbsNotArray(verbs.chars().take(60).collect()))?;
    names
        .iter()
        .map(|name| Verb::parse(name).ok_or_else(|| RuleError::Verb(name.clone())))
        .collect()
}

/// Whether a rule can be stored as it is: the check [`rule_lines`] makes.
pub fn check_rule(component: &str, verbs: &str) -> Result<(), RuleError> {
    specificity(component)?;
    parse_verbs(verbs)?;
    Ok(())
}

/// A rule's lines: one per verb, `allow` for the verbs it has and `deny` for
/// the others, so that a more specific rule with fewer verbs narrows access
/// instead of letting a broader rule's `allow` through.
///
/// A rule whose verbs cannot be read still gets its `deny` lines (the problem
/// is returned beside them): failing closed, the broken rule takes away what
/// broader rules would give on its component, rather than adding nothing.
/// A component that is not a pattern gives no lines: there is nothing to match.
pub(super) fn rule_lines(
    role_id: i32,
    rule: &role_access::Model,
) -> Result<(Vec<Vec<String>>, Option<RuleError>), RuleError> {
    let priority = specificity(&rule.component)?.priority();
    let (allowed, problem) = match parse_verbs(&rule.verbs) {
        Ok(verbs) => (verbs, None),
        Err(e) => (BTreeSet::new(), Some(e)),
    };
    let sub = subject(role_id);
    let lines = Verb::ALL
        .into_iter()
        .map(|verb| {
            let eft = if allowed.contains(&verb) {
                "allow"
            } else {
                "deny"
            };
            vec![
                sub.clone(),
                rule.service.clone(),
                rule.component.clone(),
                verb.as_str().to_string(),
                eft.to_string(),
                priority.to_string(),
            ]
        })
        .collect();
    Ok((lines, problem))
}

#[cfg(test)]
mod unit {
    use super::*;

    fn rule(component: &str, verbs: &str) -> role_access::Model {
        role_access::Model {
            id: 1,
            role_id: 7,
            service: "chinook".into(),
            component: component.into(),
            verbs: verbs.into(),
            filter: None,
        }
    }

    #[test]
    fn patterns_have_their_specificity() {
        assert_eq!(specificity("*"), Ok(Specificity::Any));
        assert_eq!(specificity("_table/*"), Ok(Specificity::Prefix));
        assert_eq!(specificity("_schema/*"), Ok(Specificity::Prefix));
        assert_eq!(specificity("_table/Album"), Ok(Specificity::Exact));
        assert_eq!(specificity("_schema/Album"), Ok(Specificity::Exact));
        for bad in [
            "",
            "_table",
            "_table/",
            "_table/A*",
            "_view/*",
            "**",
            "table/Album",
        ] {
            assert!(specificity(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn verbs_are_a_json_array_of_upper_case_names() {
        assert_eq!(
            parse_verbs(r#"["GET","POST"]"#),
            Ok(BTreeSet::from([Verb::Get, Verb::Post]))
        );
        assert_eq!(parse_verbs("[]"), Ok(BTreeSet::new()));
        assert_eq!(
            parse_verbs(r#"["get"]"#),
            Err(RuleError::Verb("get".into()))
        );
        assert!(matches!(
            parse_verbs("GET"),
            Err(RuleError::VerbsNotArray(_))
        ));
    }

    #[test]
    fn a_rule_allows_its_verbs_and_denies_the_others() {
        let (lines, problem) =
            rule_lines(7, &rule("_table/*", r#"["GET","POST"]"#)).expect("a valid rule");
        assert_eq!(problem, None);
        let effects: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l[ACT].as_str(), l[4].as_str()))
            .collect();
        assert_eq!(
            effects,
            [
                ("GET", "allow"),
                ("POST", "allow"),
                ("PUT", "deny"),
                ("PATCH", "deny"),
                ("DELETE", "deny")
            ]
        );
        assert!(lines.iter().all(|l| l.len() == FIELDS
            && l[SUB] == "role:7"
            && l[DOM] == "chinook"
            && l[OBJ] == "_table/*"
            && l[5] == "2"));
    }

    #[test]
    fn unreadable_verbs_deny_every_verb() {
        let (lines, problem) = rule_lines(7, &rule("_table/Album", "GET")).expect("lines");
        assert!(problem.is_some());
        assert!(lines.iter().all(|l| l[4] == "deny" && l[5] == "1"));
        assert!(rule_lines(7, &rule("_tables", "[]")).is_err());
    }

    #[test]
    fn subjects_round_trip() {
        assert_eq!(role_of_subject(&subject(42)), Some(42));
        assert_eq!(role_of_subject("user:42"), None);
    }
}
