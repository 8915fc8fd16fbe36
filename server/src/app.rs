//! Startup: settings → system database (migrated) → state → router → serve.
//!
//! `main.rs` stays thin; tests call [`spawn`] to get a real server on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use crate::auth::jwt::JwtKeys;
use crate::auth::secret::SecretBox;
use crate::cli::{AdminCommand, Cli, Command};
use crate::config::{Settings, redact_url};
use crate::error::{ApiError, REQUEST_ID};
use crate::extract::BodyLimit;
use crate::listener::{Limits, Listener, PeerAddr};
use crate::rate_limit::{self, RateLimit};
use crate::services::Registry;
use crate::state::{AppState, Shared};
use crate::{admin, demo, rest};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot create the data folder '{path}': {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the system database {url}: {detail}")]
    SystemDb { url: String, detail: String },
    #[error("{0}")]
    Other(String),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
}

pub async fn run(cli: Cli) -> Result<(), StartError> {
    let settings = Settings::load(cli.config.as_deref(), &cli.command.overrides())?;
    init_tracing(&settings);
    match cli.command {
        Command::Serve { .. } => serve(settings).await,
        Command::Migrate { .. } => {
            let db = open_system_db(&settings).await?;
            println!(
                "migrations applied to {}",
                redact_url(&settings.system_database_url())
            );
            drop(db);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create {
                email, password, ..
            },
        } => {
            let db = open_system_db(&settings).await?;
            admin::bootstrap::create_admin(&db, &email, &password)
                .await
                .map_err(|e| StartError::Other(e.to_string()))?;
            println!("admin {email} created");
            Ok(())
        }
    }
}

fn init_tracing(settings: &Settings) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // The subscriber writes to stdout.
    let ansi = log_colours(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    // A second init (tests start several servers) is harmless: ignore it.
    let _ = if settings.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Colour codes help a person reading a terminal; in a file, a pipe or a log
/// collector they are noise (`\x1b[2m` around every field). `NO_COLOR`
/// (<https://no-color.org>) turns them off when it is set and not empty.
pub fn log_colours(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(std::ffi::OsStr::is_empty)
}

/// Opens the system database and applies pending migrations.
pub async fn open_system_db(settings: &Settings) -> Result<DatabaseConnection, StartError> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::DataDir {
        path: settings.data_dir.display().to_string(),
        source,
    })?;
    let url = settings.system_database_url();
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(settings.system_pool_size.max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let fail = |detail: String| StartError::SystemDb {
        url: redact_url(&url),
        detail,
    };
    let db = Database::connect(opts)
        .await
        .map_err(|e| fail(e.to_string()))?;
    migration::Migrator::up(&db, None)
        .await
        .map_err(|e| fail(format!("migration failed: {e}")))?;
    Ok(db)
}

/// Everything a running server needs, with bootstrap (first admin, services, demo) done.
pub async fn build_state(settings: &Settings) -> Result<AppState, StartError> {
    let system = open_system_db(settings).await?;
    let secret = SecretBox::load_or_create(&settings.data_dir, settings.secret.as_deref())
        .map_err(|e| StartError::Other(e.to_string()))?;
    let jwt = JwtKeys::new(
        secret.derive_key("apiforge-session-jwt"),
        Duration::from_secs(settings.session_ttl),
    );
    jwt.load_revoked(&system)
        .await
        .map_err(|e| StartError::Other(e.to_string()))?;
    let policies = crate::auth::policy::Policies::load(&system)
        .await
        .map_err(|e| StartError::Other(e.to_string()))?;
    let state = AppState::new(Shared {
        system,
        policies: Arc::new(policies),
        services: Arc::new(Registry::default()),
        jwt: Arc::new(jwt),
        secret: Arc::new(secret),
        settings: Arc::new(settings.clone()),
        auth: crate::auth::Guards::new(settings),
    });
    if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password) {
        let created = admin::bootstrap::ensure_admin(&state.system, email, password)
            .await
            .map_err(|e| StartError::Other(e.to_string()))?;
        if created {
            tracing::info!(%email, "created the first admin");
        }
    }
    let loaded = admin::bootstrap::load_services(&state)
        .await
        .map_err(|e| StartError::Other(e.to_string()))?;
    tracing::info!(services = loaded, "services loaded");
    Ok(state)
}

/// The whole HTTP surface.
pub fn router(state: AppState, settings: &Settings) -> Router {
    let refusals = Refusals {
        body_limit: settings.max_body_bytes,
        request_timeout: Duration::from_secs(settings.request_timeout.max(1)),
    };
    let mut app = Router::new()
        .merge(admin::router())
        .merge(crate::docs_page::router())
        .merge(rest::router())
        .merge(crate::graphql::router())
        .fallback(not_found)
        // axum's limit, not tower-http's `RequestBodyLimit`: that one refuses
        // every request whose Content-Length is over, even where no body is read.
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .layer(Extension(BodyLimit(settings.max_body_bytes)))
        // Its plain 503 becomes our envelope in `envelope_errors`.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            refusals.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::per_app,
        ));
    // Outside the timeout and the handlers (a refused request costs nothing), inside
    // the request context (a 429 still carries its request id).
    if let Some(limit) = RateLimit::new(settings.rate_limit) {
        app = app.layer(middleware::from_fn_with_state(limit, rate_limit::enforce));
    }
    let app = app
        .layer(middleware::from_fn_with_state(refusals, envelope_errors))
        .layer(middleware::from_fn(request_context));
    security_headers(app).with_state(state)
}

