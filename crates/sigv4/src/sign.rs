//! The signing steps (`iam-sts.md` §3.2): string to sign, signing key,
//! signature; and a signer in both forms for our own tests and tools.

use percent_encoding::percent_encode;
use ring::{digest, hmac};
use time::OffsetDateTime;

use crate::canonical::{render, PathRules, UNRESERVED};
use crate::parse::format_amz_date;
use crate::{Form, Request, Scope, ALGORITHM, TERMINATOR};

/// The string to sign: algorithm, request time, scope and the hex SHA-256 of
/// the canonical request, one per line.
pub fn string_to_sign(amz_date: &str, scope: &Scope, canonical_request: &str) -> String {
    let hash = hex::encode(digest::digest(&digest::SHA256, canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{hash}")
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message);
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(tag.as_ref()) {
        *o = *b;
    }
    out
}

/// The signing key `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region),
/// service), "aws4_request")`. It depends only on the secret and the scope, so
/// a verifier may cache it per (access key, date, region, service).
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_secret = format!("AWS4{secret_access_key}");
    let k_date = hmac_sha256(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// The signature: lower-case hex `HMAC(signing_key, string_to_sign)`.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Who signs, for which scope and when.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials; it is signed in both forms.
    pub session_token: Option<&'a str>,
    /// The scope's region.
    pub region: &'a str,
    /// The scope's service (`sts`, `iam`, `eks`).
    pub service: &'a str,
    /// The signing time; its UTC date is the scope date.
    pub time: OffsetDateTime,
}

impl SigningParams<'_> {
    fn scope(&self, amz_date: &str) -> Scope {
        Scope {
            date: amz_date.get(..8).unwrap_or_default().to_owned(),
            region: self.region.to_owned(),
            service: self.service.to_owned(),
            terminator: TERMINATOR.to_owned(),
        }
    }

    fn key(&self, scope: &Scope) -> [u8; 32] {
        signing_key(self.secret_access_key, &scope.date, &scope.region, &scope.service)
    }
}

/// Headers botocore never signs (its `SIGNED_HEADERS_BLACKLIST`): hop-by-hop
/// headers a proxy may rewrite, `User-Agent`, and the `X-Amzn-Trace-Id` that
/// tracing layers add. A real aws-cli request carries `User-Agent`, unsigned.
const NEVER_SIGNED: &[&str] = &[
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Lower-case, sorted, de-duplicated names of `headers` but [`NEVER_SIGNED`]:
/// what botocore signs.
fn signed_names<'a>(headers: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> =
        headers.map(str::to_ascii_lowercase).filter(|name| !NEVER_SIGNED.contains(&name.as_str())).collect();
    names.sort();
    names.dedup();
    names
}

/// Signs `req` in header form, as botocore does for STS, IAM and EKS calls,
/// over every header of `req` plus the ones added here, except those botocore
/// never signs (`User-Agent`, `X-Amzn-Trace-Id` and hop-by-hop headers such as
/// `Connection`).
///
/// Returns the headers to add to the request, in this order: `X-Amz-Date`,
/// `X-Amz-Security-Token` (with a session token) and `Authorization`. `req`
/// should already carry `Host` and none of these three.
pub fn sign_headers(req: &Request, params: &SigningParams) -> Vec<(String, String)> {
    let amz_date = format_amz_date(params.time);
    let mut added = vec![("X-Amz-Date".to_owned(), amz_date.clone())];
    if let Some(token) = params.session_token {
        added.push(("X-Amz-Security-Token".to_owned(), token.to_owned()));
    }
    let headers: Vec<(&str, &str)> =
        req.headers.iter().copied().chain(added.iter().map(|(n, v)| (n.as_str(), v.as_str()))).collect();
    let signed = signed_names(headers.iter().map(|(n, _)| *n));
    let full = Request { headers: &headers, ..*req };
    let (creq, _) = render(&full, Form::Header, &signed, PathRules::SERVICE);
    let scope = params.scope(&amz_date);
    let sig = signature(&params.key(&scope), &string_to_sign(&amz_date, &scope, &creq));
    let credential = format!("{}/{scope}", params.access_key_id);
    added.push((
        "Authorization".to_owned(),
        format!("{ALGORITHM} Credential={credential}, SignedHeaders={}, Signature={sig}", signed.join(";")),
    ));
    added
}

