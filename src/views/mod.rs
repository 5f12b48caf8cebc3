//! Server-side HTML (maud), in French. One module per family of pages.

pub mod account;
pub mod admin_pizzerias;
pub mod backups;
pub mod capacity;
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
pub mod ticket;
pub mod users;

/// A Unix time as people in the pizzerias read it: Paris time, in `format` (`%d/%m/%Y`).
pub fn paris_time(at: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&chrono_tz::Europe::Paris).format(format).to_string())
        .unwrap_or_default()
}
