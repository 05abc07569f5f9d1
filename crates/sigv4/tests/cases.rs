//! SigV4 cases signed by botocore, one `#[test]` per folder of `tests/cases/`,
//! all through [`check`]. `scripts/gen-sigv4-cases.py` writes the folders
//! (its header describes each file); botocore is what our users send, so where
//! this crate and a case disagree, the crate is wrong.
//!
//! Each case: the signed request parses; its canonical request, string to sign
//! and signature equal botocore's; it verifies with the secret, and fails with
//! one body byte flipped or another secret; and our signer, given the unsigned
//! request, produces what botocore sent.

use std::path::{Path, PathBuf};

use eksim_sigv4::{
    canonical_request, check_time, parse, presign, sign_headers, string_to_sign, verify, Auth, Error, Form, PathRules,
    Request, SigningParams, TERMINATOR,
};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn read(case: &str, file: &str) -> String {
    let path = cases_dir().join(case).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A request of a case's `.txt` files, owned.
struct HttpRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    /// Parses `METHOD TARGET HTTP/1.1`, `Name:value` lines (the value exactly
    /// as written, so leading and trailing blanks survive), an empty line and
    /// the body.
    fn parse(text: &str) -> HttpRequest {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap_or_default();
        let (method, rest) = request_line.split_once(' ').unwrap_or((request_line, ""));
        let target = rest.rsplit_once(' ').map_or(rest, |(target, _version)| target);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect();
        HttpRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
    }

    fn request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request { method: &self.method, raw_path: &self.path, raw_query: &self.query, headers, body: &self.body }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Verifies with `secret` after parsing; a parse failure is a test failure.
    fn verify(&self, case: &str, secret: &str) -> Result<(), Error> {
        let headers = self.header_refs();
        let req = self.request(&headers);
        match parse(&req) {
            Ok(Some(auth)) => verify(&req, &auth, secret),
            other => panic!("{case}: parse gave {other:?}"),
        }
    }
}

/// `context.json`.
struct Context {
    access_key_id: String,
    secret: String,
    token: Option<String>,
    region: String,
    service: String,
    time: OffsetDateTime,
    form: Form,
    expires: Option<i64>,
}

impl Context {
    fn read(case: &str) -> Context {
        let json: Value = serde_json::from_str(&read(case, "context.json")).unwrap_or_else(|e| panic!("{case}: {e}"));
        let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{case}: {v} is not a string")).to_owned();
        let creds = &json["credentials"];
        Context {
            access_key_id: text(&creds["access_key_id"]),
            secret: text(&creds["secret_access_key"]),
            token: creds["session_token"].as_str().map(str::to_owned),
            region: text(&json["region"]),
            service: text(&json["service"]),
            time: OffsetDateTime::parse(&text(&json["timestamp"]), &Rfc3339).unwrap_or_else(|e| panic!("{case}: {e}")),
            form: match json["form"].as_str() {
                Some("header") => Form::Header,
                Some("presigned") => Form::Presigned,
                other => panic!("{case}: form {other:?}"),
            },
            expires: json["expires"].as_i64(),
        }
    }

    fn params(&self) -> SigningParams<'_> {
        SigningParams {
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret,
            session_token: self.token.as_deref(),
            region: &self.region,
            service: &self.service,
            time: self.time,
        }
    }
}

/// Parses the signed request and checks every step against botocore's files.
fn check_signed(case: &str, ctx: &Context, signed: &HttpRequest) -> Auth {
    let headers = signed.header_refs();
    let req = signed.request(&headers);
    let auth = match parse(&req) {
        Ok(Some(auth)) => auth,
        other => panic!("{case}: parse gave {other:?}"),
    };
    assert_eq!(auth.form, ctx.form, "{case}");
    assert_eq!(auth.access_key_id, ctx.access_key_id, "{case}");
    assert_eq!(auth.scope.region, ctx.region, "{case}");
    assert_eq!(auth.scope.service, ctx.service, "{case}");
    assert_eq!(auth.scope.terminator, TERMINATOR, "{case}");
    assert_eq!(auth.timestamp, ctx.time, "{case}");
    assert_eq!(auth.expires, ctx.expires, "{case}");
    assert_eq!(auth.security_token, ctx.token, "{case}");

    let creq = canonical_request(&req, auth.form, &auth.signed_headers, PathRules::SERVICE)
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    assert_eq!(creq, read(case, "canonical-request.txt"), "{case}");
    assert_eq!(string_to_sign(&auth.amz_date, &auth.scope, &creq), read(case, "string-to-sign.txt"), "{case}");
    assert_eq!(auth.signature, read(case, "signature.txt"), "{case}");
    assert_eq!(check_time(&auth, ctx.time, 15), Ok(()), "{case}");
    assert_eq!(verify(&req, &auth, &ctx.secret), Ok(()), "{case}");
    auth
}

