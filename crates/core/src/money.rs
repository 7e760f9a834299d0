//! Money: integer minor units and the currencies Tolem knows.
//!
//! There is no floating point anywhere near an amount. `1500000` in [`MinorUnits`] with
//! [`Currency::Kzt`] is 15 000 ₸ (1 ₸ = 100 tiyn).

use serde::{Deserialize, Serialize};

/// An amount in the currency's minor units (tiyn, kopeks, cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MinorUnits(pub i64);

/// The currencies Tolem can show and send. Codes are ISO 4217.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    /// Kazakhstani tenge, ₸.
    #[serde(rename = "KZT")]
    Kzt,
    /// Russian rouble, ₽.
    #[serde(rename = "RUB")]
    Rub,
    /// Uzbekistani som.
    #[serde(rename = "UZS")]
    Uzs,
    /// Kyrgyzstani som.
    #[serde(rename = "KGS")]
    Kgs,
    /// US dollar.
    #[serde(rename = "USD")]
    Usd,
    /// Euro.
    #[serde(rename = "EUR")]
    Eur,
}

impl Currency {
    /// Every currency, in the order the docs list them.
    pub const ALL: [Currency; 6] = [
        Currency::Kzt,
        Currency::Rub,
        Currency::Uzs,
        Currency::Kgs,
        Currency::Usd,
        Currency::Eur,
    ];

    /// The ISO 4217 alphabetic code, e.g. `"KZT"`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Kzt => "KZT",
            Currency::Rub => "RUB",
            Currency::Uzs => "UZS",
            Currency::Kgs => "KGS",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
        }
    }

    /// The ISO 4217 numeric code (RBS gateways want it, e.g. 398 for KZT).
    pub fn numeric(self) -> u16 {
        match self {
            Currency::Kzt => 398,
            Currency::Rub => 643,
            Currency::Uzs => 860,
            Currency::Kgs => 417,
            Currency::Usd => 840,
            Currency::Eur => 978,
        }
    }

    /// How many minor-unit digits the currency has (ISO 4217 exponent).
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Kzt
            | Currency::Rub
            | Currency::Uzs
            | Currency::Kgs
            | Currency::Usd
            | Currency::Eur => 2,
        }
    }

    /// Parses an alphabetic code, case-sensitively (`"KZT"`, not `"kzt"`).
    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Currency::ALL {
            assert_eq!(Currency::from_code(c.code()), Some(c));
        }
        assert_eq!(Currency::from_code("kzt"), None);
        assert_eq!(Currency::from_code("XXX"), None);
        assert_eq!(Currency::Kzt.numeric(), 398);
    }

    #[test]
    fn serde_uses_iso_codes() {
        let json = serde_json::to_string(&Currency::Kzt).unwrap_or_default();
        assert_eq!(json, "\"KZT\"");
        let back: Currency = serde_json::from_str("\"EUR\"").unwrap_or(Currency::Kzt);
        assert_eq!(back, Currency::Eur);
    }
}
