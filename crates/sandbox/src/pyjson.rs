//! Python's `json.dumps`, as ioka's servers produce and sign webhook bodies.
//!
//! Written independently of `tolem-core` on purpose (see the crate docs).

use serde_json::Value;

/// `json.dumps(value, sort_keys=sort, ensure_ascii=ascii)` with the default `", "` / `": "`.
pub fn dumps(value: &Value, sort: bool, ascii: bool) -> String {
    let mut s = String::new();
    emit(&mut s, value, sort, ascii);
    s
}

fn emit(s: &mut String, v: &Value, sort: bool, ascii: bool) {
    match v {
        Value::Null => s.push_str("null"),
        Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => s.push_str(&i.to_string()),
            (None, Some(u), _) => s.push_str(&u.to_string()),
            (None, None, Some(f)) => s.push_str(&float_repr(f)),
            _ => s.push_str("null"),
        },
        Value::String(text) => quote(s, text, ascii),
        Value::Array(a) => {
            s.push('[');
            for (i, x) in a.iter().enumerate() {
                if i != 0 {
                    s.push_str(", ");
                }
                emit(s, x, sort, ascii);
            }
            s.push(']');
        }
        Value::Object(o) => {
            let mut entries: Vec<(&String, &Value)> = o.iter().collect();
            if sort {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            s.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i != 0 {
                    s.push_str(", ");
                }
                quote(s, k, ascii);
                s.push_str(": ");
                emit(s, x, sort, ascii);
            }
            s.push('}');
        }
    }
}

fn quote(s: &mut String, text: &str, ascii: bool) {
    s.push('"');
    for ch in text.chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\u{8}' => s.push_str("\\b"),
            '\u{c}' => s.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && (c as u32) > 0x7e) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    s.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

/// Python's float `repr` for the values a webhook carries (`0.0`, `12.5`, `1e-05`, `1e+16`).
fn float_repr(f: f64) -> String {
    if f == f.trunc() && f.abs() < 1e16 {
        return format!("{f:.1}");
    }
    let debug = format!("{f:?}"); // shortest round-trip digits
    if !debug.contains('e') && (f.abs() >= 1e-4) {
        return debug;
    }
    let sci = format!("{f:e}");
    match sci.split_once('e') {
        Some((m, e)) => {
            let exp: i32 = e.parse().unwrap_or(0);
            format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
        }
        None => sci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python() {
        let v: Value =
            serde_json::from_str(r#"{"b": "Оплата", "a": [0.0, 1e-05, 2.5, null, true]}"#).unwrap_or(Value::Null);
        assert_eq!(dumps(&v, true, false), r#"{"a": [0.0, 1e-05, 2.5, null, true], "b": "Оплата"}"#);
        assert_eq!(
            dumps(&v, false, true),
            r#"{"b": "\u041e\u043f\u043b\u0430\u0442\u0430", "a": [0.0, 1e-05, 2.5, null, true]}"#
        );
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(0.1), "0.1");
    }
}
