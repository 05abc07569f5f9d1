//! In-process tests that need a clock: session expiry and the 15-minute skew rule.
//! Requests are signed with eksim's own signer and handled at a chosen time.

#![allow(clippy::unwrap_used)]

use eksim_aws::{Aws, AwsRequest, Config};
use eksim_model::AccountId;
use proptest::prelude::*;
use time::OffsetDateTime;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn aws() -> Aws {
    let config = Config {
        account_id: AccountId::parse("123456789012").unwrap(),
        region: "us-east-1".into(),
        root_access_key_id: KEY.into(),
        root_secret_access_key: SECRET.into(),
        skew_minutes: 15,
        kube_url: "https://127.0.0.1:6443".into(),
        aws_hosts: vec!["127.0.0.1:4599".into()],
        cluster_create_delay: 0.0,
        propagation_delay: 0.0,
    };
    Aws::new(eksim_store::Store::in_memory().unwrap(), config).unwrap()
}

fn signed(body: &str, service: &str, key: &str, secret: &str, token: Option<&str>, at: OffsetDateTime) -> AwsRequest {
    let host = "127.0.0.1:4599";
    let headers = [("host", host), ("content-type", "application/x-www-form-urlencoded; charset=utf-8")];
    let req =
        eksim_sigv4::Request { method: "POST", raw_path: "/", raw_query: "", headers: &headers, body: body.as_bytes() };
    let params = eksim_sigv4::SigningParams {
        access_key_id: key,
        secret_access_key: secret,
        session_token: token,
        region: "us-east-1",
        service,
        time: at,
    };
    let mut all: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    all.extend(eksim_sigv4::sign_headers(&req, &params).into_iter().map(|(k, v)| (k.to_lowercase(), v)));
    AwsRequest {
        method: "POST".into(),
        raw_path: "/".into(),
        raw_query: String::new(),
        headers: all,
        body: body.as_bytes().to_vec(),
        peer: "127.0.0.1".parse().unwrap(),
        secure: false,
    }
}

fn body_text(r: &eksim_wire::WireResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).map(|i| i + open.len()).unwrap_or(0);
    let end = text[start..].find(close).map(|i| start + i).unwrap_or(text.len());
    &text[start..end]
}

#[test]
fn expired_sessions_answer_expired_token_without_a_final_period() {
    let aws = aws();
    let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let (resp, _) = aws.handle(
        &signed("Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900", "sts", KEY, SECRET, None, t0),
        t0,
    );
    assert_eq!(resp.status, 200, "{}", body_text(&resp));
    let body = body_text(&resp);
    let (akid, secret, token) = (
        between(&body, "<AccessKeyId>", "<").to_owned(),
        between(&body, "<SecretAccessKey>", "<").to_owned(),
        between(&body, "<SessionToken>", "<").to_owned(),
    );
    let call = |at: OffsetDateTime| {
        aws.handle(&signed("Action=GetCallerIdentity&Version=2011-06-15", "sts", &akid, &secret, Some(&token), at), at)
            .0
    };
    let before = t0 + time::Duration::seconds(899);
    assert_eq!(call(before).status, 200);
    let after = t0 + time::Duration::seconds(900);
    let r = call(after);
    assert_eq!(r.status, 403);
    assert!(
        body_text(&r).contains(
            "<Code>ExpiredToken</Code>\n    <Message>The security token included in the request is expired</Message>"
        ),
        "{}",
        body_text(&r)
    );
}

#[test]
fn requests_older_than_fifteen_minutes_are_signature_expired() {
    let aws = aws();
    let signed_at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let req = signed("Action=GetCallerIdentity&Version=2011-06-15", "sts", KEY, SECRET, None, signed_at);
    assert_eq!(aws.handle(&req, signed_at + time::Duration::minutes(15)).0.status, 200);
    let (r, _) = aws.handle(&req, signed_at + time::Duration::minutes(15) + time::Duration::seconds(1));
    assert_eq!(r.status, 403);
    let body = body_text(&r);
    assert!(body.contains("<Code>SignatureDoesNotMatch</Code>"), "{body}");
    assert!(
        body.contains(
            "Signature expired: 20270115T080000Z is now earlier than 20270115T080001Z (20270115T081501Z - 15 min.)"
        ),
        "{body}"
    );
}

