//! Time as providers write it. Pure: the caller passes the clock's reading.

/// `unix_seconds` as an ISO 8601 UTC date-time with an explicit offset,
/// `2026-12-03T12:00:00+00:00` (ECommPay's `best_before` in the form its PHP SDK writes).
pub fn iso_utc(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let rem = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::iso_utc;

    #[test]
    fn dates_as_providers_write_them() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00+00:00");
        assert_eq!(iso_utc(1_796_299_200), "2026-12-03T12:00:00+00:00");
        assert_eq!(iso_utc(2_693_088_000), "2055-05-05T00:00:00+00:00");
        assert_eq!(iso_utc(-1), "1969-12-31T23:59:59+00:00");
    }
}
