//! Pieces every hosted payment page shares: the HTML frame, the card form with **Pay**,
//! **Decline** and **Cancel**, card checks (Luhn, expiry, CVC), masking, and the redirect.

use std::collections::HashMap;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
pub use tolem_i18n::hosted::Msg;
use tolem_i18n::{fill, Locale};

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

tokio::task_local! {
    /// The language of the page being answered (set by [`shopper_locale`]).
    static LOCALE: Locale;
}

/// The language pages are written in while answering this request: the provider's own
/// language parameter (`language` for Bereke, `language_code` for ECommPay, `locale` for
/// Paytone, `lang` on our own form posts), Bereke's `payment_<lang>.html` page name, else the
/// browser's `Accept-Language`, else Russian.
pub async fn shopper_locale(req: Request, next: Next) -> Response {
    let from_query = req.uri().query().map(form_decode).and_then(|pairs| {
        pairs
            .into_iter()
            .filter(|(k, _)| matches!(k.as_str(), "language" | "language_code" | "locale" | "lang"))
            .find_map(|(_, v)| Locale::from_tag(&v))
    });
    let from_page_name = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_prefix("payment_")?.strip_suffix(".html"))
        .and_then(Locale::from_tag);
    let from_browser =
        req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language);
    let locale = from_query.or(from_page_name).or(from_browser).unwrap_or(Locale::Ru);
    LOCALE.scope(locale, next.run(req)).await
}

/// Runs `render` speaking `tag` when it names a language Tolem knows (a language the provider
/// stored with the payment, such as Paytone's invoice `locale`); else as the request said.
pub fn speaking<R>(tag: Option<&str>, render: impl FnOnce() -> R) -> R {
    match tag.and_then(Locale::from_tag) {
        Some(locale) => LOCALE.sync_scope(locale, render),
        None => render(),
    }
}

/// The language of the current page ([`shopper_locale`]); Russian outside a request.
pub fn locale() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or(Locale::Ru)
}

/// A message in the current page's language.
pub fn tr(msg: Msg) -> &'static str {
    msg.text(locale())
}

/// `action` with the page's language, so the page answering a form post speaks it too.
fn with_lang(action: &str) -> String {
    append_query(action, &[("lang", locale().tag())])
}

/// A full page with the sandbox banner naming `provider`.
pub fn layout(provider: &str, title: Msg, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<link rel=\"icon\" href=\"data:,\"><title>{title} · {provider}</title><style>\
body{{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}\
.banner{{background:#fff4ce;border:1px solid #c9a400;padding:.5rem;border-radius:6px;font-size:.875rem}}\
label{{display:block;margin-top:.75rem}}input{{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}}\
input[type=checkbox]{{width:auto}}\
.row{{display:flex;gap:.5rem;margin-top:1rem}}button{{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #444;background:#fff;cursor:pointer}}\
button.primary{{background:#0b5cad;color:#fff;border-color:#0b5cad}}.amount{{font-size:1.5rem;font-weight:600}}.err{{color:#a00000}}\
</style></head><body><header><p class=\"banner\">{banner}</p></header><main>{body}</main></body></html>",
        lang = locale().tag(),
        title = esc(tr(title)),
        provider = esc(provider),
        banner = esc(&fill(tr(Msg::Banner), &[("provider", provider)])),
    );
    Html(html).into_response()
}

/// A page with a heading and one announced sentence.
pub fn message(provider: &str, title: Msg, text: Msg) -> Response {
    layout(provider, title, &format!("<h1>{}</h1><p role=\"status\">{}</p>", esc(tr(title)), esc(tr(text))))
}

/// `15 000 KZT`, `12,50 KZT` in Kazakh and Russian; `15,000 KZT`, `12.50 KZT` in English.
pub fn money(amount: i64, currency: &str) -> String {
    let (group, decimal) = match locale() {
        Locale::En => (',', '.'),
        Locale::Kk | Locale::Ru => ('\u{202f}', ','),
    };
    let major = amount / 100;
    let minor = amount % 100;
    let digits = major.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    if minor == 0 {
        format!("{grouped} {currency}")
    } else {
        format!("{grouped}{decimal}{minor:02} {currency}")
    }
}

/// 303 See Other to `url`.
pub fn see_other(url: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_owned())], axum::body::Body::empty()).into_response()
}

/// The Luhn check every card number passes.
pub fn luhn_ok(pan: &str) -> bool {
    if !(12..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = pan
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `VISA`, `MASTERCARD` or `UNKNOWN` from the first digit.
pub fn card_brand(pan: &str) -> &'static str {
    match pan.as_bytes().first() {
        Some(b'4') => "VISA",
        Some(b'5') | Some(b'2') => "MASTERCARD",
        _ => "UNKNOWN",
    }
}

/// `555555******5599`; anything that is not a plausible card number is hidden whole.
pub fn masked(pan: &str) -> String {
    // The Decline button does not validate the field, so never slice on a non-ASCII boundary.
    if pan.len() < 10 || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return "*".repeat(pan.chars().count().min(19));
    }
    format!("{}{}{}", &pan[..6], "*".repeat(pan.len() - 10), &pan[pan.len() - 4..])
}