/// Presigns `req`, as botocore does for the STS `GetCallerIdentity` URL inside
/// a kubectl token: every header of `req` (normally `host` and `x-k8s-aws-id`)
/// is signed but those [`sign_headers`] leaves out, and the payload hash is
/// that of `req.body`.
///
/// Returns the complete raw query string: `req.raw_query`, then
/// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
/// `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (with a session token) and
/// `X-Amz-Signature`, values RFC 3986-encoded.
pub fn presign(req: &Request, params: &SigningParams, expires_seconds: i64) -> String {
    let amz_date = format_amz_date(params.time);
    let scope = params.scope(&amz_date);
    let signed = signed_names(req.headers.iter().map(|(n, _)| *n));
    let credential = format!("{}/{scope}", params.access_key_id);
    let expires = expires_seconds.to_string();
    let signed_list = signed.join(";");
    let mut pairs = vec![
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", credential.as_str()),
        ("X-Amz-Date", amz_date.as_str()),
        ("X-Amz-Expires", expires.as_str()),
        ("X-Amz-SignedHeaders", signed_list.as_str()),
    ];
    if let Some(token) = params.session_token {
        pairs.push(("X-Amz-Security-Token", token));
    }
    let mut query = req.raw_query.to_owned();
    for (name, value) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        query.extend(percent_encode(value.as_bytes(), UNRESERVED));
    }
    let unsigned = Request { raw_query: &query, ..*req };
    let (creq, _) = render(&unsigned, Form::Presigned, &signed, PathRules::SERVICE);
    let sig = signature(&params.key(&scope), &string_to_sign(&amz_date, &scope, &creq));
    query.push_str("&X-Amz-Signature=");
    query.push_str(&sig);
    query
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{canonical_request, parse, verify};
    use time::macros::datetime;

    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const BOTOCORE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn signing_key_matches_the_aws_vector() {
        let key = signing_key(SUITE_SECRET, "20120215", "us-east-1", "iam");
        assert_eq!(hex::encode(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn get_vanilla_matches_the_reference_vector() {
        let headers = [("Host", "example.amazonaws.com")];
        let req = Request { method: "GET", raw_path: "/", raw_query: "", headers: &headers, body: b"" };
        let params = SigningParams {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: SUITE_SECRET,
            session_token: None,
            region: "us-east-1",
            service: "service",
            time: datetime!(2015-08-30 12:36:00 UTC),
        };
        let added = sign_headers(&req, &params);
        let full: Vec<(&str, &str)> =
            headers.iter().copied().chain(added.iter().map(|(n, v)| (n.as_str(), v.as_str()))).collect();
        let req = Request { headers: &full, ..req };
        let auth = parse(&req).ok().flatten();
        let Some(auth) = auth else { panic!("signed request did not parse") };
        let creq = canonical_request(&req, Form::Header, &auth.signed_headers, PathRules::SERVICE).unwrap_or_default();
        let hash = hex::encode(digest::digest(&digest::SHA256, creq.as_bytes()));
        assert_eq!(hash, "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
        assert_eq!(auth.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assert_eq!(verify(&req, &auth, SUITE_SECRET), Ok(()));
    }

    #[test]
    fn botocore_list_users_canonical_request_is_reproduced() {
        let headers = [
            ("Host", "127.0.0.1:5124"),
            ("Accept-Encoding", "identity"),
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("X-Amz-Date", "20261124T170633Z"),
        ];
        let body = b"Action=ListUsers&Version=2010-05-08";
        let req = Request { method: "POST", raw_path: "/", raw_query: "", headers: &headers, body };
        let signed: Vec<String> = ["content-type", "host", "x-amz-date"].map(String::from).to_vec();
        let creq = canonical_request(&req, Form::Header, &signed, PathRules::SERVICE);
        assert_eq!(
            creq.as_deref(),
            Ok("POST\n/\n\n\
                content-type:application/x-www-form-urlencoded; charset=utf-8\n\
                host:127.0.0.1:5124\n\
                x-amz-date:20261124T170633Z\n\n\
                content-type;host;x-amz-date\n\
                b6359072c78d70ebee1e81adcbab4f01bf2c23245fa365ef83fe8f1f955085e2")
        );
    }

    #[test]
    fn botocore_presigned_get_caller_identity_is_reproduced() {
        let headers = [("host", "127.0.0.1:5123"), ("x-k8s-aws-id", "demo")];
        let req = Request {
            method: "GET",
            raw_path: "/",
            raw_query: "Action=GetCallerIdentity&Version=2011-06-15",
            headers: &headers,
            body: b"",
        };
        let params = SigningParams {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: BOTOCORE_SECRET,
            session_token: None,
            region: "us-east-1",
            service: "sts",
            time: datetime!(2026-11-24 17:05:35 UTC),
        };
        let query = presign(&req, &params, 60);
        let unsigned = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
            &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261124%2Fus-east-1%2Fsts%2Faws4_request\
            &X-Amz-Date=20261124T170535Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id";
        assert_eq!(query.split_once("&X-Amz-Signature=").map(|(q, _)| q), Some(unsigned));

        let req = Request { raw_query: &query, ..req };
        let Some(auth) = parse(&req).ok().flatten() else { panic!("presigned query did not parse") };
        let creq = canonical_request(&req, Form::Presigned, &auth.signed_headers, PathRules::SERVICE);
        let creq = creq.unwrap_or_default();
        assert_eq!(
            creq,
            format!(
                "GET\n/\n{unsigned}\nhost:127.0.0.1:5123\nx-k8s-aws-id:demo\n\nhost;x-k8s-aws-id\n\
                 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
        assert_eq!(
            string_to_sign(&auth.amz_date, &auth.scope, &creq),
            "AWS4-HMAC-SHA256\n20261124T170535Z\n20261124/us-east-1/sts/aws4_request\n\
             9166596268a1aef907f29ff18c49a0d02a4bb62fe6b03929a3d1641dffe4700f"
        );
        assert_eq!(verify(&req, &auth, BOTOCORE_SECRET), Ok(()));
    }

    #[test]
    fn user_agent_and_hop_by_hop_headers_are_not_signed() {
        let headers = [
            ("Host", "127.0.0.1:4599"),
            ("User-Agent", "aws-cli/1.45.11"),
            ("Connection", "keep-alive"),
            ("X-Amzn-Trace-Id", "Root=1-0"),
            ("Content-Type", "application/json"),
        ];
        let req = Request { method: "POST", raw_path: "/clusters", raw_query: "", headers: &headers, body: b"{}" };
        let params = SigningParams {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: SUITE_SECRET,
            session_token: None,
            region: "us-east-1",
            service: "eks",
            time: datetime!(2026-11-24 17:06:26 UTC),
        };
        let added = sign_headers(&req, &params);
        let authorization = added.iter().find(|(n, _)| n == "Authorization");
        assert!(
            authorization.is_some_and(|(_, v)| v.contains(", SignedHeaders=content-type;host;x-amz-date, ")),
            "{added:?}"
        );
        let query = presign(&req, &params, 60);
        assert!(query.contains("&X-Amz-SignedHeaders=content-type%3Bhost&"), "{query}");
    }

    #[test]
    fn a_presigned_session_token_is_signed_before_the_signature() {
        let headers = [("host", "127.0.0.1:5123"), ("x-k8s-aws-id", "demo")];
        let req = Request {
            method: "GET",
            raw_path: "/",
            raw_query: "Action=GetCallerIdentity",
            headers: &headers,
            body: b"",
        };
        let params = SigningParams {
            access_key_id: "ASIAEXAMPLE",
            secret_access_key: BOTOCORE_SECRET,
            session_token: Some("abc+/=def"),
            region: "us-east-1",
            service: "sts",
            time: datetime!(2026-11-24 17:05:35 UTC),
        };
        let query = presign(&req, &params, 60);
        assert!(
            query.contains(
                "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=abc%2B%2F%3Ddef&X-Amz-Signature="
            ),
            "{query}"
        );
        let req = Request { raw_query: &query, ..req };
        let Some(auth) = parse(&req).ok().flatten() else { panic!("presigned query did not parse") };
        assert_eq!(auth.security_token.as_deref(), Some("abc+/=def"));
        assert_eq!(verify(&req, &auth, BOTOCORE_SECRET), Ok(()));
        let tampered = query.replace("abc%2B", "abd%2B");
        let req = Request { raw_query: &tampered, ..req };
        let Some(auth) = parse(&req).ok().flatten() else { panic!("presigned query did not parse") };
        assert!(matches!(verify(&req, &auth, BOTOCORE_SECRET), Err(crate::Error::SignatureMismatch { .. })));
    }
}
