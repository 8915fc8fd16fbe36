//! Every text the console shows, in one place (one module per screen), so
//! wording is reviewed and changed here and never in the drawing code.

pub mod admins;
pub mod apps;
pub mod audit;
pub mod common;
pub mod guide;
pub mod home;
pub mod login;
pub mod roles;
pub mod services;
