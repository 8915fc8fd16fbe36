//! A validated GraphQL operation → read plans (the planner REST uses) → the
//! `data` object, written as JSON text.
//!
//! Each root field becomes one [`ReadInput`]: `where` becomes the filter AST
//! that REST's `filter=` parses into, `order_by`/`limit`/`offset` the same
//! fields, and the selection set the fields, relations and [`ShapeItem`]s
//! (aliases, selection order, `__typename`). So one root field runs the same
//! bounded statements as the equivalent REST request, whatever its nesting.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Positioned, Value as GqlValue, Variables};
use serde_json::Value as Json;

use super::schema::{FieldKind, GraphCatalog, ObjectInfo};
use crate::context::Service;
use crate::error::ApiError;
use crate::query::filter::{CmpOp, Expr, Ident, Literal};
use crate::query::plan::{AggFunc, FieldInput, OrderInput, ReadInput, ShapeItem};

/// A failure of one root field: its response key and what went wrong.
pub struct FieldError {
    pub path: Vec<String>,
    pub error: Box<ApiError>,
}

/// The fields a selection asks for under one response key. The GraphQL
/// spec's CollectFields groups them and they run as one field whose
/// sub-selection is all of theirs: `...A ...B` with `Artist { Name }` and
/// `Artist { ArtistId }` is one `Artist { Name ArtistId }`, never the key
/// twice (a JSON parser keeps only the last).
pub struct Keyed<'a> {
    /// The first field with this key: its name and arguments are the others'
    /// too (`check::operation` refuses a document where they differ).
    pub field: &'a Field,
    /// Every field with this key, the first included, in document order.
    all: Vec<&'a Field>,
}

impl<'a> Keyed<'a> {
    pub fn key(&self) -> &'a str {
        response_key(self.field)
    }

    pub fn name(&self) -> &'a str {
        self.field.name.node.as_str()
    }

    /// The fields with this key after the first.
    pub fn others(&self) -> &[&'a Field] {
        &self.all[1..]
    }

    /// The merged sub-selection: every field's, in document order.
    pub fn sets(&self) -> Vec<&'a SelectionSet> {
        self.all.iter().map(|f| &f.selection_set.node).collect()
    }
}

/// The operation's root fields, with fragments and `@skip`/`@include` applied.
pub struct Operation<'d> {
    doc: &'d ExecutableDocument,
    op: &'d OperationDefinition,
    variables: Variables,
}

