//! `k8s-aws-v1.` bearer tokens: the presigned `sts:GetCallerIdentity` URL that
//! `aws eks get-token` encodes, checked exactly as aws-iam-authenticator checks
//! it (`authenticator.md` §1–2), then verified locally instead of calling STS
//! (§2.4, `iam-sts.md` §4).
//!
//! The caller's flow is three steps, the credential lookup in the middle:
//!
//! 1. [`parse`] (or [`parse_for`]) runs the authenticator's checks 1–17 in
//!    order, each with its exact text ([`FormatError`]), then the checks STS
//!    makes before it looks at the key: the SigV4 syntax, the scope (service
//!    `sts`, terminator, date) and the clock ([`StsFailure`]).
//! 2. The caller looks up [`Presigned::access_key_id`] (and the session token)
//!    and answers an unknown key or a dead session with [`Presigned::reject`].
//! 3. [`Presigned::verify`] recomputes the signature with the secret, signing
//!    `host` and `x-k8s-aws-id: <expected cluster>`, so a token minted for
//!    another cluster fails as it does on EKS: STS answers
//!    `SignatureDoesNotMatch`.
//!
//! Every error's `Display` is the line the authenticator logs under `error=`
//! (never shown to the client, who only sees `Unauthorized`). STS failures
//! embed a request id: use [`TokenError::log_text`] to supply one.

mod godate;
mod gourl;
mod host;

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::gofmt::{go_time_string, quote_bytes};
use crate::mapping::AuthenticatorVersion;

pub use host::PARTITIONS;

/// The token prefix, case-sensitive.
pub const PREFIX: &str = "k8s-aws-v1.";

/// The longest accepted token, prefix included, in bytes.
pub const MAX_TOKEN_LEN: usize = 4096;

/// A presigned URL lives this long from its `X-Amz-Date`, whatever its
/// `X-Amz-Expires` says.
pub const EXPIRY_MINUTES: i64 = 15;

/// The signed header that carries the cluster name.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";

/// The query parameters the authenticator allows (lower-cased).
const ALLOWED_PARAMS: [&str; 9] = [
    "action",
    "version",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-signedheaders",
];

