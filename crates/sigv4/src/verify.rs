//! The server side: scope and clock checks (`iam-sts.md` §3.4, rows 3–4 of
//! §3.5) and the constant-time signature check (row 8).

use ring::hmac;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::canonical::{render, PathRules};
use crate::parse::format_amz_date;
use crate::sign::{signing_key, string_to_sign};
use crate::{Auth, Error, Form, QueryParam, Request, TERMINATOR};

/// `now` in UTC, whole seconds: AWS's messages and windows count seconds.
fn whole_seconds(now: OffsetDateTime) -> OffsetDateTime {
    let now = now.to_offset(UtcOffset::UTC);
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Checks the credential scope and the request time, in AWS's order:
///
/// 1. the terminator is `aws4_request` ([`Error::BadTerminator`]);
/// 2. the scope date is the date part of the request time
///    ([`Error::ScopeDateMismatch`]);
/// 3. the request time is within `window_minutes` of `now` either way, the
///    bounds included ([`Error::SignatureExpired`],
///    [`Error::SignatureNotYetCurrent`]). The window is 15 for STS and IAM.
///
/// Both forms get the same window: STS ignores `X-Amz-Expires` and a presigned
/// URL lives 15 minutes from `X-Amz-Date` (see [`check_expires`] for services
/// that honour `X-Amz-Expires`). The region is not checked (any region is
/// accepted) nor is the service (the caller routes by it). `now` is truncated
/// to whole seconds.
pub fn check_time(auth: &Auth, now: OffsetDateTime, window_minutes: i64) -> Result<(), Error> {
    if auth.scope.terminator != TERMINATOR {
        return Err(Error::BadTerminator(auth.scope.terminator.clone()));
    }
    let request_date = auth.amz_date.get(..8).unwrap_or(&auth.amz_date);
    if auth.scope.date != request_date {
        return Err(Error::ScopeDateMismatch {
            scope_date: auth.scope.date.clone(),
            request_date: request_date.to_owned(),
            amz_date: auth.amz_date.clone(),
        });
    }
    let now = whole_seconds(now);
    let window = Duration::seconds(window_minutes.saturating_mul(60));
    if let Some(earliest) = now.checked_sub(window) {
        if auth.timestamp < earliest {
            return Err(Error::SignatureExpired {
                request: auth.amz_date.clone(),
                earliest: format_amz_date(earliest),
                now: format_amz_date(now),
                window_minutes,
            });
        }
    }
    if let Some(latest) = now.checked_add(window) {
        if auth.timestamp > latest {
            return Err(Error::SignatureNotYetCurrent {
                request: auth.amz_date.clone(),
                latest: format_amz_date(latest),
                now: format_amz_date(now),
                window_minutes,
            });
        }
    }
    Ok(())
}

/// For services that honour `X-Amz-Expires` (not STS): a presigned request is
/// valid until `X-Amz-Date + X-Amz-Expires`, inclusive. A header-form request
/// passes. Fails with [`Error::MissingQueryParam`] (`X-Amz-Expires`) when the
/// parameter is absent or not an integer, and [`Error::PresignedExpired`] once
/// past. `now` is truncated to whole seconds.
pub fn check_expires(auth: &Auth, now: OffsetDateTime) -> Result<(), Error> {
    if auth.form != Form::Presigned {
        return Ok(());
    }
    let expires = auth.expires.ok_or(Error::MissingQueryParam(QueryParam::Expires))?;
    let now = whole_seconds(now);
    match auth.timestamp.checked_add(Duration::seconds(expires)) {
        Some(deadline) if now <= deadline => Ok(()),
        // An overflowing deadline lies beyond any representable `now`.
        None if expires > 0 => Ok(()),
        _ => Err(Error::PresignedExpired { request: auth.amz_date.clone(), expires, now: format_amz_date(now) }),
    }
}

/// Recomputes the signature of `req` with `secret_access_key` under the
/// scope of `auth`, with the service path rules ([`PathRules::SERVICE`]), and
/// compares it in constant time.
///
/// The host is taken from the `Host` header in both forms. Fails with
/// [`Error::SignedHeaderMissing`] or [`Error::SignatureMismatch`].
pub fn verify(req: &Request, auth: &Auth, secret_access_key: &str) -> Result<(), Error> {
    let key = signing_key(secret_access_key, &auth.scope.date, &auth.scope.region, &auth.scope.service);
    verify_with_key(req, auth, &key, PathRules::SERVICE)
}

/// As [`verify`], with a (cached) [`signing_key`] for the scope of `auth` and
/// explicit path rules.
pub fn verify_with_key(req: &Request, auth: &Auth, signing_key: &[u8; 32], rules: PathRules) -> Result<(), Error> {
    let (canonical_request, missing) = render(req, auth.form, &auth.signed_headers, rules);
    if let Some(name) = missing {
        return Err(Error::SignedHeaderMissing(name));
    }
    let string_to_sign = string_to_sign(&auth.amz_date, &auth.scope, &canonical_request);
    let key = hmac::Key::new(hmac::HMAC_SHA256, signing_key);
    let matches = decode_signature(&auth.signature)
        .is_some_and(|sent| hmac::verify(&key, string_to_sign.as_bytes(), &sent).is_ok());
    if matches {
        Ok(())
    } else {
        Err(Error::SignatureMismatch { canonical_request, string_to_sign })
    }
}

/// The signature bytes, if the text is 64 lower-case hex digits (the only form
/// AWS signers produce).
fn decode_signature(text: &str) -> Option<Vec<u8>> {
    let well_formed = text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    well_formed.then(|| hex::decode(text).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_amz_date, Scope};
    use time::macros::datetime;

    fn auth(form: Form, amz_date: &str, scope_date: &str, terminator: &str) -> Auth {
        Auth {
            form,
            access_key_id: "AKIDEXAMPLE".into(),
            scope: Scope {
                date: scope_date.into(),
                region: "us-east-1".into(),
                service: "sts".into(),
                terminator: terminator.into(),
            },
            signed_headers: vec!["host".into()],
            signature: String::new(),
            amz_date: amz_date.into(),
            timestamp: parse_amz_date(amz_date).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            expires: Some(60),
            security_token: None,
        }
    }

    fn check(form: Form, amz_date: &str, now: OffsetDateTime, expected: Result<(), Error>) {
        let a = auth(form, amz_date, amz_date.get(..8).unwrap_or_default(), "aws4_request");
        assert_eq!(check_time(&a, now, 15), expected, "{amz_date} at {now}");
    }

    fn expired(request: &str, earliest: &str, now: &str) -> Result<(), Error> {
        Err(Error::SignatureExpired {
            request: request.into(),
            earliest: earliest.into(),
            now: now.into(),
            window_minutes: 15,
        })
    }

    fn not_yet(request: &str, latest: &str, now: &str) -> Result<(), Error> {
        Err(Error::SignatureNotYetCurrent {
            request: request.into(),
            latest: latest.into(),
            now: now.into(),
            window_minutes: 15,
        })
    }

    #[test]
    fn the_clock_window_includes_its_bounds() {
        let now = datetime!(2022-01-27 01:59:28 UTC);
        for form in [Form::Header, Form::Presigned] {
            check(form, "20220127T015928Z", now, Ok(()));
            check(form, "20220127T014428Z", now, Ok(()));
            check(form, "20220127T021428Z", now, Ok(()));
            check(form, "20220127T014427Z", now, expired("20220127T014427Z", "20220127T014428Z", "20220127T015928Z"));
            check(form, "20220127T021429Z", now, not_yet("20220127T021429Z", "20220127T021428Z", "20220127T015928Z"));
        }
    }

    #[test]
    fn skew_errors_carry_awss_example_times() {
        let now = datetime!(2022-01-27 01:59:28.999 UTC);
        check(
            Form::Header,
            "20220127T001427Z",
            now,
            expired("20220127T001427Z", "20220127T014428Z", "20220127T015928Z"),
        );
        let message = check_time(&auth(Form::Header, "20220127T001427Z", "20220127", "aws4_request"), now, 15)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some(
                "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"
            )
        );
    }

    #[test]
    fn the_window_is_configurable_and_printed() {
        let a = auth(Form::Header, "20220127T015328Z", "20220127", "aws4_request");
        let now = datetime!(2022-01-27 01:59:28 UTC);
        assert_eq!(check_time(&a, now, 15), Ok(()));
        assert_eq!(
            check_time(&a, now, 5),
            Err(Error::SignatureExpired {
                request: "20220127T015328Z".into(),
                earliest: "20220127T015428Z".into(),
                now: "20220127T015928Z".into(),
                window_minutes: 5,
            })
        );
        assert_eq!(check_time(&a, now, i64::MAX), Ok(()));
    }

    #[test]
    fn scope_errors_come_before_the_clock() {
        let far = datetime!(2030-01-01 00:00:00 UTC);
        let a = auth(Form::Header, "20150830T123600Z", "20150830", "aws5_request");
        assert_eq!(check_time(&a, far, 15), Err(Error::BadTerminator("aws5_request".into())));
        let a = auth(Form::Header, "20150830T123600Z", "20150831", "aws4_request");
        assert_eq!(
            check_time(&a, far, 15),
            Err(Error::ScopeDateMismatch {
                scope_date: "20150831".into(),
                request_date: "20150830".into(),
                amz_date: "20150830T123600Z".into(),
            })
        );
    }

    #[test]
    fn x_amz_expires_is_honoured_only_on_request() {
        let a = auth(Form::Presigned, "20261124T170535Z", "20261124", "aws4_request");
        assert_eq!(check_expires(&a, datetime!(2026-11-24 17:06:35 UTC)), Ok(()));
        assert_eq!(
            check_expires(&a, datetime!(2026-11-24 17:06:36 UTC)),
            Err(Error::PresignedExpired {
                request: "20261124T170535Z".into(),
                expires: 60,
                now: "20261124T170636Z".into()
            })
        );
        // STS's rule: the same URL is still good 14 minutes later.
        assert_eq!(check_time(&a, datetime!(2026-11-24 17:19:35 UTC), 15), Ok(()));
        let missing = Auth { expires: None, ..a.clone() };
        assert_eq!(
            check_expires(&missing, datetime!(2026-11-24 17:05:35 UTC)),
            Err(Error::MissingQueryParam(QueryParam::Expires))
        );
        let header = Auth { form: Form::Header, ..missing };
        assert_eq!(check_expires(&header, datetime!(2030-01-01 00:00:00 UTC)), Ok(()));
        let huge = Auth { expires: Some(i64::MAX), ..a };
        assert_eq!(check_expires(&huge, datetime!(2030-01-01 00:00:00 UTC)), Ok(()));
    }

    #[test]
    fn only_lower_case_hex_signatures_decode() {
        let lower = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        assert!(decode_signature(lower).is_some());
        assert!(decode_signature(&lower.to_uppercase()).is_none());
        assert!(decode_signature(&lower[..63]).is_none());
        assert!(decode_signature("").is_none());
        assert!(decode_signature(&format!("{}é", &lower[..62])).is_none());
    }
}
