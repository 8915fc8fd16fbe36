//! The command line: `apiforge serve|migrate|admin create`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Overrides;

#[derive(Debug, Parser)]
#[command(
    name = "apiforge",
    version,
    about = "A SQL database as a REST API, in one binary"
)]
pub struct Cli {
    /// Optional TOML config file (also APIFORGE_CONFIG).
    #[arg(long, global = true, env = "APIFORGE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args, Default)]
pub struct DbArgs {
    /// System database URL (default: SQLite file in the data folder).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Data folder (default ./data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (pending migrations run first).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Register the bundled Chinook sample as service `chinook`.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply pending migrations to the system database and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin (who may then log in with POST /api/v2/system/admin/session).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

impl Command {
    pub fn overrides(&self) -> Overrides {
        let db = match self {
            Command::Serve { db, .. } | Command::Migrate { db } => db,
            Command::Admin {
                command: AdminCommand::Create { db, .. },
            } => db,
        };
        let mut o = Overrides {
            data_dir: db.data_dir.clone(),
            database_url: db.database_url.clone(),
            ..Default::default()
        };
        if let Command::Serve { bind, demo, .. } = self {
            o.bind = bind.clone();
            o.demo = demo.then_some(true);
        }
        o
    }
}