/// What the shopper typed into the card form.
#[derive(Clone, Debug, Default)]
pub struct CardInput {
    /// Digits only.
    pub pan: String,
    /// `MM/YY`.
    pub exp: String,
    /// The card verification code, as typed.
    pub cvc: String,
    /// Card holder.
    pub holder: String,
    /// "Save card" ticked.
    pub save: bool,
}

impl CardInput {
    /// Reads the form fields (spaces in numbers are ignored).
    pub fn from_form(f: &HashMap<String, String>) -> CardInput {
        let field = |k: &str| f.get(k).map(|s| s.trim().replace(' ', "")).unwrap_or_default();
        CardInput {
            pan: field("pan"),
            exp: field("exp"),
            cvc: field("cvc"),
            holder: f.get("holder").map(|s| s.trim().to_owned()).unwrap_or_default(),
            save: f.contains_key("save"),
        }
    }

    /// `Err(what to tell the shopper)` when the card cannot be charged as typed.
    pub fn check(&self) -> Result<(), Msg> {
        if !luhn_ok(&self.pan) {
            return Err(Msg::CheckCardNumber);
        }
        let exp_ok = self.exp.len() == 5
            && self.exp.as_bytes()[2] == b'/'
            && self.exp[..2].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
            && self.exp[3..].parse::<u8>().is_ok();
        if !exp_ok || !(3..=4).contains(&self.cvc.len()) || !self.cvc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Msg::CheckExpiry);
        }
        Ok(())
    }
}

/// The card form: amount, description, optional error, fields, and the three buttons.
/// `action` is where it posts; `hidden` adds hidden inputs; `cards` lists test cards.
pub struct CardForm<'a> {
    /// Provider label for the banner.
    pub provider: &'a str,
    /// Form action URL (relative or absolute).
    pub action: &'a str,
    /// Minor units.
    pub amount: i64,
    /// Currency shown.
    pub currency: &'a str,
    /// Order description.
    pub description: &'a str,
    /// Shown above the form.
    pub error: Option<Msg>,
    /// Hidden inputs.
    pub hidden: &'a [(&'a str, &'a str)],
    /// The "Save card" box.
    pub offer_save: bool,
    /// `(pan, what happens)` test cards, listed under the form ([`TestCard::listed`]).
    pub test_cards: &'a [(&'static str, Msg)],
}

/// One test card of a provider's hosted page: the number, what the page says it does, and
/// what paying with it does (`O`, the provider's own outcome). Each provider keeps one table
/// of these, which its page and `/sandbox/credentials.json` both read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestCard<O> {
    /// The card number.
    pub pan: &'static str,
    /// What the page says it does.
    pub shown: Msg,
    /// What it does.
    pub outcome: O,
}

impl<O: Copy> TestCard<O> {
    /// What paying with `pan` does: its card's outcome, or `otherwise` for a card not in the
    /// table.
    pub fn outcome(cards: &[TestCard<O>], pan: &str, otherwise: O) -> O {
        cards.iter().find(|c| c.pan == pan).map_or(otherwise, |c| c.outcome)
    }

    /// The cards as the page lists them.
    pub fn listed(cards: &[TestCard<O>]) -> Vec<(&'static str, Msg)> {
        cards.iter().map(|c| (c.pan, c.shown)).collect()
    }

    /// The cards as `/sandbox/credentials.json` lists them (in English).
    pub fn json(cards: &[TestCard<O>]) -> serde_json::Value {
        let card = |c: &TestCard<O>| {
            let outcome = fill(c.shown.text(Locale::En), &[("password", ACS_PASSWORD)]);
            serde_json::json!({"pan": c.pan, "cvc": "123", "exp": "12/30", "outcome": outcome})
        };
        serde_json::Value::Array(cards.iter().map(card).collect())
    }
}

impl CardForm<'_> {
    /// The page, in the language of the request.
    pub fn render(&self) -> Response {
        let error =
            self.error.map(|e| format!("<p class=\"err\" role=\"alert\">{}</p>", esc(tr(e)))).unwrap_or_default();
        let save = if self.offer_save {
            format!("<label><input type=\"checkbox\" name=\"save\" value=\"1\"> {}</label>", esc(tr(Msg::SaveCard)))
        } else {
            String::new()
        };
        let default_pan = self.test_cards.first().map(|c| c.0).unwrap_or("");
        let cards: Vec<String> = self
            .test_cards
            .iter()
            .map(|(pan, what)| format!("{pan} {}", esc(&fill(tr(*what), &[("password", ACS_PASSWORD)]))))
            .collect();
        let body = format!(
            "<h1>{payment}</h1><p class=\"amount\">{amount}</p><p>{description}</p>{error}\
<form method=\"post\" action=\"{action}\">{hidden}<label>{card_number}<input name=\"pan\" inputmode=\"numeric\" autocomplete=\"cc-number\" value=\"{default_pan}\"></label>\
<label>{expiry}<input name=\"exp\" autocomplete=\"cc-exp\" value=\"12/30\"></label>\
<label>{cvc}<input name=\"cvc\" inputmode=\"numeric\" autocomplete=\"cc-csc\" value=\"123\"></label>\
<label>{holder}<input name=\"holder\" autocomplete=\"cc-name\" value=\"TEST HOLDER\"></label>{save}\
{buttons}</form>\
<p><small>{test_cards}: {cards}</small></p>",
            payment = esc(tr(Msg::Payment)),
            amount = money(self.amount, self.currency),
            description = esc(self.description),
            action = esc(&with_lang(self.action)),
            hidden = hidden_inputs(self.hidden),
            card_number = esc(tr(Msg::CardNumber)),
            expiry = esc(tr(Msg::Expiry)),
            cvc = esc(tr(Msg::Cvc)),
            holder = esc(tr(Msg::CardHolder)),
            buttons = pay_buttons(),
            test_cards = esc(tr(Msg::TestCards)),
            cards = cards.join(" · "),
        );
        layout(self.provider, Msg::Payment, &body)
    }
}