/// Why the authenticator refused the token's format (checks 1–17). The
/// `Display` is the text after `input token was not properly formatted: `.
/// Byte fields hold the text as decoded, which need not be UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// Check 1: longer than [`MAX_TOKEN_LEN`] bytes.
    TooLarge,
    /// Check 2: no `k8s-aws-v1.` prefix.
    MissingPrefix,
    /// Check 3: not unpadded base64url; the offset is into the text after the prefix.
    Base64 {
        /// Go's offset of the first illegal byte.
        offset: usize,
    },
    /// Check 4: Go's `url.Parse` failed; its whole message.
    Url(String),
    /// Check 5: the scheme is not `https` (nor `http` for eksim's own endpoint).
    Scheme(Vec<u8>),
    /// Check 6: the host's region label could not be found.
    HostRegion {
        /// The host, port included.
        host: Vec<u8>,
        /// Why, e.g. `host is empty`.
        reason: String,
    },
    /// Check 6: the global host outside partition `aws`.
    GlobalUnsupported {
        /// The verifier's partition.
        partition: String,
    },
    /// Check 6: the region label is not a region identifier.
    InvalidRegion(String),
    /// Check 6: not an STS host for that region.
    UnexpectedHost(Vec<u8>),
    /// Check 6: an STS host of another partition.
    PartitionHost {
        /// The verifier's partition.
        partition: String,
        /// The host.
        host: String,
    },
    /// Check 7: the path is not `/`.
    Path,
    /// Check 8: Go's `url.ParseQuery` failed (bad `%`, `;`).
    MalformedQuery,
    /// Check 9: two keys equal but for case; carries the later spelling.
    DuplicateParam(Vec<u8>),
    /// Check 10: a key outside the allowlist.
    UnknownParam(Vec<u8>),
    /// Check 11: a key with several values.
    MultipleValues,
    /// Check 12: `Action` is not `GetCallerIdentity`.
    Action,
    /// Check 13: `x-k8s-aws-id` is not among the signed headers.
    ClusterIdNotSigned,
    /// Check 14: `X-Amz-Expires` missing, not an integer, or outside 0–900;
    /// carries what Go printed (0 when unparsable).
    Expires(i64),
    /// Check 15: no `X-Amz-Date`.
    DateMissing,
    /// Check 16: `X-Amz-Date` is not `20060102T150405Z`.
    DateFormat {
        /// The value as sent.
        date: Vec<u8>,
        /// Go's `time.Parse` error.
        error: String,
    },
    /// Check 17: more than 15 minutes old.
    Expired {
        /// The parsed `X-Amz-Date`.
        date: OffsetDateTime,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::TooLarge => f.write_str("token is too large"),
            FormatError::MissingPrefix => write!(f, "token is missing expected \"{PREFIX}\" prefix"),
            FormatError::Base64 { offset } => write!(f, "illegal base64 data at input byte {offset}"),
            FormatError::Url(e) => f.write_str(e),
            FormatError::Scheme(s) => write!(f, "unexpected scheme {} in pre-signed URL", quote_bytes(s)),
            FormatError::HostRegion { host, reason } => {
                write!(f, "could not parse region for pre-signed URL {}, {reason}", String::from_utf8_lossy(host))
            }
            FormatError::GlobalUnsupported { partition } => {
                write!(f, "global endpoint unsupported in partition {partition}")
            }
            FormatError::InvalidRegion(r) => write!(f, "invalid region identifier format provided: {r}"),
            FormatError::UnexpectedHost(h) => write!(f, "unexpected hostname {} in pre-signed URL", quote_bytes(h)),
            FormatError::PartitionHost { partition, host } => {
                write!(f, "partition {{{partition}}} does not support hostname {host}")
            }
            FormatError::Path => f.write_str("unexpected path in pre-signed URL"),
            FormatError::MalformedQuery => f.write_str("malformed query parameter"),
            FormatError::DuplicateParam(k) => write!(f, "duplicate query parameter found: {}", quote_bytes(k)),
            FormatError::UnknownParam(k) => write!(f, "non-whitelisted query parameter {}", quote_bytes(k)),
            FormatError::MultipleValues => f.write_str("query parameter with multiple values not supported"),
            FormatError::Action => f.write_str("unexpected action parameter in pre-signed URL"),
            FormatError::ClusterIdNotSigned => {
                write!(f, "client did not sign the {CLUSTER_ID_HEADER} header in the pre-signed URL")
            }
            FormatError::Expires(v) => write!(f, "invalid X-Amz-Expires parameter in pre-signed URL: {v}"),
            FormatError::DateMissing => f.write_str("X-Amz-Date parameter must be present in pre-signed URL"),
            FormatError::DateFormat { date, error } => write!(
                f,
                "error parsing X-Amz-Date parameter {} into format {}: {error}",
                String::from_utf8_lossy(date),
                godate::LAYOUT
            ),
            FormatError::Expired { date } => write!(
                f,
                "X-Amz-Date parameter is expired ({EXPIRY_MINUTES} minute expiration) {}",
                go_time_string(*date)
            ),
        }
    }
}

/// What STS would have answered instead of 200 (eksim verifies offline, but
/// the texts read as if STS had answered; `iam-sts.md` §3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsFailure {
    /// The URL carries no SigV4 at all (no `X-Amz-Algorithm`).
    MissingAuthenticationToken,
    /// What the SigV4 parser, scope check, clock or signature check found.
    Signature(eksim_sigv4::Error),
    /// The credential scope names another service.
    WrongService(String),
    /// The access key is unknown or inactive, or the session token is forged,
    /// altered or from a deleted principal (the caller decides).
    InvalidClientTokenId,
    /// The session expired (the caller decides).
    ExpiredToken,
}

impl StsFailure {
    /// The HTTP status STS answers.
    pub fn status(&self) -> u16 {
        match self {
            StsFailure::Signature(e) if e.class() == eksim_sigv4::Class::Incomplete => 400,
            _ => 403,
        }
    }

