//! Typed readings of condition values: dates, numbers, IP ranges and binary.
//!
//! Condition values are strings in both the policy and the request; the operator decides how to
//! read them (reference `iam-sts.md` §10.4). A value that does not read as the operator's type
//! matches nothing.

use std::net::{Ipv4Addr, Ipv6Addr};

use base64::Engine as _;

const NANOS: i128 = 1_000_000_000;

/// Reads a date as nanoseconds since the Unix epoch.
///
/// Accepts the W3C ISO 8601 profile (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then optionally `T` and
/// `hh`, `hh:mm`, `hh:mm:ss`, `hh:mm:ss.fraction`, with `Z`, `+hh`, `+hh:mm` or `-hh:mm`; letters
/// in either case; no zone means UTC) or epoch seconds. As in IAM's legacy parser (mirrored by
/// moto), a value containing `T` or `-` is ISO 8601, anything else epoch seconds in
/// `0..=i64::MAX`; years run from -292275054 to 292278993.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let lower = text.to_ascii_lowercase();
    if lower.contains('t') || lower.contains('-') {
        parse_iso(&lower)
    } else {
        let secs = digits_value(&lower, 19)?;
        (secs <= i64::MAX as i128).then_some(secs * NANOS)
    }
}

/// A run of 1..=max ASCII digits as a number.
fn digits_value(s: &str, max: usize) -> Option<i128> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_iso(s: &str) -> Option<i128> {
    let (date, time) = match s.split_once('t') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let (negative, body) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let mut parts = body.split('-');
    let year = digits_value(parts.next()?, 9)?;
    let year = if negative { -year } else { year };
    if !(-292_275_054..=292_278_993).contains(&year) {
        return None;
    }
    let month = parts.next().map_or(Some(1), |m| digits_value(m, 2))?;
    let day = parts.next().map_or(Some(1), |d| digits_value(d, 2))?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut nanos = days_from_civil(year, month, day) * 86_400 * NANOS;
    if let Some(time) = time {
        nanos += parse_time(time)?;
    }
    Some(nanos)
}

/// `hh[:mm[:ss[.f]]]` plus an optional zone, as nanoseconds after midnight UTC.
fn parse_time(time: &str) -> Option<i128> {
    let (clock, offset) = if let Some(clock) = time.strip_suffix('z') {
        (clock, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let sign = if time.get(i..i + 1) == Some("-") { -1 } else { 1 };
        (time.get(..i)?, sign * parse_offset(time.get(i + 1..)?)?)
    } else {
        (time, 0)
    };
    let mut secs: i128 = 0;
    let mut frac: i128 = 0;
    if !clock.is_empty() {
        let mut fields = clock.split(':');
        let hours = digits_value(fields.next()?, 2)?;
        let minutes = fields.next().map_or(Some(0), |m| digits_value(m, 2))?;
        let seconds = match fields.next() {
            None => 0,
            Some(s) => {
                let (whole, fraction) = match s.split_once('.') {
                    Some((w, f)) => (w, Some(f)),
                    None => (s, None),
                };
                if let Some(f) = fraction {
                    let digits = digits_value(f, 9)?;
                    let scale = 10i128.pow(9 - u32::try_from(f.len()).ok()?);
                    frac = digits * scale;
                }
                digits_value(whole, 2)?
            }
        };
        if fields.next().is_some() || hours > 23 || minutes > 59 || seconds > 59 {
            return None;
        }
        secs = hours * 3600 + minutes * 60 + seconds;
    }
    Some((secs - offset) * NANOS + frac)
}

/// `hh` or `hh:mm` as seconds.
fn parse_offset(s: &str) -> Option<i128> {
    let (h, m) = match s.split_once(':') {
        Some((h, m)) => (h, Some(m)),
        None => (s, None),
    };
    if h.len() != 2 || m.is_some_and(|m| m.len() != 2) {
        return None;
    }
    let hours = digits_value(h, 2)?;
    let minutes = m.map_or(Some(0), |m| digits_value(m, 2))?;
    (hours <= 23 && minutes <= 59).then_some(hours * 3600 + minutes * 60)
}

/// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads a decimal number (`10`, `-2.5`, `1e3`); `NaN` and infinities are not numbers here.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let plausible = text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !plausible {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// An IPv4 or IPv6 network; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cidr {
    V4(u32, u32),
    V6(u128, u32),
}

