//! Go's text formatting, where the texts we reproduce come from Go programs
//! (aws-iam-authenticator, kube-apiserver): `strconv.Quote` (`%q`), the
//! `time` package's own quoting, `fmt.Sprint` of string slices,
//! `Time.String()`, logrus's value quoting and apimachinery's error aggregate.

use time::OffsetDateTime;

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Go's `strconv.IsPrint`, approximated: Rust has no Unicode general category
/// in `std`, so letters, marks, numbers, punctuation and symbols are "not a
/// control, not a space other than U+0020, and not one of the format,
/// private-use or noncharacter ranges below". Only exotic input differs.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        c as u32,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xFFFE
            | 0xFFFF
            | 0xE000..=0xF8FF
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xF0000..=0x10FFFF
    )
}

fn push_hex_byte(out: &mut String, b: u8) {
    out.push_str("\\x");
    out.push(char::from(LOWER_HEX[usize::from(b >> 4)]));
    out.push(char::from(LOWER_HEX[usize::from(b & 0xF)]));
}

fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '"' | '\\' => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => push_hex_byte(out, c as u8),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `strconv.Quote` (what `%q` prints for a string) of raw bytes: invalid
/// UTF-8 bytes become `\xHH`, one by one.
pub(crate) fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped_char(&mut out, c);
        }
        for &b in chunk.invalid() {
            push_hex_byte(&mut out, b);
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.Quote` of a string.
pub(crate) fn quote(text: &str) -> String {
    quote_bytes(text.as_bytes())
}

/// `%q` of a `[]string`: `["a" "b"]`.
pub(crate) fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quote(s.as_ref())).collect();
    format!("[{}]", inner.join(" "))
}

/// `fmt.Sprint` of a `[]string` (or `%v` of a `[]error`): `[a b]`.
pub(crate) fn sprint_list<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("[{}]", inner.join(" "))
}

/// The quoting of Go's `time` package error messages (`time.quote`), which
/// escapes bytes outside printable ASCII as `\xHH` rather than as
/// `strconv.Quote` would.
pub(crate) fn time_quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if (c as u32) < 0x20 || (c as u32) >= 0x80 {
                let mut buf = [0u8; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    push_hex_byte(&mut out, b);
                }
            } else {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            push_hex_byte(&mut out, b);
        }
    }
    out.push('"');
    out
}

/// apimachinery's `utilerrors.NewAggregate(errs).Error()`: nothing for no
/// error, the error itself for one, `[e1, e2]` for several, duplicates
/// dropped.
pub(crate) fn aggregate<S: AsRef<str>>(errors: &[S]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        if !seen.contains(&e.as_ref()) {
            seen.push(e.as_ref());
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Go's `Time.String()` for a UTC time: `2026-11-24 19:39:40 +0000 UTC`, with
/// a fraction (trailing zeros dropped) when there is one.
pub(crate) fn go_time_string(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

/// logrus's `TextFormatter` value rule: bare when every character is
/// `[A-Za-z0-9-._/@^+]` (the empty string included), else `%q`.
pub(crate) fn logfmt_value(text: &str) -> String {
    let bare = text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | '@' | '^' | '+'));
    if bare {
        text.to_owned()
    } else {
        quote(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn check(input: &[u8], expected: &str) {
        assert_eq!(quote_bytes(input), expected, "{input:?}");
    }

    #[test]
    fn quote_escapes_like_strconv_quote() {
        check(b"plain", r#""plain""#);
        check(b"a\"b\\c", r#""a\"b\\c""#);
        check(b"tab\there\n", r#""tab\there\n""#);
        check(b"\x00\x7f", r#""\x00\x7f""#);
        check("é✓".as_bytes(), "\"é✓\"");
        check(b"\xff\xe2\x82A", r#""\xff\xe2\x82A""#);
        check("\u{200b}".as_bytes(), r#""\u200b""#);
    }

    #[test]
    fn time_quote_hexes_everything_outside_printable_ascii() {
        assert_eq!(time_quote("aé\"".as_bytes()), r#""a\xc3\xa9\"""#);
    }

    #[test]
    fn aggregate_prints_one_error_bare_and_several_bracketed() {
        assert_eq!(aggregate::<&str>(&[]), "");
        assert_eq!(aggregate(&["a"]), "a");
        assert_eq!(aggregate(&["a", "b", "a"]), "[a, b]");
        assert_eq!(aggregate(&["a", "a"]), "a");
    }

    #[test]
    fn go_time_string_matches_time_string() {
        assert_eq!(go_time_string(datetime!(2026-11-24 19:39:40 UTC)), "2026-11-24 19:39:40 +0000 UTC");
        assert_eq!(go_time_string(datetime!(2026-11-24 19:39:40.5 UTC)), "2026-11-24 19:39:40.5 +0000 UTC");
    }

    #[test]
    fn logfmt_values_are_bare_only_when_safe() {
        assert_eq!(logfmt_value("kubernetes-admin"), "kubernetes-admin");
        assert_eq!(logfmt_value(""), "");
        assert_eq!(logfmt_value("a b"), "\"a b\"");
        assert_eq!(logfmt_value("arn:aws:iam::1:user/x"), "\"arn:aws:iam::1:user/x\"");
        assert_eq!(logfmt_value("[system:masters]"), "\"[system:masters]\"");
    }
}