    /// STS's error code.
    pub fn code(&self) -> &'static str {
        match self {
            StsFailure::MissingAuthenticationToken => "MissingAuthenticationToken",
            StsFailure::Signature(e) if e.class() == eksim_sigv4::Class::Incomplete => "IncompleteSignature",
            StsFailure::Signature(_) | StsFailure::WrongService(_) => "SignatureDoesNotMatch",
            StsFailure::InvalidClientTokenId => "InvalidClientTokenId",
            StsFailure::ExpiredToken => "ExpiredToken",
        }
    }

    /// STS's error message.
    pub fn message(&self) -> String {
        match self {
            StsFailure::MissingAuthenticationToken => "Request is missing Authentication Token".to_owned(),
            StsFailure::Signature(e) => e.to_string(),
            StsFailure::WrongService(_) => "Credential should be scoped to correct service: 'sts'. ".to_owned(),
            StsFailure::InvalidClientTokenId => "The security token included in the request is invalid.".to_owned(),
            StsFailure::ExpiredToken => "The security token included in the request is expired".to_owned(),
        }
    }

    /// The JSON error body STS sends to a client asking for JSON (as the
    /// authenticator does), with `request_id` as its `RequestId`.
    pub fn body(&self, request_id: &str) -> String {
        serde_json::json!({
            "Error": {"Code": self.code(), "Message": self.message(), "Type": "Sender"},
            "RequestId": request_id,
        })
        .to_string()
    }
}

/// Why a token was refused. `Display` is the authenticator's log text, with an
/// empty `RequestId` for STS failures (see [`TokenError::log_text`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// One of the authenticator's format checks failed.
    #[error("input token was not properly formatted: {0}")]
    Format(FormatError),
    /// The host check failed in a way the authenticator reports without the
    /// format prefix (an unknown verifier partition, a resolved host with too
    /// few labels).
    #[error("{0}")]
    Host(String),
    /// STS (eksim, standing in for it) refused the presigned request.
    #[error("{}", sts_text(.failure, .region, AuthenticatorVersion::Current, ""))]
    Sts {
        /// What STS found.
        failure: StsFailure,
        /// The region label of the endpoint (`global` for the global host,
        /// the scope region for eksim's own endpoint).
        region: String,
    },
}

impl TokenError {
    /// The authenticator's `error=` text, with `request_id` in an STS error
    /// body. Versions up to v0.6.27 omit `on <region> endpoint`.
    pub fn log_text(&self, version: AuthenticatorVersion, request_id: &str) -> String {
        match self {
            TokenError::Sts { failure, region } => sts_text(failure, region, version, request_id),
            other => other.to_string(),
        }
    }
}

fn sts_text(failure: &StsFailure, region: &str, version: AuthenticatorVersion, request_id: &str) -> String {
    let endpoint = if version.names_sts_endpoint() { format!(" on {region} endpoint") } else { String::new() };
    format!(
        "sts getCallerIdentity failed: error from AWS (expected 200, got {}){endpoint}. Body: {}",
        failure.status(),
        failure.body(request_id)
    )
}

impl From<FormatError> for TokenError {
    fn from(e: FormatError) -> Self {
        TokenError::Format(e)
    }
}

/// What the verifier expects: the cluster, where it runs, and eksim's own
/// AWS endpoint addresses.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The cluster name (the authenticator's cluster ID), signed as `x-k8s-aws-id`.
    pub cluster: &'a str,
    /// The cluster's partition, e.g. `aws`.
    pub partition: &'a str,
    /// The cluster's region, e.g. `us-east-1`.
    pub region: &'a str,
    /// Every `host:port` eksim's AWS endpoint answers on (`127.0.0.1:4566`,
    /// `localhost:4566`): tokens presigned for these may use `http` and skip
    /// the STS host allowlist (an eksim deviation, `authenticator.md` §2.4).
    pub own_hosts: &'a [String],
}

/// A token that passed every check that needs no secret. The caller looks up
/// the secret of [`Presigned::access_key_id`], then calls [`Presigned::verify`].
#[derive(Debug, Clone)]
pub struct Presigned {
    /// The access key id (the first `/` field of `X-Amz-Credential`).
    pub access_key_id: String,
    /// `X-Amz-Security-Token`, decoded, for temporary credentials.
    pub session_token: Option<String>,
    /// The URL's host with its port (the authenticator's `stsendpoint`).
    pub sts_endpoint: String,
    /// The region label used in STS failure texts.
    pub region: String,
    /// The parsed `X-Amz-Date`.
    pub date: OffsetDateTime,
    /// True when the host is one of eksim's own endpoint addresses.
    pub own_endpoint: bool,
    auth: eksim_sigv4::Auth,
    raw_query: String,
    host_header: String,
    cluster: String,
}

