//! Sends the requests the core adapters build. Network failures and timeouts become
//! [`AppError::Provider`] naming the provider and path, never the credentials. Every call is
//! logged (provider, method, path without its query, status, time: inside the request's span,
//! so with its request id) and counted ([`crate::metrics::provider_call`]).

use tolem_core::http::{HttpRequest, Method};

use crate::error::AppError;

/// A client with a per-request timeout.
pub fn client(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap_or_default()
}

/// Sends `req`; answers `(status, body)`.
///
/// # Errors
/// [`AppError::Provider`] when the provider cannot be reached, times out, or its body
/// cannot be read.
pub async fn send(http: &reqwest::Client, provider: &str, req: HttpRequest) -> Result<(u16, String), AppError> {
    let mut builder = match req.method {
        Method::Get => http.get(&req.url),
        Method::Post => http.post(&req.url),
        Method::Delete => http.delete(&req.url),
    };
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = req.body {
        builder = builder.body(body);
    }
    let method = req.method.as_str();
    let path = path_of(&req.url);
    let started = std::time::Instant::now();
    let sent = builder.send().await;
    let took = started.elapsed();
    let status = sent.as_ref().ok().map(|r| r.status().as_u16());
    crate::metrics::provider_call(provider, status, took);
    match status {
        Some(code) => {
            tracing::info!(provider, method, path, status = code, ms = took.as_millis() as u64, "provider call")
        }
        None => tracing::warn!(provider, method, path, ms = took.as_millis() as u64, "provider call failed"),
    }
    let response = sent.map_err(|e| {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        AppError::Provider(format!("{provider} {method} {path}: {kind}"))
    })?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|_| AppError::Provider(format!("{provider} {path}: body unreadable")))?;
    Ok((status, body))
}

/// The path of a URL, without its query (which may carry credentials).
pub fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_for_logs_never_carry_the_query() {
        assert_eq!(super::path_of("https://x.kz/v2/orders?external_id=1"), "/v2/orders");
        assert_eq!(super::path_of("http://127.0.0.1:1"), "/");
        assert_eq!(super::path_of("https://g.kz/rest/register.do?password=p#x"), "/rest/register.do");
    }
}
