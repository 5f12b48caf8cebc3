//! OC Pizza: the appliance that runs a chain of pizzerias.
//!
//! `main.rs` parses the command line; everything else lives here so that the pieces can be
//! unit-tested: pure business rules in [`domain`], SQL in [`store`], HTTP in [`web`],
//! HTML in [`views`].

pub mod accounts;
pub mod app;
pub mod assets;
pub mod backup;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
#[cfg(test)]
mod layers;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod payments;
pub mod reporting;
pub mod store;
pub mod supervisor;
pub mod tls;
pub mod views;
pub mod web;

pub use error::{Error, Result};

/// Now, in UTC epoch seconds: how the database stores time on both backends.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