impl<'d> Operation<'d> {
    /// `None` when the document has no operation of that name (validation
    /// reports it).
    pub fn new(
        doc: &'d ExecutableDocument,
        name: Option<&str>,
        variables: Variables,
    ) -> Option<Self> {
        let op = match (&doc.operations, name) {
            (DocumentOperations::Single(op), _) => &op.node,
            (DocumentOperations::Multiple(ops), Some(name)) => &ops.get(name)?.node,
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
                &ops.values().next()?.node
            }
            _ => return None,
        };
        Some(Operation { doc, op, variables })
    }

    pub fn kind(&self) -> OperationType {
        self.op.ty
    }

    /// The operation's own selection set (its root fields).
    pub(super) fn selection(&self) -> &'d SelectionSet {
        &self.op.selection_set.node
    }

    /// The spec's CoerceVariableValues, for what validation leaves out: a
    /// variable that is not given takes its default, and a non-null one with
    /// neither a value nor a default, or given `null`, fails the request
    /// before anything runs. (async-graphql checks the values given, where
    /// they are used, but not the missing ones: `where: $w` with no `$w`
    /// silently read every row.)
    pub fn coerce_variables(&mut self) -> Result<(), String> {
        for def in &self.op.variable_definitions {
            let def = &def.node;
            let name = &def.name.node;
            let ty = &def.var_type.node;
            match self.variables.get(name) {
                None => match &def.default_value {
                    Some(default) => {
                        self.variables.insert(name.clone(), default.node.clone());
                    }
                    None if !ty.nullable => {
                        return Err(format!(
                            "Variable \"${name}\" of required type \"{ty}\" was not provided."
                        ));
                    }
                    None => {}
                },
                Some(GqlValue::Null) if !ty.nullable => {
                    return Err(format!(
                        "Variable \"${name}\" of non-null type \"{ty}\" must not be null."
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The root fields' names, to tell introspection from data.
    pub fn root_names(&self) -> Vec<String> {
        self.fields(&[&self.op.selection_set.node], None)
            .iter()
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// The fields of selection sets on `type_name` (`None`: whatever the
    /// type), fragments expanded and grouped by response key, in the order
    /// each key first appears.
    pub(super) fn fields<'a>(
        &'a self,
        sets: &[&'a SelectionSet],
        type_name: Option<&str>,
    ) -> Vec<Keyed<'a>> {
        let mut all = Vec::new();
        for set in sets {
            self.collect(set, type_name, &mut all);
        }
        let mut out: Vec<Keyed<'a>> = Vec::with_capacity(all.len());
        let mut at: HashMap<&'a str, usize> = HashMap::with_capacity(all.len());
        for f in all {
            match at.entry(response_key(f)) {
                Entry::Occupied(i) => out[*i.get()].all.push(f),
                Entry::Vacant(slot) => {
                    slot.insert(out.len());
                    out.push(Keyed {
                        field: f,
                        all: vec![f],
                    });
                }
            }
        }
        out
    }

    fn collect<'a>(
        &'a self,
        set: &'a SelectionSet,
        type_name: Option<&str>,
        out: &mut Vec<&'a Field>,
    ) {
        let applies = |on: &str| type_name.is_none_or(|t| t == on);
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if self.included(&f.node.directives) {
                        out.push(&f.node);
                    }
                }
                Selection::FragmentSpread(s) => {
                    if !self.included(&s.node.directives) {
                        continue;
                    }
                    if let Some(frag) = self.doc.fragments.get(&s.node.fragment_name.node)
                        && applies(&frag.node.type_condition.node.on.node)
                    {
                        self.collect(&frag.node.selection_set.node, type_name, out);
                    }
                }
                Selection::InlineFragment(i) => {
                    let applies = i
                        .node
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| applies(&c.node.on.node));
                    if applies && self.included(&i.node.directives) {
                        self.collect(&i.node.selection_set.node, type_name, out);
                    }
                }
            }
        }
    }

    /// `@skip(if:)` and `@include(if:)`.
    fn included(&self, directives: &[Positioned<async_graphql::parser::types::Directive>]) -> bool {
        directives.iter().all(|d| {
            let flag = d
                .node
                .get_argument("if")
                .map(|v| matches!(self.value(&v.node), GqlValue::Boolean(true)));
            match d.node.name.node.as_str() {
                "skip" => flag != Some(true),
                "include" => flag != Some(false),
                _ => true,
            }
        })
    }

    /// An argument's value with variables substituted. A variable that was
    /// not given (nor has a default) reads as `null` wherever it is used,
    /// also inside an input object, where the spec would leave the field out:
    /// `{AlbumId: {_eq: $id}}` without `$id` must not become `{AlbumId: {}}`,
    /// which matches every row (a `null` in a `where` is refused instead).
    pub(super) fn value(&self, v: &async_graphql_value::Value) -> GqlValue {
        v.clone()
            .into_const_with(|name| {
                Ok::<_, std::convert::Infallible>(
                    self.variables.get(&name).cloned().unwrap_or(GqlValue::Null),
                )
            })
            .unwrap_or(GqlValue::Null)
    }

    pub(super) fn arg(&self, f: &Field, name: &str) -> Option<GqlValue> {
        f.get_argument(name)
            .map(|v| self.value(&v.node))
            .filter(|v| *v != GqlValue::Null)
    }

    /// `key column = value` for each key column, the values taken from `f`'s
    /// arguments of the same names, or from `given` (`pk_columns: {…}`).
    pub(super) fn key_filter(
        &self,
        info: &ObjectInfo,
        f: &Field,
        given: Option<&GqlValue>,
    ) -> Result<Expr, ApiError> {
        let mut parts = Vec::with_capacity(info.key.len());
        for (arg, column) in &info.key {
            let v = match given {
                Some(GqlValue::Object(m)) => m.get(arg.as_str()).cloned(),
                _ => self.arg(f, arg),
            }
            .unwrap_or(GqlValue::Null);
            parts.push(Expr::Compare {
                column: ident(column),
                op: CmpOp::Eq,
                value: literal(&v)?,
            });
        }
        Ok(Expr::And(parts))
    }

    /// A list field's arguments and selection.
    pub(super) fn list_input(
        &self,
        gql: &GraphCatalog,
        ty: &str,
        f: &Keyed<'_>,
    ) -> Result<ReadInput, ApiError> {
        let info = object(gql, ty)?;
        let mut input = self.selection_input(gql, ty, f).map_err(|e| *e.error)?;
        input.filter = self.where_arg(info, f.field)?;
        if let Some(o) = self.arg(f.field, "order_by") {
            input.order = order_by(info, &o)?;
        }
        input.limit = count_arg(self.arg(f.field, "limit"), "limit")?;
        input.offset = count_arg(self.arg(f.field, "offset"), "offset")?;
        Ok(input)
    }

    /// The `where:` of `f` as a filter; `None` when it is not given (or is
    /// `null`, which for an argument means the same).
    pub(super) fn where_arg(&self, info: &ObjectInfo, f: &Field) -> Result<Option<Expr>, ApiError> {
        self.arg(f, "where")
            .map(|w| bool_exp(info, &w, "where"))
            .transpose()
    }

    /// The fields, relations and shape of `f`'s selection on type `ty`.
    pub(super) fn selection_input(
        &self,
        gql: &GraphCatalog,
        ty: &str,
        f: &Keyed<'_>,
    ) -> Result<ReadInput, FieldError> {
        let fail = |error: ApiError| FieldError {
            path: vec![f.key().to_owned()],
            error: Box::new(error),
        };
        let info = object(gql, ty).map_err(fail)?;
        let mut fields: Vec<FieldInput> = Vec::new();
        let mut related = Vec::new();
        let mut shape = Vec::new();
        for sub in self.fields(&f.sets(), Some(ty)) {
            let key = sub.key().to_owned();
            let name = sub.name();
            if name == "__typename" {
                shape.push(ShapeItem::Text {
                    key,
                    value: ty.to_owned(),
                });
                continue;
            }
            match info.fields.get(name) {
                Some(FieldKind::Column(column)) => {
                    let input = FieldInput::Column(column.clone());
                    let index = match fields.iter().position(|x| *x == input) {
                        Some(i) => i,
                        None => {
                            fields.push(input);
                            fields.len() - 1
                        }
                    };
                    shape.push(ShapeItem::Output { key, index });
                }
                Some(FieldKind::Relation { name, target, .. }) => {
                    let sub_input =
                        self.list_input(gql, target, &sub)
                            .map_err(|error| FieldError {
                                path: vec![f.key().to_owned(), key.clone()],
                                error: Box::new(error),
                            })?;
                    related.push((name.clone(), sub_input));
                    shape.push(ShapeItem::Related {
                        key,
                        index: related.len() - 1,
                    });
                }
                None => {
                    return Err(fail(ApiError::bad_request(format!(
                        "Unknown field '{name}' on type '{ty}'."
                    ))));
                }
            }
        }
        Ok(ReadInput {
            fields: Some(fields),
            related,
            shape: Some(shape),
            ..ReadInput::default()
        })
    }

    /// `T_aggregate(where:) { count sum { c } avg { c } min { c } max { c } }`.
    pub(super) async fn aggregate(
        &self,
        svc: &Service,
        info: &ObjectInfo,
        f: &Keyed<'_>,
    ) -> Result<String, ApiError> {
        let agg_type = info.names.aggregate();
        let mut fields = vec![FieldInput::Aggregate {
            func: AggFunc::Count,
            column: None,
        }];
        // (response key, field name, the function's type, [(response key,
        // column)]) per selected field.
        let mut wanted = Vec::new();
        for sub in self.fields(&f.sets(), Some(agg_type)) {
            let key = sub.key().to_owned();
            let func = AggFunc::parse(sub.name());
            let inner = func.and_then(|func| info.names.fields_of(func));
            let mut columns = Vec::new();
            if let (Some(func), Some(inner)) = (func, inner) {
                for c in self.fields(&sub.sets(), Some(inner)) {
                    let ckey = c.key().to_owned();
                    if c.name() == "__typename" {
                        columns.push((ckey, None));
                        continue;
                    }
                    let Some(FieldKind::Column(col)) = info.fields.get(c.name()) else {
                        return Err(ApiError::bad_request(format!(
                            "Unknown field '{}' on type '{inner}'.",
                            c.name()
                        )));
                    };
                    let input = FieldInput::Aggregate {
                        func,
                        column: Some(col.clone()),
                    };
                    if !fields.contains(&input) {
                        fields.push(input);
                    }
                    columns.push((ckey, Some(format!("{}({col})", func.name()))));
                }
            }
            wanted.push((key, sub.name().to_owned(), inner, columns));
        }
        let input = ReadInput {
            fields: Some(fields),
            filter: self.where_arg(info, f.field)?,
            ..ReadInput::default()
        };
        let rows = read(svc, info, &input).await?;
        let row: Json = serde_json::from_slice::<Vec<Json>>(&rows)
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or(Json::Null);
        let mut out = serde_json::Map::new();
        for (key, name, inner, columns) in wanted {
            let value = match name.as_str() {
                "count" => row.get("COUNT(*)").cloned().unwrap_or(Json::from(0)),
                "__typename" => Json::from(agg_type),
                _ => {
                    let mut m = serde_json::Map::new();
                    for (ckey, output) in columns {
                        let v = match output {
                            Some(o) => row.get(&o).cloned().unwrap_or(Json::Null),
                            None => Json::from(inner.unwrap_or_default()),
                        };
                        m.insert(ckey, v);
                    }
                    Json::Object(m)
                }
            };
            out.insert(key, value);
        }
        Ok(Json::Object(out).to_string())
    }
}

