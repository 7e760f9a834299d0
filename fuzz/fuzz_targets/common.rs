//! Input layouts shared by the targets.
#![allow(dead_code)] // each target uses one of them

/// An HTTP answer: the first two bytes are the status (big-endian), the rest the body.
pub fn answer(data: &[u8]) -> Option<(u16, &str)> {
    let (status, body) = data.split_at_checked(2)?;
    Some((u16::from_be_bytes([status[0], status[1]]), std::str::from_utf8(body).ok()?))
}

/// A signed request: the first line is the signature header, the rest the raw body.
pub fn signed(data: &[u8]) -> (Option<&str>, &[u8]) {
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    (std::str::from_utf8(header).ok(), body)
}
