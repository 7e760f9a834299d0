//! One file per route.

pub mod admin;
pub mod pay;
pub mod sessions;
pub mod start;
pub mod status;
pub mod webhooks;

use axum::body::Bytes;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Parses a JSON body into `T`, with a clear 400 on failure that names the field
/// (`order.amount: invalid type: floating point 1.5, expected i64`); axum's own rejection
/// would answer in plain text.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, AppError> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "" | "." => AppError::Invalid(format!("malformed JSON body: {}", e.inner())),
            _ => AppError::Invalid(format!("{path}: {}", e.inner())),
        }
    })?;
    reader.end().map_err(|e| AppError::Invalid(format!("malformed JSON body: {e}")))?;
    Ok(value)
}

/// Money as a provider reported it: minor units and an ISO 4217 alpha-3 code.
pub type ReportedMoney = Option<(i64, String)>;

/// A provider's report, checked against what the attempt charges
/// ([`tolem_core::status::check_reported`]). Money taken or held for another amount or currency
/// is not believed: the attempt is flagged (history and `attention`), an alert is logged, and
/// the report counts as `pending`, so the attempt stays where it is for the merchant. Money
/// on an attempt the shopper switched away from is believed and flagged.
pub async fn believed(
    app: &crate::AppState,
    attempt: &crate::store::Attempt,
    observed: tolem_core::status::PaymentStatus,
    reported: &ReportedMoney,
    source: &str,
) -> Result<tolem_core::status::PaymentStatus, AppError> {
    let reported =
        reported.as_ref().map(|(amount, currency)| tolem_core::status::Reported { amount: *amount, currency });
    match tolem_core::status::check_reported(observed, reported, attempt.amount, attempt.currency) {
        Ok(status) => {
            if let (Some(current), true) = (attempt.superseded_by, status.takes_money()) {
                // Money on an attempt the shopper left: it counts (it is there), and the
                // merchant is told, because the order may now be paid twice.
                let why = format!("{} after the shopper switched to {}", status.as_str(), current.as_str());
                tracing::error!(alert = "superseded_attempt_money", attempt = %attempt.attempt_id, source, "{why}");
                app.store.flag(&attempt.attempt_id, &why, source).await?;
            }
            Ok(status)
        }
        Err(why) => {
            tracing::error!(alert = "amount_mismatch", attempt = %attempt.attempt_id, provider = attempt.provider.as_str(), source, "{why}");
            app.store.flag(&attempt.attempt_id, &why, source).await?;
            Ok(tolem_core::status::PaymentStatus::Pending)
        }
    }
}

/// The money an RBS order status names: its amount and its currency, an ISO 4217 numeric
/// code turned into alpha-3 (`"398"` → `KZT`; an unknown code is kept as it is, and then
/// matches no order's currency).
pub fn bereke_money(order: &tolem_core::providers::bereke::RbsOrderStatusExtended) -> ReportedMoney {
    let (amount, numeric) = order.amount.zip(order.currency.as_deref())?;
    let currency = tolem_core::money::Currency::ALL
        .into_iter()
        .find(|c| numeric.trim().parse::<u16>().ok() == Some(c.numeric()))
        .map_or_else(|| numeric.to_owned(), |c| c.code().to_owned());
    Some((amount, currency))
}

/// `url` with `name=value` added to its query (before any fragment).
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("{base}{sep}{name}={value}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_query;

    #[test]
    fn query_is_appended_correctly() {
        assert_eq!(with_query("https://s.kz/c", "tolem_return", "back"), "https://s.kz/c?tolem_return=back");
        assert_eq!(with_query("https://s.kz/c?p=ioka", "a", "b"), "https://s.kz/c?p=ioka&a=b");
        assert_eq!(with_query("https://s.kz/c?p=1#top", "a", "b"), "https://s.kz/c?p=1&a=b#top");
    }
}
