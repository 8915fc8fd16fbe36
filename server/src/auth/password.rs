//! Password hashing (argon2id, the crate's default parameters), and the bound
//! on how many password checks run at once.
//!
//! Hashing and verifying are deliberately slow and large (that is the point of
//! argon2: ~19 MiB for each check). Run on the 512 blocking threads unbounded,
//! a login flood held hundreds of MB, so request paths verify through
//! [`PasswordChecks`], which admits `password_checks` at a time.

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use super::AuthError;

/// How long a login waits for a check to free up before it is told to come back:
/// short, so that a flood turns into quick 429s instead of a queue of held
/// connections and request bodies.
const PERMIT_WAIT: Duration = Duration::from_secs(5);

/// A hash of a random password (long forgotten) with the default parameters,
/// verified against when the email is unknown: the answer then costs one
/// argon2 check, as for a known email with a wrong password, so its time does
/// not tell which emails are admins. A constant rather than hashed at first
/// use, which would have made the first unknown email slower than the rest.
/// `dummy_has_the_default_parameters` keeps it in step with the crate's defaults.
pub const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$9lt4b3ORbb7dWMdXVDE3+w$1hytFfMh76+YopKrYpBW4y719J3OhWubN4wCfr4FHBo";

/// A PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches `phc`. A malformed stored hash is a mismatch, not
/// an error: the caller answers "email or password is incorrect" either way.
pub fn verify(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// [`hash`] off the async runtime, so that hashing does not stall every other
/// request on the worker threads. Only admin creation hashes (at start, or by
/// the CLI), so it is not bounded by [`PasswordChecks`].
pub async fn hash_blocking(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| AuthError::Hash(e.to_string()))?
}

/// At most `size` password checks at once (the `password_checks` setting; 0:
/// one per core, as more cannot run faster and only add memory).
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    size: usize,
    wait: Duration,
}

impl PasswordChecks {
    pub fn new(setting: usize) -> Self {
        let size = match setting {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        };
        PasswordChecks {
            permits: Arc::new(Semaphore::new(size)),
            size,
            wait: PERMIT_WAIT,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether `password` matches `phc`, or [`DUMMY_PHC`] when there is no
    /// stored hash (unknown email: same work, always false). Waits up to
    /// [`PERMIT_WAIT`] for a turn, then gives up with [`AuthError::Busy`].
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, AuthError> {
        let busy = || AuthError::Busy {
            checks: self.size,
            retry_after: 1,
        };
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        // The permit moves into the blocking task: if the client goes away the
        // check still runs to its end, and its memory still counts until then.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let known = phc.is_some();
            let matched = verify(&password, phc.as_deref().unwrap_or(DUMMY_PHC));
            known && matched
        })
        .await
        .map_err(|e| AuthError::Hash(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::phc::PasswordHash;
    use argon2::{Algorithm, Params};

    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong", &phc));
        assert!(!verify("correct horse", "not a phc string"));
        assert_ne!(phc, hash("correct horse").expect("hash"), "salted");
    }

    /// Otherwise an unknown email would be cheaper (or dearer) to check than a
    /// known one, and timing would tell them apart.
    #[test]
    fn dummy_has_the_default_parameters() {
        let dummy = PasswordHash::new(DUMMY_PHC).expect("a PHC string");
        let real = hash("x").expect("hash");
        let real = PasswordHash::new(&real).expect("a PHC string");
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.algorithm.as_str(), Algorithm::Argon2id.as_str());
        assert_eq!(dummy.version, real.version);
        let (d, r) = (
            Params::try_from(&dummy).expect("params"),
            Params::try_from(&real).expect("params"),
        );
        assert_eq!(d, r);
        assert_eq!(d.m_cost(), Params::DEFAULT.m_cost());
        assert!(!verify("", DUMMY_PHC));
    }

    #[tokio::test]
    async fn checks_wait_their_turn_and_unknown_never_matches() {
        let checks = PasswordChecks::new(1);
        assert_eq!(checks.size(), 1);
        let phc = hash("right").expect("hash");
        let (a, b, c) = tokio::join!(
            checks.verify("right".into(), Some(phc.clone())),
            checks.verify("wrong".into(), Some(phc)),
            checks.verify("right".into(), None),
        );
        assert!(matches!(a, Ok(true)));
        assert!(matches!(b, Ok(false)));
        assert!(matches!(c, Ok(false)));
        assert!(PasswordChecks::new(0).size() >= 1);
    }

    #[tokio::test]
    async fn a_caller_gives_up_after_the_wait() {
        let mut checks = PasswordChecks::new(1);
        checks.wait = Duration::from_millis(50);
        let held = Arc::clone(&checks.permits)
            .acquire_owned()
            .await
            .expect("permit");
        let out = checks.verify("x".into(), None).await;
        assert!(
            matches!(out, Err(AuthError::Busy { checks: 1, .. })),
            "{out:?}"
        );
        drop(held);
    }
}
