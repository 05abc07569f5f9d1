//! Sign → verify round trips in both forms, tampering (any flipped byte of a
//! signed part fails), and property tests: parsing and verifying never panic,
//! and anything our signer signs verifies.

use eksim_sigv4::{check_expires, check_time, parse, presign, sign_headers, verify, Request, SigningParams};
use proptest::prelude::*;
use time::macros::datetime;
use time::OffsetDateTime;

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A request we own, so its bytes can be flipped.
#[derive(Debug, Clone)]
struct Owned {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Owned {
    fn with<T>(&self, f: impl FnOnce(&Request) -> T) -> T {
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let req = Request {
            method: &self.method,
            raw_path: &self.path,
            raw_query: &self.query,
            headers: &headers,
            body: &self.body,
        };
        f(&req)
    }

    /// Whether the request parses as SigV4 for our access key and verifies
    /// with `secret`. (In header form the key id is not itself signed: the
    /// server looks its secret up by it.)
    fn verifies(&self, secret: &str) -> bool {
        self.with(|req| {
            matches!(parse(req), Ok(Some(auth)) if auth.access_key_id == ACCESS_KEY_ID && verify(req, &auth, secret).is_ok())
        })
    }

    fn signed_in_header_form(mut self, params: &SigningParams) -> Owned {
        let added = self.with(|req| sign_headers(req, params));
        self.headers.extend(added);
        self
    }

    fn presigned(mut self, params: &SigningParams, expires: i64) -> Owned {
        self.query = self.with(|req| presign(req, params, expires));
        self
    }
}

fn params<'a>(session_token: Option<&'a str>, service: &'a str) -> SigningParams<'a> {
    SigningParams {
        access_key_id: ACCESS_KEY_ID,
        secret_access_key: SECRET,
        session_token,
        region: "eu-west-1",
        service,
        time: datetime!(2026-11-24 17:06:26 UTC),
    }
}

fn eks_post() -> Owned {
    Owned {
        method: "POST".into(),
        path: "/clusters/demo/access-entries/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev%2Fmy%20role".into(),
        query: "maxResults=10&nextToken=a%2Bb".into(),
        headers: vec![
            ("Host".into(), "127.0.0.1:5124".into()),
            ("Content-Type".into(), "application/json".into()),
            ("X-Custom".into(), "  spaced   value ".into()),
        ],
        body: br#"{"kubernetesGroups":["admins"],"type":"STANDARD"}"#.to_vec(),
    }
}

fn token_get() -> Owned {
    Owned {
        method: "GET".into(),
        path: "/".into(),
        query: "Action=GetCallerIdentity&Version=2011-06-15".into(),
        headers: vec![("host".into(), "127.0.0.1:5123".into()), ("x-k8s-aws-id".into(), "demo".into())],
        body: Vec::new(),
    }
}

fn flip(byte: &mut u8) {
    // XOR 1 never turns a printable ASCII byte of these requests into another
    // byte that canonicalizes the same (no letter case change, no whitespace).
    *byte ^= 1;
}

fn flip_str(text: &str, index: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if let Some(b) = bytes.get_mut(index) {
        flip(b);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Asserts that `signed` verifies and that every one-byte change made by
/// `mutations` does not.
fn check_tamper_evident(signed: &Owned, mutations: Vec<(String, Owned)>) {
    assert!(signed.verifies(SECRET), "the signed request must verify: {signed:?}");
    assert!(!signed.verifies("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX"), "a wrong secret must fail");
    for (what, tampered) in mutations {
        assert!(!tampered.verifies(SECRET), "{what} was changed yet the request verifies: {tampered:?}");
    }
}

/// Every one-byte change of method, path, query, body, header names and
/// header values (but their leading and trailing whitespace, which is not
/// signed). Every header of these requests is signed or carries the signature.
fn every_flip(signed: &Owned) -> Vec<(String, Owned)> {
    let mut out = Vec::new();
    for i in 0..signed.method.len() {
        out.push((format!("method byte {i}"), Owned { method: flip_str(&signed.method, i), ..signed.clone() }));
    }
    for i in 0..signed.path.len() {
        let path = flip_str(&signed.path, i);
        // A request target always starts with `/`; `.` (from `/`) would
        // normalize to `/` like the original.
        if path.starts_with('/') {
            out.push((format!("path byte {i}"), Owned { path, ..signed.clone() }));
        }
    }
    for i in 0..signed.query.len() {
        out.push((format!("query byte {i}"), Owned { query: flip_str(&signed.query, i), ..signed.clone() }));
    }
    for i in 0..signed.body.len() {
        let mut t = signed.clone();
        if let Some(b) = t.body.get_mut(i) {
            flip(b);
        }
        out.push((format!("body byte {i}"), t));
    }
    for (h, (name, value)) in signed.headers.iter().enumerate() {
        let trimmed = value.trim_end();
        let start = value.len() - value.trim_start().len();
        // Leading and trailing whitespace is not signed (it is trimmed).
        for i in start..trimmed.len() {
            let mut t = signed.clone();
            if let Some((_, v)) = t.headers.get_mut(h) {
                *v = flip_str(value, i);
            }
            out.push((format!("{name} value byte {i}"), t));
        }
        for i in 0..name.len() {
            let mut t = signed.clone();
            if let Some((n, _)) = t.headers.get_mut(h) {
                *n = flip_str(name, i);
            }
            out.push((format!("{name} name byte {i}"), t));
        }
    }
    out
}

#[test]
fn header_signed_requests_verify_and_any_flipped_byte_fails() {
    let signed = eks_post().signed_in_header_form(&params(None, "eks"));
    check_tamper_evident(&signed, every_flip(&signed));
}

#[test]
fn header_signed_requests_with_a_session_token_verify_and_any_flipped_byte_fails() {
    let signed = eks_post().signed_in_header_form(&params(Some("c2Vzc2lvbg-token_1"), "eks"));
    let auth = signed.with(|req| parse(req).ok().flatten());
    assert_eq!(auth.and_then(|a| a.security_token).as_deref(), Some("c2Vzc2lvbg-token_1"));
    check_tamper_evident(&signed, every_flip(&signed));
}

#[test]
fn presigned_requests_verify_and_any_flipped_byte_fails() {
    let signed = token_get().presigned(&params(Some("abc+/=def"), "sts"), 60);
    check_tamper_evident(&signed, every_flip(&signed));
}

#[test]
fn a_token_for_another_cluster_fails() {
    let signed = token_get().presigned(&params(None, "sts"), 60);
    let mut other = signed.clone();
    other.headers = vec![("host".into(), "127.0.0.1:5123".into()), ("x-k8s-aws-id".into(), "prod".into())];
    check_tamper_evident(&signed, vec![("x-k8s-aws-id".into(), other)]);
}

#[test]
fn unsigned_headers_may_change() {
    let signed = eks_post().signed_in_header_form(&params(None, "eks"));
    let mut more = signed.clone();
    more.headers.push(("User-Agent".into(), "aws-cli/1.45.11".into()));
    assert!(more.verifies(SECRET));
}

#[test]
fn presigned_urls_live_fifteen_minutes_for_sts_and_x_amz_expires_otherwise() {
    let signed = token_get().presigned(&params(None, "sts"), 60);
    let Some(auth) = signed.with(|req| parse(req).ok().flatten()) else { panic!("presigned request did not parse") };
    assert_eq!(check_time(&auth, datetime!(2026-11-24 17:21:26 UTC), 15), Ok(()));
    assert!(check_time(&auth, datetime!(2026-11-24 17:21:27 UTC), 15).is_err());
    assert_eq!(check_expires(&auth, datetime!(2026-11-24 17:07:26 UTC)), Ok(()));
    assert!(check_expires(&auth, datetime!(2026-11-24 17:07:27 UTC)).is_err());
}

/// Strategies for request parts, printable so they could be sent on the wire.
fn path() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "/[a-zA-Z0-9%:._~ +!$&'()*,;=@/-]{0,40}", "(/[.]{0,3}){1,6}", "/\\PC{0,12}",]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-zA-Z0-9%=&+ ._~;/?-]{0,40}", "\\PC{0,16}"]
}

