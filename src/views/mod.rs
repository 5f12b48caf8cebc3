//! Server-side HTML (maud), in French. One module per family of pages.

pub mod errors;
pub mod layout;
pub mod public;
