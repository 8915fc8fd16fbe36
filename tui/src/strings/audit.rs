//! Texts of the audit log screen.

pub const TITLE: &str = "Audit log";
pub const COL_WHEN: &str = "When (UTC)";
pub const COL_WHO: &str = "Who";
pub const COL_ACTION: &str = "Action";
pub const COL_TYPE: &str = "Type";
pub const COL_OBJECT: &str = "Object";
pub const EMPTY: &str = "No entry.";
pub const EMPTY_FILTERED: &str = "No entry matches the filter.";
pub const LOADING: &str = "loading the log…";
pub const FILTER: &str = "filter";
pub const FILTER_HINT: &str = "e.g. action = 'delete' and object_type = 'app' · fields: id, at, actor, action, object_type, object";
pub const FILTER_KEYS: &str = "Enter applies · Esc closes · empty shows all";
pub const NEXT: &str = "older page";
pub const PREV: &str = "newer page";
pub const SET_FILTER: &str = "filter (server side)";
pub const MOVE: &str = "move";
pub const LAST_PAGE: &str = "this is the oldest page";
pub const FIRST_PAGE: &str = "this is the newest page";
pub const DETAIL: &str = "detail";
pub fn page(from: u32, to: u32) -> String {
    format!("entries {from}–{to}, newest first")
}
