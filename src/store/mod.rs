//! All SQL lives here, one module per aggregate. Each query is written once and runs on
//! both backends through [`crate::db_run!`].

pub mod menu;
pub mod pizzerias;
