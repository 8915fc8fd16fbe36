//! API keys: long random strings with a recognisable prefix, stored only as a
//! SHA-256 hash.
//!
//! A fast hash is right here, unlike for passwords: a key carries 256 random
//! bits, so nobody can guess one from its hash by trying candidates, and a slow
//! hash (argon2) would cost every request milliseconds. The hash is also what
//! keys are looked up by, which a salted hash could not be.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every key starts with this, so that a key pasted into a chat or a
/// repository is recognisable (and scanners can look for it).
pub const PREFIX: &str = "afk_";

/// How many characters of a key listings show (the prefix and 8 more).
pub const SHOWN: usize = PREFIX.len() + 8;

/// A new key, shown to the admin once.
pub struct NewKey {
    pub key: String,
    /// What listings show: `afk_XXXXXXXX`.
    pub shown: String,
    /// What is stored: the hash's hex.
    pub hash: String,
}

pub fn generate() -> NewKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    NewKey {
        shown: key[..SHOWN].to_string(),
        hash: hash(&key),
        key,
    }
}

/// The stored form of `key`: SHA-256, lower-case hex.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_prefixed_distinct_and_hash_to_what_is_stored() {
        let a = generate();
        let b = generate();
        assert!(a.key.starts_with(PREFIX) && a.key.len() == PREFIX.len() + 43);
        assert_ne!(a.key, b.key);
        assert_eq!(hash(&a.key), a.hash);
        assert_eq!(a.hash.len(), 64);
        assert!(a.key.starts_with(&a.shown));
    }
}
