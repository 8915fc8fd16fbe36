//! `--demo`: the bundled Chinook sample as service `chinook`, and what to try next.
//!
//! The sample is compiled into the binary so that `apiforge serve --demo` works from
//! any folder; it is written to the data folder once and served from that copy, so
//! the demo can be written to without touching anything else.

use std::net::SocketAddr;

use crate::admin::bootstrap;
use crate::config::Settings;
use crate::services::{ServiceConfig, ServiceKind};
use crate::state::AppState;

/// The Chinook sample database (MIT, see `server/demo/CHINOOK-LICENSE.md`).
static CHINOOK: &[u8] = include_bytes!("../demo/chinook.sqlite");

const DEMO_ADMIN: &str = "admin@apiforge.local";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot write the demo database to '{path}': {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

pub async fn setup(
    state: &AppState,
    settings: &Settings,
    addr: SocketAddr,
) -> Result<(), DemoError> {
    let path = settings.data_dir.join("chinook.sqlite");
    if !path.exists() {
        std::fs::write(&path, CHINOOK).map_err(|source| DemoError::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    let config = ServiceConfig {
        database: Some(path.display().to_string()),
        ..ServiceConfig::default()
    };
    bootstrap::register_service(
        state,
        "chinook",
        "Chinook (demo)",
        "The Chinook sample: a digital media store",
        ServiceKind::Sqlite,
        config,
    )
    .await
    .map_err(|e| DemoError::Setup(e.to_string()))?;

    // Without an admin nobody could call the API: make one and show its password once.
    let mut login_hint = String::from(
        "with your admin email and password (lost it? `apiforge admin create --email E --password P` adds an admin)",
    );
    let mut email = settings
        .admin_email
        .clone()
        .unwrap_or_else(|| DEMO_ADMIN.into());
    let mut password = String::from("YOUR_PASSWORD");
    if settings.admin_email.is_none() {
        let generated = random_password();
        let created = bootstrap::ensure_admin(&state.system, DEMO_ADMIN, &generated)
            .await
            .map_err(|e| DemoError::Setup(e.to_string()))?;
        if created {
            login_hint = format!("as {DEMO_ADMIN} / {generated} (shown once; keep it)");
            password = generated;
        } else {
            email = "YOUR_ADMIN_EMAIL".into();
        }
    }
    let base = format!("http://{addr}/api/v2");
    println!(
        "\napiforge demo: service 'chinook' is live at {base}/chinook\n\
         \n1. Log in {login_hint}:\n\
         \x20  TOKEN=$(curl -s -X POST {base}/system/admin/session -H 'Content-Type: application/json' \\\n\
         \x20        -d '{{\"email\":\"{email}\",\"password\":\"{password}\"}}' | sed 's/.*\"session_token\":\"\\([^\"]*\\)\".*/\\1/')\n\
         2. Try the API:\n\
         \x20  curl -H \"Authorization: Bearer $TOKEN\" '{base}/chinook/_table/Album?limit=3&related=Artist_by_ArtistId'\n\
         \x20  curl -H \"Authorization: Bearer $TOKEN\" '{base}/chinook/_table/Track?filter=GenreId%3D1%20and%20Milliseconds%3E300000&fields=Name,Milliseconds&limit=5'\n\
         \x20  curl -H \"Authorization: Bearer $TOKEN\" '{base}/chinook/_schema/Album'\n\
         The demo data is a copy at {}; delete it to start over.\n",
        path.display()
    );
    Ok(())
}

/// 16 random alphanumerics: enough for a demo admin that is shown once.
fn random_password() -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}
