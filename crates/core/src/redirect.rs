//! Which URLs the widget may send a shopper to.
//!
//! The browser parses the URL (the widget uses the WHATWG `URL` parser, exactly what
//! navigation will use, so backslashes, look-alike Unicode and `user@host` tricks are
//! resolved the way the browser resolves them); this module decides on the parsed parts.

use crate::providers::Provider;

/// The parts of a URL the decision needs, as the WHATWG URL parser reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUrl {
    /// `protocol` without the colon, lower case (`https`).
    pub scheme: String,
    /// `hostname`, lower case, punycode for IDNs.
    pub host: String,
    /// `port` (empty for the default port).
    pub port: String,
    /// True when the URL carries a username or password (`https://good@evil`).
    pub has_credentials: bool,
}

/// Why a redirect was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedirectBlocked {
    /// Only `https:` (or the configured sandbox origin) may be opened. The message says what
    /// a local sandbox needs, the likeliest reason for a plain `http:` page.
    #[error("scheme {0:?} is not allowed (for a local sandbox, set the sandboxUrl option)")]
    Scheme(String),
    /// The host is not one of the provider's hosted-page hosts.
    #[error("host {0:?} is not allowed for this provider")]
    Host(String),
    /// URLs with `user:password@` are refused outright.
    #[error("URLs with credentials are not allowed")]
    Credentials,
    /// The URL did not parse.
    #[error("not a URL")]
    Unparsable,
}

/// The sandbox origin a deployment allows besides the real hosts (may be plain `http:`
/// on loopback).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxOrigin {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name.
    pub host: String,
    /// Port, empty for the default.
    pub port: String,
}

/// A host name a merchant or a configured provider URL adds to the allow-list: lower case,
/// letters, digits, `-` and `.` only (IDNs in punycode), no scheme, port, path, user or `*`.
/// `None` when `text` is anything else.
pub fn host_entry(text: &str) -> Option<String> {
    let mut host = text.trim().to_owned();
    host.make_ascii_lowercase();
    let mut previous = b'.';
    for b in host.bytes() {
        let fits = match b {
            b'a'..=b'z' | b'0'..=b'9' => true,
            // Not at a label's start, and no empty label.
            b'-' | b'.' => previous != b'.' && !(b == b'.' && previous == b'-'),
            _ => false,
        };
        if !fits {
            return None;
        }
        previous = b;
    }
    (previous != b'.' && previous != b'-' && host.len() <= 253).then_some(host)
}

/// The host of an `https:` base URL (`https://pay.example.kz/payment/rest` →
/// `pay.example.kz`), for the allow-list; `None` for any other scheme, a URL with a user, or
/// a host [`host_entry`] refuses.
pub fn https_host(url: &str) -> Option<String> {
    let rest = url.trim().strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host =
        authority.rsplit_once(':').map_or(authority, |(h, port)| match port.bytes().all(|b| b.is_ascii_digit()) {
            true => h,
            false => authority,
        });
    host_entry(host)
}

