//! Turns `locales/<lang>/<domain>.txt` into Rust: one `Msg` enum per domain (`widget`,
//! `hosted`) and its text tables. Checking the catalogues is the tests' job
//! (`tests/catalogues.rs`): a missing text here becomes an empty slot that the lookup
//! skips in favour of the fallback language.

use std::fmt::Write as _;
use std::path::Path;

#[path = "src/catalogue.rs"]
#[allow(dead_code)]
mod catalogue;

use catalogue::{parse, variant_name, Catalogue, Message, CATEGORIES, LOCALES};

const DOMAINS: [&str; 2] = ["widget", "hosted"];

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

fn generate(domain: &str, catalogues: &[Catalogue]) -> String {
    // Plain messages first, then counted ones, each in key order; the English catalogue
    // decides which a key is (any other language when English lacks it).
    let mut plain = Vec::new();
    let mut counted = Vec::new();
    let mut keys: Vec<&String> = catalogues.iter().flat_map(|c| c.messages.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let first = catalogues.iter().find_map(|c| c.messages.get(key.as_str()));
        match first {
            Some(Message::Counted(_)) => counted.push(key.clone()),
            _ => plain.push(key.clone()),
        }
    }
    let english = |key: &str| match catalogues[0].messages.get(key) {
        Some(Message::Plain(t)) => t.clone(),
        Some(Message::Counted(f)) => f.get("other").or_else(|| f.values().next()).cloned().unwrap_or_default(),
        None => String::new(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Every `{domain}` message (generated from `locales/*/{domain}.txt`; the doc is the English text)."
    );
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum Msg {\n");
    for key in plain.iter().chain(&counted) {
        let _ = writeln!(out, "    /// `{key}`: {}\n    {},", english(key).replace('`', "'"), variant_name(key));
    }
    out.push_str("}\n\n");
    let all: Vec<String> = plain.iter().chain(&counted).map(|k| format!("Msg::{}", variant_name(k))).collect();
    let _ = writeln!(
        out,
        "impl Msg {{\n    /// Every message, in table order.\n    pub const ALL: [Msg; {n}] = [{all}];\n    /// Messages before this index are plain; the rest are counted.\n    pub(crate) const PLAIN: usize = {p};\n}}\n",
        n = all.len(),
        all = all.join(", "),
        p = plain.len(),
    );
    let keys: Vec<String> = plain.iter().chain(&counted).map(|k| rust_str(k)).collect();
    let _ = writeln!(
        out,
        "/// The catalogue key of each message, in table order.\npub const KEYS: [&str; {}] = [{}];\n",
        keys.len(),
        keys.join(", ")
    );
    let _ = writeln!(
        out,
        "/// Plain texts by language ({}) and message; \"\" where a catalogue lacks one.",
        LOCALES.join(", ")
    );
    let _ = writeln!(out, "pub(crate) static PLAIN: [[&str; {}]; {}] = [", plain.len(), LOCALES.len());
    for cat in catalogues {
        let row: Vec<String> = plain
            .iter()
            .map(|k| match cat.messages.get(k.as_str()) {
                Some(Message::Plain(t)) => rust_str(t),
                _ => "\"\"".into(),
            })
            .collect();
        let _ = writeln!(out, "    [{}],", row.join(", "));
    }
    out.push_str("];\n\n");
    let _ = writeln!(out, "/// Counted texts by language, message and plural category ({}).", CATEGORIES.join(", "));
    let _ = writeln!(out, "pub(crate) static COUNTED: [[[&str; 4]; {}]; {}] = [", counted.len(), LOCALES.len());
    for cat in catalogues {
        let row: Vec<String> = counted
            .iter()
            .map(|k| {
                let forms: Vec<String> = CATEGORIES
                    .iter()
                    .map(|c| match cat.messages.get(k.as_str()) {
                        Some(Message::Counted(f)) => f.get(*c).map(|t| rust_str(t)).unwrap_or_else(|| "\"\"".into()),
                        _ => "\"\"".into(),
                    })
                    .collect();
                format!("[{}]", forms.join(", "))
            })
            .collect();
        let _ = writeln!(out, "    [{}],", row.join(", "));
    }
    out.push_str("];\n");
    out
}

fn main() {
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    for domain in DOMAINS {
        let catalogues: Vec<Catalogue> = LOCALES
            .iter()
            .map(|locale| {
                let path = format!("locales/{locale}/{domain}.txt");
                println!("cargo::rerun-if-changed={path}");
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                parse(&path, &text)
            })
            .collect();
        let code = generate(domain, &catalogues);
        if let Err(e) = std::fs::write(Path::new(&out_dir).join(format!("{domain}.rs")), code) {
            println!("cargo::error=cannot write the {domain} tables: {e}");
        }
    }
}
