//! The rules of the business, as pure functions with their unit tests: no I/O here.

pub mod availability;
pub mod backups;
pub mod capacity;
pub mod capacity_form;
pub mod composition;
pub mod dashboard;
pub mod fields;
pub mod intake;
pub mod limits;
pub mod menu;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod password;
pub mod payments;
pub mod pizzerias;
pub mod planning;
pub mod pricing;
pub mod requote;
pub mod roles;
pub mod rush;
pub mod slots;
pub mod stock;
pub mod throttle;
pub mod workflow;
