//! The public site and the customer's pages: the menu, signing in, the account, the cart, the checkout, an order's page and its payment.

pub mod account;
pub mod cart;
pub mod checkout;
pub mod orders;
pub mod password;
pub mod pay;
pub mod public;
pub mod session;
