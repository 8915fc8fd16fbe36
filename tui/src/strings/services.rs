//! Texts of the services screens.
