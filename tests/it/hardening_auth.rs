//! Issue 10's auth hardening: failed logins throttled per address and per
//! account (unknown emails alike), password checks bounded, session tokens of
//! admins that no longer exist refused.
//!
//! Different client addresses are 127.0.0.x source addresses (the whole /8 is
//! loopback on Linux), so that per-address and per-account counts can be told
//! apart.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use apiforge_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestServer, check_envelope, message};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A client whose connections come from 127.0.0.`host`.
fn client_from(host: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, host)))
        .build()
        .unwrap()
}

struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

async fn login(s: &TestServer, client: &reqwest::Client, email: &str, password: &str) -> Answer {
    login_at(&s.base, client, email, password).await
}

/// [`login`] with only the server's base URL (for spawned tasks).
async fn login_at(base: &str, client: &reqwest::Client, email: &str, password: &str) -> Answer {
    let resp = client
        .post(format!("{base}/system/admin/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body: Value = resp.json().await.unwrap();
    assert!(!status.is_server_error(), "{status}: {body}");
    if status.is_client_error() {
        check_envelope(status, &body);
    }
    Answer {
        status,
        retry_after,
        body,
    }
}

/// The message with its numbers blanked (the seconds left differ by timing only).
fn shape(body: &Value) -> String {
    message(body).replace(|c: char| c.is_ascii_digit(), "#")
}

fn assert_throttled(a: &Answer, window: u64) {
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    let wait = a.retry_after.expect("a Retry-After header");
    assert!((1..=window).contains(&wait), "Retry-After {wait}");
    let m = message(&a.body);
    assert!(
        m.contains("login_failures") && m.contains("login_window"),
        "{m}"
    );
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address_and_per_account() {
    let Some(s) = crate::start_with(|c| {
        c.login_failures = 3;
        c.login_window = 60;
    })
    .await
    else {
        return;
    };
    // Three wrong passwords from one address; the fourth attempt, even with the
    // right password, is refused before any check.
    let a = client_from(2);
    let mut wrong = Vec::new();
    for _ in 0..3 {
        let r = login(&s, &a, ADMIN_EMAIL, "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        wrong.push(r.body);
    }
    let known = login(&s, &a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_throttled(&known, 60);
    // The account is throttled from a fresh address too.
    let r = login(&s, &client_from(3), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_throttled(&r, 60);

    // An unknown email: the same 401 three times, then the same 429 from a
    // fresh address: nothing tells it from an admin's email.
    let b = client_from(4);
    for _ in 0..3 {
        let r = login(&s, &b, "nobody@example.com", "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body, wrong[0]);
    }
    let unknown = login(&s, &client_from(5), "Nobody@Example.com ", "x").await;
    assert_throttled(&unknown, 60);
    assert_eq!(shape(&unknown.body), shape(&known.body));

    // One address trying a different email each time is stopped as well.
    let c = client_from(6);
    for i in 0..3 {
        let r = login(&s, &c, &format!("guess{i}@example.com"), "x").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = login(&s, &c, "guess3@example.com", "x").await;
    assert_throttled(&r, 60);
    assert_eq!(shape(&r.body), shape(&known.body));
}

#[tokio::test]
async fn a_success_forgives_the_account_and_zero_turns_the_throttle_off() {
    let Some(s) = crate::start_with(|c| c.login_failures = 2).await else {
        return;
    };
    let a = client_from(7);
    let r = login(&s, &a, ADMIN_EMAIL, "wrong password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = login(&s, &a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The account starts over; one more failure from a fresh address is fine.
    let r = login(&s, &client_from(8), ADMIN_EMAIL, "wrong password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = login(&s, &client_from(9), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let Some(s) = crate::start_with(|c| c.login_failures = 0).await else {
        return;
    };
    let a = client_from(10);
    for _ in 0..8 {
        let r = login(&s, &a, ADMIN_EMAIL, "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login(&s, &a, ADMIN_EMAIL, ADMIN_PASSWORD).await.status,
        StatusCode::OK
    );
}

/// VmRSS of this process (the server runs in it), in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The quickest of `n` wrong logins for `email`.
async fn quickest(s: &TestServer, client: &reqwest::Client, email: &str, n: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..n {
        let started = Instant::now();
        let r = login(s, client, email, "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        best = best.min(started.elapsed());
    }
    best
}

#[tokio::test]
async fn password_checks_are_bounded_and_cost_the_same_for_unknown_emails() {
    const FLOOD: u32 = 16;
    let Some(s) = crate::start_with(|c| {
        c.password_checks = 1;
        c.login_failures = 0;
    })
    .await
    else {
        return;
    };
    let client = client_from(11);
    // An unknown email costs one argon2 check too (a dummy hash), so the time
    // of an answer does not tell which emails are admins.
    let known = quickest(&s, &client, ADMIN_EMAIL, 3).await;
    let unknown = quickest(&s, &client, "nobody@example.com", 3).await;
    println!("quickest wrong login: known email {known:?}, unknown email {unknown:?}");
    assert!(
        unknown * 3 > known && known * 3 > unknown,
        "known {known:?} vs unknown {unknown:?}"
    );

    let before = rss_kib();
    let started = Instant::now();
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..FLOOD {
        let (client, base) = (client.clone(), s.base.clone());
        flood.spawn(async move {
            login_at(&base, &client, &format!("flood{i}@example.com"), "wrong")
                .await
                .status
        });
    }
    let statuses = flood.join_all().await;
    let elapsed = started.elapsed();
    let after = rss_kib();
    for st in &statuses {
        assert!(
            *st == StatusCode::UNAUTHORIZED || *st == StatusCode::TOO_MANY_REQUESTS,
            "{st}"
        );
    }
    println!(
        "{FLOOD} concurrent wrong logins with password_checks = 1: {elapsed:?}, \
         VmRSS {before:?} KiB -> {after:?} KiB"
    );
    // One at a time: the flood takes about FLOOD single checks (unbounded, it
    // would take about FLOOD / cores). Load only makes it slower.
    assert!(
        elapsed >= known.min(unknown) * (FLOOD / 2),
        "{FLOOD} checks in {elapsed:?}, one in {known:?}: they did not wait their turn"
    );
    let r = login(&s, &client, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_session_of_an_admin_that_no_longer_exists_is_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Signed with the server's own key, for an admin id that does not exist.
    let ghost = s
        .state
        .jwt
        .issue(999_999, "ghost@example.com")
        .unwrap()
        .token;
    let (st, body) = s
        .send(
            s.anonymous(reqwest::Method::GET, "/system/admin/session")
                .bearer_auth(&ghost),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    assert!(message(&body).contains("no longer exists"), "{body}");
    let (st, _) = s
        .send(
            s.anonymous(reqwest::Method::GET, "/chinook/_table/Genre")
                .bearer_auth(&ghost),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A real admin's id with another email (an id reused after a delete).
    let (st, me) = s.get("/system/admin/session").await;
    assert_eq!(st, StatusCode::OK);
    let id = i32::try_from(me["id"].as_i64().unwrap()).unwrap();
    let reused = s.state.jwt.issue(id, "previous@example.com").unwrap().token;
    let (st, _) = s
        .send(
            s.anonymous(reqwest::Method::GET, "/system/admin/session")
                .bearer_auth(&reused),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // The admin deleted behind the server's back: refused once the cached
    // answer is dropped (what a delete through the server does).
    entity::admin::Entity::delete_many()
        .filter(entity::admin::Column::Id.eq(id))
        .exec(&s.state.system)
        .await
        .unwrap();
    s.state.auth.admins.invalidate(id);
    let (st, body) = s.get("/system/admin/session").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    assert!(message(&body).contains("no longer exists"), "{body}");
}
