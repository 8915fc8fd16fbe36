//! Failed logins counted per client address and per account: past
//! `login_failures` within `login_window` seconds, logins are refused with 429
//! and `Retry-After` before any password is checked.
//!
//! An attempt is counted when it starts and forgiven if it succeeds, so that
//! a burst of concurrent guesses cannot all pass the check before the first
//! failure is recorded. Unknown emails are counted like known ones (their
//! answers must not differ). The counters live in a bounded cache that forgets
//! a key once it has been idle for a whole window: an attacker rotating
//! addresses or emails costs a bounded amount of memory, at worst evicting
//! counters of keys that are rarely used.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use moka::sync::Cache;
use sha2::{Digest, Sha256};

use super::AuthError;
use crate::listener::PeerAddr;

/// Counters kept at most (~200 bytes each).
const CAPACITY: u64 = 65_536;

/// Accounts are keyed by a digest of the normalised email: a fixed size
/// whatever a client sends as "email".
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Account([u8; 32]),
}

struct Window {
    failures: u32,
    started: Instant,
}

type Counter = Arc<Mutex<Window>>;

fn lock(counter: &Counter) -> MutexGuard<'_, Window> {
    counter
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct LoginThrottle {
    counters: Cache<Key, Counter>,
    /// 0: no throttle.
    limit: u32,
    window: Duration,
}

impl LoginThrottle {
    pub fn new(limit: u32, window_secs: u64) -> Self {
        let window = Duration::from_secs(window_secs.max(1));
        LoginThrottle {
            counters: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(window)
                .build(),
            limit,
            window,
        }
    }

    /// Counts an attempt for `peer` (when known: requests that did not come
    /// through a socket have none) and for `email` (normalised), or refuses it
    /// with [`AuthError::Throttled`] when either is past the limit.
    pub fn begin(&self, peer: Option<IpAddr>, email: &str) -> Result<Attempt, AuthError> {
        if self.limit == 0 {
            return Ok(Attempt::default());
        }
        let counter = |key| {
            self.counters.get_with(key, || {
                Arc::new(Mutex::new(Window {
                    failures: 0,
                    started: Instant::now(),
                }))
            })
        };
        let attempt = Attempt {
            address: peer.map(|ip| counter(Key::Address(network(ip)))),
            account: Some(counter(Key::Account(Sha256::digest(email).into()))),
        };
        let now = Instant::now();
        // Both locked at once (always address, then account), so that the check
        // and the count are one step for concurrent attempts.
        let mut windows: Vec<_> = attempt.counters().map(lock).collect();
        let mut wait = None;
        for w in &mut windows {
            let age = now.saturating_duration_since(w.started);
            if age >= self.window || w.failures == 0 {
                w.failures = 0;
                w.started = now;
            } else if w.failures >= self.limit {
                wait = wait.max(Some(self.window.saturating_sub(age)));
            }
        }
        if let Some(left) = wait {
            return Err(AuthError::Throttled {
                failures: self.limit,
                window: self.window.as_secs(),
                retry_after: left.as_secs() + u64::from(left.subsec_nanos() > 0),
            });
        }
        for w in &mut windows {
            w.failures += 1;
        }
        drop(windows);
        Ok(attempt)
    }
}

/// An attempt in progress: counted as a failure unless told otherwise.
#[must_use = "a login attempt must end as failed, succeeded or unchecked"]
#[derive(Default)]
pub struct Attempt {
    address: Option<Counter>,
    account: Option<Counter>,
}

impl Attempt {
    fn counters(&self) -> impl Iterator<Item = &Counter> {
        self.address.iter().chain(self.account.iter())
    }

    /// A wrong password or an unknown email: the counts stay.
    pub fn failed(self) {}

    /// The account's failures are forgiven (its owner knows the password); the
    /// address keeps the failures of other accounts, not this attempt.
    pub fn succeeded(self) {
        if let Some(c) = &self.account {
            lock(c).failures = 0;
        }
        if let Some(c) = &self.address {
            let mut w = lock(c);
            w.failures = w.failures.saturating_sub(1);
        }
    }

    /// No password was checked (no check was free): held against no one.
    pub fn unchecked(self) {
        for c in self.counters() {
            let mut w = lock(c);
            w.failures = w.failures.saturating_sub(1);
        }
    }
}

/// IPv4 addresses as they are; IPv6 by /64, the block one host usually has
/// (counting each of its 2^64 addresses apart would make the limit moot).
fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

/// The client's IP address, when the request came through a socket
/// (`ConnectInfo<PeerAddr>`, as for `rate_limit`); in-process calls have none.
#[derive(Debug, Clone, Copy)]
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|ConnectInfo(PeerAddr(addr))| addr.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    fn retry_after(r: Result<Attempt, AuthError>) -> Option<u64> {
        match r {
            Err(AuthError::Throttled { retry_after, .. }) => Some(retry_after),
            Err(e) => panic!("{e}"),
            Ok(a) => {
                a.failed();
                None
            }
        }
    }

    #[test]
    fn per_address_and_per_account() {
        let t = LoginThrottle::new(3, 60);
        for email in ["a@x", "b@x", "c@x"] {
            t.begin(A, email).expect("under the limit").failed();
        }
        // Address A is done, whatever the email; B may still try a@x.
        let wait = retry_after(t.begin(A, "d@x")).expect("throttled");
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(retry_after(t.begin(B, "a@x")), None);
        t.begin(B, "a@x").expect("second").failed();
        // a@x has failed 3 times now (once from A, twice from B).
        assert!(retry_after(t.begin(None, "a@x")).is_some());
        assert!(retry_after(t.begin(B, "a@x")).is_some());
        // No throttle at all with limit 0.
        let off = LoginThrottle::new(0, 60);
        for _ in 0..100 {
            off.begin(A, "a@x").expect("off").failed();
        }
    }

    #[test]
    fn success_forgives_the_account_and_only_its_own_attempt() {
        let t = LoginThrottle::new(2, 60);
        t.begin(A, "other@x").expect("1").failed();
        t.begin(A, "me@x").expect("2").succeeded();
        // A: 1 failure (other@x); me@x: none.
        t.begin(B, "me@x").expect("me again").failed();
        t.begin(A, "third@x").expect("A's second failure").failed();
        assert!(retry_after(t.begin(A, "fourth@x")).is_some());
        // An unchecked attempt (busy) is not held against anyone.
        let t = LoginThrottle::new(1, 60);
        t.begin(A, "a@x").expect("1").unchecked();
        t.begin(A, "a@x").expect("2").failed();
        assert!(retry_after(t.begin(A, "a@x")).is_some());
    }

    #[test]
    fn ipv6_hosts_are_counted_by_64_block() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let two: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(network(one), network(two));
        assert_ne!(network(one), network(other));
        let mapped = IpAddr::V6(Ipv6Addr::from(0xffff_0a00_0001_u128));
        assert_eq!(network(mapped), A.expect("ip"));
    }
}
