//! For a field that a role's GraphQL schema leaves out (see `schema::build`
//! and `schema::roles`), the sentence that says which rule is missing, with
//! the field's path.
//!
//! The schema is the first gate, not the only one: every plan is still checked
//! against the same access (`plan::Context`). What the schema adds is that
//! introspection, GraphiQL and validation show a role nothing it may not use.

use async_graphql::parser::types::OperationType;

use super::exec::{Keyed, Operation};
use super::schema::{FieldKind, GraphCatalog, Root};
use crate::query::plan::{Access, Verb, table_component};

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use async_graphql::Variables;
    use async_graphql::parser::parse_query;
    use serde_json::Value as Json;

    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::catalog::{Catalog, Column, ForeignKey, JsonType, Table};
    use crate::graphql::schema::roles::{ROLE_SCHEMAS, RoleSchemas};
    use crate::graphql::schema::{self, QueryLimits};
    use crate::query::plan::Gate;
    use crate::query::plan::Grant;

    const LIMITS: QueryLimits = QueryLimits {
        max_depth: 15,
        max_complexity: 1000,
        cache_bytes: 1 << 20,
    };

    /// A role's rules: the listed (table, verb) pairs, nothing else.
    struct Rules(Vec<(&'static str, Verb)>);

    impl Gate for Rules {
        fn grant(&self, component: &str, verb: Verb) -> Grant {
            let allowed = self
                .0
                .iter()
                .any(|(table, v)| *v == verb && table_component(table) == component);
            if allowed {
                Grant::Allow(None)
            } else {
                Grant::Deny
            }
        }

        fn who(&self) -> &str {
            "role 'reader'"
        }
    }

    fn column(name: &str, json_type: JsonType, key: bool) -> Column {
        Column {
            name: name.to_owned(),
            db_type: if json_type == JsonType::Integer {
                "INTEGER"
            } else {
                "TEXT"
            }
            .to_owned(),
            json_type,
            nullable: !key,
            default: None,
            is_primary_key: key,
            auto_increment: false,
            cast: None,
        }
    }

    fn table(name: &str, key: &str, others: &[(&str, JsonType)], refs: &[(&str, &str)]) -> Table {
        let mut columns = vec![column(key, JsonType::Integer, true)];
        columns.extend(others.iter().map(|(c, t)| column(c, *t, false)));
        Table {
            name: name.to_owned(),
            is_view: false,
            columns,
            primary_key: vec![key.to_owned()],
            foreign_keys: refs
                .iter()
                .map(|(col, target)| ForeignKey {
                    columns: vec![(*col).to_owned()],
                    ref_table: (*target).to_owned(),
                    ref_columns: vec![(*col).to_owned()],
                })
                .collect(),
            relations: Vec::new(),
        }
    }

    /// Artist ← Album ← Track, as in Chinook.
    fn catalog() -> Catalog {
        use JsonType::{Integer, String};
        Catalog::new(vec![
            table("Artist", "ArtistId", &[("Name", String)], &[]),
            table(
                "Album",
                "AlbumId",
                &[("Title", String), ("ArtistId", Integer)],
                &[("ArtistId", "Artist")],
            ),
            table(
                "Track",
                "TrackId",
                &[("Name", String), ("AlbumId", Integer)],
                &[("AlbumId", "Album")],
            ),
        ])
    }

    fn role(rules: &[(&'static str, Verb)]) -> GraphCatalog {
        let gate = Rules(rules.to_vec());
        schema::build(&catalog(), LIMITS, Access::Role(&gate)).unwrap()
    }

    fn full() -> GraphCatalog {
        schema::build(&catalog(), LIMITS, Access::Full).unwrap()
    }

    /// What introspection tells a client: every type with its fields (or
    /// input fields), and the root types' names.
    async fn introspect(gql: &GraphCatalog) -> Json {
        let resp = gql
            .schema
            .execute(
                "{ __schema { queryType { name } mutationType { name }
                   types { name fields { name } inputFields { name } } } }",
            )
            .await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        serde_json::to_value(&resp.data).unwrap()["__schema"].clone()
    }

    fn type_names(schema: &Json) -> Vec<String> {
        schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .filter(|n| !n.starts_with("__"))
            .collect()
    }

    fn fields_of(schema: &Json, ty: &str) -> Vec<String> {
        let t = schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == ty)
            .unwrap_or_else(|| panic!("no type {ty}"));
        let fields = if t["fields"].is_array() {
            &t["fields"]
        } else {
            &t["inputFields"]
        };
        fields
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn get_on_album_shows_its_queries_and_nothing_of_other_tables() {
        let gql = role(&[("Album", Verb::Get)]);
        let schema = introspect(&gql).await;
        assert_eq!(
            fields_of(&schema, "Query"),
            ["Album", "Album_by_pk", "Album_aggregate"]
        );
        assert!(schema["mutationType"].is_null(), "{schema}");
        // No relation to Artist or Track, which it may not read.
        assert_eq!(
            fields_of(&schema, "Album"),
            ["AlbumId", "Title", "ArtistId"]
        );
        let types = type_names(&schema);
        for absent in [
            "Artist",
            "Track",
            "insert_input",
            "set_input",
            "mutation_response",
        ] {
            assert!(
                !types.iter().any(|t| t.contains(absent)),
                "{absent} in {types:?}"
            );
        }
        assert!(types.contains(&"Album_bool_exp".to_owned()), "{types:?}");
        assert!(types.contains(&"Album_order_by".to_owned()), "{types:?}");
        assert!(types.contains(&"Album_aggregate".to_owned()), "{types:?}");
    }

    #[tokio::test]
    async fn a_relation_shows_when_its_target_is_readable() {
        let gql = role(&[("Album", Verb::Get), ("Artist", Verb::Get)]);
        let schema = introspect(&gql).await;
        assert_eq!(
            fields_of(&schema, "Album"),
            ["AlbumId", "Title", "ArtistId", "Artist_by_ArtistId"]
        );
        assert_eq!(
            fields_of(&schema, "Artist"),
            ["ArtistId", "Name", "Album_by_ArtistId"]
        );
        assert!(!type_names(&schema).iter().any(|t| t.starts_with("Track")));
    }

    #[tokio::test]
    async fn post_adds_insert_only() {
        let gql = role(&[("Album", Verb::Get), ("Album", Verb::Post)]);
        let schema = introspect(&gql).await;
        assert_eq!(fields_of(&schema, "Mutation"), ["insert_Album"]);
        assert_eq!(
            fields_of(&schema, "Album_mutation_response"),
            ["affected_rows", "returning"]
        );
        let types = type_names(&schema);
        assert!(types.contains(&"Album_insert_input".to_owned()));
        for absent in ["Album_set_input", "Album_pk_columns_input"] {
            assert!(!types.contains(&absent.to_owned()), "{absent}");
        }
    }

    #[tokio::test]
    async fn writes_without_get_read_nothing_back() {
        let gql = role(&[
            ("Album", Verb::Post),
            ("Album", Verb::Patch),
            ("Album", Verb::Delete),
        ]);
        let schema = introspect(&gql).await;
        // `_by_pk` mutations answer the row, `returning` the rows: GET's.
        assert_eq!(
            fields_of(&schema, "Mutation"),
            ["insert_Album", "update_Album", "delete_Album"]
        );
        assert_eq!(
            fields_of(&schema, "Album_mutation_response"),
            ["affected_rows"]
        );
        let types = type_names(&schema);
        assert!(!types.contains(&"Album".to_owned()), "{types:?}");
        assert!(!types.contains(&"Album_order_by".to_owned()), "{types:?}");
        assert!(!types.contains(&"Album_pk_columns_input".to_owned()));
        // `where` of update_Album and delete_Album.
        assert!(types.contains(&"Album_bool_exp".to_owned()), "{types:?}");
        assert!(types.contains(&"Album_set_input".to_owned()), "{types:?}");
        // The query root still validates, with Hasura's placeholder.
        assert_eq!(fields_of(&schema, "Query"), ["no_queries_available"]);
        assert!(gql.objects.contains_key("Album"), "exec finds the table");
    }

    #[tokio::test]
    async fn a_role_with_no_rule_gets_a_valid_empty_schema() {
        let gql = role(&[]);
        let schema = introspect(&gql).await;
        assert_eq!(fields_of(&schema, "Query"), ["no_queries_available"]);
        assert!(schema["mutationType"].is_null());
        let types = type_names(&schema);
        assert!(
            !types
                .iter()
                .any(|t| ["Album", "Artist", "Track"].iter().any(|n| t.contains(n))),
            "{types:?}"
        );
        assert!(gql.roots.is_empty() && gql.objects.is_empty());
        let resp = gql.schema.execute("{ no_queries_available }").await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    }

    #[test]
    fn every_verb_on_every_table_is_the_admin_schema() {
        let all: Vec<(&'static str, Verb)> = ["Artist", "Album", "Track"]
            .into_iter()
            .flat_map(|t| Verb::ALL.map(|v| (t, v)))
            .collect();
        assert_eq!(role(&all).schema.sdl(), full().schema.sdl());
    }

    /// The refusals of a query sent by role `rules`.
    fn refused(rules: &[(&'static str, Verb)], query: &str) -> Vec<Refusal> {
        let gate = Rules(rules.to_vec());
        let doc = parse_query(query).unwrap();
        let op = Operation::new(&doc, None, Variables::default()).unwrap();
        refusals(&op, &role(rules), &full(), &Access::Role(&gate))
    }

    #[test]
    fn a_hidden_table_is_refused_naming_the_rule_and_the_path() {
        let r = refused(
            &[("Album", Verb::Get)],
            "{ a: Album { Title Artist_by_ArtistId { Name } } Artist { Name } Nope { x } }",
        );
        assert_eq!(
            r,
            [
                Refusal {
                    path: vec!["a".into(), "Artist_by_ArtistId".into()],
                    message: "Role 'reader' may not GET _table/Artist, so its GraphQL schema has no field 'Artist_by_ArtistId' on Album.".into(),
                },
                Refusal {
                    path: vec!["Artist".into()],
                    message: "Role 'reader' may not GET _table/Artist, so its GraphQL schema has no field 'Artist' on Query.".into(),
                },
            ]
        );
        // What the role may use is not refused.
        assert!(refused(&[("Album", Verb::Get)], "{ Album { Title } }").is_empty());
    }

    #[test]
    fn a_hidden_mutation_names_the_verb_it_needs() {
        let r = refused(
            &[("Album", Verb::Get)],
            "mutation { insert_Album(objects: []) { affected_rows } }",
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].path, ["insert_Album"]);
        assert!(
            r[0].message
                .starts_with("Role 'reader' may not POST _table/Album,"),
            "{}",
            r[0].message
        );
        // `update_Album_by_pk` answers the row: with PATCH but no GET, GET is
        // what is missing.
        let r = refused(
            &[("Album", Verb::Patch)],
            "mutation { update_Album_by_pk(pk_columns: {AlbumId: 1}) { Title } }",
        );
        assert!(r[0].message.contains("may not GET _table/Album"), "{r:?}");
        let r = refused(
            &[("Album", Verb::Post)],
            "mutation { i: insert_Album(objects: []) { affected_rows r: returning { Title } } }",
        );
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].path, ["i", "r"]);
        assert!(r[0].message.contains("may not GET _table/Album"), "{r:?}");
    }

    #[test]
    fn role_schemas_are_kept_per_policy_version() {
        let schemas = RoleSchemas::new(LIMITS);
        let catalog = catalog();
        let built = AtomicUsize::new(0);
        let get = |role, version| {
            schemas
                .get(&catalog, role, version, || {
                    built.fetch_add(1, Ordering::SeqCst);
                    Rules(vec![("Album", Verb::Get)])
                })
                .unwrap()
        };
        let first = get(1, 5);
        assert!(Arc::ptr_eq(&first, &get(1, 5)), "kept");
        assert_eq!(built.load(Ordering::SeqCst), 1);
        get(2, 5);
        assert_eq!(built.load(Ordering::SeqCst), 2, "one per role");
        // A policy change: built again, and the old version is dropped.
        assert!(!Arc::ptr_eq(&first, &get(1, 6)));
        assert_eq!(built.load(Ordering::SeqCst), 3);
        assert!(!schemas.kept(1, 5));
        // A request that took the policy before the change is answered with
        // a schema of its own version, which is not kept.
        get(1, 5);
        get(1, 5);
        assert_eq!(built.load(Ordering::SeqCst), 5);
        get(1, 6);
        assert_eq!(built.load(Ordering::SeqCst), 5);
        // A role schema keeps a share of the admin schema's document cache.
        assert_eq!(
            first.validated.policy().max_capacity(),
            Some(LIMITS.cache_bytes / ROLE_SCHEMAS)
        );
    }
}
