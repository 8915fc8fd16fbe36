//! Texts of the login screens.
pub const TITLE: &str = "Log in";
pub const URL: &str = "Server URL";
pub const EMAIL: &str = "Email";
pub const PASSWORD: &str = "Password";
pub const HINT: &str =
    "Admin login. APIFORGE_URL, APIFORGE_EMAIL and APIFORGE_PASSWORD fill these fields.";
pub const SUBMIT: &str = "log in";
pub const NEED_ALL: &str = "fill in the URL, the email and the password";
pub const LOGGING_IN: &str = "logging in…";
