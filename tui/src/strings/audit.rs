//! Texts of the audit screens.
