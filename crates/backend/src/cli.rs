//! `tolem-backend sign|verify <provider> --secret S [--signature SIG]`: the providers'
//! signatures as a tool for merchants debugging an integration. Input comes on stdin.
//!
//! * `sign ecommpay`: JSON parameters (or a Payment Page query string / URL) → the Base64
//!   signature; any `signature` fields are stripped first, as the SDKs do.
//! * `sign bereke`: a callback query string → the upper-case hex checksum (`checksum` and
//!   `sign_alias` are left out of it).
//! * `sign ioka`: a webhook body → the hex `X-Signature`.
//! * `sign paytone`: a callback body (raw bytes; a final newline is not part of it) → the
//!   Base64 `X-Signature`.
//! * `sign notification`: a notification body Tolem sends the shop → its `Tolem-Signature`
//!   header, signed now (or at `--now <unix seconds>`).
//! * `verify …`: exit 0 when authentic, 1 when not (the reason on stderr), 2 on bad usage.
//!   ECommPay and Bereke carry the signature in the input; ioka's, Paytone's and Tolem's own
//!   notifications' come in `--signature` (for `notification`, the whole `Tolem-Signature`
//!   value, checked against the clock with `--tolerance <seconds>`, default 300).
//!
//! Bodies on stdin are taken as raw bytes, without the final newline a shell or file adds.

use serde_json::{Map, Value};
use tolem_core::http::decode_form;
use tolem_core::providers::{bereke, ecommpay, ioka, paytone};

/// What the command printed and how it ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Exit code.
    pub code: u8,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

fn ok(stdout: String) -> Outcome {
    Outcome { code: 0, stdout, stderr: String::new() }
}

fn refuse(reason: impl Into<String>) -> Outcome {
    Outcome { code: 1, stdout: String::new(), stderr: reason.into() + "\n" }
}

fn usage(problem: &str) -> Outcome {
    Outcome {
        code: 2,
        stdout: String::new(),
        stderr: format!(
            "{problem}\nusage: tolem-backend sign <ecommpay|bereke|ioka|paytone|notification> --secret S [--now UNIX] < input\n       tolem-backend verify <ecommpay|bereke|ioka|paytone|notification> --secret S [--signature SIG] [--tolerance SECONDS] [--now UNIX] < input\n"
        ),
    }
}

/// True when `args` (without the program name) ask for the tool.
pub fn is_tool_command(args: &[String]) -> bool {
    matches!(args.first().map(String::as_str), Some("sign" | "verify"))
}

/// The query part of a URL, or the input itself when it is already a query string.
fn query_part(input: &str) -> &str {
    let trimmed = input.trim();
    trimmed.split_once('?').map_or(trimmed, |(_, q)| q)
}

/// ECommPay parameters from JSON, or from a Payment Page URL or query string.
fn ecommpay_params(input: &str) -> Option<Value> {
    let trimmed = input.trim();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).ok();
    }
    let query = query_part(trimmed);
    let map: Map<String, Value> = decode_form(query).into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    (!map.is_empty()).then_some(Value::Object(map))
}

/// A raw body (a Paytone callback, a Tolem notification) as given on stdin, without the
/// newline a shell or file adds.
fn paytone_body(input: &str) -> &[u8] {
    input.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(input).as_bytes()
}

