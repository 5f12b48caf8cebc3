//! Work the serving process does in the background: delivering the notification outbox,
//! and the periodic housekeeping.

pub mod housekeeping;
pub mod mail;
pub mod outbox;
pub mod sms;
