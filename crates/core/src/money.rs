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
    pub const ALL: [Currency; 6] =
        [Currency::Kzt, Currency::Rub, Currency::Uzs, Currency::Kgs, Currency::Usd, Currency::Eur];

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
            Currency::Kzt | Currency::Rub | Currency::Uzs | Currency::Kgs | Currency::Usd | Currency::Eur => 2,
        }
    }

    /// Parses an alphabetic code, case-sensitively (`"KZT"`, not `"kzt"`).
    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// How a locale writes numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberStyle {
    /// Between groups of three digits (`U+202F` narrow no-break space for kk and ru).
    pub group: char,
    /// Before the minor digits.
    pub decimal: char,
}

impl Currency {
    /// The symbol shoppers expect (`₸`, `₽`), or the code where there is no common symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Kzt => "₸",
            Currency::Rub => "₽",
            Currency::Uzs => "soʻm",
            Currency::Kgs => "сом",
            Currency::Usd => "$",
            Currency::Eur => "€",
        }
    }
}

/// `1 500 ₸`: grouped major units, minor digits only when not zero, symbol after a no-break
/// space. Integer arithmetic only.
pub fn format_amount(amount: MinorUnits, currency: Currency, style: NumberStyle) -> String {
    let scale = 10i64.pow(currency.exponent());
    let negative = amount.0 < 0;
    let abs = amount.0.unsigned_abs();
    let scale_u = scale.unsigned_abs();
    let (major, minor) = (abs / scale_u, abs % scale_u);
    let digits = major.to_string();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(style.group);
        }
        out.push(c);
    }
    if minor != 0 {
        out.push(style.decimal);
        let width = usize::try_from(currency.exponent()).unwrap_or(2);
        out.push_str(&format!("{minor:0width$}"));
    }
    out.push('\u{a0}');
    out.push_str(currency.symbol());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_format_without_floats() {
        let kk = NumberStyle { group: '\u{202f}', decimal: ',' };
        assert_eq!(format_amount(MinorUnits(150_000), Currency::Kzt, kk), "1\u{202f}500\u{a0}₸");
        assert_eq!(format_amount(MinorUnits(1_500_000), Currency::Kzt, kk), "15\u{202f}000\u{a0}₸");
        assert_eq!(format_amount(MinorUnits(12_345_678_901), Currency::Rub, kk), "123\u{202f}456\u{202f}789,01\u{a0}₽");
        assert_eq!(format_amount(MinorUnits(5), Currency::Kzt, kk), "0,05\u{a0}₸");
        assert_eq!(
            format_amount(MinorUnits(-250), Currency::Usd, NumberStyle { group: ',', decimal: '.' }),
            "-2.50\u{a0}$"
        );
        assert!(format_amount(MinorUnits(i64::MIN), Currency::Kzt, kk).starts_with("-92\u{202f}233"));
    }

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
