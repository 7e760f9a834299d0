//! Shopper-facing text. The words live in `crates/i18n/locales/<lang>/widget.txt` (one
//! catalogue per language, checked by `crates/i18n/tests/catalogues.rs`); this module adds
//! what the widget composes from them: money, durations, provider names.

use tolem_core::money::{format_money, Currency, MinorUnits};
use tolem_core::providers::Provider;
pub use tolem_i18n::widget::Msg;
pub use tolem_i18n::{fill, Locale};

/// A message in `locale`.
pub fn t(locale: Locale, msg: Msg) -> &'static str {
    msg.text(locale)
}

/// A message with its `{name}` placeholders filled in.
pub fn tf(locale: Locale, msg: Msg, values: &[(&str, &str)]) -> String {
    fill(msg.text(locale), values)
}

/// A counted message for `n` (`5 секунд`, `1 minute`).
pub fn counted(locale: Locale, msg: Msg, n: u64) -> String {
    fill(msg.count(locale, n), &[("n", &n.to_string())])
}

/// An amount as this locale writes it (`1 500 ₸`, `₸1,500`).
pub fn money(locale: Locale, amount: MinorUnits, currency: Currency) -> String {
    format_money(amount, currency, locale)
}

/// How long the shopper has waited: seconds under a minute, then whole minutes.
pub fn elapsed(locale: Locale, ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds < 60 {
        counted(locale, Msg::ElapsedSeconds, seconds)
    } else {
        counted(locale, Msg::ElapsedMinutes, seconds / 60)
    }
}

/// The polling budget in whole minutes (at least one).
pub fn budget(locale: Locale, ms: u64) -> String {
    counted(locale, Msg::BudgetMinutes, (ms / 60_000).max(1))
}

/// The provider's name as the provider spells it.
pub fn provider_name(p: Provider) -> &'static str {
    match p {
        Provider::Ioka => "ioka",
        Provider::Bereke => "Bereke Bank",
        Provider::Ecommpay => "ECommPay",
        Provider::Paytone => "Paytone",
        Provider::Oneentry => "OneEntry",
    }
}