/// Hidden inputs for a form.
fn hidden_inputs(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v))).collect()
}

/// **Pay**, **Decline** and **Cancel**, posting `action=pay|decline|cancel`.
pub fn pay_buttons() -> String {
    format!(
        "<div class=\"row\"><button class=\"primary\" name=\"action\" value=\"pay\">{}</button>\
<button name=\"action\" value=\"decline\">{}</button>\
<button name=\"action\" value=\"cancel\">{}</button></div>",
        esc(tr(Msg::Pay)),
        esc(tr(Msg::Decline)),
        esc(tr(Msg::Cancel)),
    )
}

/// A form posting to `action` (the page's language added) with hidden inputs and `inner`.
pub fn post_form(action: &str, hidden: &[(&str, &str)], inner: &str) -> String {
    format!("<form method=\"post\" action=\"{}\">{}{inner}</form>", esc(&with_lang(action)), hidden_inputs(hidden))
}

/// The 3-D Secure password page; posts `password` and `action=confirm|cancel` plus `hidden`.
pub fn three_ds_form(provider: &str, action: &str, hidden: &[(&str, &str)]) -> Response {
    let inner = format!(
        "<label>{password}<input name=\"password\" autocomplete=\"one-time-code\" value=\"\"></label>\
<div class=\"row\"><button class=\"primary\" name=\"action\" value=\"confirm\">{confirm}</button>\
<button name=\"action\" value=\"cancel\">{cancel}</button></div>",
        password = esc(tr(Msg::OneTimePassword)),
        confirm = esc(tr(Msg::Confirm)),
        cancel = esc(tr(Msg::Cancel)),
    );
    let body = format!(
        "<h1>{}</h1><p>{}</p>{}",
        esc(tr(Msg::ThreeDs)),
        esc(tr(Msg::ThreeDsHint)),
        post_form(action, hidden, &inner)
    );
    layout(provider, Msg::ThreeDs, &body)
}

/// The ACS password of every sandbox 3-D Secure test card.
pub const ACS_PASSWORD: &str = "12345678";

/// True when the 3-D Secure form was confirmed with the right password.
pub fn three_ds_passed(f: &HashMap<String, String>) -> bool {
    f.get("action").map(String::as_str) == Some("confirm")
        && f.get("password").map(String::as_str) == Some(ACS_PASSWORD)
}

/// `url` with `pairs` appended to its query (before any fragment), `&` if it has one.
pub fn append_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let mut out = base.to_owned();
    for (i, (k, v)) in pairs.iter().enumerate() {
        let sep = if i == 0 && !base.contains('?') { '?' } else { '&' };
        out.push(sep);
        out.push_str(&form_encode(k));
        out.push('=');
        out.push_str(&form_encode(v));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Decodes a query string or form body into pairs (`+` is a space, `%XX` a byte).
pub fn form_decode(query: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    match (char::from(b[i + 1]).to_digit(16), char::from(b[i + 2]).to_digit(16)) {
                        (Some(h), Some(l)) => {
                            out.push(u8::try_from(h << 4 | l).unwrap_or(b'?'));
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_money_and_queries() {
        for pan in ["5555555555555599", "4111111111111111", "4444444444446666", "4444444411111111"] {
            assert!(luhn_ok(pan), "{pan}");
        }
        assert!(!luhn_ok("5555555555555598"));
        assert_eq!(masked("5555555555555599"), "555555******5599");
        assert_eq!(masked("ёёёёёёёёёёёё"), "************");
        assert_eq!(money(1_500_000, "KZT"), "15\u{202f}000 KZT", "Russian outside a request");
        assert_eq!(
            append_query("https://s.kz/r", &[("orderId", "u-1"), ("lang", "ru")]),
            "https://s.kz/r?orderId=u-1&lang=ru"
        );
        assert_eq!(append_query("https://s.kz/r?a=1#t", &[("orderId", "u 1")]), "https://s.kz/r?a=1&orderId=u%201#t");
        assert_eq!(
            form_decode("a=1+2&b=%2B%zz&c"),
            vec![("a".into(), "1 2".into()), ("b".into(), "+%zz".into()), ("c".into(), String::new())]
        );
    }
}
