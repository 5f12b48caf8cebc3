//! A pizzeria's management: its dashboard, stock, menu and accounts (admins too).

pub mod capacity;
pub mod dashboard;
pub mod menu_admin;
pub mod stock;
pub mod users;