pub(super) fn response_key(f: &Field) -> &str {
    f.alias
        .as_ref()
        .map_or(f.name.node.as_str(), |a| a.node.as_str())
}

pub(super) fn object<'g>(gql: &'g GraphCatalog, ty: &str) -> Result<&'g ObjectInfo, ApiError> {
    gql.objects
        .get(ty)
        .ok_or_else(|| ApiError::bad_request(format!("Unknown type '{ty}'.")))
}

pub(super) async fn read(
    svc: &Service,
    info: &ObjectInfo,
    input: &ReadInput,
) -> Result<Vec<u8>, ApiError> {
    let plan = svc.plan().read(&info.table, input)?;
    Ok(svc.runtime.read_json(Arc::new(plan)).await?)
}

fn ident(column: &str) -> Ident {
    Ident {
        name: column.to_owned(),
        pos: 0,
    }
}

fn literal(v: &GqlValue) -> Result<Literal, ApiError> {
    Ok(match v {
        GqlValue::Null => Literal::Null,
        GqlValue::Boolean(b) => Literal::Bool(*b),
        GqlValue::Number(n) => Literal::Number(n.to_string()),
        GqlValue::String(s) => Literal::Str(s.clone()),
        GqlValue::Enum(e) => Literal::Str(e.to_string()),
        GqlValue::Binary(_) | GqlValue::List(_) | GqlValue::Object(_) => {
            return Err(ApiError::bad_request(
                "A list or an object is not a value to compare a column with.",
            ));
        }
    })
}

