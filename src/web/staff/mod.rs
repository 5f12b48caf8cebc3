//! The staff's live screens (counter, kitchen, delivery), what they share, and the order taken by phone or at the counter.

pub mod counter;
pub mod delivery;
pub mod entry;
pub mod kitchen;
pub mod phone;
pub mod screens;
