//! The group's administration: pizzerias, stock across pizzerias, backups.

pub mod backups;
pub mod pizzerias;
pub mod stock;