fn header_value() -> impl Strategy<Value = String> {
    "[ -~\t]{0,30}"
}

fn time() -> impl Strategy<Value = OffsetDateTime> {
    (0i64..4_102_444_800).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

proptest! {
    #[test]
    fn parse_and_verify_never_panic(
        authorization in prop_oneof![
            "\\PC{0,80}",
            "AWS4-HMAC-SHA256 [a-zA-Z0-9=,;/ _-]{0,120}",
            "AWS4-HMAC-SHA256 Credential=[a-zA-Z0-9/_-]{0,40}, SignedHeaders=[a-z;-]{0,20}, Signature=[0-9a-f]{0,64}",
        ],
        with_authorization in any::<bool>(),
        raw_query in prop_oneof![
            query(),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&[a-zA-Z0-9%=&+._~;-]{0,120}",
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[a-zA-Z0-9%/_-]{0,40}&X-Amz-Date=[0-9TZ]{0,17}\
             &X-Amz-SignedHeaders=[a-z%;3B-]{0,20}&X-Amz-Signature=[0-9a-f]{0,64}&X-Amz-Expires=-?[0-9]{0,20}",
        ],
        amz_date in prop_oneof!["\\PC{0,20}", "[0-9]{8}T[0-9]{6}Z"],
        date in "\\PC{0,40}",
        raw_path in path(),
        body in proptest::collection::vec(any::<u8>(), 0..32),
        now in time(),
        window in any::<i64>(),
    ) {
        let mut headers = vec![("Host", "example.com"), ("X-Amz-Date", amz_date.as_str()), ("Date", date.as_str())];
        if with_authorization {
            headers.push(("Authorization", authorization.as_str()));
        }
        let req = Request { method: "GET", raw_path: &raw_path, raw_query: &raw_query, headers: &headers, body: &body };
        if let Ok(Some(auth)) = parse(&req) {
            let _ = check_time(&auth, now, window);
            let _ = check_expires(&auth, now);
            let _ = verify(&req, &auth, SECRET);
        }
    }

    #[test]
    fn signed_requests_verify(
        method in "[A-Z]{1,7}",
        raw_path in path(),
        raw_query in query(),
        value in header_value(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        token in proptest::option::of("[ -~]{1,24}"),
        presigned in any::<bool>(),
        time in time(),
    ) {
        let unsigned = Owned {
            method,
            path: raw_path,
            query: raw_query,
            headers: vec![("Host".into(), "127.0.0.1:5123".into()), ("X-K8s-Aws-Id".into(), value)],
            body,
        };
        let p = SigningParams { time, ..params(token.as_deref(), "sts") };
        let signed = if presigned { unsigned.presigned(&p, 60) } else { unsigned.signed_in_header_form(&p) };
        let checked = signed.with(|req| parse(req).map(|auth| auth.map(|auth| {
            (check_time(&auth, time, 15), verify(req, &auth, SECRET), auth.security_token)
        })));
        let expected_token = token.map(|t| if presigned { t } else { t.trim().to_owned() });
        prop_assert_eq!(checked, Ok(Some((Ok(()), Ok(()), expected_token))));
    }
}
