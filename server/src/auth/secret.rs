//! The server's master key, and encryption at rest of service passwords.
//!
//! The key comes from `APIFORGE_SECRET` (any string, stretched with sha256) or,
//! without it, from `{data_dir}/secret.key`, created on first start. Losing or
//! changing it makes stored service passwords unreadable and ends all sessions,
//! so the error messages say exactly that.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 12;
/// The encryption key is derived, not the master itself, so that it and the JWT
/// signing key can never coincide.
const PASSWORD_KEY_LABEL: &str = "apiforge-service-password";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "APIFORGE_SECRET is set but empty: give it a long random value, or unset it to use the key file"
    )]
    EmptySecret,
    #[error("cannot read the key file '{path}': {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the key file '{path}': {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the key file '{path}' does not hold 64 hex characters; restore it from a backup (deleting it makes a new key, and stored service passwords must then be entered again)"
    )]
    BadKeyFile { path: String },
    #[error("cannot encrypt a service password")]
    Encrypt,
    #[error("cannot decrypt a stored service password: APIFORGE_SECRET or the key file changed")]
    Decrypt,
}

pub struct SecretBox {
    master: [u8; 32],
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

impl SecretBox {
    /// Builds the box from a 32-byte master key (tests; production uses
    /// [`SecretBox::load_or_create`]).
    pub fn from_master(master: [u8; 32]) -> Self {
        let enc_key = derive(&master, PASSWORD_KEY_LABEL);
        SecretBox {
            master,
            cipher: ChaCha20Poly1305::new(Key::from_slice(&enc_key)),
        }
    }

    /// `env_secret` wins; else the key file, created (mode 0600) if missing.
    pub fn load_or_create(data_dir: &Path, env_secret: Option<&str>) -> Result<Self, SecretError> {
        if let Some(secret) = env_secret {
            if secret.trim().is_empty() {
                return Err(SecretError::EmptySecret);
            }
            let master: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
            return Ok(Self::from_master(master));
        }
        let path = data_dir.join(KEY_FILE);
        let master = match std::fs::read_to_string(&path) {
            Ok(text) => parse_key_file(&text).ok_or_else(|| SecretError::BadKeyFile {
                path: path.display().to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(data_dir, &path)?,
            Err(source) => {
                return Err(SecretError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        Ok(Self::from_master(master))
    }

    /// A key for one purpose (e.g. signing sessions): sha256(label ‖ master).
    pub fn derive_key(&self, label: &str) -> [u8; 32] {
        derive(&self.master, label)
    }

    /// base64(nonce ‖ ciphertext ‖ tag), with a random nonce per call.
    pub fn encrypt(&self, plain: &str) -> Result<String, SecretError> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), plain.as_bytes())
            .map_err(|_| SecretError::Encrypt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(B64.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let raw = B64
            .decode(stored.trim())
            .map_err(|_| SecretError::Decrypt)?;
        if raw.len() < NONCE_LEN {
            return Err(SecretError::Decrypt);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| SecretError::Decrypt)
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    h.update(master);
    h.finalize().into()
}

fn parse_key_file(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.trim()).ok()?;
    bytes.try_into().ok()
}

fn create_key_file(data_dir: &Path, path: &PathBuf) -> Result<[u8; 32], SecretError> {
    let write_err = |source| SecretError::Write {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(write_err)?;
    let master: [u8; 32] = rand::random();
    let mut opts = std::fs::OpenOptions::new();
    // create_new: two servers starting at once must not overwrite each other's key.
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{}\n", hex::encode(master)).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(write_err)?;
            tracing::info!(path = %path.display(), "created a new master key file; back it up with the data folder");
            Ok(master)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(|source| SecretError::Read {
                path: path.display().to_string(),
                source,
            })?;
            parse_key_file(&text).ok_or_else(|| SecretError::BadKeyFile {
                path: path.display().to_string(),
            })
        }
        Err(e) => Err(write_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("apiforge-secret-{tag}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn round_trip_and_random_nonce() {
        let b = SecretBox::from_master([7; 32]);
        let a1 = b.encrypt("s3cret").expect("enc");
        let a2 = b.encrypt("s3cret").expect("enc");
        assert_ne!(a1, a2);
        assert_eq!(b.decrypt(&a1).expect("dec"), "s3cret");
        let other = SecretBox::from_master([8; 32]);
        let err = other.decrypt(&a1).expect_err("wrong key");
        assert!(
            err.to_string()
                .contains("APIFORGE_SECRET or the key file changed")
        );
        assert!(b.decrypt("garbage!").is_err());
        assert!(!format!("{b:?}").contains('7'));
    }

    #[test]
    fn env_secret_is_stable_and_derives_distinct_keys() {
        let dir = temp_dir("env");
        let a = SecretBox::load_or_create(&dir, Some("hello")).expect("box");
        let b = SecretBox::load_or_create(&dir, Some("hello")).expect("box");
        assert_eq!(a.derive_key("jwt"), b.derive_key("jwt"));
        assert_ne!(a.derive_key("jwt"), a.derive_key("other"));
        assert!(
            !dir.join(KEY_FILE).exists(),
            "no key file when the env secret is set"
        );
        assert!(SecretBox::load_or_create(&dir, Some("  ")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn key_file_created_once_with_0600() {
        let dir = temp_dir("file");
        let a = SecretBox::load_or_create(&dir, None).expect("create");
        let b = SecretBox::load_or_create(&dir, None).expect("reload");
        assert_eq!(a.derive_key("x"), b.derive_key("x"));
        let enc = a.encrypt("pw").expect("enc");
        assert_eq!(b.decrypt(&enc).expect("dec"), "pw");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.join(KEY_FILE), "nothex").expect("write");
        assert!(matches!(
            SecretBox::load_or_create(&dir, None),
            Err(SecretError::BadKeyFile { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
