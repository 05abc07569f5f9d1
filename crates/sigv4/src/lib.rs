//! AWS Signature Version 4, exactly as STS, IAM and EKS check it: parsing the
//! two request forms, the canonical request, scope and clock checks,
//! constant-time verification, and a signer for our own tests and tools.
//!
//! The rules come from `shared/reference/iam-sts.md` §3–4 and are pinned by
//! requests botocore signed (`tests/cases/`, written by
//! `scripts/gen-sigv4-cases.py`).
//!
//! **Architecture Invariant:** this crate is pure. It does no I/O, reads no
//! clock (the caller passes `now`) and knows no HTTP library: a request is the
//! borrowed [`Request`] view. It never panics on request data.
//!
//! # Verifying a request
//!
//! The checks are split so the caller can apply them in the order of the
//! reference's error table (§3.5), with the credential lookup in between:
//!
//! 1. [`parse`]: `Ok(None)` means no SigV4 at all (row 1,
//!    `MissingAuthenticationToken`); an error here is malformed auth
//!    (row 2, [`Class::Incomplete`]) or an unsigned `host`/date header
//!    ([`Class::Scope`]).
//! 2. [`check_time`]: terminator and scope date (row 3, [`Class::Scope`]),
//!    then the clock window (row 4, [`Class::Skew`]). The region and service
//!    are not checked here: any region is accepted, and the caller routes by
//!    service.
//! 3. The caller looks up [`Auth::access_key_id`] and the session token
//!    (rows 5–7).
//! 4. [`verify`] (or [`verify_with_key`] with a cached [`signing_key`]):
//!    recompute and compare in constant time (row 8, [`Class::Mismatch`]).
//!
//! [`Error::class`] tells which row an error belongs to; its `Display` is
//! AWS's message where the reference gives one.
//!
//! # Signing
//!
//! [`sign_headers`] signs in header form (what botocore does for STS, IAM and
//! EKS calls) and [`presign`] builds a presigned query string (what
//! `aws eks get-token` does). [`canonical_request`], [`string_to_sign`],
//! [`signing_key`] and [`signature`] are the individual steps.
//!
//! # Path rules
//!
//! Every service but S3 normalizes the path (dot segments and empty segments
//! removed, as botocore does) and URI-encodes the raw path a second time, so
//! `%3A` is signed as `%253A` ([`PathRules::SERVICE`], used by [`verify`]).
//! [`PathRules::UNNORMALIZED`] keeps dot and empty segments.

#![forbid(unsafe_code)]

mod canonical;
mod error;
mod parse;
mod sign;
mod verify;

use std::fmt;

use time::OffsetDateTime;

pub use canonical::{canonical_query, canonical_request, canonical_uri, payload_hash, PathRules};
pub use error::{Class, Error, QueryParam};
pub use parse::{format_amz_date, parse, parse_amz_date};
pub use sign::{presign, sign_headers, signature, signing_key, string_to_sign, SigningParams};
pub use verify::{check_expires, check_time, verify, verify_with_key};

/// The only algorithm SigV4 defines, as it appears on the wire.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The only valid credential-scope terminator.
pub const TERMINATOR: &str = "aws4_request";

/// Hex SHA-256 of the empty string: the payload hash of a bodiless request,
/// such as the presigned STS `GET` inside a kubectl token.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A request as received, with the raw (still percent-encoded) path and query.
///
/// Header names may be in any case; a name may repeat, in which case the values
/// are signed joined with `,` in the order given here. The verifier of kubectl
/// tokens builds a synthetic `Request` whose headers are `host` (from the URL)
/// and `x-k8s-aws-id` (the expected cluster name).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method, as received (`GET`, `POST`).
    pub method: &'a str,
    /// The path exactly as on the wire, before percent-decoding; may be empty.
    pub raw_path: &'a str,
    /// The query string without the `?`, before percent-decoding; may be empty.
    pub raw_query: &'a str,
    /// The headers as `(name, value)` pairs, in the order received.
    pub headers: &'a [(&'a str, &'a str)],
    /// The raw body.
    pub body: &'a [u8],
}

/// Where the SigV4 parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    Header,
    /// `X-Amz-Algorithm`, `X-Amz-Credential`, … in the query string.
    Presigned,
}

/// The credential scope `DATE/REGION/SERVICE/TERMINATOR`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    /// `YYYYMMDD`, as sent (not validated by [`parse`]; see [`check_time`]).
    pub date: String,
    /// The region, as sent; any value is accepted.
    pub region: String,
    /// The service (`sts`, `iam`, `eks`), as sent.
    pub service: String,
    /// Should be `aws4_request`; [`check_time`] rejects anything else.
    pub terminator: String,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/{}", self.date, self.region, self.service, self.terminator)
    }
}

/// The SigV4 parameters of a request, as [`parse`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// Header or presigned form.
    pub form: Form,
    /// The first element of the credential, e.g. `AKIAIOSFODNN7EXAMPLE`.
    pub access_key_id: String,
    /// The rest of the credential.
    pub scope: Scope,
    /// The `SignedHeaders` list split on `;`, exactly as sent (normally lower
    /// case and sorted; not enforced, a deviating client simply fails to verify).
    pub signed_headers: Vec<String>,
    /// The signature as sent (64 lower-case hex digits when well formed).
    pub signature: String,
    /// The request time in compact ISO 8601 (`20150830T123600Z`): `X-Amz-Date`
    /// as sent, or the `Date` header converted to that form. This is the text
    /// the string to sign contains.
    pub amz_date: String,
    /// [`Auth::amz_date`] as a UTC time.
    pub timestamp: OffsetDateTime,
    /// `X-Amz-Expires` in seconds (presigned form), when present and an integer.
    pub expires: Option<i64>,
    /// `X-Amz-Security-Token`: the header in header form, the decoded query
    /// parameter in presigned form.
    pub security_token: Option<String>,
}
