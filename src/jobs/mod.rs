//! Work the serving process does in the background: delivering the notification outbox,
//! the managers' stock alerts, the nightly backup, and the periodic housekeeping.

pub mod backups;
pub mod housekeeping;
pub mod mail;
pub mod outbox;
pub mod payments;
pub mod sms;
pub mod stock_alerts;
