//! Finding and parsing the SigV4 parameters of a request, in header form
//! (`Authorization`) or presigned form (`X-Amz-*` query parameters), and the
//! compact ISO 8601 dates they carry (`iam-sts.md` §3.1).
//!
//! Checks run in this order, the first failure wins: both forms present;
//! algorithm; `key=value` syntax (header form); missing `Credential`,
//! `Signature`, `SignedHeaders`, date; date format; credential shape; `host`
//! signed; date header signed (header form).

use percent_encoding::percent_decode_str;
use time::{
    format_description::FormatItem, macros::format_description, Date, Month, OffsetDateTime, PrimitiveDateTime, Time,
};

use crate::{Auth, Error, Form, QueryParam, Request, Scope, ALGORITHM};

/// The first value of header `name` (ASCII case-insensitive).
pub(crate) fn header<'a>(req: &Request<'a>, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

/// The first value of query parameter `name` (exact case, compared after
/// percent-decoding), percent-decoded with `+` kept literal.
fn query_param(raw_query: &str, name: &str) -> Option<String> {
    raw_query.split('&').find_map(|part| {
        let (n, v) = part.split_once('=').unwrap_or((part, ""));
        (decode(n) == name).then(|| decode(v))
    })
}

fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// Parses the SigV4 parameters of `req`.
///
/// Returns `Ok(None)` when the request carries no SigV4 at all: no
/// `Authorization` header and no `X-Amz-Algorithm` query parameter (AWS's
/// `MissingAuthenticationToken`). An `Authorization` header with another
/// scheme is [`Error::UnsupportedAlgorithm`].
///
/// Only the syntax is checked here, plus that `host` (and, in header form, the
/// header carrying the date) is signed; scope and clock are [`crate::check_time`]'s.
pub fn parse(req: &Request) -> Result<Option<Auth>, Error> {
    let authorization = header(req, "authorization");
    let algorithm = query_param(req.raw_query, "X-Amz-Algorithm");
    match (authorization, algorithm) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(Error::BothForms),
        (Some(value), None) => parse_header_form(req, value).map(Some),
        (None, Some(algorithm)) => parse_presigned_form(req, algorithm).map(Some),
    }
}

fn is_signed(signed_headers: &[String], name: &str) -> bool {
    signed_headers.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn parse_header_form(req: &Request, authorization: &str) -> Result<Auth, Error> {
    let value = authorization.trim();
    let (algorithm, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(Error::UnsupportedAlgorithm(algorithm.to_owned()));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for pair in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, val)) = pair.split_once('=') else {
            return Err(Error::MalformedAuthorization {
                pair: pair.to_owned(),
                authorization: authorization.to_owned(),
            });
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        // The first occurrence wins.
        slot.get_or_insert(val.trim());
    }
    let credential = credential.ok_or(Error::MissingCredential)?;
    let signature = signature.ok_or(Error::MissingSignature)?;
    let signed_headers = signed_headers.ok_or(Error::MissingSignedHeaders)?;

    // X-Amz-Date wins over Date; the string to sign carries the compact form.
    let (date_header, amz_date, timestamp) = if let Some(raw) = header(req, "x-amz-date") {
        let raw = raw.trim();
        let timestamp = parse_amz_date(raw).ok_or_else(|| Error::MalformedDate(raw.to_owned()))?;
        ("X-Amz-Date", raw.to_owned(), timestamp)
    } else if let Some(raw) = header(req, "date") {
        let raw = raw.trim();
        let timestamp = parse_http_date(raw).ok_or_else(|| Error::MalformedDate(raw.to_owned()))?;
        ("Date", format_amz_date(timestamp), timestamp)
    } else {
        return Err(Error::MissingDate);
    };

    let (access_key_id, scope) = parse_credential(credential)?;
    let signed_headers = split_signed_headers(signed_headers);
    if !is_signed(&signed_headers, "host") {
        return Err(Error::HostNotSigned);
    }
    if !is_signed(&signed_headers, date_header) {
        return Err(Error::DateNotSigned(date_header));
    }
    Ok(Auth {
        form: Form::Header,
        access_key_id,
        scope,
        signed_headers,
        signature: signature.to_owned(),
        amz_date,
        timestamp,
        expires: None,
        security_token: header(req, "x-amz-security-token").map(|t| t.trim().to_owned()),
    })
}

