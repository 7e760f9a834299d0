//! Sends the requests the core adapters build. Network failures and timeouts become
//! [`AppError::Provider`] naming the provider and path, never the credentials.

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
    let response = builder.send().await.map_err(|e| {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        AppError::Provider(format!("{provider} {} {}: {kind}", req.method.as_str(), path_of(&req.url)))
    })?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|_| AppError::Provider(format!("{provider} {}: body unreadable", path_of(&req.url))))?;
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
