//! The Go library behaviour the authenticator's format checks inherit, ported
//! so that eksim accepts and rejects exactly the same tokens with the same
//! texts (`authenticator.md` §2, checks 3, 4 and 8): `base64.RawURLEncoding`
//! decoding, `net/url.Parse` and `net/url.ParseQuery`.
//!
//! Everything works on bytes, as Go strings do: a decoded token need not be
//! UTF-8, and Go's messages show such bytes as `\xHH`.

use crate::gofmt::quote_bytes;

/// Go's `base64.RawURLEncoding.DecodeString` (unpadded, `-_` alphabet, not
/// strict): CR and LF are skipped; the error is the byte offset Go reports in
/// `illegal base64 data at input byte N`.
pub(crate) fn decode_base64_raw_url(src: &[u8]) -> Result<Vec<u8>, usize> {
    fn value(b: u8) -> Option<u8> {
        match b {
            b'A'..=b'Z' => Some(b - b'A'),
            b'a'..=b'z' => Some(b - b'a' + 26),
            b'0'..=b'9' => Some(b - b'0' + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(src.len() / 4 * 3 + 3);
    let mut si = 0usize;
    while si < src.len() {
        let mut quantum = [0u8; 4];
        let mut len = 4usize;
        let mut j = 0usize;
        while j < 4 {
            let Some(&b) = src.get(si) else {
                match j {
                    0 => return Ok(out),
                    // One lone character cannot encode a byte.
                    1 => return Err(si - j),
                    _ => {
                        len = j;
                        break;
                    }
                }
            };
            si += 1;
            match value(b) {
                Some(v) => {
                    quantum[j] = v;
                    j += 1;
                }
                None if b == b'\n' || b == b'\r' => {}
                None => return Err(si - 1),
            }
        }
        let bits = u32::from(quantum[0]) << 18
            | u32::from(quantum[1]) << 12
            | u32::from(quantum[2]) << 6
            | u32::from(quantum[3]);
        let bytes = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        out.extend_from_slice(&bytes[..len - 1]);
    }
    Ok(out)
}

/// The parts of a URL the verifier looks at, as Go's `url.URL` holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GoUrl {
    /// Lower-cased scheme, empty when there is none.
    pub scheme: Vec<u8>,
    /// The decoded host, with its port.
    pub host: Vec<u8>,
    /// The decoded path (empty for opaque URLs).
    pub path: Vec<u8>,
    /// The raw query, without `?`.
    pub raw_query: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn unhex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Go's `shouldEscape`, only as far as `unescape` consults it (host and zone).
fn should_escape_host(c: u8) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    !matches!(
        c,
        b'!' | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'['
            | b']'
            | b'<'
            | b'>'
            | b'"'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
    )
}

fn escape_error(s: &[u8]) -> String {
    format!("invalid URL escape {}", quote_bytes(s))
}

/// Go's `url.unescape`.
fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, String> {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if i + 2 >= s.len() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]) {
                    let end = (i + 3).min(s.len());
                    return Err(escape_error(&s[i..end]));
                }
                // In a host, %-encoding may only encode non-ASCII bytes (RFC 3986),
                // and %25 (RFC 6874 zones).
                if mode == Mode::Host && unhex(s[i + 1]) < 8 && &s[i..i + 3] != b"%25" {
                    return Err(escape_error(&s[i..i + 3]));
                }
                if mode == Mode::Zone {
                    let v = unhex(s[i + 1]) << 4 | unhex(s[i + 2]);
                    if &s[i..i + 3] != b"%25" && v != b' ' && should_escape_host(v) {
                        return Err(escape_error(&s[i..i + 3]));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape_host(c) {
                    return Err(format!("invalid character {} in host name", quote_bytes(&s[i..i + 1])));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                out.push(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

fn rfind(s: &[u8], b: u8) -> Option<usize> {
    s.iter().rposition(|&c| c == b)
}

fn find(s: &[u8], b: u8) -> Option<usize> {
    s.iter().position(|&c| c == b)
}

fn find_seq(s: &[u8], needle: &[u8]) -> Option<usize> {
    s.windows(needle.len()).position(|w| w == needle)
}

fn parse_host(host: &[u8]) -> Result<Vec<u8>, String> {
    if host.first() == Some(&b'[') {
        let Some(i) = rfind(host, b']') else {
            return Err("missing ']' in host".to_owned());
        };
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", quote_bytes(colon_port)));
        }
        if let Some(zone) = find_seq(&host[..i], b"%25") {
            let mut out = unescape(&host[..zone], Mode::Host)?;
            out.extend(unescape(&host[zone..i], Mode::Zone)?);
            out.extend(unescape(&host[i..], Mode::Host)?);
            return Ok(out);
        }
    } else if let Some(i) = rfind(host, b':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", quote_bytes(colon_port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &[u8]) -> bool {
    // Go ranges over runes: any non-ASCII rune (or invalid byte) is refused.
    s.iter().all(|&c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b':'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
                    | b'@'
            )
    })
}

fn parse_authority(authority: &[u8]) -> Result<Vec<u8>, String> {
    let at = rfind(authority, b'@');
    let host = parse_host(match at {
        Some(i) => &authority[i + 1..],
        None => authority,
    })?;
    if let Some(i) = at {
        let userinfo = &authority[..i];
        if !valid_userinfo(userinfo) {
            return Err("net/url: invalid userinfo".to_owned());
        }
        match find(userinfo, b':') {
            None => {
                unescape(userinfo, Mode::UserPassword)?;
            }
            Some(c) => {
                unescape(&userinfo[..c], Mode::UserPassword)?;
                unescape(&userinfo[c + 1..], Mode::UserPassword)?;
            }
        }
    }
    Ok(host)
}

/// Go's `getScheme`: `Err` only for a leading `:`.
fn get_scheme(raw: &[u8]) -> Result<(&[u8], &[u8]), String> {
    for (i, &c) in raw.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i == 0 => return Ok((b"", raw)),
            b'0'..=b'9' | b'+' | b'-' | b'.' => {}
            b':' if i == 0 => return Err("missing protocol scheme".to_owned()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok((b"", raw)),
        }
    }
    Ok((b"", raw))
}

/// Go's unexported `url.parse(rawURL, viaRequest=false)`.
fn parse_no_fragment(raw: &[u8]) -> Result<GoUrl, String> {
    if raw.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    let mut url = GoUrl::default();
    if raw == b"*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.last() == Some(&b'?') && rest.iter().filter(|&&c| c == b'?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some(q) = find(rest, b'?') {
        url.raw_query = rest[q + 1..].to_vec();
        rest = &rest[..q];
    }
    if rest.first() != Some(&b'/') {
        if !url.scheme.is_empty() {
            // A rootless path is opaque (RFC 3986).
            return Ok(url);
        }
        let segment = match find(rest, b'/') {
            Some(i) => &rest[..i],
            None => rest,
        };
        if segment.contains(&b':') {
            return Err("first path segment in URL cannot contain colon".to_owned());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with(b"///")) && rest.starts_with(b"//") {
        let authority = &rest[2..];
        let (authority, after) = match find(authority, b'/') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, &b""[..]),
        };
        url.host = parse_authority(authority)?;
        rest = after;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

/// Go's `url.Parse`; the error is the whole text Go prints, e.g.
/// `parse ":ab:cd.af:/asda": missing protocol scheme`.
pub(crate) fn parse_url(raw: &[u8]) -> Result<GoUrl, String> {
    let (u, fragment) = match find(raw, b'#') {
        Some(i) => (&raw[..i], Some(&raw[i + 1..])),
        None => (raw, None),
    };
    let url = parse_no_fragment(u).map_err(|e| format!("parse {}: {e}", quote_bytes(u)))?;
    if let Some(fragment) = fragment {
        unescape(fragment, Mode::Fragment).map_err(|e| format!("parse {}: {e}", quote_bytes(raw)))?;
    }
    Ok(url)
}

/// One query key with its values, in order of first appearance.
pub(crate) type QueryPairs = Vec<(Vec<u8>, Vec<Vec<u8>>)>;

/// Go's `url.ParseQuery`: `&`-separated, `;` refused, `+` is a space. `Err`
/// when any part failed (Go still returns the rest, but the verifier stops).
pub(crate) fn parse_query(query: &[u8]) -> Result<QueryPairs, ()> {
    let mut pairs: QueryPairs = Vec::new();
    let mut failed = false;
    for part in query.split(|&b| b == b'&') {
        if part.contains(&b';') {
            failed = true;
            continue;
        }
        if part.is_empty() {
            continue;
        }
        let (key, value) = match find(part, b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        let (Ok(key), Ok(value)) = (unescape(key, Mode::QueryComponent), unescape(value, Mode::QueryComponent)) else {
            failed = true;
            continue;
        };
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => pairs.push((key, vec![value])),
        }
    }
    if failed {
        Err(())
    } else {
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_reports_the_first_illegal_byte() {
        assert_eq!(decode_base64_raw_url(b"aGk"), Ok(b"hi".to_vec()));
        assert_eq!(decode_base64_raw_url(b"aG\nk"), Ok(b"hi".to_vec()));
        assert_eq!(decode_base64_raw_url(b"aGk="), Err(3));
        assert_eq!(decode_base64_raw_url(b"aGk+"), Err(3));
        assert_eq!(decode_base64_raw_url(b"aGkha"), Err(4));
        assert_eq!(decode_base64_raw_url(b""), Ok(vec![]));
        // Not strict: unused trailing bits are ignored.
        assert_eq!(decode_base64_raw_url(b"aGl"), Ok(b"hi".to_vec()));
    }

    fn check(raw: &str, expected: Result<(&str, &str, &str, &str), &str>) {
        let got = parse_url(raw.as_bytes()).map(|u| {
            (
                String::from_utf8_lossy(&u.scheme).into_owned(),
                String::from_utf8_lossy(&u.host).into_owned(),
                String::from_utf8_lossy(&u.path).into_owned(),
                String::from_utf8_lossy(&u.raw_query).into_owned(),
            )
        });
        let expected = expected
            .map(|(s, h, p, q)| (s.to_owned(), h.to_owned(), p.to_owned(), q.to_owned()))
            .map_err(str::to_owned);
        assert_eq!(got, expected, "{raw}");
    }

    #[test]
    fn url_parse_matches_go() {
        check("https://sts.amazonaws.com/?Action=x", Ok(("https", "sts.amazonaws.com", "/", "Action=x")));
        check("HTTP://127.0.0.1:9/", Ok(("http", "127.0.0.1:9", "/", "")));
        check(":ab:cd.af:/asda", Err(r#"parse ":ab:cd.af:/asda": missing protocol scheme"#));
        check("a b:c", Err(r#"parse "a b:c": first path segment in URL cannot contain colon"#));
        check("https://h:x/", Err(r#"parse "https://h:x/": invalid port ":x" after host"#));
        check("https://h o/", Err(r#"parse "https://h o/": invalid character " " in host name"#));
        check("https://h/%zz", Err(r#"parse "https://h/%zz": invalid URL escape "%zz""#));
        check("https://h/%2", Err(r#"parse "https://h/%2": invalid URL escape "%2""#));
        check("https://h%41/", Err(r#"parse "https://h%41/": invalid URL escape "%41""#));
        check("https://h/#%zz", Err(r#"parse "https://h/#%zz": invalid URL escape "%zz""#));
        check("https://u@h/", Ok(("https", "h", "/", "")));
        check("https://u<@h/", Err(r#"parse "https://u<@h/": net/url: invalid userinfo"#));
        check("https://h\n/", Err(r#"parse "https://h\n/": net/url: invalid control character in URL"#));
        check("https://[::1]:443/", Ok(("https", "[::1]:443", "/", "")));
        check("https://[::1/", Err(r#"parse "https://[::1/": missing ']' in host"#));
        check("mailto:x?y", Ok(("mailto", "", "", "y")));
        check("https://h/a%2Fb", Ok(("https", "h", "/a/b", "")));
        check("https://h/?", Ok(("https", "h", "/", "")));
    }

    #[test]
    fn parse_query_keeps_order_and_refuses_semicolons() {
        let pairs = parse_query(b"a=1&b=2&a=3&&c").unwrap_or_default();
        assert_eq!(
            pairs,
            vec![
                (b"a".to_vec(), vec![b"1".to_vec(), b"3".to_vec()]),
                (b"b".to_vec(), vec![b"2".to_vec()]),
                (b"c".to_vec(), vec![b"".to_vec()]),
            ]
        );
        assert_eq!(parse_query(b"a=1;b=2"), Err(()));
        assert_eq!(parse_query(b"a=%zz"), Err(()));
        assert_eq!(parse_query(b"a=x+y%2B").map(|p| p[0].1[0].clone()), Ok(b"x y+".to_vec()));
    }
}