impl Presigned {
    /// Recomputes the signature with `secret_access_key` (check 18, done
    /// locally) over `GET /?<query>` with `host` and `x-k8s-aws-id: <expected
    /// cluster>`, and compares in constant time.
    pub fn verify(&self, secret_access_key: &str) -> Result<(), TokenError> {
        let headers = [("host", self.host_header.as_str()), (CLUSTER_ID_HEADER, self.cluster.as_str())];
        let req = eksim_sigv4::Request {
            method: "GET",
            raw_path: "/",
            raw_query: &self.raw_query,
            headers: &headers,
            body: b"",
        };
        eksim_sigv4::verify(&req, &self.auth, secret_access_key).map_err(|e| self.reject(StsFailure::Signature(e)))
    }

    /// The error for an STS refusal the caller found (unknown key, dead
    /// session), with this token's region label.
    pub fn reject(&self, failure: StsFailure) -> TokenError {
        TokenError::Sts { failure, region: self.region.clone() }
    }

    /// The SigV4 parameters, for `eksim explain`.
    pub fn auth(&self) -> &eksim_sigv4::Auth {
        &self.auth
    }
}

/// Checks `token` for cluster `expected_cluster` in partition `aws`, region
/// `us-east-1` (the region only matters for hosts the SDK cannot resolve; use
/// [`parse_for`] to name the cluster's own), accepting `own_hosts` as eksim's
/// endpoint. `now` is the verifier's clock.
pub fn parse(
    token: &str,
    expected_cluster: &str,
    own_hosts: &[String],
    now: OffsetDateTime,
) -> Result<Presigned, TokenError> {
    parse_for(token, &Expected { cluster: expected_cluster, partition: "aws", region: "us-east-1", own_hosts }, now)
}

/// Go's `strconv.Atoi` as the authenticator uses it: the value it printed on
/// error is 0 for syntax errors and the clamped value for range errors.
fn go_atoi(text: &[u8]) -> Result<i64, i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(0);
    }
    let mut value: i64 = 0;
    for &d in digits {
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(i64::from(d - b'0'))
            } else {
                v.checked_add(i64::from(d - b'0'))
            }
        });
        match next {
            Some(v) => value = v,
            None => return Err(if negative { i64::MIN } else { i64::MAX }),
        }
    }
    Ok(value)
}

/// The host as botocore signs it: lower-case, without the scheme's default port.
fn signed_host(scheme: &[u8], host: &str) -> String {
    let lower = host.to_ascii_lowercase();
    let default = if scheme == b"https" { ":443" } else { ":80" };
    match lower.strip_suffix(default) {
        Some(bare) => bare.to_owned(),
        None => lower,
    }
}

