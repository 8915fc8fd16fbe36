//! Live discovery of a database's tables with sea-schema.
