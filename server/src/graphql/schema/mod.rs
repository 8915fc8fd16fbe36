//! A service's catalog → its GraphQL schema (Hasura's names) and the map from
//! GraphQL names back to tables, columns and relations.
//!
//! The async-graphql schema is used to validate requests (types, arguments,
//! variables, depth, complexity) and to answer introspection; data fields are
//! never resolved by it: `exec` plans and runs them (see `mod.rs` for why).
//!
//! [`build`] names every table's type, then gives each table's `Shape` to
//! one small builder per generated kind: `object` (the type, and the map of
//! its fields), `bool_exp` (and the scalars' comparison types), `order_by`,
//! `aggregate`, `write_input` (insert, `_set` and key inputs), `mutation`
//! (the response type and the `Mutation` fields) and `query` (the `Query`
//! fields). The arguments they share are written once in `args`; every
//! generated name comes from [`TypeNames`].
//!
//! What the caller may use (`Access`) is decided once per table in `shape`
//! (`Uses`), and each builder leaves out what it does not allow, so that a
//! role's schema names nothing it may not use (`graphql::role` keeps them).

mod aggregate;
mod args;
mod bool_exp;
mod mutation;
mod object;
mod order_by;
mod query;
pub mod roles;
mod scalars;
mod shape;
mod write_input;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dynamic::{
    Field, FieldFuture, InputValue, Object, Schema, SchemaError, Type, TypeRef,
};

use super::names::TypeNames;
use crate::catalog::{Catalog, RelationKind, Table};
use crate::query::plan::Access;

/// The root types' names, fixed (no table may take them).
const QUERY: &str = "Query";
const MUTATION: &str = "Mutation";

/// What a field of a table's object type reads.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Column(String),
    Relation {
        name: String,
        kind: RelationKind,
        /// The object type of the related table.
        target: String,
    },
}

/// A table's object type.
#[derive(Debug)]
pub struct ObjectInfo {
    pub table: Arc<Table>,
    pub fields: HashMap<String, FieldKind>,
    /// Primary key columns as (GraphQL name, column name), in key order.
    pub key: Vec<(String, String)>,
    /// The names derived from this type (`T_aggregate`, …).
    pub names: TypeNames,
}

/// A root field of `Query` or `Mutation`; each names its table's object type.
#[derive(Debug, Clone)]
pub enum Root {
    List(String),
    ByPk(String),
    Aggregate(String),
    Insert(String),
    Update(String),
    Delete(String),
    UpdateByPk(String),
    DeleteByPk(String),
}

/// Per-service limits against abusive queries.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Bytes of validated documents kept (see [`GraphCatalog::cacheable`]).
    pub cache_bytes: u64,
}

pub struct GraphCatalog {
    pub schema: Schema,
    /// Documents that passed validation against `schema`, by operation name
    /// and query text: an application sends the same few queries over and
    /// over, and validation cost more than planning and running W4's read.
    pub validated: moka::sync::Cache<String, Arc<async_graphql::parser::types::ExecutableDocument>>,
    pub roots: HashMap<String, Root>,
    /// Object type name → table.
    pub objects: HashMap<String, ObjectInfo>,
}

impl std::fmt::Debug for GraphCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphCatalog")
            .field("types", &self.objects.len())
            .finish_non_exhaustive()
    }
}

impl GraphCatalog {
    /// Whether a document (its cache key) may be kept: one that would take
    /// more than an eighth of the cache is validated again each time, so
    /// that a few large documents cannot push out every small one.
    pub fn cacheable(&self, key: &str) -> bool {
        self.validated
            .policy()
            .max_capacity()
            .is_some_and(|max| u64::from(document_weight(key)) <= max / 8)
    }
}

/// The bytes a validated document holds: its text (the key) and the parsed
/// document, measured at about twice the text (32 documents of 3 MB kept
/// 172 MB when the cache counted entries).
fn document_weight(key: &str) -> u32 {
    u32::try_from(key.len().saturating_mul(3).saturating_add(1024)).unwrap_or(u32::MAX)
}

/// Data fields are planned and run by `exec`, never resolved here.
fn unresolved(name: &str, ty: TypeRef, args: impl IntoIterator<Item = InputValue>) -> Field {
    args.into_iter().fold(
        Field::new(name, ty, |_| FieldFuture::from_value(None)),
        Field::argument,
    )
}

/// A field of `Query` or `Mutation` and what it runs.
struct RootField {
    name: String,
    root: Root,
    field: Field,
}

