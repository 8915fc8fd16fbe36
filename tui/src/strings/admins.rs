//! Texts of the admins screen.

pub const TITLE: &str = "Admins";
pub const COL_EMAIL: &str = "Email";
pub const COL_CREATED: &str = "Created";
pub const EMPTY: &str = "No admin (this should not happen: you are one).";
pub const LOADING: &str = "loading the admins…";
pub const NEW: &str = "add an admin";
pub const DELETE: &str = "delete";
pub const FILTER: &str = "filter";

pub const FORM_TITLE: &str = "New admin";
pub const EMAIL: &str = "Email";
pub const PASSWORD: &str = "Password";
pub const FORM_HINT: &str = "Enter adds · Tab next field · Esc cancels";
pub const NEED_EMAIL: &str = "the admin needs an email";
pub const NEED_PASSWORD: &str = "the admin needs a password (at least 8 characters)";

pub fn confirm_delete(email: &str) -> String {
    format!("Delete admin '{email}'? They can no longer log in (if it is you, your session ends).")
}
pub fn deleted(email: &str) -> String {
    format!("admin '{email}' deleted")
}
pub fn added(email: &str) -> String {
    format!("admin '{email}' added")
}
