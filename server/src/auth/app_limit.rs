//! Per-app request allowances (`rate_limit_per_minute` on an app): a fixed
//! window per app and clock minute, as GitHub's and DreamFactory's limits
//! count, so that `X-RateLimit-Remaining` and `X-RateLimit-Reset` are exact
//! numbers a client can plan with.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where an app stands in the current minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends and the allowance is whole again.
    pub reset: u64,
    /// Unix time of that moment (`X-RateLimit-Reset`, as GitHub sends it).
    pub reset_at: u64,
}

#[derive(Default)]
pub struct AppLimits {
    /// App id → (window's minute, requests counted in it). One entry per app
    /// that sent a request with a limit set: bounded by the number of apps.
    windows: Mutex<HashMap<i32, (u64, u32)>>,
}

impl AppLimits {
    /// Counts one request of app `app`, whose limit is `limit` per minute:
    /// `Ok` with what is left, or `Err` when the minute's allowance is used.
    pub fn check(&self, app: i32, limit: u32) -> Result<Allowance, Allowance> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.check_at(app, limit, now)
    }

    fn check_at(&self, app: i32, limit: u32, now: u64) -> Result<Allowance, Allowance> {
        let minute = now / 60;
        let reset_at = (minute + 1) * 60;
        let allowance = |used: u32| Allowance {
            limit,
            remaining: limit.saturating_sub(used),
            reset: reset_at - now,
            reset_at,
        };
        // A poisoned lock only means another request panicked mid-count; the
        // counts are still plain numbers.
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = windows.entry(app).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= limit {
            return Err(allowance(entry.1));
        }
        entry.1 += 1;
        Ok(allowance(entry.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_gets_its_limit_per_minute_and_apps_are_counted_apart() {
        let limits = AppLimits::default();
        let t = 60 * 1000 + 15;
        assert_eq!(limits.check_at(1, 2, t).map(|a| a.remaining), Ok(1));
        assert_eq!(limits.check_at(1, 2, t).map(|a| a.remaining), Ok(0));
        let refused = limits.check_at(1, 2, t + 1).err();
        assert_eq!(refused.map(|a| (a.remaining, a.reset)), Some((0, 44)));
        assert!(limits.check_at(2, 2, t).is_ok());
        // The next minute starts afresh.
        assert_eq!(limits.check_at(1, 2, t + 45).map(|a| a.remaining), Ok(1));
    }
}
