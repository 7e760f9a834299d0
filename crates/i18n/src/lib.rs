//! `tolem-i18n`: every text a shopper reads, in Kazakh, Russian and English.
//!
//! The texts live in plain catalogues, `locales/<lang>/<domain>.txt`, one per language and
//! domain: `widget` (the checkout) and `hosted` (the sandbox's hosted payment pages). The
//! build turns each domain into a `Msg` enum, so code names a message (`widget::Msg::Pay`)
//! and cannot misspell a key; the tests (`tests/catalogues.rs`) fail when a language lacks a
//! key, has one nobody uses, misses a plural form or changes a placeholder.
//!
//! Kazakh first: a Kazakh text that is missing falls back to Russian, then English.
#![deny(missing_docs)]

pub mod catalogue;

/// `text` and `count` for a generated `Msg`.
macro_rules! lookup {
    () => {
        impl Msg {
            /// The text in `locale` (plain messages; a counted one gives its `other`/`many` form).
            pub fn text(self, locale: $crate::Locale) -> &'static str {
                self.count(locale, 5)
            }

            /// The form for `n` in `locale` (counted messages; a plain one gives its text).
            pub fn count(self, locale: $crate::Locale, n: u64) -> &'static str {
                let index = self as usize;
                for l in locale.fallbacks() {
                    let text = if index < Msg::PLAIN {
                        PLAIN[l.table()][index]
                    } else {
                        let forms = COUNTED[l.table()][index - Msg::PLAIN];
                        let wanted = forms[l.plural(n) as usize];
                        if wanted.is_empty() {
                            forms[$crate::Plural::Other as usize]
                        } else {
                            wanted
                        }
                    };
                    if !text.is_empty() {
                        return text;
                    }
                }
                ""
            }

            /// The catalogue key, e.g. `"loading_methods"`.
            pub fn key(self) -> &'static str {
                KEYS[self as usize]
            }
        }
    };
}

/// The checkout's messages (`locales/*/widget.txt`).
pub mod widget {
    include!(concat!(env!("OUT_DIR"), "/widget.rs"));
    lookup!();
}

/// The sandbox's hosted payment pages' messages (`locales/*/hosted.txt`).
pub mod hosted {
    include!(concat!(env!("OUT_DIR"), "/hosted.rs"));
    lookup!();
}

/// The languages Tolem speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Қазақша.
    Kk,
    /// Русский.
    Ru,
    /// English.
    En,
}

/// CLDR plural categories (the ones Kazakh, Russian and English use for whole numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    /// 1 (ru: 1, 21, 31, …).
    One = 0,
    /// ru: 2–4, 22–24, …
    Few = 1,
    /// ru: 0, 5–20, 25–30, …
    Many = 2,
    /// Everything else (kk, en: all but 1).
    Other = 3,
}

impl Locale {
    /// Every locale.
    pub const ALL: [Locale; 3] = [Locale::Kk, Locale::Ru, Locale::En];

