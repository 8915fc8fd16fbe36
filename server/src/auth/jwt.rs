//! Admin session tokens (HS256 JWT).

pub struct JwtKeys {}