/// Headers for every response. `nosniff`: a browser must not run a JSON body
/// (one that echoes user text) as a script or page. No framing anywhere
/// (clickjacking GraphiQL, which acts with the caller's stored token); and a
/// policy that lets an API response load nothing at all, unless the response
/// set its own (the GraphiQL page does: `graphiql::page`; so does the docs
/// page, `docs_page::CSP`).
fn security_headers<S: Clone + Send + Sync + 'static>(app: Router<S>) -> Router<S> {
    use axum::http::{HeaderValue, header};
    use tower_http::set_header::SetResponseHeaderLayer;
    app.layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    ))
}

/// What the sentences of [`envelope_errors`] need to say.
#[derive(Debug, Clone, Copy)]
struct Refusals {
    body_limit: usize,
    request_timeout: Duration,
}

/// Turns the refusals that axum, hyper and tower-http write as plain text (a
/// path segment that is not UTF-8, a body over the limit, a body that is not
/// JSON, an unknown method, the request timeout) into the error envelope,
/// with a sentence of ours: clients read `error.message`, and axum's text
/// names Rust types.
async fn envelope_errors(State(refusals): State<Refusals>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || crate::extract::declares_json(resp.headers())
    {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // axum's rejection texts are a line; anything longer is not one of them.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let err = match status {
        // The only plain 503 is the timeout layer's (its body is empty).
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Timeout(format!(
            "The request took longer than {} s and was stopped; ask for less (a narrower filter=, a smaller limit=, fewer related=).",
            refusals.request_timeout.as_secs()
        )),
        _ => ApiError::from_plain(status, &String::from_utf8_lossy(&text), refusals.body_limit),
    };
    let mut out = err.into_response();
    // Keep what the refusal said besides its body (`Allow` on a 405).
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE
            && name != axum::http::header::CONTENT_LENGTH
            && !out.headers().contains_key(name)
        {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

async fn not_found() -> ApiError {
    ApiError::not_found(
        "There is nothing at this path. The API lives under /api/v2 (GET /api/v2 lists the services).",
    )
}

/// Gives each request an id (from `X-Request-Id` or new), echoes it in the response,
/// and makes it visible to error rendering and logs.
///
/// Written here rather than with tower-http's `SetRequestId`/`PropagateRequestId`:
/// those keep any id the client sends, of any length, where ours must be 1 to 64
/// characters (or is replaced), and the id must also be in scope as
/// [`REQUEST_ID`] for the error envelope and in the request's log span, which
/// this middleware does anyway; echoing the header is then one line.
async fn request_context(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut resp = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span.clone()))
        .await;
    let status = resp.status();
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(
                status = status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request failed"
            );
        } else {
            tracing::debug!(
                status = status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request"
            );
        }
    });
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Builds the state, binds the listener and runs the demo setup: what both
/// [`serve`] and [`spawn`] need before accepting connections. The listener
/// percent-encodes `"` `<` `>` `` ` `` in request-targets, which hyper would
/// otherwise refuse before any of our code runs (see `listener.rs`).
async fn prepare(settings: &Settings) -> Result<(AppState, Listener, SocketAddr), StartError> {
    let state = build_state(settings).await?;
    let listener = tokio::net::TcpListener::bind(&settings.bind)
        .await
        .map_err(|source| StartError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Other(e.to_string()))?;
    if settings.demo {
        demo::setup(&state, settings, addr)
            .await
            .map_err(|e| StartError::Other(e.to_string()))?;
    }
    let limits = Limits::from_secs(settings.header_read_timeout, settings.idle_timeout);
    Ok((
        state,
        Listener::new(listener, limits, settings.max_connections),
        addr,
    ))
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
pub async fn serve(settings: Settings) -> Result<(), StartError> {
    let (state, listener, addr) = prepare(&settings).await?;
    tracing::info!(%addr, "apiforge listening");
    let app = router(state, &settings);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<PeerAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| StartError::Other(e.to_string()))?;
    tracing::info!("apiforge stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// A running server for tests: its address and state (to inspect the registry).
pub struct Spawned {
    pub addr: SocketAddr,
    pub state: AppState,
}

/// Starts a real server on `settings.bind` (use port 0) in this runtime.
pub async fn spawn(settings: Settings) -> Result<Spawned, StartError> {
    let (state, listener, addr) = prepare(&settings).await?;
    let app = router(state.clone(), &settings);
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<PeerAddr>(),
        )
        .await;
    });
    Ok(Spawned { addr, state })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::ffi::OsStr;
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::middleware;
    use axum::routing::get;
    use serde_json::Value;
    use tower::ServiceExt;
    use tower_http::timeout::TimeoutLayer;

    use super::{Refusals, envelope_errors, log_colours};

    #[tokio::test]
    async fn a_request_past_the_timeout_is_a_503_in_the_envelope() {
        let refusals = Refusals {
            body_limit: 1024,
            request_timeout: Duration::from_millis(50),
        };
        let app = Router::new()
            .route(
                "/",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                refusals.request_timeout,
            ))
            .layer(middleware::from_fn_with_state(refusals, envelope_errors));
        let resp = app.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], 503);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("was stopped; ask for less"), "{message}");
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        for (terminal, no_color, want) in [
            (true, None, true),
            (true, empty, true),
            (true, set, false),
            (false, None, false),
            (false, empty, false),
            (false, set, false),
        ] {
            assert_eq!(
                log_colours(terminal, no_color),
                want,
                "terminal {terminal}, NO_COLOR {no_color:?}"
            );
        }
    }
}