impl RootField {
    fn new(
        name: String,
        root: Root,
        ty: TypeRef,
        args: impl IntoIterator<Item = InputValue>,
    ) -> Self {
        RootField {
            field: unresolved(&name, ty, args),
            name,
            root,
        }
    }
}

/// Adds root fields to `Query` or `Mutation`, and what they run to `roots`.
fn add_roots(
    mut object: Object,
    fields: Vec<RootField>,
    roots: &mut HashMap<String, Root>,
) -> Object {
    for RootField { name, root, field } in fields {
        object = object.field(field);
        roots.insert(name, root);
    }
    object
}

/// The schema of one catalog as `access` may use it: `Access::Full` for an
/// admin (built with the catalog; a refresh builds a new one), a role's for
/// its apps (see `graphql::role`). A role sees only what it may use, as in
/// Hasura: a table's types and `Query` fields need GET on `_table/T`, a
/// relation GET on its target, each mutation its verb (`insert_T` POST,
/// `update_T` PATCH, `delete_T` DELETE), and what reads rows back
/// (`returning`, the `_by_pk` mutations) GET as well. Names are claimed for
/// every table and relation whatever the access, so a name means the same in
/// every schema of a service.
pub fn build(
    catalog: &Catalog,
    limits: QueryLimits,
    access: Access<'_>,
) -> Result<GraphCatalog, SchemaError> {
    let named = shape::type_names(catalog);
    let mut query_root = Object::new(QUERY);
    let mut mutation_root = Object::new(MUTATION);
    let mut types: Vec<Type> = Vec::new();
    let mut scalars = scalars::Scalars::default();
    let mut roots = HashMap::new();
    let mut objects = HashMap::new();
    let mut reads = false;
    let mut writes = false;

    for shape in shape::shapes(&named, &access) {
        let uses = shape.uses;
        if !uses.read && !uses.writes() {
            continue;
        }
        scalars.use_columns(&shape);
        let (object, fields) = object::build(&shape);
        let mut aggregate = None;
        if uses.read {
            let (object, types_of_fields) = aggregate::build(&shape, &mut scalars);
            query_root = add_roots(query_root, query::fields(&shape), &mut roots);
            // The order types have always been registered in: a table named
            // like another's derived type (`A_aggregate` beside `A`)
            // registers one name twice, and the last registration stays.
            types.extend(types_of_fields);
            aggregate = Some(object);
            reads = true;
        }
        if uses.writes() {
            types.extend(write_input::build(&shape));
            types.push(mutation::response(&shape).into());
            mutation_root = add_roots(mutation_root, mutation::fields(&shape), &mut roots);
            writes = true;
        }
        if uses.read {
            types.push(object.into());
        }
        if uses.filters() {
            types.push(bool_exp::build(&shape).into());
        }
        if let Some(aggregate) = aggregate {
            types.push(order_by::build(&shape).into());
            types.push(aggregate.into());
        }
        // Kept for write-only tables too: their mutations name the type, and
        // `exec` finds the table (and the input fields' columns) through it.
        objects.insert(
            shape.names.object().to_owned(),
            ObjectInfo {
                table: shape.table.clone(),
                fields,
                key: shape.key,
                names: shape.names.clone(),
            },
        );
    }
    if !reads {
        // A schema needs at least one query field: Hasura answers the same
        // field, to an empty catalog and to a role that may read nothing.
        let (value, why) = match access {
            Access::Full => ("this service has no tables", None),
            Access::Role(_) => (
                "this role may not read any table of this service",
                Some(format!(
                    "There are no queries available to {}: it may not GET any _table/ of this service.",
                    access.who()
                )),
            ),
        };
        let field = Field::new(
            "no_queries_available",
            TypeRef::named_nn(TypeRef::STRING),
            move |_| FieldFuture::from_value(Some(value.into())),
        );
        query_root = query_root.field(match why {
            Some(why) => field.description(why),
            None => field,
        });
    }

    let mut builder = Schema::build(QUERY, writes.then_some(MUTATION), None)
        .extension(super::ValidateOnly)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // `guard` refuses deeper documents first, naming the setting.
        .limit_recursive_depth(crate::config::GRAPHQL_NESTING_CEILING)
        .register(query_root)
        .register(order_by::directions());
    for ty in scalars.types() {
        builder = builder.register(ty);
    }
    for ty in types {
        builder = builder.register(ty);
    }
    if writes {
        builder = builder.register(mutation_root);
    }
    Ok(GraphCatalog {
        schema: builder.finish()?,
        validated: moka::sync::Cache::builder()
            .max_capacity(limits.cache_bytes)
            .weigher(|key: &String, _| document_weight(key))
            .build(),
        roots,
        objects,
    })
}