#[test]
fn iam_and_sts_errors_use_their_own_namespaces() {
    let aws = aws();
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let (r, _) =
        aws.handle(&signed("Action=GetUser&Version=2010-05-08&UserName=nobody", "iam", KEY, SECRET, None, now), now);
    assert_eq!(r.status, 404);
    assert!(body_text(&r).starts_with("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"));
    let (r, _) = aws.handle(&signed("Action=Nope&Version=2011-06-15", "sts", KEY, SECRET, None, now), now);
    assert_eq!(r.status, 400);
    assert!(body_text(&r).contains(
        "<Code>InvalidAction</Code>\n    <Message>Could not find operation Nope for version 2011-06-15</Message>"
    ));
}

#[test]
fn a_failed_request_changes_nothing() {
    let aws = aws();
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    // CreateUser with a boundary that does not exist fails after the name checks: no user may remain.
    let (r, _) = aws.handle(
        &signed(
            "Action=CreateUser&Version=2010-05-08&UserName=alice&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FNope",
            "iam",
            KEY,
            SECRET,
            None,
            now,
        ),
        now,
    );
    assert_eq!(r.status, 404, "{}", body_text(&r));
    let (r, _) =
        aws.handle(&signed("Action=GetUser&Version=2010-05-08&UserName=alice", "iam", KEY, SECRET, None, now), now);
    assert_eq!(r.status, 404);
}

#[test]
fn eks_create_cluster_answers() {
    let aws = aws();
    let now = OffsetDateTime::now_utc();
    let body = r#"{"name":"demo","roleArn":"arn:aws:iam::123456789012:role/eks","resourcesVpcConfig":{"subnetIds":["subnet-1"]}}"#;
    let host = "127.0.0.1:4599";
    let headers = [("host", host), ("content-type", "application/json")];
    let req = eksim_sigv4::Request {
        method: "POST",
        raw_path: "/clusters",
        raw_query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let params = eksim_sigv4::SigningParams {
        access_key_id: KEY,
        secret_access_key: SECRET,
        session_token: None,
        region: "us-east-1",
        service: "eks",
        time: now,
    };
    let mut all: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    all.extend(eksim_sigv4::sign_headers(&req, &params).into_iter().map(|(k, v)| (k.to_lowercase(), v)));
    let r = AwsRequest {
        method: "POST".into(),
        raw_path: "/clusters".into(),
        raw_query: String::new(),
        headers: all,
        body: body.as_bytes().to_vec(),
        peer: "127.0.0.1".parse().unwrap(),
        secure: false,
    };
    let (resp, _) = aws.handle(&r, now);
    assert_eq!(resp.status, 200, "{}", body_text(&resp));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Seed files: arbitrary text (and YAML-ish text) is refused or accepted, never a panic.
    #[test]
    fn seed_parsing_never_panics(text in "(accounts:|  - id:|    users:|      - name: a|[ -~\n]){0,20}") {
        let _ = eksim_aws::seed::parse(&text);
    }

    /// Whatever arrives on the AWS port, the answer is a well-formed response, never a panic or a 5xx.
    #[test]
    fn arbitrary_requests_never_panic(
        method in "(GET|POST|PUT|DELETE)",
        path in "/[a-z%0-9/]{0,12}",
        query in "[A-Za-z0-9=&%.-]{0,80}",
        auth in proptest::option::of("[ -~]{0,120}"),
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let aws = aws();
        let mut headers = vec![("host".to_owned(), "127.0.0.1:4599".to_owned())];
        if let Some(a) = auth {
            headers.push(("authorization".to_owned(), a));
        }
        let req = AwsRequest { method, raw_path: path, raw_query: query, headers, body, peer: "127.0.0.1".parse().unwrap(), secure: false };
        let (r, _) = aws.handle(&req, OffsetDateTime::now_utc());
        prop_assert!(r.status >= 400 && r.status < 500, "status {}", r.status);
    }

    /// Signed requests with arbitrary IAM parameters are answered without a panic or a 5xx
    /// (501 for operations eksim does not serve).
    #[test]
    fn arbitrary_signed_iam_parameters_never_panic(
        action in "(CreateUser|GetUser|ListUsers|CreateRole|PutUserPolicy|CreatePolicy|AttachUserPolicy|CreateAccessKey|EnableMFADevice|ListPolicies|UpdateUser|Nope)",
        params in proptest::collection::vec(("[A-Za-z.0-9]{1,20}", "[ -~]{0,40}"), 0..6),
    ) {
        let aws = aws();
        let mut body = format!("Action={action}&Version=2010-05-08");
        for (k, v) in params {
            body.push('&');
            body.push_str(&form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>());
            body.push('=');
            body.push_str(&form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>());
        }
        let now = OffsetDateTime::now_utc();
        let (r, _) = aws.handle(&signed(&body, "iam", KEY, SECRET, None, now), now);
        prop_assert!(r.status < 500 || r.status == 501, "status {}: {}", r.status, body_text(&r));
    }
}
