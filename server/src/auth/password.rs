//! Password hashing (argon2id, the crate's default parameters).
//!
//! Hashing and verifying are deliberately slow (that is the point of argon2):
//! async callers should run them on `spawn_blocking`, see [`verify_blocking`].

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::AuthError;

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

/// [`hash`] off the async runtime, so that a burst of logins does not stall
/// every other request on the worker threads.
pub async fn hash_blocking(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| AuthError::Hash(e.to_string()))?
}

/// [`verify`] off the async runtime (see [`hash_blocking`]).
pub async fn verify_blocking(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .unwrap_or(false)
}

/// A valid hash of a random password, for comparing against when the email is
/// unknown: the answer then takes as long as for a known email with a wrong
/// password, so response times do not reveal which emails are admins.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::random();
        hash(&hex::encode(random)).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong", &phc));
        assert!(!verify("correct horse", "not a phc string"));
        assert_ne!(phc, hash("correct horse").expect("hash"), "salted");
        assert!(!verify("x", dummy_hash()));
    }
}
