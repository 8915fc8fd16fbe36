//! One module per screen. Each holds its state, handles its keys, receives the
//! answers of its calls and draws itself (see [`crate::screen::Screen`]).

pub mod admins;
pub mod apps;
pub mod audit;
pub mod guide;
pub mod home;
pub mod login;
pub mod roles;
pub mod rule_editor;
pub mod service_detail;
pub mod service_form;
pub mod services;
pub mod table_browser;

use crate::screen::{Screen, ScreenId};

/// The screens `:` reaches, by the names (and short forms) an admin types.
pub fn by_name(name: &str) -> Option<ScreenId> {
    Some(match name {
        "home" | "h" => ScreenId::Home,
        "services" | "service" | "s" => ScreenId::Services,
        "roles" | "role" | "r" => ScreenId::Roles,
        "apps" | "app" | "keys" | "key" | "a" => ScreenId::Apps,
        "admins" | "admin" | "d" => ScreenId::Admins,
        "audit" | "log" | "l" => ScreenId::Audit,
        _ => return None,
    })
}

/// A fresh top-level screen (the others need a service or a role to show).
pub fn make(id: ScreenId) -> Option<Box<dyn Screen>> {
    Some(match id {
        ScreenId::Home => Box::new(home::Home::default()),
        ScreenId::Services => Box::new(services::Services::default()),
        ScreenId::Roles => Box::new(roles::Roles::default()),
        ScreenId::Apps => Box::new(apps::Apps::default()),
        ScreenId::Admins => Box::new(admins::Admins::default()),
        ScreenId::Audit => Box::new(audit::Audit::default()),
        _ => return None,
    })
}
