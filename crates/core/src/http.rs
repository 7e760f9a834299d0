//! A request as a value: adapters build these, the backend (or the widget) sends them.

use std::fmt;

use crate::signature::nibble;

/// The HTTP methods Tolem uses: for provider calls, and for how the widget sends the shopper
/// to a provider's page (navigate, or submit a form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Read; for a redirect, navigate to the URL.
    #[default]
    Get,
    /// Send a body; for a redirect, submit a form with the target's fields.
    Post,
    /// Remove (a provider call only: never a way to send the shopper).
    Delete,
}

impl<'de> serde::Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::by_name(deserializer, Method::from_wire, "redirect method (GET or POST)")
    }
}

impl Method {
    /// Parses a redirect's method, `GET` or `POST`, in any case.
    pub fn from_wire(s: &str) -> Option<Method> {
        [Method::Get, Method::Post].into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s))
    }

    /// `"GET"` / `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Header names whose values must never be printed.
const SENSITIVE_HEADERS: [&str; 5] =
    ["api-key", "authorization", "x-order-access-token", "x-customer-access-token", "password"];

/// One HTTP request, fully built, not yet sent.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body, if any (JSON or form-encoded, see the `content-type` header).
    pub body: Option<String>,
}

impl HttpRequest {
    /// The value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Prints the request with every credential replaced by `[redacted]`, so requests can be
/// logged safely.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let hidden = SENSITIVE_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s));
                (k.as_str(), if hidden { "[redacted]" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(String::len))
            .finish()
    }
}

/// Percent-encodes a query or path component (RFC 3986 unreserved characters stay).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 15)]));
        }
    }
    out
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// `application/x-www-form-urlencoded` body (or query) from pairs, in order.
pub fn encode_form<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k.as_ref()), encode_component(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes a query string or form body into pairs, in order: `+` is a space, `%XX` a byte,
/// a leading `?` is ignored. Invalid escapes are kept as they are; invalid UTF-8 is replaced.
pub fn decode_form(query: &str) -> Vec<(String, String)> {
    query
        .strip_prefix('?')
        .unwrap_or(query)
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (nibble(bytes[i + 1]), nibble(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where `needle` first occurs in `haystack`, by a plain byte scan. The standard library's
/// `str` search (two-way) is about 1.5 KB of wasm; the needles here are a few bytes long
/// (`_secret_`, `://`) and the haystacks short, so the widget uses this instead.
pub fn find_text(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    (0..h.len().saturating_sub(n.len() - 1)).find(|&i| h[i..].starts_with(n))
}

/// `haystack.split_once(needle)` through [`find_text`].
pub fn split_once_text<'a>(haystack: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = find_text(haystack, needle)?;
    // `needle` is whole UTF-8, so both ends of the match are character boundaries.
    Some((haystack.get(..at)?, haystack.get(at + needle.len()..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_search_agrees_with_the_standard_library() {
        for (h, n) in [
            ("cs_1_secret_2", "_secret_"),
            ("ab", "abc"),
            ("", "x"),
            ("x", ""),
            ("ааб://б", "://"),
            ("_secret_", "_secret_"),
            ("a_secret", "_secret_"),
        ] {
            assert_eq!(find_text(h, n), h.find(n), "{h:?} {n:?}");
            assert_eq!(split_once_text(h, n), h.split_once(n), "{h:?} {n:?}");
        }
    }

    #[test]
    fn debug_never_shows_credentials() {
        let r = HttpRequest {
            method: Method::Post,
            url: "https://stage-api.ioka.kz/v2/orders".into(),
            headers: vec![
                ("API-KEY".into(), "shp_SECRET_test_key".into()),
                ("X-Order-Access-Token".into(), "ord_1_secret_abc".into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: Some("{}".into()),
        };
        let printed = format!("{r:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(!printed.contains("secret_abc"), "{printed}");
        assert!(printed.contains("application/json"));
        assert_eq!(r.header("api-key"), Some("shp_SECRET_test_key"));
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("A-1001"), "A-1001");
        assert_eq!(encode_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn forms_round_trip_and_decode_like_browsers() {
        let pairs = [("a b", "c&d"), ("é", "=")];
        let encoded = encode_form(&pairs);
        let decoded = decode_form(&encoded);
        assert_eq!(decoded, vec![("a b".to_owned(), "c&d".to_owned()), ("é".to_owned(), "=".to_owned())]);
        assert_eq!(
            decode_form("?x=1+2&y=%2B%zz&z&w=%4"),
            vec![
                ("x".to_owned(), "1 2".to_owned()),
                ("y".to_owned(), "+%zz".to_owned()),
                ("z".to_owned(), String::new()),
                ("w".to_owned(), "%4".to_owned())
            ]
        );
    }
}
