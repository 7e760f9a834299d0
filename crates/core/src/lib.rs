//! `tolem-core`: the pure heart of Tolem.
//!
//! Everything here is plain data and functions: no sockets, no timers, no clock, no browser.
//! Time and randomness come in as inputs, so the checkout flow, the poll policy and every
//! provider adapter are tested natively in milliseconds and behave the same in the widget
//! (wasm32) and in the merchant backend (native).
//!
//! * [`flow`]: the checkout state machine, `step(flow, event) -> (flow, effects)`.
//! * [`status`]: the one [`status::PaymentStatus`] model every provider maps into.
//! * [`poll`]: when to ask for the status again, and when to stop asking.
//! * [`journal`]: the record written before the shopper leaves for the provider.
//! * [`redirect`]: which URLs the widget may send a shopper to.
//! * [`api`]: the merchant backend's HTTP contract, shared by widget and backend.
//! * [`providers`]: one adapter per provider (requests built, answers parsed, signatures checked).
//! * [`notify`]: the notifications the backend sends the shop, their signature and retries.
#![deny(missing_docs)]

pub mod api;
pub mod error;
pub mod flow;
pub mod http;
pub mod journal;
pub mod money;
pub mod notify;
pub mod options;
pub mod poll;
pub mod providers;
pub mod pyjson;
pub mod ratelimit;
pub mod redirect;
pub mod signature;
pub mod status;
pub mod tabs;
pub mod time;
pub mod wire;
