//! `--demo`: the bundled Chinook sample as service `chinook`, and what to try next.
//!
//! The sample is compiled into the binary so that `apiforge serve --demo` works from
//! any folder; it is written to `{data_dir}/demo/` once and served from that copy,
//! so the demo can be written to without touching anything else. Not to the data
//! folder itself: no service may open a file there (`services::sqlite_path`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use entity::{admin, service};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::admin::app::store as app_store;
use crate::admin::error::AdminError;
use crate::admin::role::store as role_store;
use crate::admin::session::normalize_email;
use crate::admin::{bootstrap, guide};
use crate::config::Settings;
use crate::services::sqlite_path::DEMO_SUBDIR;
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
    let path = demo_copy(&settings.data_dir)?;
    repoint_legacy_service(&state.system, &settings.data_dir, &path).await?;
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

    // Without an admin nobody could call the API: make one (with the configured
    // email and password, else the demo's) and print lines that log in as it.
    let wanted = settings.admin_email.as_deref().unwrap_or(DEMO_ADMIN);
    let generated = match &settings.admin_password {
        // `build_state` made it already if the email was configured too.
        Some(password) => {
            bootstrap::ensure_admin(&state.system, wanted, password)
                .await
                .map_err(|e| DemoError::Setup(e.to_string()))?;
            None
        }
        None => {
            let password = random_password();
            bootstrap::ensure_admin(&state.system, wanted, &password)
                .await
                .map_err(|e| DemoError::Setup(e.to_string()))?
                .then_some(password)
        }
    };
    let wanted_exists = admin_exists(&state.system, wanted).await?;
    let login = match generated {
        Some(password) => Login::Generated {
            email: normalize_email(wanted),
            password,
        },
        None if wanted_exists && settings.admin_password.is_some() => Login::FromEnv {
            email: normalize_email(wanted),
        },
        None if wanted_exists => Login::Unknown {
            email: Some(normalize_email(wanted)),
        },
        None => Login::Unknown {
            email: only_admin(&state.system).await?,
        },
    };
    let base = format!("http://{addr}/api/v2");
    let reader = reader_app(state, &base).await?;
    // Informational only: a closed stdout (`serve --demo | head`) must not stop
    // the server, as `println!` would by panicking.
    let _ = writeln!(
        std::io::stdout(),
        "\napiforge demo: service 'chinook' is live at {base}/chinook\n\
         \n1. Log in {}\
         2. Try the API:\n\
         \x20  curl -H \"Authorization: Bearer $TOKEN\" '{base}/chinook/_table/Album?limit=3&related=Artist_by_ArtistId'\n\
         \x20  curl -H \"Authorization: Bearer $TOKEN\" '{base}/chinook/_table/Track?filter=GenreId%3D1%20and%20Milliseconds%3E300000&fields=Name,Milliseconds&limit=5'\n\
         \x20  curl -H \"Authorization: Bearer $TOKEN\" '{base}/chinook/_schema/Album'\n\
         3. {reader}\
         4. Browse the API docs: http://{addr}/docs (Authorize with the API key, or run the login there)\n\
         The demo data is a copy at {}; delete it to start over.\n",
        login.lines(&base),
        path.display()
    );
    Ok(())
}

const READER_ROLE: &str = "chinook-reader";
const READER_APP: &str = "chinook-reader-app";

/// The demo's app: role `chinook-reader` (GET on every table and schema of
/// `chinook`) and app `chinook-reader-app`, made on the first run, reused on
/// later ones. Its key is printed once, when it is made; later runs say how to
/// get a new one. The lines to print, each ending in a newline.
async fn reader_app(state: &AppState, base: &str) -> Result<String, DemoError> {
    let setup = |e: AdminError| DemoError::Setup(e.to_string());
    let have_role = role_store::find(&state.system, READER_ROLE).await.is_ok();
    let existing = app_store::find(&state.system, READER_APP).await.ok();
    let key = match (existing, have_role) {
        (Some(app), _) => Err(app.id),
        (None, true) => Ok(guide::make_app(state, None, READER_APP, READER_ROLE)
            .await
            .map_err(setup)?
            .api_key),
        (None, false) => {
            let access = serde_json::json!([
                { "service": "chinook", "component": "_table/*", "verbs": ["GET"] },
                { "service": "chinook", "component": "_schema/*", "verbs": ["GET"] },
            ]);
            Ok(
                guide::make_role_and_app(state, None, READER_ROLE, READER_APP, access)
                    .await
                    .map_err(setup)?
                    .api_key,
            )
        }
    };
    let calls = state
        .services
        .get("chinook")
        .map(|rt| guide::try_calls(base, &rt))
        .unwrap_or_default();
    let mut tries = String::new();
    for which in ["rest", "graphql"] {
        if let Some(line) = calls[which].as_str() {
            tries.push_str(&format!("   {line}\n"));
        }
    }
    Ok(match key {
        Ok(key) => format!(
            "Or call it as an app: app '{READER_APP}' with role '{READER_ROLE}' (GET only) has this API key, shown once (keep it):\n\
             \x20  API_KEY={key}\n{tries}"
        ),
        Err(id) => format!(
            "Or call it as an app: app '{READER_APP}' (role '{READER_ROLE}') got its API key on the first run, shown once. A new one (the old one stops working), after logging in:\n\
             \x20  API_KEY=$(curl -s -X POST {base}/system/app/{id}/rotate -H \"Authorization: Bearer $TOKEN\" | {KEY_EXTRACT})\n\
             \x20  [ -n \"$API_KEY\" ] || echo 'rotating the key failed: are you logged in?' >&2\n{tries}"
        ),
    })
}

