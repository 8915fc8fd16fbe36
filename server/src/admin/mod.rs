//! The `system` service: admin session and services CRUD.
