//! A role's GraphQL schema: only the tables, relations and mutations the role
//! may use (see `schema::build`), built on its first request and kept beside
//! the service's runtime per (role, policy version); and, for a field that a
//! role's schema leaves out, the sentence that says which rule is missing.
//!
//! The schema is the first gate, not the only one: every plan is still checked
//! against the same access (`plan::Context`). What the schema adds is that
//! introspection, GraphiQL and validation show a role nothing it may not use.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_graphql::parser::types::OperationType;

use super::exec::{Keyed, Operation};
use super::schema::{self, FieldKind, GraphCatalog, QueryLimits, Root};
use crate::catalog::Catalog;
use crate::query::plan::{Access, Gate, Verb, table_component};

/// Role schemas kept per service. A schema of Chinook is built in about a
/// millisecond, so a miss is cheap; what bounds the count is memory (each
/// holds its own cache of validated documents).
const ROLE_SCHEMAS: u64 = 8;

/// The role schemas of one service runtime. A catalog refresh makes a new
/// runtime, and with it an empty cache; a policy change raises the version,
/// which empties it too.
pub struct RoleSchemas {
    /// The service's limits; `cache_bytes` is shared out among the role
    /// schemas, so that all of them together keep no more validated
    /// documents than the admin schema does.
    limits: QueryLimits,
    /// The newest policy version a request has brought.
    newest: AtomicI64,
    cache: moka::sync::Cache<(i32, i64), Arc<GraphCatalog>>,
}

impl std::fmt::Debug for RoleSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleSchemas")
            .field("kept", &self.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl RoleSchemas {
    pub fn new(limits: QueryLimits) -> RoleSchemas {
        RoleSchemas {
            limits: QueryLimits {
                cache_bytes: limits.cache_bytes / ROLE_SCHEMAS,
                ..limits
            },
            newest: AtomicI64::new(i64::MIN),
            cache: moka::sync::Cache::builder()
                .max_capacity(ROLE_SCHEMAS)
                // A new version's schemas must get in even while the old
                // version's, used often until the change, still fill the
                // cache (TinyLFU, moka's default, could keep them out).
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .build(),
        }
    }

    /// A schema for `access` with the role schemas' limits, not kept.
    pub fn build(
        &self,
        catalog: &Catalog,
        access: Access<'_>,
    ) -> Result<Arc<GraphCatalog>, String> {
        schema::build(catalog, self.limits, access)
            .map(Arc::new)
            .map_err(|e| e.0)
    }

    /// Role `role_id`'s schema as of policy `version`; `gate` (that role's
    /// access under that same version) is made only when the schema is built.
    /// The `Err` says why the schema could not be built.
    pub fn get<G: Gate>(
        &self,
        catalog: &Catalog,
        role_id: i32,
        version: i64,
        gate: impl FnOnce() -> G,
    ) -> Result<Arc<GraphCatalog>, String> {
        let build = |gate: G| self.build(catalog, Access::Role(&gate));
        let newest = self.newest.fetch_max(version, Ordering::AcqRel);
        if version < newest {
            // A request that took the policy before a change another one has
            // seen: built for it alone, so no schema of a past version is kept.
            return build(gate());
        }
        if version > newest {
            self.cache.invalidate_all();
        }
        self.cache
            .try_get_with((role_id, version), || build(gate()))
            .map_err(|e| (*e).clone())
    }
}

/// A field the role's schema leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Response keys from the root down to the field.
    pub path: Vec<String>,
    pub message: String,
}

/// The fields of `op` that `full` (the admin schema) has and `role` (the
/// caller's) does not, each with the rule the caller lacks: async-graphql's
/// validation would only call them unknown, as if the service had no such
/// table. Fields unknown to both are left to validation.
pub fn refusals(
    op: &Operation<'_>,
    role: &GraphCatalog,
    full: &GraphCatalog,
    access: &Access<'_>,
) -> Vec<Refusal> {
    let walk = Walk {
        op,
        role,
        full,
        access,
    };
    let mut out = Vec::new();
    walk.root(&mut out);
    out
}

struct Walk<'w, 'd> {
    op: &'w Operation<'d>,
    role: &'w GraphCatalog,
    full: &'w GraphCatalog,
    access: &'w Access<'w>,
}

