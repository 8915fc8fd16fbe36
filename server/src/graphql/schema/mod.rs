//! A service's catalog → its GraphQL schema (Hasura's names) and the map from
//! GraphQL names back to tables, columns and relations.
//!
//! The async-graphql schema is used to validate requests (types, arguments,
//! variables, depth, complexity) and to answer introspection; data fields are
//! never resolved by it: `exec` plans and runs them (see `mod.rs` for why).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, Field, FieldFuture, InputObject, InputValue, Object, Scalar, Schema, SchemaError, TypeRef,
};

use super::names::Scope;
use crate::catalog::{Catalog, Column, JsonType, RelationKind, Table};

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

/// The order of `order_by` values, as Hasura spells them.
pub const ORDER_BY: [&str; 6] = [
    "asc",
    "asc_nulls_first",
    "asc_nulls_last",
    "desc",
    "desc_nulls_first",
    "desc_nulls_last",
];

/// The GraphQL scalar of a column (Hasura's names for the non-standard ones).
pub fn scalar_of(c: &Column) -> &'static str {
    match c.json_type {
        JsonType::Integer => {
            let t = c.db_type.to_ascii_lowercase();
            if t.contains("big") || t.contains("int8") {
                "bigint"
            } else {
                "Int"
            }
        }
        JsonType::Float => "Float",
        JsonType::Decimal => "numeric",
        JsonType::Boolean => "Boolean",
        JsonType::String => "String",
        JsonType::Date => "date",
        JsonType::Time => "time",
        JsonType::DateTime => "timestamp",
        JsonType::DateTimeTz => "timestamptz",
        JsonType::Uuid => "uuid",
        JsonType::Json | JsonType::Array => "json",
        JsonType::Binary => "bytea",
    }
}

const CUSTOM_SCALARS: [&str; 9] = [
    "bigint",
    "numeric",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
    "json",
    "bytea",
];
const BUILTIN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

/// Data fields are planned and run by `exec`, never resolved here.
fn unresolved(name: &str, ty: TypeRef) -> Field {
    Field::new(name, ty, |_| FieldFuture::from_value(None))
}

fn list_args(field: Field, type_name: &str) -> Field {
    field
        .argument(InputValue::new(
            "where",
            TypeRef::named(format!("{type_name}_bool_exp")),
        ))
        .argument(InputValue::new(
            "order_by",
            TypeRef::named_nn_list(format!("{type_name}_order_by")),
        ))
        .argument(InputValue::new("limit", TypeRef::named(TypeRef::INT)))
        .argument(InputValue::new("offset", TypeRef::named(TypeRef::INT)))
}