fn parse_presigned_form(req: &Request, algorithm: String) -> Result<Auth, Error> {
    if algorithm != ALGORITHM {
        return Err(Error::UnsupportedAlgorithm(algorithm));
    }
    let q = |name| query_param(req.raw_query, name);
    let credential = q("X-Amz-Credential").ok_or(Error::MissingQueryParam(QueryParam::Credential))?;
    let signature = q("X-Amz-Signature").ok_or(Error::MissingQueryParam(QueryParam::Signature))?;
    let signed_headers = q("X-Amz-SignedHeaders").ok_or(Error::MissingQueryParam(QueryParam::SignedHeaders))?;
    let amz_date = q("X-Amz-Date").ok_or(Error::MissingQueryParam(QueryParam::Date))?;
    let timestamp = parse_amz_date(&amz_date).ok_or_else(|| Error::MalformedDate(amz_date.clone()))?;
    let (access_key_id, scope) = parse_credential(&credential)?;
    let signed_headers = split_signed_headers(&signed_headers);
    if !is_signed(&signed_headers, "host") {
        return Err(Error::HostNotSigned);
    }
    Ok(Auth {
        form: Form::Presigned,
        access_key_id,
        scope,
        signed_headers,
        signature,
        amz_date,
        timestamp,
        expires: q("X-Amz-Expires").and_then(|e| e.parse().ok()),
        security_token: q("X-Amz-Security-Token"),
    })
}

fn split_signed_headers(list: &str) -> Vec<String> {
    list.split(';').map(str::to_owned).collect()
}

/// `AKID/DATE/REGION/SERVICE/TERMINATOR`; trailing empty elements are ignored,
/// as AWS does.
fn parse_credential(credential: &str) -> Result<(String, Scope), Error> {
    let malformed = || Error::MalformedCredential(credential.to_owned());
    let mut parts: Vec<&str> = credential.split('/').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    let [key, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed());
    };
    Ok((
        (*key).to_owned(),
        Scope {
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            terminator: (*terminator).to_owned(),
        },
    ))
}

