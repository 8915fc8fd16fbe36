//! Texts of the home screens.
pub const TITLE: &str = "Home";
pub const REACHABLE: &str = "Server reachable at";
pub const SIGNED_IN_AS: &str = "signed in as";
pub const SERVICES: &str = "Services";
pub const READY: &str = "ready";
pub const NO_SERVICES: &str = "No service yet: press n to add one (the guided flow follows).";
pub const SCREENS: &str = "s services · r roles · a apps & keys · d admins · l audit log · : go to";
pub const OPEN: &str = "open the service";
pub const GUIDE: &str = "guided flow for the service";