fn count_arg(v: Option<GqlValue>, what: &str) -> Result<Option<u64>, ApiError> {
    match v {
        None => Ok(None),
        Some(GqlValue::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
            ApiError::bad_request(format!("{what} must be a whole number, 0 or more."))
        }),
        Some(_) => Err(ApiError::bad_request(format!("{what} must be a number."))),
    }
}

/// `T_bool_exp` → the filter AST: keys of one object AND together, as do the
/// operators of one column. Empty lists keep their meaning (`{}` and
/// `_and: []` are true, `_or: []` is false: see [`Expr`]), so an empty
/// `_or: ids.map(…)` matches nothing. `path` names the value in messages.
pub(super) fn bool_exp(info: &ObjectInfo, v: &GqlValue, path: &str) -> Result<Expr, ApiError> {
    let GqlValue::Object(map) = v else {
        return Err(not_a_condition(path, v));
    };
    let mut all = Vec::with_capacity(map.len());
    for (key, value) in map {
        let here = || format!("{path}.{key}");
        match key.as_str() {
            "_and" | "_or" => {
                let items = match value {
                    GqlValue::List(items) => items.as_slice(),
                    GqlValue::Null => return Err(not_a_condition(&here(), value)),
                    // Input coercion: one value where a list is expected is a
                    // list of one.
                    other => std::slice::from_ref(other),
                };
                let parts = items
                    .iter()
                    .map(|item| bool_exp(info, item, &here()))
                    .collect::<Result<Vec<_>, _>>()?;
                all.push(if key.as_str() == "_and" {
                    Expr::And(parts)
                } else {
                    Expr::Or(parts)
                });
            }
            "_not" => all.push(Expr::Not(Box::new(bool_exp(info, value, &here())?))),
            field => {
                let Some(FieldKind::Column(column)) = info.fields.get(field) else {
                    return Err(ApiError::bad_request(format!(
                        "'{field}' is not a column of '{}' that can be filtered on.",
                        info.table.name
                    )));
                };
                column_exp(column, value, &here(), &mut all)?;
            }
        }
    }
    if all.len() == 1
        && let Some(only) = all.pop()
    {
        return Ok(only);
    }
    Ok(Expr::And(all))
}

