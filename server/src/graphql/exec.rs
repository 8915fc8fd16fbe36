//! A validated GraphQL operation → read plans (the planner REST uses) → the
//! `data` object, written as JSON text.
//!
//! Each root field becomes one [`ReadInput`]: `where` becomes the filter AST
//! that REST's `filter=` parses into, `order_by`/`limit`/`offset` the same
//! fields, and the selection set the fields, relations and [`ShapeItem`]s
//! (aliases, selection order, `__typename`). So one root field runs the same
//! bounded statements as the equivalent REST request, whatever its nesting.

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Positioned, Value as GqlValue, Variables};
use serde_json::Value as Json;

use super::mutate;
use super::schema::{FieldKind, GraphCatalog, ObjectInfo, Root};
use crate::error::ApiError;
use crate::query::document::{first_record, write_str};
use crate::query::filter::{CmpOp, Expr, Ident, Literal};
use crate::query::plan::{self, AggFunc, FieldInput, OrderInput, ReadInput, ShapeItem};
use crate::rest::Service;

/// A failure of one root field: its response key and what went wrong.
pub struct FieldError {
    pub path: Vec<String>,
    pub error: Box<ApiError>,
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
        mut variables: Variables,
    ) -> Option<Self> {
        let op = match (&doc.operations, name) {
            (DocumentOperations::Single(op), _) => &op.node,
            (DocumentOperations::Multiple(ops), Some(name)) => &ops.get(name)?.node,
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
                &ops.values().next()?.node
            }
            _ => return None,
        };
        for def in &op.variable_definitions {
            let name = &def.node.name.node;
            if !variables.contains_key(name)
                && let Some(default) = &def.node.default_value
            {
                variables.insert(name.clone(), default.node.clone());
            }
        }
        Some(Operation { doc, op, variables })
    }

    /// The root fields' names, to tell introspection from data.
    pub fn root_names(&self) -> Vec<String> {
        self.fields(&self.op.selection_set.node, "Query")
            .iter()
            .map(|f| f.name.node.to_string())
            .collect()
    }

    /// The fields of a selection set on `type_name`, fragments expanded.
    pub(super) fn fields<'a>(&'a self, set: &'a SelectionSet, type_name: &str) -> Vec<&'a Field> {
        let mut out = Vec::new();
        self.collect(set, type_name, &mut out);
        out
    }

    fn collect<'a>(&'a self, set: &'a SelectionSet, type_name: &str, out: &mut Vec<&'a Field>) {
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
                        && frag.node.type_condition.node.on.node == type_name
                    {
                        self.collect(&frag.node.selection_set.node, type_name, out);
                    }
                }
                Selection::InlineFragment(i) => {
                    let applies = i
                        .node
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| c.node.on.node == type_name);
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

    /// An argument's value with variables substituted.
    fn value(&self, v: &async_graphql_value::Value) -> GqlValue {
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

    /// Runs every root field and writes `{"data":{…}}` (or the errors).
    pub async fn run(&self, svc: &Service, gql: &GraphCatalog) -> Result<Vec<u8>, FieldError> {
        let root_type = match self.op.ty {
            OperationType::Mutation => "Mutation",
            _ => "Query",
        };
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"data\":{");
        for (n, f) in self
            .fields(&self.op.selection_set.node, root_type)
            .into_iter()
            .enumerate()
        {
            let key = response_key(f);
            let fail = |error: ApiError| FieldError {
                path: vec![key.to_owned()],
                error: Box::new(error),
            };
            if n > 0 {
                out.push(b',');
            }
            write_str(key, &mut out);
            out.push(b':');
            let name = f.name.node.as_str();
            if name == "__typename" {
                write_str(root_type, &mut out);
                continue;
            }
            match gql.roots.get(name) {
                Some(Root::List(ty)) => {
                    let info = object(gql, ty).map_err(fail)?;
                    let input = self.list_input(gql, ty, f).map_err(fail)?;
                    out.extend_from_slice(&read(svc, info, &input).await.map_err(fail)?);
                }
                Some(Root::ByPk(ty)) => {
                    let info = object(gql, ty).map_err(fail)?;
                    let mut input = self.selection_input(gql, ty, f)?;
                    input.filter = Some(self.key_filter(info, f, None).map_err(fail)?);
                    input.limit = Some(1);
                    let rows = read(svc, info, &input).await.map_err(fail)?;
                    out.extend_from_slice(first_record(&rows).unwrap_or(b"null"));
                }
                Some(Root::Aggregate(ty)) => {
                    let info = object(gql, ty).map_err(fail)?;
                    let json = self.aggregate(svc, info, ty, f).await.map_err(fail)?;
                    out.extend_from_slice(json.as_bytes());
                }
                Some(root) => {
                    let json = mutate::run(self, svc, gql, root, f).await.map_err(fail)?;
                    out.extend_from_slice(&json);
                }
                None => {
                    return Err(fail(ApiError::bad_request(format!(
                        "Unknown field '{name}' on type '{root_type}'."
                    ))));
                }
            }
        }
        out.extend_from_slice(b"}}");
        Ok(out)
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
    fn list_input(&self, gql: &GraphCatalog, ty: &str, f: &Field) -> Result<ReadInput, ApiError> {
        let info = object(gql, ty)?;
        let mut input = self.selection_input(gql, ty, f).map_err(|e| *e.error)?;
        if let Some(w) = self.arg(f, "where") {
            input.filter = bool_exp(info, &w)?;
        }
        if let Some(o) = self.arg(f, "order_by") {
            input.order = order_by(info, &o)?;
        }
        input.limit = count_arg(self.arg(f, "limit"), "limit")?;
        input.offset = count_arg(self.arg(f, "offset"), "offset")?;
        Ok(input)
    }

    /// The fields, relations and shape of `f`'s selection on type `ty`.
    pub(super) fn selection_input(
        &self,
        gql: &GraphCatalog,
        ty: &str,
        f: &Field,
    ) -> Result<ReadInput, FieldError> {
        let fail = |error: ApiError| FieldError {
            path: vec![response_key(f).to_owned()],
            error: Box::new(error),
        };
        let info = object(gql, ty).map_err(fail)?;
        let mut fields: Vec<FieldInput> = Vec::new();
        let mut related = Vec::new();
        let mut shape = Vec::new();
        for sub in self.fields(&f.selection_set.node, ty) {
            let key = response_key(sub).to_owned();
            let name = sub.name.node.as_str();
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
                        self.list_input(gql, target, sub)
                            .map_err(|error| FieldError {
                                path: vec![response_key(f).to_owned(), key.clone()],
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
    async fn aggregate(
        &self,
        svc: &Service,
        info: &ObjectInfo,
        ty: &str,
        f: &Field,
    ) -> Result<String, ApiError> {
        let agg_type = format!("{ty}_aggregate");
        let mut fields = vec![FieldInput::Aggregate {
            func: AggFunc::Count,
            column: None,
        }];
        // (response key, function, [(response key, column)]) per selected field.
        let mut wanted = Vec::new();
        for sub in self.fields(&f.selection_set.node, &agg_type) {
            let key = response_key(sub).to_owned();
            let func = AggFunc::parse(sub.name.node.as_str());
            let mut columns = Vec::new();
            if let Some(func) = func.filter(|f| *f != AggFunc::Count) {
                let inner = format!("{ty}_{}_fields", sub.name.node.as_str());
                for c in self.fields(&sub.selection_set.node, &inner) {
                    let ckey = response_key(c).to_owned();
                    if c.name.node == "__typename" {
                        columns.push((ckey, None));
                        continue;
                    }
                    let Some(FieldKind::Column(col)) = info.fields.get(c.name.node.as_str()) else {
                        return Err(ApiError::bad_request(format!(
                            "Unknown field '{}' on type '{inner}'.",
                            c.name.node
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
            wanted.push((key, sub.name.node.to_string(), columns));
        }
        let mut input = ReadInput {
            fields: Some(fields),
            ..ReadInput::default()
        };
        if let Some(w) = self.arg(f, "where") {
            input.filter = bool_exp(info, &w)?;
        }
        let rows = read(svc, info, &input).await?;
        let row: Json = serde_json::from_slice::<Vec<Json>>(&rows)
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or(Json::Null);
        let mut out = serde_json::Map::new();
        for (key, name, columns) in wanted {
            let value = match name.as_str() {
                "count" => row.get("COUNT(*)").cloned().unwrap_or(Json::from(0)),
                "__typename" => Json::from(agg_type.clone()),
                other => {
                    let inner = format!("{ty}_{other}_fields");
                    let mut m = serde_json::Map::new();
                    for (ckey, output) in columns {
                        let v = match output {
                            Some(o) => row.get(&o).cloned().unwrap_or(Json::Null),
                            None => Json::from(inner.clone()),
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

async fn read(svc: &Service, info: &ObjectInfo, input: &ReadInput) -> Result<Vec<u8>, ApiError> {
    let plan = plan::plan_read(&info.table, input, &svc.runtime.catalog, svc.limits())?;
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

/// `T_bool_exp` → the filter AST (`None` for `{}`): keys of one object AND
/// together, as do the operators of one column.
pub(super) fn bool_exp(info: &ObjectInfo, v: &GqlValue) -> Result<Option<Expr>, ApiError> {
    let GqlValue::Object(map) = v else {
        return Ok(None);
    };
    let mut all = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "_and" | "_or" => {
                let items = match value {
                    GqlValue::List(items) => items.as_slice(),
                    other => std::slice::from_ref(other),
                };
                let mut parts = Vec::new();
                for item in items {
                    if let Some(e) = bool_exp(info, item)? {
                        parts.push(e);
                    }
                }
                if parts.is_empty() {
                    continue;
                }
                all.push(if key.as_str() == "_and" {
                    Expr::And(parts)
                } else {
                    Expr::Or(parts)
                });
            }
            "_not" => {
                if let Some(e) = bool_exp(info, value)? {
                    all.push(Expr::Not(Box::new(e)));
                }
            }
            field => {
                let Some(FieldKind::Column(column)) = info.fields.get(field) else {
                    return Err(ApiError::bad_request(format!(
                        "'{field}' is not a column of '{}' that can be filtered on.",
                        info.table.name
                    )));
                };
                column_exp(column, value, &mut all)?;
            }
        }
    }
    Ok(match all.len() {
        0 => None,
        1 => all.pop(),
        _ => Some(Expr::And(all)),
    })
}

fn column_exp(column: &str, v: &GqlValue, all: &mut Vec<Expr>) -> Result<(), ApiError> {
    let GqlValue::Object(ops) = v else {
        return Ok(());
    };
    for (op, value) in ops {
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
            "_is_null" => Expr::IsNull {
                column: ident(column),
                negated: matches!(value, GqlValue::Boolean(false)),
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
