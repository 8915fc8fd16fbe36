//! Encryption at rest of service passwords.

pub struct SecretBox {}
