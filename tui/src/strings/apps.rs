//! Texts of the apps screens.
