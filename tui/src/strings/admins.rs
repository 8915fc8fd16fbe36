//! Texts of the admins screens.
