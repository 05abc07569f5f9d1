//! Token checks from `authenticator.md` §6 (#30–46), their order, and
//! properties: parsing never panics, and what `presign` mints verifies.

use super::*;
use base64::Engine;
use proptest::prelude::*;
use time::macros::datetime;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);
const SIGNED_AT: OffsetDateTime = datetime!(2026-06-01 11:59:00 UTC);

fn own() -> Vec<String> {
    vec!["127.0.0.1:4566".to_owned(), "localhost:4566".to_owned()]
}

/// A presigned URL as `aws eks get-token` builds it.
fn url(scheme: &str, host: &str, cluster: &str, region: &str, session: Option<&str>, at: OffsetDateTime) -> String {
    let headers = [("host", host), ("x-k8s-aws-id", cluster)];
    let req = eksim_sigv4::Request {
        method: "GET",
        raw_path: "/",
        raw_query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &headers,
        body: b"",
    };
    let params = eksim_sigv4::SigningParams {
        access_key_id: KEY,
        secret_access_key: SECRET,
        session_token: session,
        region,
        service: "sts",
        time: at,
    };
    format!("{scheme}://{host}/?{}", eksim_sigv4::presign(&req, &params, 60))
}

fn encode(url: &str) -> String {
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url))
}

fn regional() -> String {
    url("https", "sts.us-east-1.amazonaws.com", "demo", "us-east-1", None, SIGNED_AT)
}

/// Parses for cluster `demo` in us-east-1 and, when that passes, verifies with
/// the secret; the error is the authenticator's log text (request id `r-1`).
fn outcome(token: &str) -> Result<Presigned, String> {
    let own = own();
    let expected = Expected { cluster: "demo", partition: "aws", region: "us-east-1", own_hosts: &own };
    let text = |e: TokenError| e.log_text(AuthenticatorVersion::Current, "r-1");
    let p = parse_for(token, &expected, NOW).map_err(text)?;
    p.verify(SECRET).map_err(text)?;
    Ok(p)
}

fn check(token: &str, expected: Result<(), &str>) {
    let got = outcome(token).map(|_| ());
    let expected = expected.map_err(|e| {
        e.strip_prefix('…')
            .map_or_else(|| e.to_owned(), |rest| format!("input token was not properly formatted: {rest}"))
    });
    assert_eq!(got, expected, "{token}");
}

const MISMATCH_BODY: &str = r#"{"Error":{"Code":"SignatureDoesNotMatch","Message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.","Type":"Sender"},"RequestId":"r-1"}"#;

#[test]
fn get_token_urls_for_sts_and_for_eksim_verify() {
    check(&encode(&regional()), Ok(()));
    // #45: no region → the global host, label `global`.
    let global = outcome(&encode(&url("https", "sts.amazonaws.com", "demo", "us-east-1", None, SIGNED_AT)));
    assert_eq!(global.map(|p| (p.sts_endpoint, p.region)), Ok(("sts.amazonaws.com".to_owned(), "global".to_owned())));
    // #46: AWS_ENDPOINT_URL pointing at eksim: http, host:port, scope region as label.
    let local = outcome(&encode(&url("http", "127.0.0.1:4566", "demo", "eu-west-1", None, SIGNED_AT)));
    assert_eq!(
        local.map(|p| (p.sts_endpoint, p.region, p.own_endpoint)),
        Ok(("127.0.0.1:4566".to_owned(), "eu-west-1".to_owned(), true))
    );
    check(&encode(&url("https", "localhost:4566", "demo", "us-east-1", None, SIGNED_AT)), Ok(()));
    // A cross-region STS host passes (§2.1).
    check(&encode(&url("https", "sts.eu-west-1.amazonaws.com", "demo", "eu-west-1", None, SIGNED_AT)), Ok(()));
}

#[test]
fn temporary_credentials_carry_their_session_token() {
    let token = encode(&url("https", "sts.us-east-1.amazonaws.com", "demo", "us-east-1", Some("abc+/=def"), SIGNED_AT));
    let p = outcome(&token);
    assert_eq!(p.map(|p| (p.access_key_id, p.session_token)), Ok((KEY.to_owned(), Some("abc+/=def".to_owned()))));
}

