//! Texts of the guide screens.
