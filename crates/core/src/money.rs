//! Money: integer minor units and the currencies Tolem knows.
//!
//! There is no floating point anywhere near an amount. `1500000` in [`MinorUnits`] with
//! [`Currency::Kzt`] is 15 000 ₸ (1 ₸ = 100 tiyn).

use serde::{Deserialize, Serialize};
pub use tolem_i18n::Locale;

/// An amount in the currency's minor units (tiyn, kopeks, cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MinorUnits(pub i64);

/// The currencies Tolem can show and send. Codes are ISO 4217.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::by_name(deserializer, Currency::from_code, "currency (ISO 4217, upper case)")
    }
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

impl Currency {
    /// Kopecks and tiyn are rarely written on prices here: `1 500 ₸`, not `1 500,00 ₸`.
    /// Dollar and euro amounts always show their cents: `$15.00`.
    fn always_shows_minor(self) -> bool {
        matches!(self, Currency::Usd | Currency::Eur)
    }

    /// The sign shoppers know, and whether `locale` writes it before the number
    /// (`$15.00`) or after it (`15,00 $`). Som and sum have no sign in common use (U+20C0
    /// is too new for most fonts), so they are written as their codes, as CLDR does.
    fn sign(self, locale: Locale) -> (&'static str, SignPlace) {
        let sign = match self {
            Currency::Kzt => "₸",
            Currency::Rub => "₽",
            Currency::Uzs => "UZS",
            Currency::Kgs => "KGS",
            Currency::Usd => "$",
            Currency::Eur => "€",
        };
        let place = match (locale, self) {
            (Locale::Kk | Locale::Ru, _) => SignPlace::AfterWithSpace,
            (Locale::En, Currency::Uzs | Currency::Kgs) => SignPlace::BeforeWithSpace,
            (Locale::En, _) => SignPlace::Before,
        };
        (sign, place)
    }
}

enum SignPlace {
    Before,
    BeforeWithSpace,
    AfterWithSpace,
}

/// An amount as a shopper reading `locale` expects it, from integer minor units only:
///
/// | | KZT | RUB | USD | UZS |
/// |---|---|---|---|---|
/// | kk, ru | `1 500 ₸` | `1 500,50 ₽` | `15,00 $` | `1 500 UZS` |
/// | en | `₸1,500` | `₽1,500.50` | `$15.00` | `UZS 1,500` |
///
/// Kazakh and Russian group digits with U+202F NARROW NO-BREAK SPACE and put the sign after
/// a U+00A0 NO-BREAK SPACE, so an amount never breaks across lines. (CLDR's Russian and
/// Kazakh data group with U+00A0; we follow the typographic convention for tenge.) English
/// follows CLDR's narrow symbols.
pub fn format_money(amount: MinorUnits, currency: Currency, locale: Locale) -> String {
    let (group, decimal) = match locale {
        Locale::Kk | Locale::Ru => ('\u{202f}', ','),
        Locale::En => (',', '.'),
    };
    let scale = 10u64.pow(currency.exponent());
    let abs = amount.0.unsigned_abs();
    let (major, minor) = (abs / scale, abs % scale);
    let digits = major.to_string();
    let mut number = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            number.push(group);
        }
        number.push(c);
    }
    if minor != 0 || currency.always_shows_minor() {
        number.push(decimal);
        let width = usize::try_from(currency.exponent()).unwrap_or(2);
        number.push_str(&format!("{minor:0width$}"));
    }
    let sign = if amount.0 < 0 { "-" } else { "" };
    match currency.sign(locale) {
        (s, SignPlace::Before) => format!("{sign}{s}{number}"),
        (s, SignPlace::BeforeWithSpace) => format!("{sign}{s}\u{a0}{number}"),
        (s, SignPlace::AfterWithSpace) => format!("{sign}{number}\u{a0}{s}"),
    }
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
    fn amounts_read_as_each_language_writes_them() {
        let (kk, ru, en) = (Locale::Kk, Locale::Ru, Locale::En);
        let m = |a: i64, c: Currency, l: Locale| format_money(MinorUnits(a), c, l);
        assert_eq!(m(150_000, Currency::Kzt, kk), "1\u{202f}500\u{a0}₸");
        assert_eq!(m(1_500_000, Currency::Kzt, ru), "15\u{202f}000\u{a0}₸");
        assert_eq!(m(150_050, Currency::Kzt, kk), "1\u{202f}500,50\u{a0}₸");
        assert_eq!(m(150_000, Currency::Kzt, en), "₸1,500");
        assert_eq!(m(12_345_678_901, Currency::Rub, ru), "123\u{202f}456\u{202f}789,01\u{a0}₽");
        assert_eq!(m(150_050, Currency::Rub, en), "₽1,500.50");
        assert_eq!(m(150_000, Currency::Uzs, ru), "1\u{202f}500\u{a0}UZS");
        assert_eq!(m(150_000, Currency::Uzs, en), "UZS\u{a0}1,500");
        assert_eq!(m(99_900, Currency::Kgs, kk), "999\u{a0}KGS");
        assert_eq!(m(99_950, Currency::Kgs, en), "KGS\u{a0}999.50");
        assert_eq!(m(1_500, Currency::Usd, en), "$15.00");
        assert_eq!(m(1_500, Currency::Usd, ru), "15,00\u{a0}$");
        assert_eq!(m(123_456, Currency::Eur, en), "€1,234.56");
        assert_eq!(m(123_400, Currency::Eur, kk), "1\u{202f}234,00\u{a0}€");
        assert_eq!(m(5, Currency::Kzt, kk), "0,05\u{a0}₸");
        assert_eq!(m(-250, Currency::Usd, en), "-$2.50");
        assert_eq!(m(-250, Currency::Rub, ru), "-2,50\u{a0}₽");
        assert!(m(i64::MIN, Currency::Kzt, kk).starts_with("-92\u{202f}233"));
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