/// A `null` (or a non-object) where a condition belongs. Hasura v1 read
/// `{id: {_eq: null}}` as "no condition" and deleted whole tables when a
/// client variable was undefined; like Hasura v2, a null is refused.
fn not_a_condition(path: &str, v: &GqlValue) -> ApiError {
    if *v == GqlValue::Null {
        ApiError::bad_request(format!(
            "{path} is null. A null in a condition is refused rather than read as \"no condition\": to test for NULL use _is_null: true, and to leave a condition out, leave the field out."
        ))
    } else {
        ApiError::bad_request(format!("{path} must be an object of conditions."))
    }
}

fn column_exp(column: &str, v: &GqlValue, path: &str, all: &mut Vec<Expr>) -> Result<(), ApiError> {
    let GqlValue::Object(ops) = v else {
        return Err(not_a_condition(path, v));
    };
    for (op, value) in ops {
        if *value == GqlValue::Null {
            return Err(not_a_condition(&format!("{path}.{op}"), value));
        }
        let cmp = |op: CmpOp| -> Result<Expr, ApiError> {
            Ok(Expr::Compare {
                column: ident(column),
                op,
                value: literal(value)?,
            })
        };
        let expr = match op.as_str() {
            "_eq" => cmp(CmpOp::Eq)?,
            "_neq" => cmp(CmpOp::Ne)?,
            "_gt" => cmp(CmpOp::Gt)?,
            "_gte" => cmp(CmpOp::Ge)?,
            "_lt" => cmp(CmpOp::Lt)?,
            "_lte" => cmp(CmpOp::Le)?,
            "_in" | "_nin" => {
                let items = match value {
                    GqlValue::List(items) => items.iter().map(literal).collect::<Result<_, _>>()?,
                    other => vec![literal(other)?],
                };
                Expr::In {
                    column: ident(column),
                    values: items,
                    negated: op.as_str() == "_nin",
                }
            }
            "_like" | "_ilike" | "_nlike" | "_nilike" => Expr::Like {
                column: ident(column),
                pattern: literal(value)?,
                negated: op.as_str().starts_with("_n"),
            },
            "_is_null" => match value {
                GqlValue::Boolean(is_null) => Expr::IsNull {
                    column: ident(column),
                    negated: !is_null,
                },
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "{path}._is_null must be true or false."
                    )));
                }
            },
            other => {
                return Err(ApiError::bad_request(format!(
                    "Unknown operator '{other}' on '{column}'."
                )));
            }
        };
        all.push(expr);
    }
    Ok(())
}