impl Walk<'_, '_> {
    fn root(&self, out: &mut Vec<Refusal>) {
        let mutation = self.op.kind() == OperationType::Mutation;
        let root_type = if mutation { "Mutation" } else { "Query" };
        for f in self.op.fields(&[self.op.selection()], Some(root_type)) {
            let path = vec![f.key().to_owned()];
            match (self.role.roots.get(f.name()), self.full.roots.get(f.name())) {
                (Some(root), _) => self.under_root(root, &f, path, out),
                (None, Some(root)) if is_mutation(root) == mutation => {
                    let ty = type_of(root);
                    let verbs: &[Verb] = match root {
                        Root::List(_) | Root::ByPk(_) | Root::Aggregate(_) => &[Verb::Get],
                        Root::Insert(_) => &[Verb::Post],
                        Root::Update(_) => &[Verb::Patch],
                        Root::Delete(_) => &[Verb::Delete],
                        // They answer the row they wrote.
                        Root::UpdateByPk(_) => &[Verb::Patch, Verb::Get],
                        Root::DeleteByPk(_) => &[Verb::Delete, Verb::Get],
                    };
                    out.push(self.refusal(path, f.name(), root_type, ty, verbs));
                }
                _ => {}
            }
        }
    }

    fn under_root(&self, root: &Root, f: &Keyed<'_>, path: Vec<String>, out: &mut Vec<Refusal>) {
        match root {
            Root::List(ty) | Root::ByPk(ty) | Root::UpdateByPk(ty) | Root::DeleteByPk(ty) => {
                self.object(ty, f, path, out);
            }
            Root::Insert(ty) | Root::Update(ty) | Root::Delete(ty) => {
                let Some(info) = self.full.objects.get(ty) else {
                    return;
                };
                let response = info.names.mutation_response();
                for sub in self.op.fields(&f.sets(), Some(response)) {
                    if sub.name() != "returning" {
                        continue;
                    }
                    let mut path = path.clone();
                    path.push(sub.key().to_owned());
                    if self.readable(ty) {
                        self.object(ty, &sub, path, out);
                    } else {
                        out.push(self.refusal(path, "returning", response, ty, &[Verb::Get]));
                    }
                }
            }
            Root::Aggregate(_) => {}
        }
    }

    /// The selection of `f` on object type `ty`: relations to tables the
    /// role may not read are what its schema leaves out there.
    fn object(&self, ty: &str, f: &Keyed<'_>, path: Vec<String>, out: &mut Vec<Refusal>) {
        let (Some(role), Some(full)) = (self.role.objects.get(ty), self.full.objects.get(ty))
        else {
            return;
        };
        for sub in self.op.fields(&f.sets(), Some(ty)) {
            let mut path = path.clone();
            path.push(sub.key().to_owned());
            match (role.fields.get(sub.name()), full.fields.get(sub.name())) {
                (Some(FieldKind::Relation { target, .. }), _) => {
                    self.object(target, &sub, path, out);
                }
                (None, Some(FieldKind::Relation { target, .. })) => {
                    out.push(self.refusal(path, sub.name(), ty, target, &[Verb::Get]));
                }
                _ => {}
            }
        }
    }

    /// Whether the role's schema has object type `ty` (its list field has
    /// the type's name).
    fn readable(&self, ty: &str) -> bool {
        matches!(self.role.roots.get(ty), Some(Root::List(_)))
    }

    /// "Role 'reader' may not GET _table/Album, so its GraphQL schema has no
    /// field 'Album' on Query." `verbs` are those the field needs, the first
    /// one denied is named.
    fn refusal(
        &self,
        path: Vec<String>,
        field: &str,
        on: &str,
        ty: &str,
        verbs: &[Verb],
    ) -> Refusal {
        let who = capitalized(self.access.who());
        let table = self
            .full
            .objects
            .get(ty)
            .map(|info| info.table.name.as_str());
        let denied = table.and_then(|table| {
            verbs
                .iter()
                .find(|verb| !self.access.table(table, **verb).allowed())
                .map(|verb| (table, verb))
        });
        let message = match denied {
            Some((table, verb)) => format!(
                "{who} may not {verb} {}, so its GraphQL schema has no field '{field}' on {on}.",
                table_component(table)
            ),
            // The rules changed since the schema was built; the next
            // request gets the new one.
            None => format!(
                "{who}'s GraphQL schema has no field '{field}' on {on}; its rules have just changed, try again."
            ),
        };
        Refusal { path, message }
    }
}

fn is_mutation(root: &Root) -> bool {
    !matches!(root, Root::List(_) | Root::ByPk(_) | Root::Aggregate(_))
}

/// The object type a root field's rows have.
fn type_of(root: &Root) -> &str {
    match root {
        Root::List(ty)
        | Root::ByPk(ty)
        | Root::Aggregate(ty)
        | Root::Insert(ty)
        | Root::Update(ty)
        | Root::Delete(ty)
        | Root::UpdateByPk(ty)
        | Root::DeleteByPk(ty) => ty,
    }
}

/// A sentence starts with a capital: "role 'reader'" → "Role 'reader'".
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
