//! The rules of the business, as pure functions: no I/O, unit-tested.

pub mod availability;
pub mod money;
