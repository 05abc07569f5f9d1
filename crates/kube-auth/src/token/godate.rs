//! Go's `time.Parse("20060102T150405Z", value)`, the authenticator's
//! `X-Amz-Date` parser (`authenticator.md` §2, check 16), with Go's error
//! texts: a value Go accepts (a fractional second, say) is accepted here too.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::gofmt::time_quote;

/// The layout, as the authenticator names it in its message.
pub(crate) const LAYOUT: &str = "20060102T150405Z";

#[derive(Clone, Copy)]
enum Chunk {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

/// The layout as Go's `nextStdChunk` splits it: literal prefix, element.
const CHUNKS: [(&str, Chunk, &str); 6] = [
    ("", Chunk::Year, "2006"),
    ("", Chunk::Month, "01"),
    ("", Chunk::Day, "02"),
    ("T", Chunk::Hour, "15"),
    ("", Chunk::Minute, "04"),
    ("", Chunk::Second, "05"),
];

fn digit(s: &[u8], i: usize) -> Option<u8> {
    s.get(i).filter(|b| b.is_ascii_digit()).map(|b| b - b'0')
}

/// Go's `getnum`: one or two digits, exactly two when `fixed`.
fn getnum(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let first = digit(s, 0)?;
    match digit(s, 1) {
        Some(second) => Some((u32::from(first) * 10 + u32::from(second), &s[2..])),
        None if fixed => None,
        None => Some((u32::from(first), &s[1..])),
    }
}

fn cannot_parse(value: &[u8], value_elem: &[u8], layout_elem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        time_quote(value),
        time_quote(LAYOUT.as_bytes()),
        time_quote(value_elem),
        time_quote(layout_elem.as_bytes())
    )
}

fn with_message(value: &[u8], message: &str) -> String {
    format!("parsing time {}{message}", time_quote(value))
}

fn days_in(month: u32, year: i32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `value` as Go does with [`LAYOUT`]; the error is Go's text.
pub(crate) fn parse(value: &[u8]) -> Result<OffsetDateTime, String> {
    let full = value;
    let mut rest = value;
    let (mut year, mut month, mut day, mut hour, mut minute, mut second, mut nanos) = (0i32, 0u32, 0u32, 0u32, 0, 0, 0);
    for (prefix, chunk, elem) in CHUNKS {
        for (i, &p) in prefix.as_bytes().iter().enumerate() {
            if rest.first() != Some(&p) {
                return Err(cannot_parse(full, rest, &prefix[i..]));
            }
            rest = &rest[1..];
        }
        let hold = rest;
        let mut range_error = None;
        let parsed = match chunk {
            Chunk::Year => {
                if rest.len() < 4 || digit(rest, 0).is_none() {
                    None
                } else {
                    let (digits, after) = rest.split_at(4);
                    rest = after;
                    std::str::from_utf8(digits)
                        .ok()
                        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|d| d.parse::<i32>().ok())
                        .map(|y| year = y)
                }
            }
            Chunk::Month => getnum(rest, true).map(|(v, after)| {
                rest = after;
                month = v;
                if !(1..=12).contains(&v) {
                    range_error = Some("month");
                }
            }),
            Chunk::Day => getnum(rest, true).map(|(v, after)| {
                rest = after;
                day = v;
            }),
            Chunk::Hour => getnum(rest, false).map(|(v, after)| {
                rest = after;
                hour = v;
                if v >= 24 {
                    range_error = Some("hour");
                }
            }),
            Chunk::Minute => getnum(rest, true).map(|(v, after)| {
                rest = after;
                minute = v;
                if v >= 60 {
                    range_error = Some("minute");
                }
            }),
            Chunk::Second => getnum(rest, true).map(|(v, after)| {
                rest = after;
                second = v;
                if v >= 60 {
                    range_error = Some("second");
                } else if rest.len() >= 2 && matches!(rest[0], b'.' | b',') && rest[1].is_ascii_digit() {
                    // Go accepts a fractional second the layout does not ask for.
                    let n = 2 + rest[2..].iter().take_while(|b| b.is_ascii_digit()).count();
                    let digits = &rest[1..n.min(10)];
                    let mut ns: u32 = digits.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
                    for _ in 0..(10 - n.min(10)) {
                        ns *= 10;
                    }
                    nanos = ns;
                    rest = &rest[n..];
                }
            }),
        };
        if let Some(what) = range_error {
            return Err(with_message(full, &format!(": {what} out of range")));
        }
        if parsed.is_none() {
            return Err(cannot_parse(full, hold, elem));
        }
    }
    if rest.first() != Some(&b'Z') {
        return Err(cannot_parse(full, rest, "Z"));
    }
    rest = &rest[1..];
    if !rest.is_empty() {
        return Err(with_message(full, &format!(": extra text: {}", time_quote(rest))));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(with_message(full, ": day out of range"));
    }
    let month = Month::try_from(month as u8).map_err(|_| with_message(full, ": month out of range"))?;
    let date =
        Date::from_calendar_date(year, month, day as u8).map_err(|_| with_message(full, ": day out of range"))?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| with_message(full, ": hour out of range"))?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn check(value: &str, expected: Result<OffsetDateTime, &str>) {
        assert_eq!(parse(value.as_bytes()), expected.map_err(str::to_owned), "{value}");
    }

    #[test]
    fn amz_dates_parse_as_go_parses_them() {
        check("20261124T193940Z", Ok(datetime!(2026-11-24 19:39:40 UTC)));
        check("20240229T000000Z", Ok(datetime!(2024-02-29 00:00:00 UTC)));
        // The hour takes two digits when it can, as Go's `getnum` does.
        check("20261124T93940Z", Err(r#"parsing time "20261124T93940Z": hour out of range"#));
        check("20261124T193940.25Z", Ok(datetime!(2026-11-24 19:39:40.25 UTC)));
        check("xxxxxxx", Err(r#"parsing time "xxxxxxx" as "20060102T150405Z": cannot parse "xxxxxxx" as "2006""#));
        check("2026112", Err(r#"parsing time "2026112" as "20060102T150405Z": cannot parse "2" as "02""#));
        check(
            "20261124 193940Z",
            Err(r#"parsing time "20261124 193940Z" as "20060102T150405Z": cannot parse " 193940Z" as "T""#),
        );
        check(
            "2026x124T193940Z",
            Err(r#"parsing time "2026x124T193940Z" as "20060102T150405Z": cannot parse "x124T193940Z" as "01""#),
        );
        check("20261324T193940Z", Err(r#"parsing time "20261324T193940Z": month out of range"#));
        check("20261124T253940Z", Err(r#"parsing time "20261124T253940Z": hour out of range"#));
        check("20230229T000000Z", Err(r#"parsing time "20230229T000000Z": day out of range"#));
        check("20261124T193940Zx", Err(r#"parsing time "20261124T193940Zx": extra text: "x""#));
        check(
            "20261124T193940",
            Err(r#"parsing time "20261124T193940" as "20060102T150405Z": cannot parse "" as "Z""#),
        );
        check(
            "2a261124T193940Z",
            Err(r#"parsing time "2a261124T193940Z" as "20060102T150405Z": cannot parse "2a261124T193940Z" as "2006""#),
        );
    }
}