#[test]
fn each_format_check_reports_the_authenticators_text() {
    let valid = regional();
    let token = encode(&valid);
    // #30
    check("k8s-aws-v2.xyz", Err("…token is missing expected \"k8s-aws-v1.\" prefix"));
    // #31: padding put back.
    let padded = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE.encode(&valid));
    let first_pad = padded.find('=').map(|i| i - PREFIX.len());
    let padded = if first_pad.is_some() { padded } else { format!("{token}=") };
    let offset = padded.find('=').map_or(0, |i| i - PREFIX.len());
    check(&padded, Err(&format!("…illegal base64 data at input byte {offset}")));
    // #32
    check(&format!("{PREFIX}{}", "A".repeat(MAX_TOKEN_LEN + 1 - PREFIX.len())), Err("…token is too large"));
    check(
        &format!("{PREFIX}{}", "A".repeat(MAX_TOKEN_LEN - PREFIX.len())),
        Err("…illegal base64 data at input byte 4084"),
    );
    // #33–35
    check(&encode(&valid.replacen("https://", "http://", 1)), Err("…unexpected scheme \"http\" in pre-signed URL"));
    check(&encode(&valid.replacen("https://", "", 1)), Err("…unexpected scheme \"\" in pre-signed URL"));
    check(
        &encode(&valid.replacen("amazonaws.com/", "amazonaws.com.evil.example/", 1)),
        Err("…unexpected hostname \"sts.us-east-1.amazonaws.com.evil.example\" in pre-signed URL"),
    );
    check(&encode(&valid.replacen(".com/?", ".com/x?", 1)), Err("…unexpected path in pre-signed URL"));
    check(&encode(&valid.replacen(".com/?", ".com?", 1)), Err("…unexpected path in pre-signed URL"));
    check(&encode(&format!("{valid};")), Err("…malformed query parameter"));
    check(&encode(&format!("{valid}&a=%zz")), Err("…malformed query parameter"));
    // #36–41
    check(&encode(&format!("{valid}&Foo=1")), Err("…non-whitelisted query parameter \"Foo\""));
    check(&encode(&format!("{valid}&action=x")), Err("…duplicate query parameter found: \"action\""));
    check(
        &encode(&valid.replacen("Action=GetCallerIdentity", "Action=GetCallerIdentity&Action=GetCallerIdentity", 1)),
        Err("…query parameter with multiple values not supported"),
    );
    check(
        &encode(&valid.replacen("GetCallerIdentity", "GetSessionToken", 1)),
        Err("…unexpected action parameter in pre-signed URL"),
    );
    check(
        &encode(&valid.replacen("host%3Bx-k8s-aws-id", "host", 1)),
        Err("…client did not sign the x-k8s-aws-id header in the pre-signed URL"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Expires=60", "X-Amz-Expires=901", 1)),
        Err("…invalid X-Amz-Expires parameter in pre-signed URL: 901"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Expires=60", "X-Amz-Expires=-1", 1)),
        Err("…invalid X-Amz-Expires parameter in pre-signed URL: -1"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Expires=60", "X-Amz-Expires=soon", 1)),
        Err("…invalid X-Amz-Expires parameter in pre-signed URL: 0"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Expires=60&", "", 1)),
        Err("…invalid X-Amz-Expires parameter in pre-signed URL: 0"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Expires=60", "X-Amz-Expires=99999999999999999999", 1)),
        Err("…invalid X-Amz-Expires parameter in pre-signed URL: 9223372036854775807"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Date=20260601T115900Z&", "", 1)),
        Err("…X-Amz-Date parameter must be present in pre-signed URL"),
    );
    check(
        &encode(&valid.replacen("X-Amz-Date=20260601T115900Z", "X-Amz-Date=xxxxxxx", 1)),
        Err("…error parsing X-Amz-Date parameter xxxxxxx into format 20060102T150405Z: parsing time \"xxxxxxx\" as \"20060102T150405Z\": cannot parse \"xxxxxxx\" as \"2006\""),
    );
    check(
        &encode(&url(
            "https",
            "sts.us-east-1.amazonaws.com",
            "demo",
            "us-east-1",
            None,
            datetime!(2026-06-01 11:44:00 UTC),
        )),
        Err("…X-Amz-Date parameter is expired (15 minute expiration) 2026-06-01 11:44:00 +0000 UTC"),
    );
    check(
        &encode(&format!("{valid}&x-amz-date=20260601T115900Z")),
        Err("…duplicate query parameter found: \"x-amz-date\""),
    );
    check(&encode(":ab:cd.af:/asda"), Err("…parse \":ab:cd.af:/asda\": missing protocol scheme"));
    check(
        &encode("https://google.com/"),
        Err("…could not parse region for pre-signed URL google.com, invalid host format: google.com"),
    );
}

#[test]
fn the_first_failing_check_wins() {
    let valid = regional();
    // Scheme (5) before path (7) and query (10).
    check(
        &encode(&format!("{}&Foo=1", valid.replacen("https://", "http://", 1).replacen(".com/?", ".com/x?", 1))),
        Err("…unexpected scheme \"http\" in pre-signed URL"),
    );
    // Duplicate keys (9) before the allowlist (10).
    check(&encode(&format!("{valid}&Foo=1&foo=2")), Err("…duplicate query parameter found: \"foo\""));
    // Expires (14) before the date (15).
    check(
        &encode(&valid.replacen("X-Amz-Expires=60", "X-Amz-Expires=901", 1).replacen(
            "X-Amz-Date=20260601T115900Z&",
            "",
            1,
        )),
        Err("…invalid X-Amz-Expires parameter in pre-signed URL: 901"),
    );
    // The allowlist (10) before the action (12).
    check(
        &encode(&valid.replacen("GetCallerIdentity", "GetSessionToken", 1).replacen("X-Amz-Date", "X-Amz-Dat", 1)),
        Err("…non-whitelisted query parameter \"X-Amz-Dat\""),
    );
    // An expired token fails here even though its signature would verify.
    check(
        &encode(&url(
            "https",
            "sts.us-east-1.amazonaws.com",
            "demo",
            "us-east-1",
            None,
            datetime!(2026-06-01 11:44:59 UTC),
        )),
        Err("…X-Amz-Date parameter is expired (15 minute expiration) 2026-06-01 11:44:59 +0000 UTC"),
    );
    // The exact boundary passes.
    check(
        &encode(&url(
            "https",
            "sts.us-east-1.amazonaws.com",
            "demo",
            "us-east-1",
            None,
            datetime!(2026-06-01 11:45:00 UTC),
        )),
        Ok(()),
    );
}

#[test]
fn sts_failures_read_as_a_403_from_sts() {
    // #42: a token minted for another cluster.
    let other = encode(&url("https", "sts.us-east-1.amazonaws.com", "other", "us-east-1", None, SIGNED_AT));
    let expected = format!(
        "sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-east-1 endpoint. Body: {MISMATCH_BODY}"
    );
    check(&other, Err(&expected));
    // A wrong secret reads the same.
    let p = parse("k8s-aws-v1.x", "demo", &[], NOW);
    assert!(p.is_err());
    let own = own();
    let token = encode(&regional());
    let p = parse(&token, "demo", &own, NOW).map_err(|e| e.to_string());
    let wrong =
        p.as_ref().map(|p| p.verify("not-the-secret").map_err(|e| e.log_text(AuthenticatorVersion::Current, "r-1")));
    assert_eq!(wrong, Ok(Err(expected.clone())));
    // #43, #44: the caller's verdicts on the key.
    let p = parse(&token, "demo", &own, NOW);
    let texts = p.as_ref().map(|p| {
        [StsFailure::InvalidClientTokenId, StsFailure::ExpiredToken]
            .map(|f| p.reject(f).log_text(AuthenticatorVersion::Current, "r-1"))
    });
    assert_eq!(
        texts.map_err(|e| e.to_string()),
        Ok([
            "sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-east-1 endpoint. Body: {\"Error\":{\"Code\":\"InvalidClientTokenId\",\"Message\":\"The security token included in the request is invalid.\",\"Type\":\"Sender\"},\"RequestId\":\"r-1\"}".to_owned(),
            "sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-east-1 endpoint. Body: {\"Error\":{\"Code\":\"ExpiredToken\",\"Message\":\"The security token included in the request is expired\",\"Type\":\"Sender\"},\"RequestId\":\"r-1\"}".to_owned(),
        ])
    );
    // Versions up to v0.6.27 do not name the endpoint.
    let legacy = parse(&other, "demo", &own, NOW)
        .and_then(|p| p.verify(SECRET))
        .map_err(|e| e.log_text(AuthenticatorVersion::V0_6_27, "r-1"));
    assert_eq!(
        legacy,
        Err(format!("sts getCallerIdentity failed: error from AWS (expected 200, got 403). Body: {MISMATCH_BODY}"))
    );
}

#[test]
fn sts_checks_scope_and_clock_before_the_key() {
    let valid = regional();
    // Scoped to another service: passes the authenticator, fails at STS.
    let s3 = valid.replacen("%2Fsts%2F", "%2Fs3%2F", 1);
    let err = outcome(&encode(&s3)).map(|_| ());
    assert_eq!(
        err,
        Err("sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-east-1 endpoint. Body: {\"Error\":{\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"Credential should be scoped to correct service: 'sts'. \",\"Type\":\"Sender\"},\"RequestId\":\"r-1\"}".to_owned())
    );
    // No X-Amz-Algorithm: STS sees no signature at all.
    let unsigned = valid.replacen("X-Amz-Algorithm=AWS4-HMAC-SHA256&", "", 1);
    assert_eq!(
        outcome(&encode(&unsigned)).map(|_| ()),
        Err("sts getCallerIdentity failed: error from AWS (expected 200, got 403) on us-east-1 endpoint. Body: {\"Error\":{\"Code\":\"MissingAuthenticationToken\",\"Message\":\"Request is missing Authentication Token\",\"Type\":\"Sender\"},\"RequestId\":\"r-1\"}".to_owned())
    );
    // No credential: IncompleteSignature, 400.
    let no_credential: String =
        valid.split('&').filter(|p| !p.starts_with("X-Amz-Credential")).collect::<Vec<_>>().join("&");
    let err = outcome(&encode(&no_credential)).map(|_| ());
    assert!(
        err.as_ref().is_err_and(|e| e.contains("(expected 200, got 400)") && e.contains("IncompleteSignature")),
        "{err:?}"
    );
    // Dated in the future beyond the window: STS's skew error.
    let future = encode(&url(
        "https",
        "sts.us-east-1.amazonaws.com",
        "demo",
        "us-east-1",
        None,
        datetime!(2026-06-01 12:20:00 UTC),
    ));
    let err = outcome(&future).map(|_| ());
    assert!(err.as_ref().is_err_and(|e| e.contains("Signature not yet current: 20260601T122000Z")), "{err:?}");
}

#[test]
fn another_partition_refuses_the_global_host() {
    let token = encode(&url("https", "sts.amazonaws.com", "demo", "us-east-1", None, SIGNED_AT));
    let expected = Expected { cluster: "demo", partition: "aws-cn", region: "cn-north-1", own_hosts: &[] };
    assert_eq!(
        parse_for(&token, &expected, NOW).map(|_| ()).map_err(|e| e.to_string()),
        Err("input token was not properly formatted: global endpoint unsupported in partition aws-cn".to_owned())
    );
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(text in ".{0,200}") {
        let _ = parse(&text, "demo", &own(), NOW);
        let _ = parse(&format!("{PREFIX}{text}"), "demo", &own(), NOW);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_urls(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let token = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes));
        let _ = parse(&token, "demo", &own(), NOW);
    }

    #[test]
    fn parse_never_panics_on_mutated_tokens(pos in 0usize..500, replacement in "[ -~]{0,4}") {
        let valid = regional();
        let cut = pos.min(valid.len());
        let cut = (0..=cut).rev().find(|&i| valid.is_char_boundary(i)).unwrap_or(0);
        let mutated = format!("{}{replacement}{}", &valid[..cut], &valid[cut..]);
        let _ = outcome(&encode(&mutated));
    }

    #[test]
    fn presigned_tokens_round_trip(
        cluster in "[a-zA-Z0-9][a-zA-Z0-9_-]{0,40}",
        region in "(us|eu|ap)-(east|west|south)-[1-3]",
        session in proptest::option::of("[A-Za-z0-9+/=]{1,200}"),
        seconds_ago in 0i64..=900,
    ) {
        let at = NOW - Duration::seconds(seconds_ago);
        let host = format!("sts.{region}.amazonaws.com");
        let token = encode(&url("https", &host, &cluster, &region, session.as_deref(), at));
        let own = own();
        let expected = Expected { cluster: &cluster, partition: "aws", region: "us-east-1", own_hosts: &own };
        let p = parse_for(&token, &expected, NOW);
        prop_assert!(p.is_ok(), "{:?}", p.err());
        if let Ok(p) = p {
            prop_assert_eq!(&p.access_key_id, KEY);
            prop_assert_eq!(&p.session_token, &session);
            prop_assert_eq!(&p.region, &region);
            prop_assert!(p.verify(SECRET).is_ok());
            prop_assert!(p.verify("x").is_err());
        }
        let other = Expected { cluster: "another-cluster-name-that-differs", ..expected };
        let p = parse_for(&token, &other, NOW);
        prop_assert!(p.is_ok_and(|p| p.verify(SECRET).is_err()));
    }
}
