//! All SQL lives here, one module per aggregate. Each query is written once and runs on
//! both backends through [`crate::db_run!`].

pub mod addresses;
pub mod api_tokens;
pub mod app_secrets;
pub mod backup_runs;
pub mod capacity;
pub mod carts;
pub mod catalogue;
pub mod composition;
pub mod dashboard;
pub mod dump;
pub mod gauges;
pub mod login_throttle;
pub mod menu;
pub mod menu_admin;
pub mod menu_cache;
pub mod order_moves;
pub mod order_writes;
pub mod orders;
pub mod outbox;
pub mod password_resets;
pub mod payment_rules;
pub mod payments;
pub mod pizzerias;
pub mod rate_limits;
pub mod requote;
pub mod rush;
pub mod screens;
pub mod sessions;
pub mod stock;
pub mod stock_alerts;
pub mod stock_sql;
pub mod users;
