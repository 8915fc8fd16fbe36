//! The one value every plan is made under.
//!
//! Reads and writes from REST and GraphQL are planned through a [`Context`]:
//! the catalog snapshot, the service's limits and whether it may be written.
//! It is the one place where what a request may do is decided, so that the
//! caller's access (roles) becomes a field here and a check in these methods,
//! not a new code path in every handler.

use std::sync::Arc;

use super::{Access, Action, Limits, PlanError, ReadInput, ReadPlan, WritePlan, plan_read};
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

    /// Plans a read of `table`.
    pub fn read(&self, table: &Arc<Table>, input: &ReadInput) -> Result<ReadPlan, PlanError> {
        plan_read(table, input, self.catalog, self.limits)
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
    pub fn write(
        &self,
        table: &Arc<Table>,
        key: Vec<String>,
        action: Action,
        read_back: Vec<ReadPlan>,
    ) -> Result<WritePlan, PlanError> {
        self.writable(table)?;
        Ok(WritePlan {
            table: table.clone(),
            key,
            action,
            read_back,
        })
    }
}
