//! Texts of the apps & keys screen.

pub const TITLE: &str = "Apps & keys";
pub const COL_NAME: &str = "Name";
pub const COL_ROLE: &str = "Role";
pub const COL_ACTIVE: &str = "Active";
pub const COL_KEY: &str = "Key prefix";
pub const COL_RATE: &str = "Rate limit";
pub const YES: &str = "yes";
pub const NO: &str = "no";
pub const NO_ROLE: &str = "(none)";
pub const NO_LIMIT: &str = "none";
pub fn per_minute(n: i64) -> String {
    format!("{n}/min")
}
pub const EMPTY: &str = "No app yet: press n to make one and get its API key.";
pub const LOADING: &str = "loading the apps…";

pub const NEW: &str = "new app";
pub const ROTATE: &str = "new key (rotate)";
pub const TOGGLE: &str = "deactivate / reactivate";
pub const DELETE: &str = "delete";
pub const FILTER: &str = "filter";

// The create form.
pub const FORM_TITLE: &str = "New app";
pub const NAME: &str = "Name";
pub const DESCRIPTION: &str = "Description";
pub const ROLE: &str = "Role (←/→)";
pub const RATE: &str = "Rate limit/min";
pub const SECTION: &str = "";
pub const FORM_HINT: &str = "Enter creates · Tab next field · Esc cancels";
pub const NEED_NAME: &str = "the app needs a name";
pub const BAD_RATE: &str = "a whole number, 1 to 1000000; empty: no limit";
pub const ROLES_LOADING: &str = "(loading the roles…)";

// The key popup.
pub const KEY_TITLE: &str = "API key — shown once";
pub fn key_created(app: &str) -> String {
    format!("App '{app}' was created. Its API key:")
}
pub fn key_rotated(app: &str) -> String {
    format!("App '{app}' has a new API key (the old one no longer works):")
}
pub const KEY_ONCE: &str = "This key is shown once and will not be shown again: copy it now (the server keeps only a hash).";
pub const KEY_KEYS: &str = "c copies it (OSC 52) · Enter or Esc closes";
pub const KEY_HEADER: &str = "X-Api-Key";

// Confirmations and notices.
pub fn confirm_delete(name: &str) -> String {
    format!("Delete app '{name}'? Its key stops working at once.")
}
pub fn confirm_rotate(name: &str) -> String {
    format!("Issue a new key for app '{name}'? The old key stops working at once.")
}
pub const CONFIRM_TITLE: &str = "Confirm";
pub const CONFIRM_ROTATE_KEYS: &str = "y issues a new key, any other key keeps the old one";
pub fn deleted(name: &str) -> String {
    format!("app '{name}' deleted")
}
pub fn deactivated(name: &str) -> String {
    format!("app '{name}' deactivated: its key is refused until it is reactivated")
}
pub fn reactivated(name: &str) -> String {
    format!("app '{name}' reactivated")
}
