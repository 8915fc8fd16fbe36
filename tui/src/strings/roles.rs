//! Texts of the roles screens: the list and the rules editor.

pub const TITLE: &str = "Roles";
pub const COL_NAME: &str = "Name";
pub const COL_ACTIVE: &str = "Active";
pub const COL_RULES: &str = "Rules";
pub const COL_SERVICES: &str = "Services";
pub const YES: &str = "yes";
pub const NO: &str = "no";
pub const EMPTY: &str = "No role yet: press n to make one.";
pub const LOADING: &str = "loading the roles…";
pub const NEW: &str = "new role";
pub const EDIT: &str = "edit the rules";
pub const DELETE: &str = "delete";
pub const FILTER: &str = "filter";
pub const MOVE: &str = "move";

pub fn confirm_delete(name: &str) -> String {
    format!("Delete role '{name}'? Its apps stay, without a role.")
}
pub fn deleted(name: &str) -> String {
    format!("role '{name}' deleted")
}
pub fn saved(name: &str) -> String {
    format!("role '{name}' saved")
}

// The rules editor.
pub const NEW_TITLE: &str = "New role";
pub fn edit_title(name: &str) -> String {
    format!("Role {name}")
}
pub const NAME: &str = "Name";
pub const DESCRIPTION: &str = "Description";
pub const ACTIVE: &str = "Active";
pub const RULES: &str = "Access rules";
pub const RULES_HINT: &str = "a / Ctrl-A adds a rule, x / Ctrl-X deletes the focused one";
pub const NO_RULES: &str = "No rule: the role allows nothing. Press a (or Ctrl-A) to add one.";
pub const RULE: &str = "Rule";
pub const SERVICE: &str = "service";
pub const COMPONENT: &str = "component";
pub const VERBS: &str = "verbs";
pub const FILTER_LABEL: &str = "filter";
pub const FILTER_HINT: &str = "optional, e.g. ArtistId = 1";
pub const ARROWS: &str = "←/→";
pub const NO_SERVICE: &str = "(no service)";
pub const SAVE: &str = "Save";
pub const SAVE_HINT: &str = "Ctrl-S saves from anywhere";
pub const SAVING: &str = "saving…";
pub const SUGGESTIONS: &str = "Tab completes · ↑/↓ Enter picks";
pub const TABLES_LOADING: &str = "loading the tables…";
pub const NO_MATCH: &str = "no component matches";
pub const NEED_NAME: &str = "the role needs a name";
pub const NEED_SERVICE: &str = "choose a service (←/→)";
pub const NEED_COMPONENT: &str = "a rule needs a component, e.g. _table/* or _table/Album";
pub const NEED_VERB: &str = "allow at least one verb (keys 1–5 or Space)";
pub const FIX_FIRST: &str = "fix the fields marked with ! and save again";
pub fn services_failed(e: &str) -> String {
    format!("the services could not be read: {e}")
}
pub fn tables_failed(e: &str) -> String {
    format!("the tables could not be read: {e}")
}

// Keys of the editor, for the help.
pub const K_NEXT: &str = "next / previous field";
pub const K_SAVE: &str = "save";
pub const K_ENTER: &str = "next field; on Save: save";
pub const K_ADD: &str = "add a rule";
pub const K_DEL: &str = "delete the focused rule";
pub const K_VERB: &str = "toggle GET POST PUT PATCH DELETE";
pub const K_SPACE: &str = "toggle the verb / the choice";
pub const K_CHOOSE: &str = "choose the service / the verb";
pub const K_COMPLETE: &str = "complete the component";
pub const K_PICK: &str = "pick a suggested component";
