//! Password hashing (argon2).
