//! Casbin's storage over our own `casbin_rule` table (SeaORM), since the crate
//! has no database adapter that builds with sea-orm 2 (STACK.md).
//!
//! Lines are stored with their unused fields as empty strings; on load they are
//! cut to the length the model's definition has, because casbin-rs refuses a
//! line whose length differs from it.
//!
//! casbin-rs (2.x) applies `priority(p_eft) || deny` in the order the lines were
//! loaded and, unlike Go Casbin, does not sort them by a `priority` field. This
//! adapter does what Go Casbin's `SortPoliciesByPriority` does: when a policy
//! type has a `priority` field, its lines are loaded lowest number first (ties in
//! the order they were written).

use std::collections::HashMap;

use casbin::error::AdapterError;
use casbin::{Adapter, Filter, Model};
use entity::casbin_rule::{self, Column};
use sea_orm::entity::prelude::async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};

use super::lines::FIELDS;

/// Rows per `INSERT`: 7 bound values a row stays far below every backend's
/// parameter limit (SQLite's is 32766).
const INSERT_CHUNK: usize = 500;

/// A `casbin::Adapter` over `entity::casbin_rule` on any SeaORM connection, a
/// transaction included (the snapshot loads through one, to read a single
/// version of everything).
pub struct SeaOrmAdapter<C> {
    conn: C,
    filtered: bool,
}

impl<C> SeaOrmAdapter<C> {
    pub fn new(conn: C) -> Self {
        SeaOrmAdapter {
            conn,
            filtered: false,
        }
    }

    /// The connection back, e.g. to end the transaction it is.
    pub fn into_inner(self) -> C {
        self.conn
    }
}

fn adapter_error(e: impl std::error::Error + Send + Sync + 'static) -> casbin::Error {
    casbin::Error::AdapterError(AdapterError(Box::new(e)))
}

#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error("a policy line has {0} fields; the casbin_rule table stores at most {FIELDS}")]
    TooLong(usize),
    #[error("a filter from field {0} on reaches past the {FIELDS} stored fields")]
    FilterTooFar(usize),
}

fn column(field: usize) -> Option<Column> {
    Some(match field {
        0 => Column::V0,
        1 => Column::V1,
        2 => Column::V2,
        3 => Column::V3,
        4 => Column::V4,
        5 => Column::V5,
        _ => return None,
    })
}

fn padded(rule: &[String]) -> casbin::Result<[String; FIELDS]> {
    if rule.len() > FIELDS {
        return Err(adapter_error(LineError::TooLong(rule.len())));
    }
    let mut fields: [String; FIELDS] = Default::default();
    for (slot, value) in fields.iter_mut().zip(rule) {
        slot.clone_from(value);
    }
    Ok(fields)
}

fn active(ptype: &str, rule: &[String]) -> casbin::Result<casbin_rule::ActiveModel> {
    let [v0, v1, v2, v3, v4, v5] = padded(rule)?;
    Ok(casbin_rule::ActiveModel {
        ptype: Set(ptype.to_string()),
        v0: Set(v0),
        v1: Set(v1),
        v2: Set(v2),
        v3: Set(v3),
        v4: Set(v4),
        v5: Set(v5),
        ..Default::default()
    })
}

/// The rows equal to `rule` (all six fields, so `a` never removes `a, b`).
fn same_line(ptype: &str, rule: &[String]) -> casbin::Result<Condition> {
    let fields = padded(rule)?;
    Ok(fields.iter().enumerate().fold(
        Condition::all().add(Column::Ptype.eq(ptype)),
        |c, (i, v)| match column(i) {
            Some(col) => c.add(col.eq(v.as_str())),
            None => c,
        },
    ))
}

/// The rows whose fields from `from` on equal the non-empty `values`
/// (Casbin's "filtered" convention: an empty value matches anything).
fn fields_match(mut cond: Condition, from: usize, values: &[&str]) -> casbin::Result<Condition> {
    for (i, value) in values.iter().enumerate() {
        if value.is_empty() {
            continue;
        }
        let col = column(from + i).ok_or_else(|| adapter_error(LineError::FilterTooFar(from)))?;
        cond = cond.add(col.eq(*value));
    }
    Ok(cond)
}

/// The rows in the order they were written.
async fn rows<C: ConnectionTrait>(
    conn: &C,
    cond: Condition,
) -> casbin::Result<Vec<casbin_rule::Model>> {
    casbin_rule::Entity::find()
        .filter(cond)
        .order_by_asc(Column::Id)
        .all(conn)
        .await
        .map_err(adapter_error)
}

/// Puts stored rows into the model: cut to each type's length, types with a
/// `priority` field sorted by it (see the module's comment), unknown types
/// skipped (a line for a model this server no longer has).
fn fill(m: &mut dyn Model, rows: Vec<casbin_rule::Model>) {
    let mut by_type: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    for row in rows {
        let rule = vec![row.v0, row.v1, row.v2, row.v3, row.v4, row.v5];
        by_type.entry(row.ptype).or_default().push(rule);
    }
    for (ptype, mut rules) in by_type {
        let Some(sec) = ptype.get(..1) else { continue };
        let Some(assertion) = m.get_model().get(sec).and_then(|a| a.get(&ptype)) else {
            continue;
        };
        let len = assertion.tokens.len();
        let priority = assertion
            .tokens
            .iter()
            .position(|t| *t == format!("{ptype}_priority"));
        for rule in &mut rules {
            rule.truncate(len);
        }
        if let Some(at) = priority {
            // Stable: equal priorities keep the order they were written in.
            rules.sort_by_key(|rule| {
                rule.get(at)
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(i64::MAX)
            });
        }
        for rule in rules {
            m.add_policy(sec, &ptype, rule);
        }
    }
}

