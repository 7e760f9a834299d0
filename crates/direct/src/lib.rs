//! `tolem_direct_bg.wasm`: the widget (the `tolem` crate) with the `browser-direct` feature,
//! for pages that use ioka token mode or OneEntry's sign-in or direct mode.
pub use tolem::*;
