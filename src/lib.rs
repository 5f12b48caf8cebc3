//! OC Pizza: the appliance that runs a chain of pizzerias.
//!
//! `main.rs` parses the command line; everything else lives here so that the pieces can be
//! unit-tested: pure business rules in [`domain`], SQL in [`store`], HTTP in [`web`],
//! HTML in [`views`].

pub mod app;
pub mod assets;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod store;
pub mod views;
pub mod web;

pub use error::{Error, Result};
