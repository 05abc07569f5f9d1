//! Why a request's SigV4 authentication was rejected: facts with the data
//! AWS's messages need, classified by the rows of the reference's error table
//! (`iam-sts.md` §3.5).
//!
//! `Display` writes AWS's message where the reference (or an observed AWS
//! response) gives one; the caller picks the code and status from
//! [`Error::class`] and the protocol.

use std::fmt;

/// The row of the authentication error table an [`Error`] belongs to, in the
/// order AWS checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Row 2: malformed or missing SigV4 parameters. STS/IAM answer 400
    /// `IncompleteSignature`.
    Incomplete,
    /// Row 3: a bad credential scope, or a `host`/date header left unsigned.
    /// 403 `SignatureDoesNotMatch`, before the access key is looked up.
    Scope,
    /// Row 4: the request time is outside the clock window (or past a
    /// presigned URL's `X-Amz-Expires`). 403 `SignatureDoesNotMatch`.
    Skew,
    /// Row 8: the recomputed signature differs. 403 `SignatureDoesNotMatch`,
    /// after the access key and session checks.
    Mismatch,
}

/// A required query parameter of the presigned form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryParam {
    /// `X-Amz-Credential`.
    Credential,
    /// `X-Amz-Signature`.
    Signature,
    /// `X-Amz-SignedHeaders`.
    SignedHeaders,
    /// `X-Amz-Date`.
    Date,
    /// `X-Amz-Expires` (needed only by [`crate::check_expires`]).
    Expires,
}

impl QueryParam {
    /// The parameter name as it appears in the query string.
    pub fn name(self) -> &'static str {
        match self {
            QueryParam::Credential => "X-Amz-Credential",
            QueryParam::Signature => "X-Amz-Signature",
            QueryParam::SignedHeaders => "X-Amz-SignedHeaders",
            QueryParam::Date => "X-Amz-Date",
            QueryParam::Expires => "X-Amz-Expires",
        }
    }
}

impl fmt::Display for QueryParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// Why SigV4 authentication failed.
///
/// Times are compact ISO 8601 (`20220127T001427Z`), the form AWS prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Both an `Authorization` header and an `X-Amz-Algorithm` query parameter
    /// were sent. (S3's wording; unconfirmed for STS/IAM/EKS.)
    #[error(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query \
         string parameter or the Authorization header should be specified"
    )]
    BothForms,
    /// The algorithm (the `Authorization` scheme or `X-Amz-Algorithm`) is not
    /// `AWS4-HMAC-SHA256`. Carries the algorithm as sent.
    #[error("Unsupported AWS 'algorithm': '{0}'.")]
    UnsupportedAlgorithm(String),
    /// An element of the `Authorization` header has no `=`.
    #[error("'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'.")]
    MalformedAuthorization {
        /// The element without `=`.
        pair: String,
        /// The whole header value.
        authorization: String,
    },
    /// Header form without `Credential=`.
    #[error("Authorization header requires 'Credential' parameter.")]
    MissingCredential,
    /// Header form without `Signature=`.
    #[error("Authorization header requires 'Signature' parameter.")]
    MissingSignature,
    /// Header form without `SignedHeaders=`.
    #[error("Authorization header requires 'SignedHeaders' parameter.")]
    MissingSignedHeaders,
    /// Header form with neither an `X-Amz-Date` nor a `Date` header.
    #[error("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")]
    MissingDate,
    /// Presigned form without a required parameter.
    #[error("AWS query-string parameters must include '{0}'. Re-examine the query-string parameters.")]
    MissingQueryParam(QueryParam),
    /// `X-Amz-Date` is not `YYYYMMDD'T'HHMMSS'Z'` (or `Date` is not RFC 1123).
    /// Carries the value as sent.
    #[error("Date must be in ISO-8601 'basic format'. Got '{0}'. See http://en.wikipedia.org/wiki/ISO_8601")]
    MalformedDate(String),
    /// The credential does not have exactly five `/`-separated elements.
    /// Carries the credential as sent.
    #[error("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{0}'")]
    MalformedCredential(String),
    /// `host` is not in the signed headers.
    #[error("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")]
    HostNotSigned,
    /// Header form: the header that carries the date (`X-Amz-Date` or `Date`,
    /// as named here) is not signed. (Wording by analogy with the `host` text.)
    #[error("'{0}' must be a 'SignedHeader' in the AWS Authorization.")]
    DateNotSigned(&'static str),
    /// The scope terminator is not `aws4_request`. Carries it as sent.
    #[error("Credential should be scoped with a valid terminator: 'aws4_request', not '{0}'. ")]
    BadTerminator(String),
    /// The scope date differs from the date part of the request time.
    #[error(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
         '{scope_date}' != '{request_date}', from '{amz_date}'."
    )]
    ScopeDateMismatch {
        /// The scope's date, as sent.
        scope_date: String,
        /// `YYYYMMDD` of the request time.
        request_date: String,
        /// The request time, compact ISO 8601.
        amz_date: String,
    },
    /// The request time is older than `now − window`.
    #[error("Signature expired: {request} is now earlier than {earliest} ({now} - {window_minutes} min.)")]
    SignatureExpired {
        /// The request time.
        request: String,
        /// `now − window`.
        earliest: String,
        /// The server's time, whole seconds.
        now: String,
        /// The window in minutes.
        window_minutes: i64,
    },
    /// The request time is later than `now + window`.
    #[error("Signature not yet current: {request} is still later than {latest} ({now} + {window_minutes} min.)")]
    SignatureNotYetCurrent {
        /// The request time.
        request: String,
        /// `now + window`.
        latest: String,
        /// The server's time, whole seconds.
        now: String,
        /// The window in minutes.
        window_minutes: i64,
    },
    /// A presigned URL is used after `X-Amz-Date + X-Amz-Expires` (only by
    /// [`crate::check_expires`]; STS itself ignores `X-Amz-Expires`).
    /// (S3's wording; unconfirmed elsewhere.)
    #[error("Request has expired")]
    PresignedExpired {
        /// The request time.
        request: String,
        /// `X-Amz-Expires`, seconds.
        expires: i64,
        /// The server's time, whole seconds.
        now: String,
    },
    /// A header named in the signed headers is absent from the request, so the
    /// signature cannot match. Carries the name as signed.
    #[error("{MISMATCH}")]
    SignedHeaderMissing(String),
    /// The recomputed signature differs from the one sent. Carries what the
    /// server computed, for logs and `eksim explain`; AWS's STS does not show it.
    #[error("{MISMATCH}")]
    SignatureMismatch {
        /// The canonical request the server built.
        canonical_request: String,
        /// The string to sign the server built.
        string_to_sign: String,
    },
}

