//! The catalogues are complete: every key in every language, every plural form each
//! language's rules need, the same placeholders everywhere, and no key that no code uses.
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

use tolem_i18n::catalogue::{parse, problems, variant_name, Catalogue, LOCALES};
use tolem_i18n::{hosted, widget, Locale};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(domain: &str) -> Vec<(&'static str, Catalogue)> {
    LOCALES
        .iter()
        .map(|l| {
            let path = crate_dir().join(format!("locales/{l}/{domain}.txt"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (*l, parse(&format!("{l}/{domain}.txt"), &text))
        })
        .collect()
}

fn check(domain: &str) -> Vec<String> {
    let cats = read(domain);
    let refs: Vec<(&str, &Catalogue)> = cats.iter().map(|(l, c)| (*l, c)).collect();
    problems(&refs)
}

#[test]
fn every_language_has_every_widget_and_hosted_message() {
    for domain in ["widget", "hosted"] {
        let found = check(domain);
        assert!(found.is_empty(), "{domain} catalogues:\n{}", found.join("\n"));
    }
}

#[test]
fn the_checks_catch_what_they_promise() {
    let en = parse("en", "a = A {x}\nn.one = {n} thing\nn.other = {n} things\nonly_en = here");
    let ru =
        parse("ru", "a = А {y}\nn.one = {n} вещь\nn.few = {n} вещи\nn.other = {n} вещей\nbad line\nonly_ru.one = x");
    let kk = parse("kk", "a = {x} A\na = again\nn = {n} зат");
    let found = problems(&[("en", &en), ("kk", &kk), ("ru", &ru)]).join("\n");
    for expected in [
        "ru:5: expected `key = text`",
        "`a` appears twice",
        "kk: `only_en` is missing",
        "ru: `only_en` is missing",
        "en: `only_ru` is missing",
        "ru: `n.many` is missing",
        "ru: `n.other` is never used",
        "`n` is plain in one language and counted in another",
        "`a` has different placeholders",
    ] {
        assert!(found.contains(expected), "{expected:?} not reported in:\n{found}");
    }
}

/// Every Rust file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn unused(keys: &[&str], source_dirs: &[PathBuf]) -> Vec<String> {
    let mut files = Vec::new();
    for d in source_dirs {
        rust_files(d, &mut files);
    }
    assert!(!files.is_empty(), "no sources found under {source_dirs:?}");
    let code: String = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect();
    keys.iter().filter(|k| !code.contains(&format!("Msg::{}", variant_name(k)))).map(|k| (*k).to_owned()).collect()
}

#[test]
fn every_widget_message_is_used_by_the_widget() {
    let root = crate_dir().join("../..");
    let found = unused(&widget::KEYS, &[root.join("src")]);
    assert!(found.is_empty(), "widget messages no code shows: {found:?}");
}

#[test]
fn every_hosted_message_is_used_by_the_sandbox() {
    let found = unused(&hosted::KEYS, &[crate_dir().join("../sandbox/src")]);
    assert!(found.is_empty(), "hosted-page messages no page shows: {found:?}");
}

#[test]
fn counted_messages_pick_the_right_form() {
    use widget::Msg::ElapsedSeconds;
    let ru: Vec<String> = [1, 2, 5, 11, 21, 22]
        .map(|n| tolem_i18n::fill(ElapsedSeconds.count(Locale::Ru, n), &[("n", &n.to_string())]))
        .to_vec();
    let nbsp = |forms: [&str; 6]| forms.map(|f| f.replace(' ', "\u{a0}")).to_vec();
    assert_eq!(ru, nbsp(["1 секунду", "2 секунды", "5 секунд", "11 секунд", "21 секунду", "22 секунды"]));
    assert_eq!(ElapsedSeconds.count(Locale::En, 1), "{n}\u{a0}second");
    assert_eq!(ElapsedSeconds.count(Locale::En, 3), "{n}\u{a0}seconds");
    assert_eq!(ElapsedSeconds.count(Locale::Kk, 3), "{n}\u{a0}секунд");
}
