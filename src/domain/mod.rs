//! The rules of the business, as pure functions with their unit tests: no I/O here.

pub mod availability;
pub mod fields;
pub mod money;
pub mod password;
pub mod roles;
pub mod throttle;