async fn insert_all<C: ConnectionTrait>(
    conn: &C,
    lines: Vec<casbin_rule::ActiveModel>,
) -> Result<(), DbErr> {
    let mut lines = lines.into_iter().peekable();
    while lines.peek().is_some() {
        let chunk: Vec<_> = lines.by_ref().take(INSERT_CHUNK).collect();
        casbin_rule::Entity::insert_many(chunk).exec(conn).await?;
    }
    Ok(())
}

/// Inserts lines as SeaORM models, `INSERT_CHUNK` rows at a time; shared with
/// `sync_role`, which writes inside the admin's transaction.
pub(super) async fn insert_lines<C: ConnectionTrait>(
    conn: &C,
    ptype: &str,
    lines: &[Vec<String>],
) -> Result<(), DbErr> {
    let models = lines
        .iter()
        .map(|l| active(ptype, l))
        .collect::<casbin::Result<Vec<_>>>()
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    insert_all(conn, models).await
}

fn all_lines(m: &dyn Model) -> casbin::Result<Vec<casbin_rule::ActiveModel>> {
    let mut out = Vec::new();
    for sec in ["p", "g"] {
        let Some(types) = m.get_model().get(sec) else {
            continue;
        };
        for (ptype, assertion) in types {
            for rule in assertion.get_policy() {
                out.push(active(ptype, rule)?);
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl<C> Adapter for SeaOrmAdapter<C>
where
    C: ConnectionTrait + TransactionTrait + Send + Sync,
{
    async fn load_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        let rows = rows(&self.conn, Condition::all()).await?;
        self.filtered = false;
        fill(m, rows);
        Ok(())
    }

    async fn load_filtered_policy<'a>(
        &mut self,
        m: &mut dyn Model,
        f: Filter<'a>,
    ) -> casbin::Result<()> {
        let cond = Condition::any()
            .add(fields_match(
                Condition::all().add(Column::Ptype.starts_with("p")),
                0,
                &f.p,
            )?)
            .add(fields_match(
                Condition::all().add(Column::Ptype.starts_with("g")),
                0,
                &f.g,
            )?);
        let rows = rows(&self.conn, cond).await?;
        self.filtered = f.p.iter().chain(&f.g).any(|v| !v.is_empty());
        fill(m, rows);
        Ok(())
    }

    async fn save_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        let lines = all_lines(m)?;
        let txn = self.conn.begin().await.map_err(adapter_error)?;
        casbin_rule::Entity::delete_many()
            .exec(&txn)
            .await
            .map_err(adapter_error)?;
        insert_all(&txn, lines).await.map_err(adapter_error)?;
        txn.commit().await.map_err(adapter_error)
    }

    async fn clear_policy(&mut self) -> casbin::Result<()> {
        casbin_rule::Entity::delete_many()
            .exec(&self.conn)
            .await
            .map_err(adapter_error)?;
        self.filtered = false;
        Ok(())
    }

    fn is_filtered(&self) -> bool {
        self.filtered
    }

    async fn add_policy(
        &mut self,
        _sec: &str,
        ptype: &str,
        rule: Vec<String>,
    ) -> casbin::Result<bool> {
        let exists = casbin_rule::Entity::find()
            .filter(same_line(ptype, &rule)?)
            .one(&self.conn)
            .await
            .map_err(adapter_error)?
            .is_some();
        if exists {
            return Ok(false);
        }
        casbin_rule::Entity::insert(active(ptype, &rule)?)
            .exec(&self.conn)
            .await
            .map_err(adapter_error)?;
        Ok(true)
    }

    async fn add_policies(
        &mut self,
        _sec: &str,
        ptype: &str,
        rules: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        let lines = rules
            .iter()
            .map(|r| active(ptype, r))
            .collect::<casbin::Result<Vec<_>>>()?;
        let txn = self.conn.begin().await.map_err(adapter_error)?;
        insert_all(&txn, lines).await.map_err(adapter_error)?;
        txn.commit().await.map_err(adapter_error)?;
        Ok(true)
    }

    async fn remove_policy(
        &mut self,
        _sec: &str,
        ptype: &str,
        rule: Vec<String>,
    ) -> casbin::Result<bool> {
        let done = casbin_rule::Entity::delete_many()
            .filter(same_line(ptype, &rule)?)
            .exec(&self.conn)
            .await
            .map_err(adapter_error)?;
        Ok(done.rows_affected > 0)
    }

    /// All or nothing, as Casbin's own adapters: if one line is not stored,
    /// none is removed.
    async fn remove_policies(
        &mut self,
        _sec: &str,
        ptype: &str,
        rules: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        let txn = self.conn.begin().await.map_err(adapter_error)?;
        for rule in &rules {
            let done = casbin_rule::Entity::delete_many()
                .filter(same_line(ptype, rule)?)
                .exec(&txn)
                .await
                .map_err(adapter_error)?;
            if done.rows_affected == 0 {
                txn.rollback().await.map_err(adapter_error)?;
                return Ok(false);
            }
        }
        txn.commit().await.map_err(adapter_error)?;
        Ok(true)
    }

    async fn remove_filtered_policy(
        &mut self,
        _sec: &str,
        ptype: &str,
        field_index: usize,
        field_values: Vec<String>,
    ) -> casbin::Result<bool> {
        let values: Vec<&str> = field_values.iter().map(String::as_str).collect();
        let cond = fields_match(
            Condition::all().add(Column::Ptype.eq(ptype)),
            field_index,
            &values,
        )?;
        let done = casbin_rule::Entity::delete_many()
            .filter(cond)
            .exec(&self.conn)
            .await
            .map_err(adapter_error)?;
        Ok(done.rows_affected > 0)
    }
}