/// Decides whether the shopper may be sent to `url` for `provider`: `https:` to one of the
/// provider's own hosts ([`Provider::redirect_hosts`]) or to a host in one of `extra` (the
/// merchant's `redirectHosts`, hosts of configured provider URLs, hosts the merchant's
/// backend vouched for), compared exactly; or to the sandbox origin.
///
/// # Errors
/// [`RedirectBlocked`] saying why not.
pub fn check_redirect(
    provider: Provider,
    url: &ParsedUrl,
    sandbox: Option<&SandboxOrigin>,
    extra: &[&[String]],
) -> Result<(), RedirectBlocked> {
    if url.has_credentials {
        return Err(RedirectBlocked::Credentials);
    }
    if let Some(s) = sandbox {
        if url.scheme == s.scheme && url.host == s.host && url.port == s.port {
            return Ok(());
        }
    }
    if url.scheme != "https" {
        return Err(RedirectBlocked::Scheme(url.scheme.clone()));
    }
    let listed =
        provider.redirect_hosts().contains(&url.host.as_str()) || extra.iter().any(|hosts| hosts.contains(&url.host));
    match listed {
        true => Ok(()),
        false => Err(RedirectBlocked::Host(url.host.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(scheme: &str, host: &str, port: &str, creds: bool) -> ParsedUrl {
        ParsedUrl { scheme: scheme.into(), host: host.into(), port: port.into(), has_credentials: creds }
    }

    #[test]
    fn table() {
        let sandbox = SandboxOrigin { scheme: "http".into(), host: "127.0.0.1".into(), port: "8080".into() };
        let cases = [
            (url("https", "stage-checkout.ioka.kz", "", false), true),
            (url("https", "checkout.ioka.kz", "", false), true),
            (url("http", "checkout.ioka.kz", "", false), false),
            (url("javascript", "", "", false), false),
            (url("data", "", "", false), false),
            (url("https", "checkout.ioka.kz.evil.com", "", false), false),
            (url("https", "evil.com", "", true), false),
            (url("https", "checkout.ioka.kz", "", true), false),
            // look-alike Unicode reaches us as punycode, which is not on the list
            (url("https", "xn--checkut-2fg.ioka.kz", "", false), false),
            (url("http", "127.0.0.1", "8080", false), true),
            (url("http", "127.0.0.1", "8081", false), false),
            (url("https", "127.0.0.1", "8080", false), false),
        ];
        for (u, ok) in cases {
            assert_eq!(check_redirect(Provider::Ioka, &u, Some(&sandbox), &[]).is_ok(), ok, "{u:?}");
        }
        // A local sandbox without `sandboxUrl`: the error says what to set.
        let unset = check_redirect(Provider::Ioka, &url("http", "127.0.0.1", "8080", false), None, &[]);
        assert_eq!(unset, Err(RedirectBlocked::Scheme("http".into())));
        assert!(unset.map_err(|e| e.to_string()).is_err_and(|m| m.contains("set the sandboxUrl option")));
    }

    #[test]
    fn live_hosts_and_the_merchants_own() {
        let ok = |p: Provider, host: &str, extra: &[&[String]]| {
            check_redirect(p, &url("https", host, "", false), None, extra).is_ok()
        };
        // The hosts public clients and the providers' docs use.
        assert!(ok(Provider::Bereke, "securepayments.berekebank.kz", &[]));
        assert!(ok(Provider::Bereke, "3dsec.berekebank.kz", &[]));
        assert!(!ok(Provider::Bereke, "ecom.berekebank.kz", &[]), "no source names it");
        assert!(ok(Provider::Paytone, "com.paycore.io", &[]));
        assert!(ok(Provider::Ecommpay, "paymentpage.ecommpay.com", &[]));
        // Another provider's host is not this provider's.
        assert!(!ok(Provider::Ioka, "securepayments.berekebank.kz", &[]));
        // Added hosts count exactly: not their subdomains, not over http, not with a user.
        let merchant = vec!["pay.mybank.kz".to_owned()];
        let vouched = vec!["hpp.paytone.example".to_owned()];
        assert!(ok(Provider::Paytone, "pay.mybank.kz", &[&merchant, &vouched]));
        assert!(ok(Provider::Paytone, "hpp.paytone.example", &[&merchant, &vouched]));
        assert!(!ok(Provider::Paytone, "evil.pay.mybank.kz", &[&merchant]));
        assert!(
            check_redirect(Provider::Paytone, &url("http", "pay.mybank.kz", "", false), None, &[&merchant]).is_err()
        );
        assert!(
            check_redirect(Provider::Paytone, &url("https", "pay.mybank.kz", "", true), None, &[&merchant]).is_err()
        );
    }

    #[test]
    fn host_entries_are_host_names_only() {
        assert_eq!(host_entry(" Pay.MyBank.kz "), Some("pay.mybank.kz".into()));
        assert_eq!(host_entry("xn--80ak6aa92e.kz"), Some("xn--80ak6aa92e.kz".into()));
        for bad in [
            "",
            "https://pay.kz",
            "pay.kz/x",
            "pay.kz:443",
            "*.pay.kz",
            "user@pay.kz",
            "pay..kz",
            ".pay.kz",
            "-a.kz",
            "пай.kz",
            "pay kz",
        ] {
            assert_eq!(host_entry(bad), None, "{bad:?}");
        }
        assert_eq!(
            https_host("https://securepayments.berekebank.kz/payment/rest"),
            Some("securepayments.berekebank.kz".into())
        );
        assert_eq!(https_host("https://Com.PayCore.io:8443/"), Some("com.paycore.io".into()));
        assert_eq!(https_host("http://127.0.0.1:8080/sandbox"), None, "https only");
        assert_eq!(https_host("https://u:p@evil.kz/"), None);
    }
}
