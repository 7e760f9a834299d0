//! Reading and checking the message catalogues (`locales/*.txt`).
//!
//! Shared by `build.rs`, which turns the catalogues into Rust tables, and by the tests, which
//! fail when a catalogue is incomplete. No dependencies, so the build script stays cheap.
//!
//! A catalogue is UTF-8 text, one message per line:
//!
//! ```text
//! # a comment
//! choose_method = Выберите способ оплаты
//! pay = Оплатить {amount}
//! elapsed_seconds.one = {n} секунду
//! elapsed_seconds.few = {n} секунды
//! elapsed_seconds.many = {n} секунд
//! ```
//!
//! A key is lower-case ASCII letters, digits and `_`. A counted message has one line per
//! CLDR plural category the language uses for whole numbers (`.one`, `.few`, `.many`,
//! `.other`). `{name}` is a placeholder; every language must use the same placeholders.

use std::collections::{BTreeMap, BTreeSet};

/// The languages, in table order. The first is the reference for the key order.
pub const LOCALES: [&str; 3] = ["en", "kk", "ru"];

/// CLDR plural categories, in table order.
pub const CATEGORIES: [&str; 4] = ["one", "few", "many", "other"];

/// The plural categories a language uses for whole numbers (CLDR `pluralRules`, integers).
pub fn categories_for(locale: &str) -> &'static [&'static str] {
    match locale {
        "ru" => &["one", "few", "many"],
        _ => &["one", "other"],
    }
}

/// One message: plain text, or one text per plural category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// `key = text`.
    Plain(String),
    /// `key.one = …`, `key.other = …`.
    Counted(BTreeMap<String, String>),
}

/// A parsed catalogue: messages by key, and the problems met while reading it.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    /// Messages by key.
    pub messages: BTreeMap<String, Message>,
    /// Lines that could not be read, duplicates, mixed plain and counted keys.
    pub problems: Vec<String>,
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reads one catalogue. `name` labels the problems (`kk.txt:12: …`).
pub fn parse(name: &str, text: &str) -> Catalogue {
    let mut cat = Catalogue::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{name}:{}", n + 1);
        let Some((key, value)) = line.split_once('=') else {
            cat.problems.push(format!("{at}: expected `key = text`"));
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if value.is_empty() {
            cat.problems.push(format!("{at}: `{key}` has no text"));
            continue;
        }
        let (base, category) = match key.split_once('.') {
            Some((b, c)) => (b, Some(c)),
            None => (key, None),
        };
        if !valid_key(base) {
            cat.problems.push(format!("{at}: `{key}` is not a valid key"));
            continue;
        }
        match (category, cat.messages.get_mut(base)) {
            (None, None) => {
                cat.messages.insert(base.to_owned(), Message::Plain(value.to_owned()));
            }
            (Some(c), None) if CATEGORIES.contains(&c) => {
                let forms = BTreeMap::from([(c.to_owned(), value.to_owned())]);
                cat.messages.insert(base.to_owned(), Message::Counted(forms));
            }
            (Some(c), Some(Message::Counted(forms))) if CATEGORIES.contains(&c) => {
                if forms.insert(c.to_owned(), value.to_owned()).is_some() {
                    cat.problems.push(format!("{at}: `{key}` appears twice"));
                }
            }
            (Some(c), _) if !CATEGORIES.contains(&c) => {
                cat.problems.push(format!("{at}: `{c}` is not a plural category (one, few, many, other)"));
            }
            _ => cat.problems.push(format!("{at}: `{base}` appears twice, or both plain and counted")),
        }
    }
    cat
}

/// The `{name}` placeholders of a text, sorted.
pub fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                found.insert(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

fn message_placeholders(m: &Message) -> BTreeSet<String> {
    match m {
        Message::Plain(t) => placeholders(t),
        Message::Counted(forms) => forms.values().flat_map(|t| placeholders(t)).collect(),
    }
}

/// Everything wrong with a set of catalogues, `(locale, catalogue)` in [`LOCALES`] order:
/// reading problems, keys missing from a language or only in some, plural categories
/// missing or unused for a language, and placeholders that differ between languages.
pub fn problems(catalogues: &[(&str, &Catalogue)]) -> Vec<String> {
    let mut out: Vec<String> = catalogues.iter().flat_map(|(_, c)| c.problems.iter().cloned()).collect();
    let all_keys: BTreeSet<&String> = catalogues.iter().flat_map(|(_, c)| c.messages.keys()).collect();
    for key in all_keys {
        let mut shapes = BTreeSet::new();
        let mut holes = BTreeSet::new();
        for (locale, cat) in catalogues {
            let Some(message) = cat.messages.get(key.as_str()) else {
                out.push(format!("{locale}: `{key}` is missing"));
                continue;
            };
            holes.insert(message_placeholders(message));
            match message {
                Message::Plain(_) => {
                    shapes.insert("plain");
                }
                Message::Counted(forms) => {
                    shapes.insert("counted");
                    let wanted = categories_for(locale);
                    for c in wanted {
                        if !forms.contains_key(*c) {
                            out.push(format!("{locale}: `{key}.{c}` is missing"));
                        }
                    }
                    for c in forms.keys() {
                        if !wanted.contains(&c.as_str()) {
                            out.push(format!("{locale}: `{key}.{c}` is never used by {locale}'s plural rules"));
                        }
                    }
                }
            }
        }
        if shapes.len() > 1 {
            out.push(format!("`{key}` is plain in one language and counted in another"));
        }
        if holes.len() > 1 {
            out.push(format!("`{key}` has different placeholders in different languages: {holes:?}"));
        }
    }
    out
}

/// `loading_methods` → `LoadingMethods`.
pub fn variant_name(key: &str) -> String {
    key.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next().map(|c| c.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
        })
        .collect()
}
