//! Server-side HTML (maud), in French. One module per family of pages.

pub mod account;
pub mod admin_pizzerias;
pub mod backups;
pub mod dashboard;
pub mod errors;
pub mod forms;
pub mod layout;
pub mod mail;
pub mod menu_admin;
pub mod ordering;
pub mod password;
pub mod payment;
pub mod phone;
pub mod public;
pub mod recipe;
pub mod screens;
pub mod stock;
pub mod users;