/// Runs the tool: `args` without the program name, `input` = stdin.
pub fn run(args: &[String], input: &str) -> Outcome {
    let (Some(command), Some(provider)) = (args.first(), args.get(1)) else {
        return usage("missing command or provider");
    };
    let mut secret = None;
    let mut signature = None;
    let mut tolerance = tolem_core::notify::DEFAULT_TOLERANCE_SECONDS;
    let mut now = None;
    let mut rest = args[2..].iter();
    while let Some(flag) = rest.next() {
        match (flag.as_str(), rest.next()) {
            ("--secret", Some(v)) => secret = Some(v.clone()),
            ("--signature", Some(v)) => signature = Some(v.clone()),
            ("--tolerance", Some(v)) => match v.parse::<i64>() {
                Ok(t) if t >= 0 => tolerance = t,
                _ => return usage("--tolerance takes seconds"),
            },
            ("--now", Some(v)) => match v.parse::<i64>() {
                Ok(t) => now = Some(t),
                Err(_) => return usage("--now takes unix seconds"),
            },
            _ => return usage(&format!("unexpected argument {flag}")),
        }
    }
    let now = now.unwrap_or_else(|| crate::store::now_ms().div_euclid(1000));
    let Some(secret) = secret else {
        return usage("--secret is required");
    };
    let key = secret.as_bytes();
    match (command.as_str(), provider.as_str()) {
        ("sign", "ecommpay") => match ecommpay_params(input) {
            Some(params) => ok(ecommpay::sign(&params, key) + "\n"),
            None => refuse("input is neither JSON nor a query string"),
        },
        ("verify", "ecommpay") => {
            let Some(mut params) = ecommpay_params(input) else {
                return refuse("input is neither JSON nor a query string");
            };
            let Some(found) = ecommpay::strip_signature(&mut params).or(signature) else {
                return refuse("signature undefined");
            };
            if ecommpay::signature_matches(&params, key, &found) {
                ok("authentic\n".into())
            } else {
                refuse(format!("signature is invalid; expected {}", ecommpay::sign(&params, key)))
            }
        }
        ("sign", "bereke") => ok(bereke::checksum(&decode_form(query_part(input)), key) + "\n"),
        ("verify", "bereke") => {
            let query = query_part(input);
            match bereke::verify_callback(query, key) {
                Ok(_) => ok("authentic\n".into()),
                Err(e) => refuse(format!("{e}; expected {}", bereke::checksum(&decode_form(query), key))),
            }
        }
        ("sign", "ioka") => match ioka::webhook_signature(key, input.trim().as_bytes()) {
            Ok(sig) => ok(sig + "\n"),
            Err(e) => refuse(e.to_string()),
        },
        ("verify", "ioka") => {
            let Some(given) = signature else {
                return usage("ioka needs --signature (the X-Signature header)");
            };
            match ioka::webhook_signature(key, input.trim().as_bytes()) {
                Ok(expected)
                    if tolem_core::signature::constant_time_eq(
                        expected.as_bytes(),
                        given.trim().to_ascii_lowercase().as_bytes(),
                    ) =>
                {
                    ok("authentic\n".into())
                }
                Ok(expected) => refuse(format!("signature mismatch; expected {expected}")),
                Err(e) => refuse(e.to_string()),
            }
        }
        ("sign", "paytone") => ok(paytone::callback_signature(key, paytone_body(input)) + "\n"),
        ("verify", "paytone") => {
            let Some(given) = signature else {
                return usage("paytone needs --signature (the X-Signature header)");
            };
            match paytone::verify_callback(key, paytone_body(input), Some(&given)) {
                Ok(_) => ok("authentic\n".into()),
                Err(e) => refuse(format!("{e}; expected {}", paytone::callback_signature(key, paytone_body(input)))),
            }
        }
        ("sign", "notification") => ok(tolem_core::notify::sign(key, now, paytone_body(input)) + "\n"),
        ("verify", "notification") => {
            let Some(given) = signature else {
                return usage("notification needs --signature (the Tolem-Signature header)");
            };
            match tolem_core::notify::verify(key, &given, paytone_body(input), now, tolerance) {
                Ok(()) => ok("authentic\n".into()),
                Err(e) => refuse(e.to_string()),
            }
        }
        (_, p) if !matches!(p, "ecommpay" | "bereke" | "ioka" | "paytone" | "notification") => {
            usage(&format!("unknown provider {p}"))
        }
        _ => usage(&format!("unknown command {command}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sign_and_verify_every_provider() {
        let signed = run(
            &args(&["sign", "ecommpay", "--secret", "qwerty"]),
            r#"{"payment":{"id":"test-payment","status":"success"},"signature":"x"}"#,
        );
        assert_eq!(
            signed.stdout.trim(),
            "UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="
        );
        let url = "https://paymentpage.ecommpay.com/payment?project_id=100&interface_type=%7B%22id%22%3A23%7D&payment_id=test+payment+id&payment_description=B%26W&signature=97JFQpAyJ4HPfGVedJh0M1MqQDOFt%2FMCbdh8VrsT7DdRyTBDAF2mvUOsDANx1ZPfbvZg0%2BVUbF43xJnq0jEeLA%3D%3D";
        assert_eq!(run(&args(&["verify", "ecommpay", "--secret", "secret"]), url).code, 0);
        let forged = run(&args(&["verify", "ecommpay", "--secret", "secret"]), &url.replace("B%26W", "B%26X"));
        assert_eq!(forged.code, 1);
        assert!(forged.stderr.contains("signature is invalid"), "{}", forged.stderr);
        assert_eq!(run(&args(&["verify", "ecommpay", "--secret", "s"]), r#"{"a":1}"#).stderr, "signature undefined\n");

        let callback =
            "amount=123456&mdOrder=3ff6962a-7dcc-4283-ab50-a6d7dd3386fe&operation=deposited&orderNumber=10747&status=1";
        let sum = run(&args(&["sign", "bereke", "--secret", "test"]), callback);
        assert_eq!(sum.stdout.trim(), "6351F0E7D1BD1E260F9191D80B1D64A54589F5D6B0D7BA07ABAD6165842952BC");
        let with_sum = format!("{callback}&checksum={}", sum.stdout.trim());
        assert_eq!(run(&args(&["verify", "bereke", "--secret", "test"]), &with_sum).code, 0);
        assert_eq!(run(&args(&["verify", "bereke", "--secret", "nope"]), &with_sum).code, 1);

        // The captured ioka webhook of docs/providers.md (its canonical form re-serialises
        // to itself).
        let key = "11cf6a7d5999eac284b117ebb7a443c6da9af8904cf99d5601e9c5287af6874b";
        let expected = "65d3668da6a3568b75afeb7a3663e593a160b8f6d2d23a33a400a85d69d7fa44";
        let body = include_str!("../../core/vectors/ioka_webhook_canonical_body.txt");
        let sig = run(&args(&["sign", "ioka", "--secret", key]), body);
        assert_eq!(sig.stdout.trim(), expected);
        let verified = run(&args(&["verify", "ioka", "--secret", key, "--signature", expected]), body);
        assert_eq!(verified.code, 0, "{}", verified.stderr);
        assert_eq!(run(&args(&["verify", "ioka", "--secret", key]), "{}").code, 2);
        // Paytone: the callback vector of docs/providers.md, over the raw bytes.
        let body = r#"{"data":{"type":"payment-invoices","id":"cpi_UoIW6RdSYyIRj8vR","attributes":{"status":"processed","resolution":"ok","amount":4,"currency":"UAH","reference_id":"e2041fe2-44da-44da-0090-4ffe9d2f25d0","test_mode":true}}}"#;
        let signed = run(&args(&["sign", "paytone", "--secret", "test_secret_key"]), &format!("{body}\n"));
        assert_eq!(signed.stdout.trim(), "aVFNhpSS6VwvPthuiY6BxZa/tko=");
        let check =
            |sig: &str| run(&args(&["verify", "paytone", "--secret", "test_secret_key", "--signature", sig]), body);
        assert_eq!(check("aVFNhpSS6VwvPthuiY6BxZa/tko=").code, 0);
        let forged = check("aVFNhpSS6VwvPthuiY6BxZa/tkk=");
        assert_eq!(forged.code, 1);
        assert!(forged.stderr.contains("expected aVFNhpSS6VwvPthuiY6BxZa/tko="), "{}", forged.stderr);
        assert_eq!(run(&args(&["verify", "paytone", "--secret", "k"]), body).code, 2);
        // Tolem's own notifications to the shop: signed at a time, checked against a clock.
        let body = r#"{"id":"att_1.2","status":"paid"}"#;
        let secret = "whsec_0123456789abcdef0123456789abcdef";
        let header = run(&args(&["sign", "notification", "--secret", secret, "--now", "1700000000"]), body);
        assert!(header.stdout.starts_with("t=1700000000,v1="), "{}", header.stdout);
        let header = header.stdout.trim();
        let at = |now: &str, body: &str| {
            run(&args(&["verify", "notification", "--secret", secret, "--signature", header, "--now", now]), body)
        };
        assert_eq!(at("1700000100", &format!("{body}\n")).code, 0);
        let late = at("1700000400", body);
        assert_eq!(late.code, 1);
        assert!(late.stderr.contains("tolerance"), "{}", late.stderr);
        assert_eq!(at("1700000100", &body.replace("paid", "pai")).code, 1);
        assert_eq!(run(&args(&["verify", "notification", "--secret", secret]), body).code, 2);
        assert_eq!(run(&args(&["sign", "paypal", "--secret", "x"]), "").code, 2);
        assert_eq!(run(&args(&["sign", "ioka"]), "").code, 2);
    }
}