/// Takes `api_key` out of a JSON answer, as `EXTRACT` takes the token.
const KEY_EXTRACT: &str = r#"sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p'"#;

/// Where earlier versions wrote the copy: in the data folder itself.
const LEGACY_COPY: &str = "chinook.sqlite";

/// The demo's copy, written if missing. A copy left by an earlier version in
/// the data folder is moved here (with SQLite's side files), keeping its data.
fn demo_copy(data_dir: &Path) -> Result<PathBuf, DemoError> {
    let dir = data_dir.join(DEMO_SUBDIR);
    let path = dir.join("chinook.sqlite");
    let write_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| DemoError::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(write_error(&dir))?;
    if path.exists() {
        return Ok(path);
    }
    let legacy = data_dir.join(LEGACY_COPY);
    if legacy.is_file() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let from = data_dir.join(format!("{LEGACY_COPY}{suffix}"));
            if from.exists() {
                let to = dir.join(format!("chinook.sqlite{suffix}"));
                std::fs::rename(&from, &to).map_err(write_error(&to))?;
            }
        }
    } else {
        std::fs::write(&path, CHINOOK).map_err(write_error(&path))?;
    }
    Ok(path)
}

/// A `chinook` service stored by an earlier version names the old copy, which
/// is now refused: it is pointed at the moved one.
async fn repoint_legacy_service(
    db: &DatabaseConnection,
    data_dir: &Path,
    path: &Path,
) -> Result<(), DemoError> {
    let setup = |e: sea_orm::DbErr| DemoError::Setup(e.to_string());
    let Some(row) = service::Entity::find()
        .filter(service::Column::Name.eq("chinook"))
        .one(db)
        .await
        .map_err(setup)?
    else {
        return Ok(());
    };
    let legacy = data_dir.join(LEGACY_COPY).display().to_string();
    let mut config: serde_json::Value =
        serde_json::from_str(&row.config).unwrap_or(serde_json::Value::Null);
    if config.get("database").and_then(serde_json::Value::as_str) != Some(legacy.as_str()) {
        return Ok(());
    }
    config["database"] = path.display().to_string().into();
    let mut active: service::ActiveModel = row.into();
    active.config = Set(config.to_string());
    active.update(db).await.map_err(setup)?;
    Ok(())
}

/// What the printed login knows about the admin's password.
enum Login {
    /// Made on this run: printed, as the only chance to see it.
    Generated { email: String, password: String },
    /// Configured (`APIFORGE_ADMIN_PASSWORD`): read from the shell's environment,
    /// never printed.
    FromEnv { email: String },
    /// Only its owner knows it: the lines ask for it in `APIFORGE_ADMIN_PASSWORD`
    /// (and for the email in `APIFORGE_ADMIN_EMAIL` when there are several admins).
    Unknown { email: Option<String> },
}

/// Passwords are stored hashed: a lost one cannot be shown again, but another
/// admin can be added.
const LOST: &str = "(lost it? `apiforge admin create --email E --password P` adds an admin)";

/// Prints the token, or nothing when the login failed (`-n` … `p`), so that a
/// failed login leaves `$TOKEN` empty instead of holding the error text.
const EXTRACT: &str = r#"sed -n 's/.*"session_token":"\([^"]*\)".*/\1/p'"#;

