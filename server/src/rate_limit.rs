//! Requests per minute per client address (`rate_limit`) and per app
//! (`rate_limit_per_minute`), answered with 429.
//!
//! Off by default, as DreamFactory's limits are: a local API should not surprise
//! its developer. When set, it bounds what one address can make the server do,
//! login attempts included. Keyed by the TCP peer address: behind a reverse
//! proxy, limit at the proxy instead (we do not trust `X-Forwarded-For`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use axum::http::{HeaderMap, HeaderValue};

use crate::auth::Caller;
use crate::auth::app_limit::Allowance;
use crate::error::ApiError;
use crate::listener::PeerAddr;
use crate::state::AppState;

pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    per_minute: NonZeroU32,
}

impl RateLimit {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn new(per_minute: u32) -> Option<Arc<Self>> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let limit = Arc::new(RateLimit {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            per_minute,
        });
        forget_idle_clients(Arc::downgrade(&limit));
        Some(limit)
    }
}

/// The limiter keeps a state per address; addresses whose bucket has refilled
/// are dropped once a minute so that memory follows the active clients. The task
/// ends with the limiter.
fn forget_idle_clients(limit: Weak<RateLimit>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(limit) = limit.upgrade() else { break };
            limit.limiter.retain_recent();
            limit.limiter.shrink_to_fit();
        }
    });
}

/// Middleware: 429 in the error envelope, with `Retry-After` in seconds.
pub async fn enforce(State(limit): State<Arc<RateLimit>>, req: Request, next: Next) -> Response {
    // Requests that did not come through a socket (in-process tests) are not limited.
    let Some(ConnectInfo(PeerAddr(peer))) =
        req.extensions().get::<ConnectInfo<PeerAddr>>().copied()
    else {
        return next.run(req).await;
    };
    match limit.limiter.check_key(&peer.ip()) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1);
            ApiError::RetryAfter {
                message: format!(
                    "Too many requests: this server accepts {} per minute from one address (rate_limit). Try again in {wait} s.",
                    limit.per_minute
                ),
                seconds: wait,
            }
            .into_response()
        }
    }
}

/// Middleware: an app with `rate_limit_per_minute` gets that many requests per
/// clock minute; every answer to it carries `X-RateLimit-Limit`, `-Remaining`
/// and `-Reset` (Unix time), and the refusal is a 429 with `Retry-After`. The
/// caller it authenticates is kept for the handler, so keys are checked once.
pub async fn per_app(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let caller = <Caller as axum::extract::OptionalFromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await;
    let req = Request::from_parts(parts, body);
    let Ok(Some(Caller::App {
        id,
        name,
        rate_limit_per_minute: Some(limit),
        ..
    })) = caller
    else {
        return next.run(req).await;
    };
    match state.auth.app_limits.check(id, limit) {
        Ok(allowance) => {
            let mut resp = next.run(req).await;
            rate_headers(resp.headers_mut(), allowance);
            resp
        }
        Err(allowance) => {
            let mut resp = ApiError::RetryAfter {
                message: format!(
                    "Too many requests: app '{name}' may make {limit} per minute (its rate_limit_per_minute). Try again in {} s.",
                    allowance.reset
                ),
                seconds: allowance.reset,
            }
            .into_response();
            rate_headers(resp.headers_mut(), allowance);
            resp
        }
    }
}

fn rate_headers(h: &mut HeaderMap, a: Allowance) {
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(a.limit)),
        ("x-ratelimit-remaining", u64::from(a.remaining)),
        ("x-ratelimit-reset", a.reset_at),
    ] {
        h.insert(name, HeaderValue::from(value));
    }
}
