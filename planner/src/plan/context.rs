//! The one value every plan is made under.
//!
//! Reads and writes from REST and GraphQL are planned through a [`Context`]:
//! the catalog snapshot, the service's limits and whether it may be written.
//! It is the one place where what a request may do is decided, so that the
//! caller's access (roles) becomes a field here and a check in these methods,
//! not a new code path in every handler.

use std::sync::Arc;

use super::{
    Access, Action, Cond, Grant, Guard, Limits, PlanError, ReadInput, ReadPlan, Verb, WritePlan,
    plan_read, resolve, schema_component, table_component,
};
use crate::catalog::{Catalog, Table};

#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub limits: Limits,
    /// The service's name, for sentences.
    pub service: &'a str,
    /// The service's `read_only` setting: every write is refused.
    pub read_only: bool,
    /// The caller's access: what it may plan, and on which rows.
    pub access: Access<'a>,
}

impl<'a> Context<'a> {
    /// A table of the catalog, or the 404 sentence.
    pub fn table(&self, name: &str) -> Result<&'a Arc<Table>, PlanError> {
        self.catalog.table(name).ok_or_else(|| {
            PlanError::NotFound(format!("Table '{name}' does not exist in this service."))
        })
    }

    /// Plans a read of `table` (and of every table it embeds), under the
    /// caller's access.
    pub fn read(&self, table: &Arc<Table>, input: &ReadInput) -> Result<ReadPlan, PlanError> {
        plan_read(self, table, input)
    }

    /// What `verb` may touch in `table`: refused, or allowed on every row
    /// (`None`) or on the rows the role's record filter matches.
    ///
    /// A filter that does not fit the table (it names a column the table
    /// lacks, or compares one with a value of another type) denies the table:
    /// dropping it would widen the role's access to every row.
    pub fn guard(&self, table: &Table, verb: Verb) -> Result<Option<Cond>, PlanError> {
        match self.access.table(&table.name, verb) {
            Grant::Deny => Err(PlanError::Forbidden(format!(
                "{} may not {verb} {} of service '{}'; an admin can allow it in the role's access rules.",
                capitalised(self.access.who()),
                table_component(&table.name),
                self.service
            ))),
            Grant::Allow(None) => Ok(None),
            Grant::Allow(Some(expr)) => resolve(table, &expr, self.limits.backend)
                .map(Some)
                .map_err(|e| {
                    PlanError::Forbidden(format!(
                        "{}'s record filter for {verb} on {} of service '{}' does not fit the table ({e}), so the rule denies it until an admin fixes the filter.",
                        capitalised(self.access.who()),
                        table_component(&table.name),
                        self.service
                    ))
                }),
        }
    }

    /// The tables whose records the caller may read (`GET /{service}/_table`).
    pub fn readable_tables(&self) -> impl Iterator<Item = &'a Arc<Table>> + '_ {
        self.catalog
            .tables
            .values()
            .filter(|t| self.access.table(&t.name, Verb::Get).allowed())
    }

    /// The tables whose description the caller may read (`GET /{service}/_schema`).
    pub fn described_tables(&self) -> impl Iterator<Item = &'a Arc<Table>> + '_ {
        self.catalog.tables.values().filter(|t| {
            self.access
                .grant(&schema_component(&t.name), Verb::Get)
                .allowed()
        })
    }

    /// A table's description (`GET /{service}/_schema/{table}`), when the
    /// caller may GET `_schema/{table}`.
    pub fn describe(&self, name: &str) -> Result<&'a Arc<Table>, PlanError> {
        let table = self.table(name)?;
        if !self
            .access
            .grant(&schema_component(name), Verb::Get)
            .allowed()
        {
            return Err(PlanError::Forbidden(format!(
                "{} may not GET {} of service '{}'.",
                capitalised(self.access.who()),
                schema_component(name),
                self.service
            )));
        }
        Ok(table)
    }

    /// Refuses a write to a read-only service or to a view, before anything
    /// else about the write is looked at.
    pub fn writable(&self, table: &Table) -> Result<(), PlanError> {
        if self.read_only {
            return Err(PlanError::Forbidden(format!(
                "Service '{}' is read-only.",
                self.service
            )));
        }
        if table.is_view {
            return Err(PlanError::Invalid(format!(
                "'{}' is a view: it can be read, not written.",
                table.name
            )));
        }
        Ok(())
    }

    /// Plans a write: `action` on `table`, whose records `key` addresses, and
    /// the reads of the written rows.
    ///
    /// `verb` is what the caller's role must allow on the table (REST's
    /// method; for GraphQL, POST for inserts, PATCH for updates, DELETE for
    /// deletes). The role's record filter narrows the rows an update or a
    /// delete touches (a record outside it is not found), and every inserted
    /// or updated row must satisfy it after the write ([`Guard`]).
    pub fn write(
        &self,
        table: &Arc<Table>,
        key: Vec<String>,
        action: Action,
        read_back: Vec<ReadPlan>,
        verb: Verb,
    ) -> Result<WritePlan, PlanError> {
        self.writable(table)?;
        let guard = self.guard(table, verb)?;
        let action = match (action, &guard) {
            (Action::UpdateMatching { filter, set }, Some(g)) => Action::UpdateMatching {
                filter: Cond::all([filter, g.clone()]),
                set,
            },
            (Action::DeleteMatching { filter }, Some(g)) => Action::DeleteMatching {
                filter: Cond::all([filter, g.clone()]),
            },
            (action, _) => action,
        };
        Ok(WritePlan {
            table: table.clone(),
            key,
            action,
            read_back,
            guard: guard.map(|cond| Guard {
                cond,
                refusal: format!(
                    "{} may only write records of {} that match its record filter, and this write would leave one that does not; nothing of it was written.",
                    capitalised(self.access.who()),
                    table_component(&table.name)
                ),
            }),
        })
    }
}

/// "role 'x'" → "Role 'x'", for the start of a sentence.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
