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
    /// Only `https:` (or the configured sandbox origin) may be opened.
    #[error("scheme {0:?} is not allowed")]
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

/// Decides whether the shopper may be sent to `url` for `provider`.
///
/// # Errors
/// [`RedirectBlocked`] saying why not.
pub fn check_redirect(
    provider: Provider,
    url: &ParsedUrl,
    sandbox: Option<&SandboxOrigin>,
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
    if provider.redirect_hosts().iter().any(|h| *h == url.host) {
        Ok(())
    } else {
        Err(RedirectBlocked::Host(url.host.clone()))
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
            assert_eq!(check_redirect(Provider::Ioka, &u, Some(&sandbox)).is_ok(), ok, "{u:?}");
        }
        assert!(check_redirect(Provider::Ioka, &url("http", "127.0.0.1", "8080", false), None).is_err());
    }
}
