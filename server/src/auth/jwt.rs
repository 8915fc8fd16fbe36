//! Admin session tokens (HS256 JWT) and their revocation.
//!
//! [`JwtKeys::verify`] runs on every admin request, so it never touches the
//! database: revoked token ids live in memory, loaded from `revoked_session` at
//! start ([`JwtKeys::load_revoked`]) and written through on logout
//! ([`JwtKeys::revoke`]). Revocations are per process: with several servers over one
//! system database, a logout reaches the others at their next start (the token's
//! expiry bounds the exposure).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use entity::revoked_session;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};

use super::AuthError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The admin's id; a string on the wire, as RFC 7519 wants for `sub`.
    #[serde(with = "sub_as_string")]
    pub sub: i32,
    pub email: String,
    /// Token id, the handle for revocation (the `session_id` of the login answer).
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn expires_at(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.exp, 0)
            .single()
            .unwrap_or_else(Utc::now)
    }
}

mod sub_as_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A freshly issued session.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub jti: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    /// jti → exp (unix seconds); expired entries are pruned on each revocation.
    revoked: RwLock<HashMap<String, i64>>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    pub fn new(key: [u8; 32], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // We issue and check on the same clock: no skew to forgive.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            ttl,
            revoked: RwLock::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(&self, admin_id: i32, email: &str) -> Result<Issued, AuthError> {
        let now = Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: admin_id,
            email: email.to_owned(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat: now,
            exp: now.saturating_add(ttl),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Sign(e.to_string()))?;
        Ok(Issued {
            token,
            expires_at: claims.expires_at(),
            jti: claims.jti,
        })
    }

    /// Signature, expiry, then the in-memory revocation set; no I/O.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            })?;
        if self.is_revoked(&data.claims.jti) {
            return Err(AuthError::Revoked);
        }
        Ok(data.claims)
    }

    pub fn is_revoked(&self, jti: &str) -> bool {
        let set = self
            .revoked
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        set.contains_key(jti)
    }

    /// Ends a session: stored first (so a restart still refuses it), then
    /// refused in memory. Revoking twice is harmless.
    pub async fn revoke(
        &self,
        db: &DatabaseConnection,
        jti: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let exists = revoked_session::Entity::find_by_id(jti.to_owned())
            .one(db)
            .await?
            .is_some();
        if !exists {
            let row = revoked_session::ActiveModel {
                jti: Set(jti.to_owned()),
                expires_at: Set(expires_at),
            };
            if let Err(e) = row.insert(db).await {
                // A concurrent logout of the same session stored it first: fine.
                if e.sql_err().is_none() {
                    return Err(e);
                }
            }
        }
        self.remember_revoked(jti.to_owned(), expires_at.timestamp());
        Ok(())
    }

    fn remember_revoked(&self, jti: String, exp: i64) {
        let now = Utc::now().timestamp();
        let mut set = self
            .revoked
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        set.retain(|_, e| *e >= now);
        set.insert(jti, exp);
    }

    /// Fills the revocation set from the database at start, and deletes rows of
    /// sessions that have expired anyway. Returns how many are still revoked.
    pub async fn load_revoked(&self, db: &DatabaseConnection) -> Result<usize, DbErr> {
        let now = Utc::now();
        revoked_session::Entity::delete_many()
            .filter(revoked_session::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
        let rows = revoked_session::Entity::find()
            .filter(revoked_session::Column::ExpiresAt.gte(now))
            .all(db)
            .await?;
        let mut set = self
            .revoked
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for row in &rows {
            set.insert(row.jti.clone(), row.expires_at.timestamp());
        }
        Ok(rows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_verify_and_tamper() {
        let keys = JwtKeys::new([1; 32], Duration::from_secs(60));
        let issued = keys.issue(7, "a@b.c").expect("issue");
        let claims = keys.verify(&issued.token).expect("verify");
        assert_eq!(claims.sub, 7);
        assert_eq!(claims.email, "a@b.c");
        assert_eq!(claims.jti, issued.jti);
        let other = JwtKeys::new([2; 32], Duration::from_secs(60));
        assert!(matches!(
            other.verify(&issued.token),
            Err(AuthError::Invalid)
        ));
        assert!(matches!(keys.verify("a.b.c"), Err(AuthError::Invalid)));
        keys.remember_revoked(claims.jti.clone(), claims.exp);
        assert!(matches!(
            keys.verify(&issued.token),
            Err(AuthError::Revoked)
        ));
    }

    #[test]
    fn expired_token_is_reported_as_expired() {
        let keys = JwtKeys::new([1; 32], Duration::from_secs(60));
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: 1,
            email: "a@b.c".into(),
            jti: "x".into(),
            iat: now - 100,
            exp: now - 10,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
            .expect("encode");
        assert!(matches!(keys.verify(&token), Err(AuthError::Expired)));
    }

    #[test]
    fn rejects_alg_none_and_other_algorithms() {
        let keys = JwtKeys::new([1; 32], Duration::from_secs(60));
        let issued = keys.issue(1, "a@b.c").expect("issue");
        let mut parts = issued.token.split('.');
        let (_, payload) = (parts.next(), parts.next().unwrap_or_default());
        // {"alg":"none","typ":"JWT"}
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(matches!(keys.verify(&forged), Err(AuthError::Invalid)));
    }
}
