//! Ids, tokens and ioka-style timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        // No OS randomness: fall back to the clock so ids stay unique, if predictable.
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(31);
        }
    }
    buf
}

/// `ord_QDNUK6JH11`-style id: prefix, underscore, ten upper-case letters and digits.
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let bytes = random_bytes::<10>();
    let tail: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % 36])).collect();
    format!("{prefix}_{tail}")
}

/// 64 lower-case hex characters.
pub fn secret_hex() -> String {
    random_bytes::<32>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A random UUID-shaped id (`8-4-4-4-12` lower-case hex), like RBS's `mdOrder`.
pub fn uuid() -> String {
    let h = secret_hex();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// `2023-03-10T12:26:17+0000` (ECommPay's format), UTC.
pub fn ecommpay_now() -> String {
    let iso = ioka_now();
    format!("{}+0000", &iso[..19])
}

/// `2021-11-09T10:05:55.358023`: UTC, microseconds, no offset (ioka's format).
pub fn ioka_now() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        now.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Milliseconds since the epoch of an ISO 8601 date-time as ECommPay's SDKs write
/// `best_before`: `2055-05-05T00:00:00` (UTC), with `Z`, or with an offset (`+05:00`,
/// `+0500`); fractions of a second ignored. `None` when it is not one.
pub fn iso_to_ms(text: &str) -> Option<i64> {
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (date, time) = text.trim().split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let cut = time.find(['Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(cut);
    let clock = clock.split('.').next()?;
    let mut c = clock.split(':');
    let (hh, mm, ss) = (num(c.next()?)?, num(c.next()?)?, num(c.next().unwrap_or("0"))?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let offset_s = match zone {
        "" | "Z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(|ch| *ch != ':').collect();
            if digits.len() != 4 {
                return None;
            }
            sign * (num(&digits[..2])? * 3600 + num(&digits[2..])? * 60)
        }
    };
    let secs = days_from_civil(y, m, day) * 86_400 + hh * 3600 + mm * 60 + ss - offset_s;
    Some(secs * 1000)
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_940), (2021, 11, 9));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn best_before_as_the_sdks_write_it() {
        assert_eq!(iso_to_ms("2055-05-05T00:00:00"), Some(2_693_088_000_000));
        assert_eq!(iso_to_ms("2055-05-05T00:00:00Z"), Some(2_693_088_000_000));
        assert_eq!(iso_to_ms("2055-05-05T05:00:00+05:00"), Some(2_693_088_000_000));
        assert_eq!(iso_to_ms("2055-05-05T05:00:00+0500"), Some(2_693_088_000_000));
        assert_eq!(iso_to_ms("2055-05-04T23:00:00.123-01:00"), Some(2_693_088_000_000));
        for bad in ["", "2055-05-05", "2055-13-01T00:00:00", "soon", "2055-05-05T00:00:00+5"] {
            assert_eq!(iso_to_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn id_shapes() {
        let id = new_id("ord");
        assert_eq!(id.len(), 14);
        assert!(id.starts_with("ord_"));
        assert_ne!(new_id("ord"), new_id("ord"));
        assert_eq!(secret_hex().len(), 64);
        assert_eq!(ioka_now().len(), 26);
    }
}