/// Checks `token` as the authenticator of `expected` would, then the SigV4
/// checks STS makes before the credential lookup.
pub fn parse_for(token: &str, expected: &Expected<'_>, now: OffsetDateTime) -> Result<Presigned, TokenError> {
    // 1–3: size, prefix, base64url.
    if token.len() > MAX_TOKEN_LEN {
        return Err(FormatError::TooLarge.into());
    }
    let Some(encoded) = token.strip_prefix(PREFIX) else {
        return Err(FormatError::MissingPrefix.into());
    };
    let decoded = gourl::decode_base64_raw_url(encoded.as_bytes()).map_err(|offset| FormatError::Base64 { offset })?;
    // 4: url.Parse.
    let url = gourl::parse_url(&decoded).map_err(FormatError::Url)?;
    // 5–6: scheme and host; eksim's own endpoint may be http and skips the allowlist.
    let own_endpoint = expected.own_hosts.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(&url.host));
    let scheme_ok = url.scheme == b"https" || (own_endpoint && url.scheme == b"http");
    if !scheme_ok {
        return Err(FormatError::Scheme(url.scheme).into());
    }
    if !own_endpoint {
        host::check(&url.host, expected.partition, expected.region).map_err(|e| match e {
            host::HostError::Format(f) => TokenError::Format(f),
            host::HostError::Plain(p) => TokenError::Host(p),
        })?;
    }
    // 7: path.
    if url.path != b"/" {
        return Err(FormatError::Path.into());
    }
    // 8–11: the query.
    let pairs = gourl::parse_query(&url.raw_query).map_err(|()| FormatError::MalformedQuery)?;
    let mut seen: Vec<Vec<u8>> = Vec::with_capacity(pairs.len());
    for (key, _) in &pairs {
        let lower = key.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(FormatError::DuplicateParam(key.clone()).into());
        }
        seen.push(lower);
    }
    let mut params: Vec<(String, Vec<u8>)> = Vec::with_capacity(pairs.len());
    for (key, values) in pairs {
        let lower = String::from_utf8_lossy(&key.to_ascii_lowercase()).into_owned();
        if !ALLOWED_PARAMS.contains(&lower.as_str()) {
            return Err(FormatError::UnknownParam(key).into());
        }
        let [value] = <[Vec<u8>; 1]>::try_from(values).map_err(|_| FormatError::MultipleValues)?;
        params.push((lower, value));
    }
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice());
    // 12: Action.
    if get("action") != Some(b"GetCallerIdentity".as_slice()) {
        return Err(FormatError::Action.into());
    }
    // 13: x-k8s-aws-id signed.
    let signed = get("x-amz-signedheaders").unwrap_or_default();
    if !signed.split(|&b| b == b';').any(|h| h.eq_ignore_ascii_case(CLUSTER_ID_HEADER.as_bytes())) {
        return Err(FormatError::ClusterIdNotSigned.into());
    }
    // 14: X-Amz-Expires in 0..=900.
    match go_atoi(get("x-amz-expires").unwrap_or_default()) {
        Ok(v) if (0..=900).contains(&v) => {}
        Ok(v) | Err(v) => return Err(FormatError::Expires(v).into()),
    }
    // 15–17: X-Amz-Date present, well formed, not older than 15 minutes.
    let date_text = match get("x-amz-date") {
        Some(d) if !d.is_empty() => d,
        _ => return Err(FormatError::DateMissing.into()),
    };
    let credential = String::from_utf8_lossy(get("x-amz-credential").unwrap_or_default()).into_owned();
    let access_key_id = credential.split('/').next().unwrap_or_default().to_owned();
    let date = godate::parse(date_text).map_err(|error| FormatError::DateFormat { date: date_text.to_vec(), error })?;
    if date.checked_add(Duration::minutes(EXPIRY_MINUTES)).is_some_and(|deadline| now > deadline) {
        return Err(FormatError::Expired { date }.into());
    }

    // The region label of STS failure texts (§2.1; the scope region for eksim's endpoint).
    let host_text = String::from_utf8_lossy(&url.host).into_owned();
    let region = if own_endpoint {
        credential.split('/').nth(2).filter(|r| !r.is_empty()).unwrap_or(expected.region).to_owned()
    } else {
        host::sts_region(&host_text).unwrap_or_else(|_| expected.region.to_owned())
    };
    let sts = |failure| TokenError::Sts { failure, region: region.clone() };

    // What STS checks before looking at the key: SigV4 syntax, scope, clock.
    let Ok(raw_query) = String::from_utf8(url.raw_query.clone()) else {
        return Err(sts(StsFailure::Signature(eksim_sigv4::Error::SignatureMismatch {
            canonical_request: String::new(),
            string_to_sign: String::new(),
        })));
    };
    let host_header = signed_host(&url.scheme, &host_text);
    let headers = [("host", host_header.as_str()), (CLUSTER_ID_HEADER, expected.cluster)];
    let req =
        eksim_sigv4::Request { method: "GET", raw_path: "/", raw_query: &raw_query, headers: &headers, body: b"" };
    let auth = match eksim_sigv4::parse(&req) {
        Ok(Some(auth)) => auth,
        Ok(None) => return Err(sts(StsFailure::MissingAuthenticationToken)),
        Err(e) => return Err(sts(StsFailure::Signature(e))),
    };
    if auth.scope.service != "sts" {
        return Err(sts(StsFailure::WrongService(auth.scope.service.clone())));
    }
    eksim_sigv4::check_time(&auth, now, EXPIRY_MINUTES).map_err(|e| sts(StsFailure::Signature(e)))?;
    Ok(Presigned {
        access_key_id,
        session_token: auth.security_token.clone(),
        sts_endpoint: host_text,
        region,
        date,
        own_endpoint,
        auth,
        raw_query,
        host_header,
        cluster: expected.cluster.to_owned(),
    })
}

#[cfg(test)]
mod tests;