    /// From a BCP 47 tag (`kk`, `kk-KZ`, `ru_RU`, `EN-gb`); `None` for other languages.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "kk" => Some(Locale::Kk),
            "ru" => Some(Locale::Ru),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The tag for `lang` attributes: `kk`, `ru`, `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Kk => "kk",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    /// The language the widget speaks: the merchant's option, else the page's `<html lang>`,
    /// else the first of the browser's languages Tolem knows, else Russian (the language
    /// every shopper in the region reads). `Err` names an option Tolem does not speak.
    ///
    /// # Errors
    /// The option is set to a language other than kk, ru or en.
    pub fn negotiate<'a>(
        option: Option<&str>,
        html_lang: Option<&str>,
        browser: impl IntoIterator<Item = &'a str>,
    ) -> Result<Locale, String> {
        if let Some(o) = option {
            return Locale::from_tag(o).ok_or_else(|| format!("unsupported locale {o:?} (kk, ru, en)"));
        }
        Ok(html_lang
            .and_then(Locale::from_tag)
            .or_else(|| browser.into_iter().find_map(Locale::from_tag))
            .unwrap_or(Locale::Ru))
    }

    /// The best language of an `Accept-Language` header (`kk-KZ,ru;q=0.9,en;q=0.8`), by
    /// quality, first wins among equals; `None` when it names none Tolem speaks.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(u16, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(locale) = pieces.next().and_then(Locale::from_tag) else { continue };
            let quality = pieces.filter_map(|p| p.trim().strip_prefix("q=")).map(thousandths).next().unwrap_or(1000);
            if quality > 0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The CLDR plural category of a whole number in this language.
    pub fn plural(self, n: u64) -> Plural {
        match self {
            Locale::Ru => {
                let (ten, hundred) = (n % 10, n % 100);
                if ten == 1 && hundred != 11 {
                    Plural::One
                } else if (2..=4).contains(&ten) && !(12..=14).contains(&hundred) {
                    Plural::Few
                } else {
                    Plural::Many
                }
            }
            Locale::Kk | Locale::En => {
                if n == 1 {
                    Plural::One
                } else {
                    Plural::Other
                }
            }
        }
    }

    /// Where a missing text is looked for next: Kazakh → Russian → English.
    fn fallbacks(self) -> &'static [Locale] {
        match self {
            Locale::Kk => &[Locale::Kk, Locale::Ru, Locale::En],
            Locale::Ru => &[Locale::Ru, Locale::En],
            Locale::En => &[Locale::En],
        }
    }

    /// Row in the generated tables (`catalogue::LOCALES` order: en, kk, ru).
    fn table(self) -> usize {
        match self {
            Locale::En => 0,
            Locale::Kk => 1,
            Locale::Ru => 2,
        }
    }
}

/// `q=0.8` → 800; anything unreadable → 0 (ignored).
fn thousandths(q: &str) -> u16 {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    let digits: String = fraction.chars().take(3).collect();
    match (whole, format!("{digits:0<3}").parse::<u16>()) {
        ("1", _) => 1000,
        ("0", Ok(f)) if digits.bytes().all(|b| b.is_ascii_digit()) => f,
        _ => 0,
    }
}

/// Replaces each `{name}` in `template` with its value. Unknown placeholders stay as they
/// are, so a mistake shows instead of vanishing.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        match values.iter().find(|(k, _)| *k == &after[..end]) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[start..start + end + 2]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_rules_follow_cldr() {
        let ru: Vec<Plural> =
            [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112, 1001].map(|n| Locale::Ru.plural(n)).to_vec();
        use Plural::*;
        assert_eq!(ru, [Many, One, Few, Few, Many, Many, Many, Many, One, Few, Many, One, Many, Many, One]);
        for l in [Locale::Kk, Locale::En] {
            assert_eq!([0, 1, 2, 5, 21].map(|n| l.plural(n)), [Other, One, Other, Other, Other]);
        }
    }

    #[test]
    fn negotiation_prefers_the_option_then_the_page_then_the_browser_then_russian() {
        assert_eq!(Locale::negotiate(Some("kk"), Some("en"), ["ru"]), Ok(Locale::Kk));
        assert!(Locale::negotiate(Some("de"), Some("en"), ["ru"]).is_err_and(|e| e.contains("\"de\"")));
        assert_eq!(Locale::negotiate(None, Some("en-GB"), ["kk"]), Ok(Locale::En));
        assert_eq!(Locale::negotiate(None, Some("de"), ["fr-FR", "kk-KZ", "en"]), Ok(Locale::Kk));
        assert_eq!(Locale::negotiate(None, None, ["de", "fr"]), Ok(Locale::Ru));
        assert_eq!(Locale::negotiate(None, Some(""), []), Ok(Locale::Ru));
        assert_eq!(Locale::from_tag("KK_kz"), Some(Locale::Kk));
        assert_eq!(Locale::from_tag("kaz"), None);
    }

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(Locale::from_accept_language("kk-KZ,ru;q=0.9,en;q=0.8"), Some(Locale::Kk));
        assert_eq!(Locale::from_accept_language("de-DE,en;q=0.5,ru;q=0.7"), Some(Locale::Ru));
        assert_eq!(Locale::from_accept_language("en;q=0.3, kk;q=0.30"), Some(Locale::En), "first among equals");
        assert_eq!(Locale::from_accept_language("kk;q=0,de"), None, "q=0 means not this");
        assert_eq!(Locale::from_accept_language("ru;q=abc"), None);
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn fill_replaces_known_placeholders_only() {
        assert_eq!(fill("Pay {amount} to {shop}", &[("amount", "1 500 ₸"), ("shop", "Demo")]), "Pay 1 500 ₸ to Demo");
        assert_eq!(fill("{x} and {y", &[("x", "1")]), "1 and {y");
        assert_eq!(fill("{unknown}", &[]), "{unknown}");
        assert_eq!(fill("ёж {n}", &[("n", "3")]), "ёж 3");
    }

    #[test]
    fn a_missing_kazakh_text_falls_back_to_russian_then_english() {
        assert_eq!(Locale::Kk.fallbacks(), [Locale::Kk, Locale::Ru, Locale::En]);
        for m in widget::Msg::ALL {
            for l in Locale::ALL {
                assert!(!m.text(l).is_empty(), "{} in {l:?}", m.key());
            }
        }
    }
}
