//! Settings: defaults → optional TOML file → `APIFORGE_*` environment → flags.
//!
//! figment does the layering so that every setting has the same three spellings
//! (`data_dir` in TOML, `APIFORGE_DATA_DIR`, `--data-dir`).

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Folder for the embedded system database, the key file and demo copies.
    pub data_dir: PathBuf,
    /// System database; default: SQLite file `{data_dir}/apiforge.db`.
    pub database_url: Option<String>,
    /// Register the bundled Chinook sample as service `chinook`.
    pub demo: bool,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Master secret for encrypting service passwords and signing sessions; default:
    /// a key file generated in `data_dir`.
    pub secret: Option<String>,
    /// Admin session lifetime in seconds.
    pub session_ttl: u64,
    /// tracing filter, e.g. `info` or `apiforge=debug`.
    pub log: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Largest request body accepted, in bytes (larger → 413).
    pub max_body_bytes: usize,
    /// Seconds before a request is abandoned.
    pub request_timeout: u64,
    /// Connections in the pool of the embedded SQLite system database.
    pub system_pool_size: u32,
    /// Requests per minute accepted from one client address (more → 429); 0: no limit.
    pub rate_limit: u32,
    /// Seconds a client has to send a whole request head (line and headers)
    /// once it has started one; past it the connection is closed (slow-loris).
    pub header_read_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    pub idle_timeout: u64,
    /// Open client connections at most; past it new ones wait to be accepted.
    pub max_connections: usize,
    /// Password checks (argon2, ~19 MiB each) running at once; 0: one per core.
    pub password_checks: usize,
    /// Failed logins accepted per client address, and per account, within
    /// `login_window` seconds; more → 429 with `Retry-After`. 0: no throttle.
    pub login_failures: u32,
    pub login_window: u64,
    /// `POST /api/v2/system/service/_test` calls per admin per minute (it can
    /// tell a closed port from an open one). 0: no limit.
    pub test_per_minute: u32,
    /// Folders that SQLite service files must be in (symlinks resolved); empty:
    /// any folder. Files of the data folder itself are refused either way.
    pub sqlite_dirs: Vec<PathBuf>,
    /// Deepest nesting of brackets (`{`, `[`, `(`) in a GraphQL document,
    /// checked before it is parsed: the parser recurses once per level.
    pub graphql_max_nesting: usize,
}

/// Above this, `graphql_max_nesting` could exhaust a thread's stack while
/// parsing (measured, debug build, 2 MiB stack): the setting is capped here.
pub const GRAPHQL_NESTING_CEILING: usize = 128;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            demo: false,
            admin_email: None,
            admin_password: None,
            secret: None,
            session_ttl: 24 * 3600,
            log: "info".into(),
            log_format: "text".into(),
            max_body_bytes: 8 * 1024 * 1024,
            request_timeout: 30,
            system_pool_size: 4,
            rate_limit: 0,
            header_read_timeout: 10,
            idle_timeout: 60,
            max_connections: 1024,
            password_checks: 0,
            login_failures: 5,
            login_window: 300,
            test_per_minute: 10,
            sqlite_dirs: Vec::new(),
            graphql_max_nesting: 64,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("demo", &self.demo)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &redact(&self.admin_password))
            .field("secret", &redact(&self.secret))
            .field("session_ttl", &self.session_ttl)
            .finish_non_exhaustive()
    }
}

/// Hides the password part of `scheme://user:pass@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:<redacted>{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Layers the sources; `overrides` are the command-line flags that were given.
    pub fn load(
        file: Option<&std::path::Path>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "the config file '{}' does not exist",
                    path.display()
                )));
            }
            fig = fig.merge(Toml::file(path));
        }
        fig = fig
            .merge(Env::prefixed("APIFORGE_").ignore(&["config"]))
            .merge(Serialized::defaults(overrides));
        let settings: Settings = fig.extract().map_err(|e| ConfigError(e.to_string()))?;
        if settings.graphql_max_nesting > GRAPHQL_NESTING_CEILING {
            return Err(ConfigError(format!(
                "graphql_max_nesting may be at most {GRAPHQL_NESTING_CEILING}: deeper documents could exhaust the parser's stack"
            )));
        }
        Ok(settings)
    }

    /// The system database URL, defaulting to the embedded SQLite file.
    pub fn system_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("apiforge.db").display()
            ),
        }
    }
}

/// Flags given on the command line; only the ones present override.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password_in_url() {
        assert_eq!(
            redact_url("postgres://bob:s3cret@db:5432/x"),
            "postgres://bob:<redacted>@db:5432/x"
        );
        assert_eq!(redact_url("sqlite://./a.db"), "sqlite://./a.db");
    }

    #[test]
    fn flags_win_over_defaults() {
        let o = Overrides {
            bind: Some("0.0.0.0:9".into()),
            ..Default::default()
        };
        let s = Settings::load(None, &o).unwrap_or_default();
        assert_eq!(s.bind, "0.0.0.0:9");
        assert_eq!(s.session_ttl, 24 * 3600);
    }
}
