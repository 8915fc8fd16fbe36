//! `test_per_minute`: how many `service/_test` calls one admin may make.
//!
//! `_test`'s sentences tell a closed port from an open one that is not a
//! database, and from a database: worth keeping for admins, but from a stolen
//! or scripted session that is a port scanner for the server's network. The
//! limit is per admin (the session's subject), not per address, so that
//! several sessions of one admin share it. Admins are few, so the per-key
//! state needs no pruning.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AdminSession;
use crate::error::ApiError;

pub struct TestLimit {
    /// `None` when `test_per_minute` is 0: no limit.
    limiter: Option<(DefaultKeyedRateLimiter<i32>, NonZeroU32)>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "Too many connection tests: the setting test_per_minute allows {per_minute} per admin per minute. Try again in {seconds} s."
)]
pub struct TooManyTests {
    per_minute: NonZeroU32,
    seconds: u64,
}

impl From<TooManyTests> for ApiError {
    fn from(e: TooManyTests) -> Self {
        ApiError::RetryAfter {
            message: e.to_string(),
            seconds: e.seconds,
        }
    }
}

impl TestLimit {
    pub fn new(per_minute: u32) -> Self {
        TestLimit {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| (RateLimiter::keyed(Quota::per_minute(n)), n)),
        }
    }

    /// Counts one call by `caller`; refused once the minute's allowance is used.
    pub fn check(&self, admin: &AdminSession) -> Result<(), TooManyTests> {
        let Some((limiter, per_minute)) = &self.limiter else {
            return Ok(());
        };
        let key = admin.id;
        limiter.check_key(&key).map_err(|not_until| TooManyTests {
            per_minute: *per_minute,
            seconds: not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(id: i32) -> AdminSession {
        AdminSession {
            id,
            email: format!("a{id}@example.com"),
            jti: String::new(),
            expires_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn each_admin_has_an_allowance_and_zero_means_none() {
        let limit = TestLimit::new(2);
        assert!(limit.check(&admin(1)).is_ok());
        assert!(limit.check(&admin(1)).is_ok());
        let refused = limit.check(&admin(1)).err();
        let message = refused.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("test_per_minute"), "{message}");
        assert!(limit.check(&admin(2)).is_ok());
        let unlimited = TestLimit::new(0);
        assert!((0..100).all(|_| unlimited.check(&admin(1)).is_ok()));
    }
}