impl Error {
    /// The row of the reference error table this error belongs to.
    pub fn class(&self) -> Class {
        match self {
            Error::BothForms
            | Error::UnsupportedAlgorithm(_)
            | Error::MalformedAuthorization { .. }
            | Error::MissingCredential
            | Error::MissingSignature
            | Error::MissingSignedHeaders
            | Error::MissingDate
            | Error::MissingQueryParam(_)
            | Error::MalformedDate(_)
            | Error::MalformedCredential(_) => Class::Incomplete,
            Error::HostNotSigned
            | Error::DateNotSigned(_)
            | Error::BadTerminator(_)
            | Error::ScopeDateMismatch { .. } => Class::Scope,
            Error::SignatureExpired { .. } | Error::SignatureNotYetCurrent { .. } | Error::PresignedExpired { .. } => {
                Class::Skew
            }
            Error::SignedHeaderMissing(_) | Error::SignatureMismatch { .. } => Class::Mismatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(error: Error, class: Class, message: &str) {
        assert_eq!(error.class(), class, "{error:?}");
        assert_eq!(error.to_string(), message, "{error:?}");
    }

    #[test]
    fn messages_match_the_reference_wording() {
        check(Error::MissingCredential, Class::Incomplete, "Authorization header requires 'Credential' parameter.");
        check(
            Error::MissingDate,
            Class::Incomplete,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
        check(
            Error::MissingQueryParam(QueryParam::SignedHeaders),
            Class::Incomplete,
            "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
        );
        check(
            Error::BadTerminator("aws5_request".into()),
            Class::Scope,
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
        );
        check(
            Error::ScopeDateMismatch {
                scope_date: "20150831".into(),
                request_date: "20150830".into(),
                amz_date: "20150830T123600Z".into(),
            },
            Class::Scope,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
             '20150831' != '20150830', from '20150830T123600Z'.",
        );
        check(
            Error::HostNotSigned,
            Class::Scope,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        );
        check(
            Error::SignatureExpired {
                request: "20220127T001427Z".into(),
                earliest: "20220127T014428Z".into(),
                now: "20220127T015928Z".into(),
                window_minutes: 15,
            },
            Class::Skew,
            "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)",
        );
        check(
            Error::SignatureNotYetCurrent {
                request: "20220127T021429Z".into(),
                latest: "20220127T021428Z".into(),
                now: "20220127T015928Z".into(),
                window_minutes: 15,
            },
            Class::Skew,
            "Signature not yet current: 20220127T021429Z is still later than 20220127T021428Z (20220127T015928Z + 15 min.)",
        );
        check(Error::SignedHeaderMissing("x-k8s-aws-id".into()), Class::Mismatch, MISMATCH);
        check(
            Error::SignatureMismatch { canonical_request: String::new(), string_to_sign: String::new() },
            Class::Mismatch,
            "The request signature we calculated does not match the signature you provided. Check your AWS \
             Secret Access Key and signing method. Consult the service documentation for details.",
        );
    }
}
