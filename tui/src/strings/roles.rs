//! Texts of the roles screens.
