//! Start-up work on the system database: the first admin, the live services,
//! and `--demo`'s service, through the same code as the admin API.

use chrono::Utc;
use entity::{admin, service};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tokio::task::JoinSet;

use super::error::AdminError;
use super::service::open::{open, runtime};
use super::service::spec::{ServiceSpec, spec_from_row, validate_spec};
use super::service::store::create_many;
use super::session::normalize_email;
use crate::auth::password;
use crate::log_text::escaped;
use crate::services::{ServiceConfig, ServiceKind};
use crate::state::AppState;

const MIN_PASSWORD_LEN: usize = 8;

/// Creates an admin only if there is none yet (`APIFORGE_ADMIN_EMAIL`/`_PASSWORD`
/// at start): once admins exist, the environment must not add or reset one.
/// True if one was created.
pub async fn ensure_admin(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<bool, AdminError> {
    if admin::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    create_admin(db, email, password).await?;
    Ok(true)
}

/// `apiforge admin create`: a conflict if the email is taken.
pub async fn create_admin<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: &str,
) -> Result<admin::Model, AdminError> {
    let email = valid_email(email)?;
    check_password(password)?;
    // Before the hash: a taken email is refused without the work.
    ensure_email_free(db, &email, None).await?;
    Ok(new_admin(&email, password).await?.insert(db).await?)
}

/// A new admin's row, validated and with its password hashed, not yet
/// stored: the hash takes a while, and is better done outside a transaction.
pub async fn new_admin(email: &str, password: &str) -> Result<admin::ActiveModel, AdminError> {
    let email = valid_email(email)?;
    check_password(password)?;
    let hash = password::hash_blocking(password.to_owned()).await?;
    let now = Utc::now();
    Ok(admin::ActiveModel {
        email: Set(email),
        password_hash: Set(hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
}

/// The email as stored (normalized), if it looks like one.
pub fn valid_email(email: &str) -> Result<String, AdminError> {
    let email = normalize_email(email);
    if email.len() < 3 || !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(AdminError::Invalid(format!(
            "'{email}' is not an email address"
        )));
    }
    Ok(email)
}

pub fn check_password(password: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AdminError::Invalid(format!(
            "the admin password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

/// A conflict if another admin than `except_id` has `email` (normalized).
pub async fn ensure_email_free<C: ConnectionTrait>(
    db: &C,
    email: &str,
    except_id: Option<i32>,
) -> Result<(), AdminError> {
    let exists = admin::Entity::find()
        .filter(admin::Column::Email.eq(email))
        .one(db)
        .await?
        .is_some_and(|a| Some(a.id) != except_id);
    if exists {
        return Err(AdminError::Conflict(format!(
            "an admin with email {email} already exists"
        )));
    }
    Ok(())
}

/// Opens every active service and puts it in the registry; returns how many went
/// live. One unreachable database must not keep the others (or the server) down:
/// it is logged and skipped, and `POST …/service/{name}/_refresh` retries it. So
/// is a SQLite file that the path rules refuse (stored before them, or before
/// `sqlite_dirs` changed): it is never opened.
/// Databases are opened concurrently so that slow ones do not add up.
pub async fn load_services(state: &AppState) -> Result<usize, AdminError> {
    let rows = service::Entity::find()
        .filter(service::Column::IsActive.eq(true))
        .order_by_asc(service::Column::Id)
        .all(&state.system)
        .await?;
    let mut tasks = JoinSet::new();
    for row in rows {
        let spec = match spec_from_row(&state.secret, &row) {
            Ok(spec) => spec,
            Err(e) => {
                tracing::warn!(service = %escaped(&row.name), error = %escaped(&e.to_string()), "service skipped");
                continue;
            }
        };
        let settings = state.settings.clone();
        tasks.spawn(async move {
            let opened = open(&settings, &spec).await;
            (row.id, spec, opened)
        });
    }
    let mut loaded = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((id, spec, Ok(opened))) => {
                tracing::info!(service = %escaped(&spec.name), tables = opened.tables(), "service loaded");
                state
                    .services
                    .write()
                    .await
                    .insert(runtime(id, &spec, opened));
                loaded += 1;
            }
            Ok((_, spec, Err(e))) => {
                tracing::warn!(service = %escaped(&spec.name), error = %escaped(&e.to_string()), "service skipped: its database cannot be opened or is refused");
            }
            Err(e) => tracing::warn!(error = %e, "a service failed to load"),
        }
    }
    Ok(loaded)
}

/// Creates a service as `POST /service` would (validated, opened, stored, live).
/// If the name exists, the stored service is returned unchanged, and put live if
/// it is active but was not loaded (e.g. its file was restored after start).
pub async fn register_service(
    state: &AppState,
    name: &str,
    label: &str,
    description: &str,
    kind: ServiceKind,
    config: ServiceConfig,
) -> Result<service::Model, AdminError> {
    let existing = service::Entity::find()
        .filter(service::Column::Name.eq(name))
        .one(&state.system)
        .await?;
    if let Some(row) = existing {
        if row.is_active && state.services.get(&row.name).is_none() {
            let spec = spec_from_row(&state.secret, &row)?;
            let opened = open(&state.settings, &spec).await?;
            state
                .services
                .write()
                .await
                .insert(runtime(row.id, &spec, opened));
        }
        return Ok(row);
    }
    let spec = ServiceSpec {
        name: name.to_owned(),
        label: label.to_owned(),
        description: description.to_owned(),
        kind,
        config,
        is_active: true,
    };
    validate_spec(&spec)?;
    let mut rows = create_many(state, None, vec![spec])
        .await
        .map_err(|(_, e)| e)?;
    rows.pop()
        .ok_or_else(|| AdminError::Internal("a created service was not returned".into()))
}