/// `[T_order_by!]` (or one object) → the order, in the order given.
fn order_by(info: &ObjectInfo, v: &GqlValue) -> Result<Vec<OrderInput>, ApiError> {
    let items = match v {
        GqlValue::List(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    let mut order = Vec::new();
    for item in items {
        let GqlValue::Object(map) = item else {
            continue;
        };
        for (field, dir) in map {
            let Some(FieldKind::Column(column)) = info.fields.get(field.as_str()) else {
                return Err(ApiError::bad_request(format!(
                    "'{field}' is not a column of '{}' that can be ordered by.",
                    info.table.name
                )));
            };
            let dir = match dir {
                GqlValue::Enum(e) => e.as_str().to_owned(),
                GqlValue::String(s) => s.clone(),
                _ => continue,
            };
            let (desc, nulls_first) = match dir.as_str() {
                "asc" => (false, None),
                "asc_nulls_first" => (false, Some(true)),
                "asc_nulls_last" => (false, Some(false)),
                "desc" => (true, None),
                "desc_nulls_first" => (true, Some(true)),
                "desc_nulls_last" => (true, Some(false)),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "order_by '{other}' is not an order: use asc, desc, or either with _nulls_first or _nulls_last."
                    )));
                }
            };
            order.push(OrderInput {
                column: column.clone(),
                desc,
                nulls_first,
            });
        }
    }
    Ok(order)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn vars(json: serde_json::Value) -> Variables {
        Variables::from_json(json)
    }

    fn coerced(query: &str, given: serde_json::Value) -> Result<(), String> {
        let doc = parse_query(query).unwrap();
        let mut op = Operation::new(&doc, None, vars(given)).unwrap();
        op.coerce_variables()
    }

    #[test]
    fn missing_or_null_non_null_variables_fail_the_request() {
        let q = "query($w: Album_bool_exp!) { Album(where: $w) { AlbumId } }";
        let e = coerced(q, serde_json::json!({})).unwrap_err();
        assert!(
            e.contains("\"$w\"") && e.contains("was not provided"),
            "{e}"
        );
        let e = coerced(q, serde_json::json!({ "w": null })).unwrap_err();
        assert!(e.contains("must not be null"), "{e}");
        assert!(coerced(q, serde_json::json!({ "w": {} })).is_ok());
        // A default stands in for a missing value; a nullable one may be missing.
        assert!(
            coerced(
                "query($n: Int! = 2) { Album(limit: $n) { AlbumId } }",
                serde_json::json!({})
            )
            .is_ok()
        );
        assert!(
            coerced(
                "query($n: Int) { Album(limit: $n) { AlbumId } }",
                serde_json::json!({})
            )
            .is_ok()
        );
    }

    fn merged(query: &str) -> Vec<(String, usize)> {
        let doc = parse_query(query).unwrap();
        let op = Operation::new(&doc, None, Variables::default()).unwrap();
        let roots = op.fields(&[op.selection()], Some("Query"));
        roots
            .iter()
            .map(|k| {
                let subs = op.fields(&k.sets(), None);
                (k.key().to_owned(), subs.len())
            })
            .collect()
    }

    #[test]
    fn fields_merge_by_response_key() {
        let q =
            "fragment A on Album { Artist { Name } } fragment B on Album { Artist { ArtistId } }
                 { Album { ...A ...B AlbumId } }";
        assert_eq!(merged(q), [("Album".to_owned(), 2)]);
        let doc = parse_query(q).unwrap();
        let op = Operation::new(&doc, None, Variables::default()).unwrap();
        let album = &op.fields(&[op.selection()], Some("Query"))[0];
        let inner = op.fields(&album.sets(), Some("Album"));
        let artist = &inner[0];
        let names: Vec<&str> = op
            .fields(&artist.sets(), None)
            .iter()
            .map(|f| f.key())
            .collect();
        assert_eq!(names, ["Name", "ArtistId"]);
        // The same field twice, and a root field twice, are one key each.
        assert_eq!(
            merged("{ Album { AlbumId Title AlbumId } Album { Title } }"),
            [("Album".to_owned(), 2)]
        );
    }
}