/// Parses a compact ISO 8601 time, `YYYYMMDD'T'HHMMSS'Z'` (`X-Amz-Date`),
/// strictly: exactly 16 characters, a valid calendar date and time, UTC.
pub fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let day = u8::try_from(num(6..8)?).ok()?;
    let hour = u8::try_from(num(9..11)?).ok()?;
    let minute = u8::try_from(num(11..13)?).ok()?;
    let second = u8::try_from(num(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Formats a time as compact ISO 8601 in UTC (`20150830T123600Z`), the form of
/// `X-Amz-Date` and of the times in AWS's clock-skew messages. Sub-second
/// parts are dropped.
pub fn format_amz_date(time: OffsetDateTime) -> String {
    let t = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 1123, the `Date` header form: `Sun, 30 Aug 2015 12:36:00 GMT`.
const HTTP_DATE: &[FormatItem<'static>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");

fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, HTTP_DATE).ok().map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const CRED: &str = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    fn request<'a>(query: &'a str, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request { method: "GET", raw_path: "/", raw_query: query, headers, body: b"" }
    }

    /// Parses and compares with `expected`: `Ok(None)`, an error, or (for
    /// `Ok(Some)`) only whether parsing succeeded.
    fn check(query: &str, headers: &[(&str, &str)], expected: Result<bool, Error>) {
        let got = parse(&request(query, headers)).map(|auth| auth.is_some());
        assert_eq!(got, expected, "query {query:?}, headers {headers:?}");
    }

    fn authz(s: &str) -> String {
        format!("AWS4-HMAC-SHA256 {s}")
    }

    #[test]
    fn requests_without_sigv4_are_anonymous() {
        check("", &[("Host", "example.com")], Ok(false));
        check("Action=GetCallerIdentity&x-amz-algorithm=AWS4-HMAC-SHA256", &[], Ok(false));
    }

    #[test]
    fn header_form_errors_come_in_table_order() {
        let date = ("X-Amz-Date", "20150830T123600Z");
        let full = authz(&format!("Credential={CRED}, SignedHeaders=host;x-amz-date, Signature={SIG}"));
        // (Authorization value, other headers, expected)
        type Case<'a> = (String, Vec<(&'a str, &'a str)>, Result<bool, Error>);
        let cases: Vec<Case> = vec![
            (full.clone(), vec![date], Ok(true)),
            (
                format!("AWS4-HMAC-SHA256 Credential={CRED},SignedHeaders=host;x-amz-date,Signature={SIG}"),
                vec![date],
                Ok(true),
            ),
            ("Bearer abc".into(), vec![date], Err(Error::UnsupportedAlgorithm("Bearer".into()))),
            (String::new(), vec![date], Err(Error::UnsupportedAlgorithm(String::new()))),
            (
                authz(&format!("Credential={CRED}, SignedHeaders, Signature={SIG}")),
                vec![date],
                Err(Error::MalformedAuthorization {
                    pair: "SignedHeaders".into(),
                    authorization: authz(&format!("Credential={CRED}, SignedHeaders, Signature={SIG}")),
                }),
            ),
            (authz("SignedHeaders=host, Signature=ab"), vec![date], Err(Error::MissingCredential)),
            (authz(&format!("Credential={CRED}, SignedHeaders=host")), vec![date], Err(Error::MissingSignature)),
            (authz(&format!("Credential={CRED}, Signature={SIG}")), vec![date], Err(Error::MissingSignedHeaders)),
            (full.clone(), vec![], Err(Error::MissingDate)),
            (
                full.clone(),
                vec![("X-Amz-Date", "2015-08-30T12:36:00Z")],
                Err(Error::MalformedDate("2015-08-30T12:36:00Z".into())),
            ),
            (
                full.clone(),
                vec![("X-Amz-Date", "20150230T123600Z")],
                Err(Error::MalformedDate("20150230T123600Z".into())),
            ),
            (full.clone(), vec![("Date", "yesterday")], Err(Error::MalformedDate("yesterday".into()))),
            (
                authz(&format!(
                    "Credential=AKID/20150830/us-east-1/service, SignedHeaders=host;x-amz-date, Signature={SIG}"
                )),
                vec![date],
                Err(Error::MalformedCredential("AKID/20150830/us-east-1/service".into())),
            ),
            (
                authz(&format!("Credential={CRED}/, SignedHeaders=host;x-amz-date, Signature={SIG}")),
                vec![date],
                Ok(true),
            ),
            (
                authz(&format!("Credential={CRED}/x, SignedHeaders=host;x-amz-date, Signature={SIG}")),
                vec![date],
                Err(Error::MalformedCredential(format!("{CRED}/x"))),
            ),
            (
                authz(&format!("Credential={CRED}, SignedHeaders=x-amz-date, Signature={SIG}")),
                vec![date],
                Err(Error::HostNotSigned),
            ),
            (
                authz(&format!("Credential={CRED}, SignedHeaders=, Signature={SIG}")),
                vec![date],
                Err(Error::HostNotSigned),
            ),
            (
                authz(&format!("Credential={CRED}, SignedHeaders=host, Signature={SIG}")),
                vec![date],
                Err(Error::DateNotSigned("X-Amz-Date")),
            ),
            (
                authz(&format!("Credential={CRED}, SignedHeaders=host, Signature={SIG}")),
                vec![("Date", "Sun, 30 Aug 2015 12:36:00 GMT")],
                Err(Error::DateNotSigned("Date")),
            ),
            (
                authz(&format!("Credential={CRED}, SignedHeaders=date;host, Signature={SIG}")),
                vec![("Date", "Sun, 30 Aug 2015 12:36:00 GMT")],
                Ok(true),
            ),
        ];
        for (authorization, mut headers, expected) in cases {
            headers.push(("Authorization", &authorization));
            check("", &headers, expected);
        }
    }

    #[test]
    fn header_form_fields_are_extracted() {
        let authorization =
            authz(&format!("Credential={CRED}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={SIG}"));
        let headers = [
            ("host", "example.com"),
            ("X-AMZ-DATE", "20150830T123600Z"),
            ("x-amz-security-token", " tok+/= "),
            ("authorization", authorization.as_str()),
        ];
        let auth = parse(&request("", &headers)).ok().flatten();
        assert_eq!(
            auth,
            Some(Auth {
                form: Form::Header,
                access_key_id: "AKIDEXAMPLE".into(),
                scope: Scope {
                    date: "20150830".into(),
                    region: "us-east-1".into(),
                    service: "service".into(),
                    terminator: "aws4_request".into(),
                },
                signed_headers: vec!["host".into(), "x-amz-date".into(), "x-amz-security-token".into()],
                signature: SIG.into(),
                amz_date: "20150830T123600Z".into(),
                timestamp: datetime!(2015-08-30 12:36:00 UTC),
                expires: None,
                security_token: Some("tok+/=".into()),
            })
        );
    }

    #[test]
    fn the_date_header_is_used_in_compact_form() {
        let authorization = authz(&format!("Credential={CRED}, SignedHeaders=date;host, Signature={SIG}"));
        let headers = [("Date", "Sun, 30 Aug 2015 12:36:00 GMT"), ("Authorization", authorization.as_str())];
        let auth = parse(&request("", &headers)).ok().flatten();
        assert_eq!(
            auth.map(|a| (a.amz_date, a.timestamp)),
            Some(("20150830T123600Z".into(), datetime!(2015-08-30 12:36:00 UTC)))
        );
    }

    #[test]
    fn presigned_form_errors_come_in_table_order() {
        let cred = "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request";
        let alg = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
        let date = "X-Amz-Date=20150830T123600Z";
        let sh = "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id";
        let sig = format!("X-Amz-Signature={SIG}");
        let c = format!("X-Amz-Credential={cred}");
        let host = [("host", "127.0.0.1")];
        let cases: Vec<(String, Result<bool, Error>)> = vec![
            (format!("Action=GetCallerIdentity&{alg}&{c}&{date}&X-Amz-Expires=60&{sh}&{sig}"), Ok(true)),
            (
                format!("X-Amz-Algorithm=AWS4-HMAC-SHA512&{c}&{date}&{sh}&{sig}"),
                Err(Error::UnsupportedAlgorithm("AWS4-HMAC-SHA512".into())),
            ),
            (format!("{alg}&{date}&{sh}&{sig}"), Err(Error::MissingQueryParam(QueryParam::Credential))),
            (format!("{alg}&{c}&{date}&{sh}"), Err(Error::MissingQueryParam(QueryParam::Signature))),
            (format!("{alg}&{c}&{date}&{sig}"), Err(Error::MissingQueryParam(QueryParam::SignedHeaders))),
            (format!("{alg}&{c}&{sh}&{sig}"), Err(Error::MissingQueryParam(QueryParam::Date))),
            (format!("{alg}&{c}&X-Amz-Date=20150830&{sh}&{sig}"), Err(Error::MalformedDate("20150830".into()))),
            (format!("{alg}&X-Amz-Credential=AKID&{date}&{sh}&{sig}"), Err(Error::MalformedCredential("AKID".into()))),
            (format!("{alg}&{c}&{date}&X-Amz-SignedHeaders=x-k8s-aws-id&{sig}"), Err(Error::HostNotSigned)),
        ];
        for (query, expected) in cases {
            check(&query, &host, expected);
        }
        let both = [("host", "h"), ("Authorization", "AWS4-HMAC-SHA256 Credential=x")];
        check(&format!("{alg}&{c}&{date}&{sh}&{sig}"), &both, Err(Error::BothForms));
    }

    #[test]
    fn presigned_fields_are_decoded() {
        let query = format!(
            "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261124%2Fus-east-1%2Fsts%2Faws4_request\
             &X-Amz-Date=20261124T170529Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
             &X-Amz-Security-Token=abc%2B%2F%3Ddef&X-Amz-Signature={SIG}"
        );
        let auth = parse(&request(&query, &[])).ok().flatten();
        let auth =
            auth.map(|a| (a.form, a.access_key_id, a.scope.to_string(), a.signed_headers, a.expires, a.security_token));
        assert_eq!(
            auth,
            Some((
                Form::Presigned,
                "AKIAIOSFODNN7EXAMPLE".into(),
                "20261124/us-east-1/sts/aws4_request".into(),
                vec!["host".into(), "x-k8s-aws-id".into()],
                Some(60),
                Some("abc+/=def".into()),
            ))
        );
    }

    #[test]
    fn amz_dates_parse_strictly_and_format_back() {
        for (text, ok) in [
            ("20150830T123600Z", true),
            ("20240229T235959Z", true),
            ("20230229T000000Z", false),
            ("20150830T123600", false),
            ("20150830T246000Z", false),
            ("2015083OT123600Z", false),
            ("+0150830T123600Z", false),
            ("20150830t123600z", false),
            ("", false),
        ] {
            let parsed = parse_amz_date(text);
            assert_eq!(parsed.is_some(), ok, "{text:?}");
            if let Some(t) = parsed {
                assert_eq!(format_amz_date(t), text);
            }
        }
    }
}
