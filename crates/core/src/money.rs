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

/// The amount as a decimal in major units, for providers that want major units (Paytone):
/// `150050` tiyn → `"1500.5"`, `150000` → `"1500"`, `5` → `"0.05"`. Integer arithmetic only;
/// trailing zeros of the fraction are dropped.
pub fn major_decimal(amount: MinorUnits, currency: Currency) -> String {
    let width = usize::try_from(currency.exponent()).unwrap_or(2);
    let scale = 10u64.pow(currency.exponent());
    let abs = amount.0.unsigned_abs();
    let sign = if amount.0 < 0 { "-" } else { "" };
    let (major, minor) = (abs / scale, abs % scale);
    if minor == 0 {
        return format!("{sign}{major}");
    }
    let fraction = format!("{minor:0width$}");
    format!("{sign}{major}.{}", fraction.trim_end_matches('0'))
}

/// Reads a provider's major-unit decimal (`"1500.5"`, `"300.00"`, `"4"`) back into minor
/// units. `None` for signs, exponents, empty parts, overflow, or more non-zero fraction digits
/// than the currency has (an amount no card can be charged).
pub fn minor_from_major(text: &str, currency: Currency) -> Option<MinorUnits> {
    let exponent = usize::try_from(currency.exponent()).ok()?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || (text.contains('.') && fraction.is_empty()) {
        return None;
    }
    let significant = fraction.trim_end_matches('0');
    if significant.len() > exponent {
        return None;
    }
    let minor_text = format!("{significant:0<exponent$}");
    let major: i64 = whole.parse().ok()?;
    let minor: i64 = if exponent == 0 { 0 } else { minor_text.parse().ok()? };
    major.checked_mul(10i64.checked_pow(currency.exponent())?)?.checked_add(minor).map(MinorUnits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_units_convert_both_ways_without_floats() {
        for (minor, text) in
            [(150_050, "1500.5"), (150_000, "1500"), (5, "0.05"), (1, "0.01"), (99, "0.99"), (10, "0.1")]
        {
            assert_eq!(major_decimal(MinorUnits(minor), Currency::Kzt), text);
            assert_eq!(minor_from_major(text, Currency::Kzt), Some(MinorUnits(minor)), "{text}");
        }
        assert_eq!(major_decimal(MinorUnits(100_000_000_000), Currency::Kzt), "1000000000");
        assert_eq!(minor_from_major("300.00", Currency::Kzt), Some(MinorUnits(30_000)));
        assert_eq!(minor_from_major("0.29", Currency::Usd), Some(MinorUnits(29)), "0.29 is not 28.999…");
        for bad in ["", ".5", "5.", "-1", "+1", "1e3", "1.005", "1,5", "NaN", "99999999999999999999"] {
            assert_eq!(minor_from_major(bad, Currency::Kzt), None, "{bad}");
        }
        // Every amount up to a million tenge survives the trip through an f64 JSON number.
        for minor in (0..100_000_000_i64).step_by(9_973) {
            let text = major_decimal(MinorUnits(minor), Currency::Kzt);
            let as_float: f64 = text.parse().unwrap_or(f64::NAN);
            assert_eq!(minor_from_major(&as_float.to_string(), Currency::Kzt), Some(MinorUnits(minor)));
        }
    }

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
