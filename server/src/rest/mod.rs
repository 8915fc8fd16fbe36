//! The DreamFactory-style REST API generated from the catalog.