pub fn build(catalog: &Catalog, limits: QueryLimits) -> Result<GraphCatalog, SchemaError> {
    let mut types = Scope::default();
    for fixed in ["Query", "Mutation", "order_by"]
        .into_iter()
        .chain(BUILTIN_SCALARS)
        .chain(CUSTOM_SCALARS)
    {
        types.reserve(fixed);
    }
    // Type names first, so that relations can name their target's type.
    let tables: Vec<(String, &Arc<Table>)> = catalog
        .tables
        .values()
        .map(|t| (types.claim(&t.name), t))
        .collect();
    let type_of: HashMap<&str, &str> = tables
        .iter()
        .map(|(ty, t)| (t.name.as_str(), ty.as_str()))
        .collect();

    let mut query = Object::new("Query");
    let mut mutation = Object::new("Mutation");
    let mut registered: Vec<async_graphql::dynamic::Type> = Vec::new();
    let mut used_scalars: Vec<&'static str> = Vec::new();
    // Scalars of text columns, whose comparison types offer `_like` & co.
    let mut text_scalars: Vec<&'static str> = Vec::new();
    let mut roots = HashMap::new();
    let mut objects = HashMap::new();
    let mut writes = 0;

    for (ty, table) in &tables {
        let mut fields = Scope::default();
        fields.reserve("__typename");
        let mut object = Object::new(ty.as_str());
        let mut bool_exp = InputObject::new(format!("{ty}_bool_exp"))
            .field(InputValue::new(
                "_and",
                TypeRef::named_nn_list(format!("{ty}_bool_exp")),
            ))
            .field(InputValue::new(
                "_or",
                TypeRef::named_nn_list(format!("{ty}_bool_exp")),
            ))
            .field(InputValue::new(
                "_not",
                TypeRef::named(format!("{ty}_bool_exp")),
            ));
        let mut order_by = InputObject::new(format!("{ty}_order_by"));
        let mut kinds = HashMap::new();
        let mut numeric = Vec::new();
        let mut ordered = Vec::new();
        let mut key = Vec::new();
        let mut column_fields = Vec::new();
        for (name, c) in table.columns.iter().map(|c| (fields.claim(&c.name), c)) {
            column_fields.push((name.clone(), c));
            let scalar = scalar_of(c);
            if !used_scalars.contains(&scalar) {
                used_scalars.push(scalar);
            }
            if c.json_type.is_text() && !text_scalars.contains(&scalar) {
                text_scalars.push(scalar);
            }
            let out = if c.nullable {
                TypeRef::named(scalar)
            } else {
                TypeRef::named_nn(scalar)
            };
            object = object.field(unresolved(&name, out));
            bool_exp = bool_exp.field(InputValue::new(
                &name,
                TypeRef::named(format!("{scalar}_comparison_exp")),
            ));
            order_by = order_by.field(InputValue::new(&name, TypeRef::named("order_by")));
            if c.json_type.is_numeric() {
                numeric.push((name.clone(), c));
            }
            if !matches!(
                c.json_type,
                JsonType::Json | JsonType::Array | JsonType::Binary | JsonType::Boolean
            ) {
                ordered.push((name.clone(), scalar));
            }
            if c.is_primary_key {
                key.push((name.clone(), c.name.clone()));
            }
            kinds.insert(name, FieldKind::Column(c.name.clone()));
        }
        // Key columns in key order, not column order.
        key.sort_by_key(|(_, col)| table.primary_key.iter().position(|k| k == col));

        for rel in &table.relations {
            let Some(target) = type_of.get(rel.ref_table.as_str()) else {
                continue;
            };
            let name = fields.claim(&rel.name);
            let field = match rel.kind {
                RelationKind::BelongsTo => unresolved(&name, TypeRef::named(*target)),
                _ => list_args(
                    unresolved(&name, TypeRef::named_nn_list_nn(*target)),
                    target,
                ),
            };
            object = object.field(field);
            kinds.insert(
                name,
                FieldKind::Relation {
                    name: rel.name.clone(),
                    kind: rel.kind,
                    target: (*target).to_owned(),
                },
            );
        }

        // Aggregates: count always; sum/avg over numeric columns, min/max over
        // orderable ones (a GraphQL object type may not be empty).
        let mut aggregate = Object::new(format!("{ty}_aggregate"))
            .field(unresolved("count", TypeRef::named_nn(TypeRef::INT)));
        if !numeric.is_empty() {
            let mut sum = Object::new(format!("{ty}_sum_fields"));
            let mut avg = Object::new(format!("{ty}_avg_fields"));
            for (name, c) in &numeric {
                let sum_type = match c.json_type {
                    JsonType::Integer => "bigint",
                    JsonType::Decimal => "numeric",
                    _ => "Float",
                };
                if !used_scalars.contains(&sum_type) {
                    used_scalars.push(sum_type);
                }
                sum = sum.field(unresolved(name, TypeRef::named(sum_type)));
                avg = avg.field(unresolved(name, TypeRef::named(TypeRef::FLOAT)));
            }
            aggregate = aggregate
                .field(unresolved(
                    "sum",
                    TypeRef::named(format!("{ty}_sum_fields")),
                ))
                .field(unresolved(
                    "avg",
                    TypeRef::named(format!("{ty}_avg_fields")),
                ));
            registered.push(sum.into());
            registered.push(avg.into());
        }
        if !ordered.is_empty() {
            let mut min = Object::new(format!("{ty}_min_fields"));
            let mut max = Object::new(format!("{ty}_max_fields"));
            for (name, scalar) in &ordered {
                min = min.field(unresolved(name, TypeRef::named(*scalar)));
                max = max.field(unresolved(name, TypeRef::named(*scalar)));
            }
            aggregate = aggregate
                .field(unresolved(
                    "min",
                    TypeRef::named(format!("{ty}_min_fields")),
                ))
                .field(unresolved(
                    "max",
                    TypeRef::named(format!("{ty}_max_fields")),
                ));
            registered.push(min.into());
            registered.push(max.into());
        }

        query = query.field(list_args(
            unresolved(ty, TypeRef::named_nn_list_nn(ty.as_str())),
            ty,
        ));
        roots.insert(ty.clone(), Root::List(ty.clone()));
        if !key.is_empty() {
            let by_pk = format!("{ty}_by_pk");
            let mut field = unresolved(&by_pk, TypeRef::named(ty.as_str()));
            for (name, col) in &key {
                let scalar = table.column(col).map_or("String", scalar_of);
                field = field.argument(InputValue::new(name, TypeRef::named_nn(scalar)));
            }
            query = query.field(field);
            roots.insert(by_pk, Root::ByPk(ty.clone()));
        }
        let agg = format!("{ty}_aggregate");
        query = query.field(
            unresolved(&agg, TypeRef::named_nn(format!("{ty}_aggregate"))).argument(
                InputValue::new("where", TypeRef::named(format!("{ty}_bool_exp"))),
            ),
        );
        roots.insert(agg, Root::Aggregate(ty.clone()));

        // Writes: tables with a primary key (rows must be told apart), not views.
        if !key.is_empty() && !table.is_view {
            let mut insert_input = InputObject::new(format!("{ty}_insert_input"));
            let mut set_input = InputObject::new(format!("{ty}_set_input"));
            let mut pk_input = InputObject::new(format!("{ty}_pk_columns_input"));
            for (name, c) in &column_fields {
                insert_input =
                    insert_input.field(InputValue::new(name, TypeRef::named(scalar_of(c))));
                set_input = set_input.field(InputValue::new(name, TypeRef::named(scalar_of(c))));
            }
            for (name, col) in &key {
                let scalar = table.column(col).map_or("String", scalar_of);
                pk_input = pk_input.field(InputValue::new(name, TypeRef::named_nn(scalar)));
            }
            let response = Object::new(format!("{ty}_mutation_response"))
                .field(unresolved("affected_rows", TypeRef::named_nn(TypeRef::INT)))
                .field(unresolved(
                    "returning",
                    TypeRef::named_nn_list_nn(ty.as_str()),
                ));
            let resp_type = format!("{ty}_mutation_response");
            let where_arg =
                || InputValue::new("where", TypeRef::named_nn(format!("{ty}_bool_exp")));
            let set_arg = || InputValue::new("_set", TypeRef::named(format!("{ty}_set_input")));
            let m = [
                (
                    format!("insert_{ty}"),
                    Root::Insert(ty.clone()),
                    unresolved(&format!("insert_{ty}"), TypeRef::named(resp_type.as_str()))
                        .argument(InputValue::new(
                            "objects",
                            TypeRef::named_nn_list_nn(format!("{ty}_insert_input")),
                        )),
                ),
                (
                    format!("update_{ty}"),
                    Root::Update(ty.clone()),
                    unresolved(&format!("update_{ty}"), TypeRef::named(resp_type.as_str()))
                        .argument(where_arg())
                        .argument(set_arg()),
                ),
                (
                    format!("delete_{ty}"),
                    Root::Delete(ty.clone()),
                    unresolved(&format!("delete_{ty}"), TypeRef::named(resp_type.as_str()))
                        .argument(where_arg()),
                ),
                (
                    format!("update_{ty}_by_pk"),
                    Root::UpdateByPk(ty.clone()),
                    unresolved(&format!("update_{ty}_by_pk"), TypeRef::named(ty.as_str()))
                        .argument(InputValue::new(
                            "pk_columns",
                            TypeRef::named_nn(format!("{ty}_pk_columns_input")),
                        ))
                        .argument(set_arg()),
                ),
                (
                    format!("delete_{ty}_by_pk"),
                    Root::DeleteByPk(ty.clone()),
                    key.iter().fold(
                        unresolved(&format!("delete_{ty}_by_pk"), TypeRef::named(ty.as_str())),
                        |f, (name, col)| {
                            let scalar = table.column(col).map_or("String", scalar_of);
                            f.argument(InputValue::new(name, TypeRef::named_nn(scalar)))
                        },
                    ),
                ),
            ];
            for (name, root, field) in m {
                mutation = mutation.field(field);
                roots.insert(name, root);
            }
            registered.push(insert_input.into());
            registered.push(set_input.into());
            registered.push(pk_input.into());
            registered.push(response.into());
            writes += 1;
        }

        registered.push(object.into());
        registered.push(bool_exp.into());
        registered.push(order_by.into());
        registered.push(aggregate.into());
        objects.insert(
            ty.clone(),
            ObjectInfo {
                table: (*table).clone(),
                fields: kinds,
                key,
            },
        );
    }
    if tables.is_empty() {
        // A schema needs at least one query field (Hasura answers the same).
        query = query.field(Field::new(
            "no_queries_available",
            TypeRef::named_nn(TypeRef::STRING),
            |_| FieldFuture::from_value(Some("this service has no tables".into())),
        ));
    }

    let mut builder = Schema::build("Query", (writes > 0).then_some("Mutation"), None)
        .extension(super::ValidateOnly)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // `guard` refuses deeper documents first, naming the setting.
        .limit_recursive_depth(crate::config::GRAPHQL_NESTING_CEILING)
        .register(query)
        .register(Enum::new("order_by").items(ORDER_BY));
    for scalar in used_scalars {
        if !BUILTIN_SCALARS.contains(&scalar) {
            builder = builder.register(Scalar::new(scalar));
        }
        let mut exp = InputObject::new(format!("{scalar}_comparison_exp"));
        for op in ["_eq", "_neq", "_gt", "_gte", "_lt", "_lte"] {
            exp = exp.field(InputValue::new(op, TypeRef::named(scalar)));
        }
        for op in ["_in", "_nin"] {
            exp = exp.field(InputValue::new(op, TypeRef::named_nn_list(scalar)));
        }
        if text_scalars.contains(&scalar) {
            for op in ["_like", "_nlike", "_ilike", "_nilike"] {
                exp = exp.field(InputValue::new(op, TypeRef::named(TypeRef::STRING)));
            }
        }
        exp = exp.field(InputValue::new(
            "_is_null",
            TypeRef::named(TypeRef::BOOLEAN),
        ));
        builder = builder.register(exp);
    }
    for ty in registered {
        builder = builder.register(ty);
    }
    if writes > 0 {
        builder = builder.register(mutation);
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
