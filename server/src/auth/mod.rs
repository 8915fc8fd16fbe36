//! Who is calling: admin sessions (JWT), later API keys; and the secrets we keep.

pub mod jwt;
pub mod password;
pub mod secret;