/// A value in the printed login body.
enum Piece<'a> {
    /// Known text, printed in the line.
    Text(&'a str),
    /// Read from this environment variable of the shell the lines run in.
    Env(&'static str),
}

/// The `-d` argument of the login: JSON in single quotes (in which the shell
/// changes nothing), with environment variables spliced in as JSON strings
/// (`"` and `\` escaped by sed, so that any password works without jq).
fn login_body(email: &Piece<'_>, password: &Piece<'_>) -> String {
    let mut out = String::from("'{");
    for (key, piece) in [("email", email), ("password", password)] {
        if key != "email" {
            out.push(',');
        }
        out.push_str(&format!("\"{key}\":\""));
        match piece {
            Piece::Text(text) => out.push_str(&json_text(text).replace('\'', r"'\''")),
            Piece::Env(var) => out.push_str(&format!(
                r#"'"$(printf '%s' "${var}" | sed 's/[\\"]/\\&/g')"'"#
            )),
        }
        out.push('"');
    }
    out.push_str("}'");
    out
}

impl Login {
    /// The header sentence and the lines to paste, each ending in a newline.
    fn lines(&self, base: &str) -> String {
        let from_env = Piece::Env("APIFORGE_ADMIN_PASSWORD");
        let (header, exports, email, password, failed) = match self {
            Login::Generated { email, password } => (
                format!("as {email} / {password} (shown once; keep it):"),
                Vec::new(),
                Piece::Text(email),
                Piece::Text(password),
                "login failed: is the server still running?".to_owned(),
            ),
            Login::FromEnv { email } => (
                format!(
                    "as {email} with the password in APIFORGE_ADMIN_PASSWORD (read from your shell: export it there first if it is not set):"
                ),
                Vec::new(),
                Piece::Text(email),
                from_env,
                format!(
                    "login failed: export APIFORGE_ADMIN_PASSWORD with the password of {} and run these lines again",
                    no_quote(email)
                ),
            ),
            Login::Unknown { email: Some(email) } => {
                let what = if email == DEMO_ADMIN {
                    "the password printed on the first run".to_owned()
                } else {
                    format!("the password of {}", no_quote(email))
                };
                (
                    format!(
                        "as {email}: in the first line, replace the quoted text with {what} {LOST}:"
                    ),
                    vec![format!("export APIFORGE_ADMIN_PASSWORD='{what}'")],
                    Piece::Text(email),
                    from_env,
                    format!(
                        "login failed: set APIFORGE_ADMIN_PASSWORD to {what} and run these lines again"
                    ),
                )
            }
            Login::Unknown { email: None } => (
                format!(
                    "as one of the admins: in the first two lines, replace the quoted texts with your admin email and password {LOST}:"
                ),
                vec![
                    "export APIFORGE_ADMIN_EMAIL='your admin email'".to_owned(),
                    "export APIFORGE_ADMIN_PASSWORD='your admin password'".to_owned(),
                ],
                Piece::Env("APIFORGE_ADMIN_EMAIL"),
                from_env,
                "login failed: set APIFORGE_ADMIN_EMAIL and APIFORGE_ADMIN_PASSWORD to an admin login and run these lines again".to_owned(),
            ),
        };
        let mut out = format!("{header}\n");
        for line in exports {
            out.push_str(&format!("   {line}\n"));
        }
        let body = login_body(&email, &password);
        out.push_str(&format!(
            "   TOKEN=$(curl -s -X POST {base}/system/admin/session -H 'Content-Type: application/json' \\\n\
             \x20        -d {body} | {EXTRACT})\n\
             \x20  [ -n \"$TOKEN\" ] || echo '{failed}' >&2\n"
        ));
        out
    }
}

/// `text` as the content of a JSON string.
fn json_text(text: &str) -> String {
    let quoted = serde_json::Value::from(text).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_owned()
}

/// For prose inside a single-quoted `echo`.
fn no_quote(text: &str) -> String {
    text.replace('\'', "")
}

async fn admin_exists(db: &DatabaseConnection, email: &str) -> Result<bool, DemoError> {
    Ok(admin::Entity::find()
        .filter(admin::Column::Email.eq(normalize_email(email)))
        .count(db)
        .await
        .map_err(|e| DemoError::Setup(e.to_string()))?
        > 0)
}

/// The email of the only admin, if there is exactly one.
async fn only_admin(db: &DatabaseConnection) -> Result<Option<String>, DemoError> {
    let mut admins = admin::Entity::find()
        .order_by_asc(admin::Column::Id)
        .limit(2)
        .all(db)
        .await
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    Ok(match (admins.pop(), admins.is_empty()) {
        (Some(only), true) => Some(only.email),
        _ => None,
    })
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_copy_moves_into_the_demo_folder_with_its_data() {
        let dir = std::env::temp_dir().join(format!("apiforge-demo-legacy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(LEGACY_COPY), b"edited by the user").unwrap();
        std::fs::write(dir.join(format!("{LEGACY_COPY}-wal")), b"recent writes").unwrap();
        let path = demo_copy(&dir).unwrap();
        assert_eq!(path, dir.join(DEMO_SUBDIR).join("chinook.sqlite"));
        assert_eq!(std::fs::read(&path).unwrap(), b"edited by the user");
        assert!(dir.join(DEMO_SUBDIR).join("chinook.sqlite-wal").is_file());
        assert!(!dir.join(LEGACY_COPY).exists());
        // Once moved, a second start keeps the copy as it is.
        assert_eq!(demo_copy(&dir).unwrap(), path);
        assert_eq!(std::fs::read(&path).unwrap(), b"edited by the user");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
