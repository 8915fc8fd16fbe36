//! The live services: name → connection pool + catalog snapshot.
//!
//! The registry is an `ArcSwap` of an immutable map, so the request path takes a
//! snapshot without locking, and admin changes (create, update, delete, refresh)
//! build a new map and swap it in: a new service answers at once, no restart.
//! Changes take turns through the registry's [`Writer`].

pub mod config;
pub mod connect;
pub mod redact;
pub mod sqlite_path;
pub mod target;

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use sea_orm::DatabaseConnection;

use crate::catalog::Catalog;
use crate::graphql::schema::GraphCatalog;
use crate::graphql::schema::roles::RoleSchemas;
use crate::query::document::Pieces;
use crate::query::exec::{self, ExecError};
use crate::query::plan::ReadPlan;
use crate::query::server_reads::ServerReads;
use crate::query::sqlite::SqliteReads;
pub use config::{ServiceConfig, ServiceKind};

/// One service as the request path sees it.
#[derive(Debug)]
pub struct ServiceRuntime {
    pub id: i32,
    pub name: String,
    pub label: String,
    pub description: String,
    pub kind: ServiceKind,
    pub config: ServiceConfig,
    /// Writes, counts and discovery.
    pub conn: DatabaseConnection,
    pub reads: Reads,
    pub catalog: Arc<Catalog>,
    /// The GraphQL schema built from `catalog`, or why it could not be: the
    /// admin's, which sees everything.
    pub graphql: Result<Arc<GraphCatalog>, String>,
    /// The roles' schemas of `catalog`, built on first use.
    pub role_graphql: RoleSchemas,
    /// The OpenAPI documents of `catalog`, rendered on first use per caller.
    pub openapi: crate::openapi::cache::Docs,
}

/// Where a service's reads run: beside sea-orm rather than through it, for
/// reasons measured and given in `query::sqlite` and `query::server_reads`.
#[derive(Debug)]
pub enum Reads {
    Sqlite(Arc<SqliteReads>),
    Server(ServerReads),
    /// Only if neither could be set up; correct, slower.
    SeaOrm,
}

impl ServiceRuntime {
    /// The plan's rows with their related records, as a JSON array.
    pub async fn read_json(&self, plan: Arc<ReadPlan>) -> Result<Vec<u8>, ExecError> {
        // The drivers' futures are boxed: sqlx's are several KB, and inline
        // they would grow every future that awaits them, each of which is
        // copied whole when axum boxes the handler (memmove was 6% of a read's
        // CPU on PostgreSQL).
        match &self.reads {
            Reads::Sqlite(reads) => reads.read_json(plan).await,
            Reads::Server(reads) => Box::pin(reads.read_json(&plan)).await,
            Reads::SeaOrm => Box::pin(exec::read_json(&self.conn, &plan)).await,
        }
    }

    /// [`read_json`](Self::read_json) in pieces, for a response body (see
    /// [`Pieces`] for why).
    pub async fn read_pieces(&self, plan: Arc<ReadPlan>) -> Result<Pieces, ExecError> {
        match &self.reads {
            Reads::Sqlite(reads) => reads.read_pieces(plan).await,
            Reads::Server(reads) => Box::pin(reads.read_pieces(&plan)).await,
            Reads::SeaOrm => Box::pin(exec::read_json(&self.conn, &plan))
                .await
                .map(Pieces::from),
        }
    }
}

/// The live services by name. Reads take a snapshot and never wait; changes
/// go through a [`Writer`], one at a time.
#[derive(Default)]
pub struct Registry {
    services: ArcSwap<BTreeMap<String, Arc<ServiceRuntime>>>,
    /// Whose turn it is to change `services` (see [`Registry::write`]).
    turn: tokio::sync::Mutex<()>,
}

impl Registry {
    pub fn get(&self, name: &str) -> Option<Arc<ServiceRuntime>> {
        self.services.load().get(name).cloned()
    }

    pub fn list(&self) -> Vec<Arc<ServiceRuntime>> {
        self.services.load().values().cloned().collect()
    }

    /// Waits until no one else is changing the registry. The writer is held
    /// across the whole of a change that must agree with something stored
    /// elsewhere (the admin API stores a service's row, then swaps its
    /// runtime), so two such changes cannot interleave and leave the registry
    /// matching a row that is no longer the last stored.
    pub async fn write(&self) -> Writer<'_> {
        Writer {
            services: &self.services,
            _turn: self.turn.lock().await,
        }
    }
}

/// The one holder of the right to change a [`Registry`].
pub struct Writer<'a> {
    services: &'a ArcSwap<BTreeMap<String, Arc<ServiceRuntime>>>,
    _turn: tokio::sync::MutexGuard<'a, ()>,
}

impl Writer<'_> {
    /// Adds or replaces a service (a refresh replaces it with a new catalog).
    pub fn insert(&self, service: ServiceRuntime) {
        let mut map = BTreeMap::clone(&self.services.load());
        map.insert(service.name.clone(), Arc::new(service));
        self.services.store(Arc::new(map));
    }

    pub fn remove(&self, name: &str) -> Option<Arc<ServiceRuntime>> {
        let mut map = BTreeMap::clone(&self.services.load());
        let removed = map.remove(name);
        self.services.store(Arc::new(map));
        removed
    }
}