impl Cidr {
    /// Reads `a.b.c.d[/n]` or an IPv6 address with an optional `/n`.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let prefix = match prefix {
            Some(p) => Some(u32::try_from(digits_value(p, 3)?).ok()?),
            None => None,
        };
        if let Ok(v4) = addr.parse::<Ipv4Addr>() {
            let bits = prefix.unwrap_or(32);
            (bits <= 32).then_some(Cidr::V4(u32::from(v4), bits))
        } else if let Ok(v6) = addr.parse::<Ipv6Addr>() {
            let bits = prefix.unwrap_or(128);
            (bits <= 128).then_some(Cidr::V6(u128::from(v6), bits))
        } else {
            None
        }
    }

    /// Whether the address of `other` (its prefix ignored) lies in this network.
    pub(crate) fn contains(&self, other: &Cidr) -> bool {
        match (*self, *other) {
            (Cidr::V4(net, bits), Cidr::V4(addr, _)) => {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                net & mask == addr & mask
            }
            (Cidr::V6(net, bits), Cidr::V6(addr, _)) => {
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                net & mask == addr & mask
            }
            _ => false,
        }
    }
}

/// Decodes standard base64 (padding optional).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_date(text: &str, expected: Option<i128>) {
        assert_eq!(parse_date(text), expected, "{text:?}");
    }

    #[test]
    fn dates_read_iso_8601_and_epoch() {
        let s = |secs: i128| Some(secs * NANOS);
        for (text, expected) in [
            ("1970-01-01T00:00:00Z", s(0)),
            ("2018-08-16T12:00:00Z", s(1_534_420_800)),
            ("2018-08-16t12:00:00z", s(1_534_420_800)),
            ("2018-08-16T12:00Z", s(1_534_420_800)),
            ("2018-08-16T13:00:00+01:00", s(1_534_420_800)),
            ("2018-08-16T07:00:00-05:00", s(1_534_420_800)),
            ("2018-08-16T13:00:00+01", s(1_534_420_800)),
            ("2018-08-16", s(1_534_377_600)),
            ("2018-08", s(1_533_081_600)),
            ("2018", s(2018)),
            ("1534420800", s(1_534_420_800)),
            ("2016-12-13T21:20:37.593194+00:00", Some(1_481_664_037 * NANOS + 593_194_000)),
            ("2016-12-13t2:00:00.593194+23", Some((1_481_594_400 - 23 * 3600) * NANOS + 593_194_000)),
            ("01T", s(-62_135_596_800)),
            ("-292275054", Some(days_from_civil(-292_275_054, 1, 1) * 86_400 * NANOS)),
            ("1600-02-29", s(-11_670_998_400)),
            ("sdfdsf", None),
            ("234-13", None),
            ("2016-12-13t2:00:00.593194+1", None),
            ("2016-12-13t2:00:00.1999999999+10:59", None),
            ("9223372036854775808", None),
            ("9223372036854775807", Some(i64::MAX as i128 * NANOS)),
            ("2018-08-16T24:00:00Z", None),
            ("2018-08-16T12:00:60Z", None),
            ("2018-08-16T12:00:00+0100", None),
            ("", None),
            ("T", None),
        ] {
            check_date(text, expected);
        }
    }

    #[test]
    fn numbers_are_decimal_only() {
        for (text, expected) in [
            ("10", Some(10.0)),
            ("-2.5", Some(-2.5)),
            ("1e3", Some(1000.0)),
            ("NaN", None),
            ("inf", None),
            ("", None),
            ("1e999", None),
            ("ten", None),
        ] {
            assert_eq!(parse_number(text), expected, "{text:?}");
        }
    }

    fn check_ip(net: &str, addr: &str, expected: Option<bool>) {
        let got = Cidr::parse(net).and_then(|n| Cidr::parse(addr).map(|a| n.contains(&a)));
        assert_eq!(got, expected, "{net} ∋ {addr}");
    }

    #[test]
    fn ip_ranges_cover_v4_and_v6() {
        for (net, addr, expected) in [
            ("203.0.113.0/24", "203.0.113.7", Some(true)),
            ("203.0.113.0/24", "203.0.114.7", Some(false)),
            ("203.0.113.9/24", "203.0.113.200", Some(true)),
            ("0.0.0.0/0", "8.8.8.8", Some(true)),
            ("10.1.2.3", "10.1.2.3", Some(true)),
            ("10.1.2.3", "10.1.2.4", Some(false)),
            ("2001:db8::/32", "2001:db8:1::1", Some(true)),
            ("2001:db8::/32", "2001:db9::1", Some(false)),
            ("::/0", "::1", Some(true)),
            ("2001:db8::/32", "203.0.113.7", Some(false)),
            ("10.0.0.0/33", "10.0.0.1", None),
            ("2001:db8::/129", "2001:db8::1", None),
            ("not-an-ip", "10.0.0.1", None),
            ("10.0.0.0/8", "10.0.0.999", None),
        ] {
            check_ip(net, addr, expected);
        }
    }

    #[test]
    fn base64_padding_is_optional() {
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("aGk"), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("***"), None);
    }
}