/// One flipped body byte (one added, for an empty body) or another secret
/// must fail.
fn check_tampering(case: &str, ctx: &Context, signed: HttpRequest) {
    let mut wrong_secret = ctx.secret.clone();
    wrong_secret.push('x');
    assert!(
        matches!(signed.verify(case, &wrong_secret), Err(Error::SignatureMismatch { .. })),
        "{case}: verified with another secret"
    );
    let mut flipped = signed;
    match flipped.body.first_mut() {
        Some(byte) => *byte ^= 1,
        None => flipped.body.push(b'x'),
    }
    assert!(
        matches!(flipped.verify(case, &ctx.secret), Err(Error::SignatureMismatch { .. })),
        "{case}: verified with another body"
    );
}

/// Our signer on `request.txt` must send what botocore sent.
fn check_signer(case: &str, ctx: &Context, signed: &HttpRequest) {
    let unsigned = HttpRequest::parse(&read(case, "request.txt"));
    let headers = unsigned.header_refs();
    let req = unsigned.request(&headers);
    match ctx.form {
        Form::Header => {
            let added = sign_headers(&req, &ctx.params());
            for (name, value) in &added {
                assert_eq!(signed.header(name), Some(value.as_str()), "{case}: sign_headers' {name}");
            }
            assert!(added.iter().any(|(name, _)| name == "Authorization"), "{case}");
        }
        Form::Presigned => {
            let expires = ctx.expires.unwrap_or_else(|| panic!("{case}: no expires in context.json"));
            assert_eq!(presign(&req, &ctx.params(), expires), signed.query, "{case}: presign");
        }
    }
}

fn check(case: &str) {
    let ctx = Context::read(case);
    let signed = HttpRequest::parse(&read(case, "signed-request.txt"));
    check_signed(case, &ctx, &signed);
    check_signer(case, &ctx, &signed);
    check_tampering(case, &ctx, signed);
}

macro_rules! cases {
    ($($test:ident => $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($case);
            }
        )*

        const CASES: &[&str] = &[$($case),*];
    };
}

cases! {
    eks_associate_access_policy => "eks-associate-access-policy",
    eks_create_access_entry => "eks-create-access-entry",
    eks_describe_access_entry_arn_label => "eks-describe-access-entry-arn-label",
    eks_describe_cluster => "eks-describe-cluster",
    eks_list_clusters_query => "eks-list-clusters-query",
    iam_create_user_path => "iam-create-user-path",
    iam_create_user_unicode => "iam-create-user-unicode",
    iam_list_users => "iam-list-users",
    service_header_duplicate => "service-header-duplicate",
    service_header_key_case => "service-header-key-case",
    service_header_value_trim => "service-header-value-trim",
    service_query_order => "service-query-order",
    service_query_reserved => "service-query-reserved",
    sts_assume_role => "sts-assume-role",
    sts_get_caller_identity => "sts-get-caller-identity",
    sts_get_caller_identity_host_port => "sts-get-caller-identity-host-port",
    sts_get_caller_identity_session_token => "sts-get-caller-identity-session-token",
    sts_get_session_token_mfa => "sts-get-session-token-mfa",
    sts_presigned_get_token => "sts-presigned-get-token",
    sts_presigned_get_token_host_port => "sts-presigned-get-token-host-port",
    sts_presigned_get_token_session_token => "sts-presigned-get-token-session-token",
}

#[test]
fn every_case_folder_has_a_test() {
    let mut folders: Vec<String> = std::fs::read_dir(cases_dir())
        .unwrap_or_else(|e| panic!("{}: {e}", cases_dir().display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut listed: Vec<&str> = CASES.to_vec();
    listed.sort();
    assert_eq!(folders, listed);
}
