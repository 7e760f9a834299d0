//! `tolem_bg.wasm`: the widget (the `tolem` crate) without its browser-direct modes; what the
//! loader fetches unless the page's options need `tolem_direct_bg.wasm` (crates/direct).
pub use tolem::*;
