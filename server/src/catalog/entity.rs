//! Building catalog tables from SeaORM entities (`EntityTrait` metadata).
