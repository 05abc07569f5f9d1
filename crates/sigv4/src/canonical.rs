//! The canonical request (`iam-sts.md` §3.2): method, canonical URI,
//! canonical query, canonical headers, signed headers and payload hash.
//!
//! Everything works on bytes, so any path, query or header value, valid UTF-8
//! or not, canonicalizes without failing.

use std::borrow::Cow;

use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ring::digest;

use crate::{Error, Form, Request};

/// Everything but RFC 3986 unreserved characters (`A-Za-z0-9-._~`) is
/// percent-encoded, with upper-case hex.
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// As [`UNRESERVED`], but `/` separates path segments and stays.
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// How the canonical URI is derived from the raw path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PathRules {
    /// Remove `.` and `..` segments and empty segments (`//`) first, as botocore
    /// does for every service but S3.
    pub normalize: bool,
    /// URI-encode the raw path again (`%` becomes `%25`), as every service but
    /// S3 does. When false the raw path is used as sent (S3; not served by eksim).
    pub double_encode: bool,
}

impl PathRules {
    /// Every AWS service but S3, and what [`crate::verify`] uses.
    pub const SERVICE: PathRules = PathRules { normalize: true, double_encode: true };
    /// Double encoding without normalization (dot and empty segments kept).
    pub const UNNORMALIZED: PathRules = PathRules { normalize: false, double_encode: true };
    /// S3: the path as sent, neither normalized nor re-encoded.
    pub const S3: PathRules = PathRules { normalize: false, double_encode: false };
}

/// The canonical URI of a raw (percent-encoded) path. An empty result is `/`.
pub fn canonical_uri(raw_path: &str, rules: PathRules) -> String {
    let path = if rules.normalize { remove_dot_segments(raw_path) } else { Cow::Borrowed(raw_path) };
    let encoded =
        if rules.double_encode { percent_encode(path.as_bytes(), PATH).to_string() } else { path.into_owned() };
    if encoded.is_empty() {
        "/".to_owned()
    } else {
        encoded
    }
}

/// RFC 3986 §5.2.4 dot-segment removal plus the removal of empty segments,
/// as botocore's `remove_dot_segments` does; a trailing `/` is kept.
fn remove_dot_segments(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !segments.is_empty() { "/" } else { "" };
    Cow::Owned(format!("{first}{}{last}", segments.join("/")))
}

/// Percent-decodes (a `+` stays a `+`) and re-encodes RFC 3986 style.
fn reencode(raw: &str) -> String {
    let decoded: Vec<u8> = percent_decode_str(raw).collect();
    percent_encode(&decoded, UNRESERVED).to_string()
}

/// The canonical query of a raw query string: each `&`-separated part split on
/// its first `=` (no `=` means an empty value), decoded, re-encoded RFC 3986
/// style, sorted by name then value, joined with `&`. Empty parts are skipped.
/// With `form` [`Form::Presigned`], `X-Amz-Signature` is left out.
pub fn canonical_query(raw_query: &str, form: Form) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (reencode(name), reencode(value))
        })
        .filter(|(name, _)| !(form == Form::Presigned && name == "X-Amz-Signature"))
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(raw_query.len() + 16);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The payload hash: the `x-amz-content-sha256` header if present (S3 sends
/// it), else the hex SHA-256 of the body ([`crate::EMPTY_SHA256`] for none).
pub fn payload_hash(req: &Request) -> String {
    match crate::parse::header(req, "x-amz-content-sha256") {
        Some(value) => value.trim().to_owned(),
        None => hex::encode(digest::digest(&digest::SHA256, req.body)),
    }
}

/// The canonical value of one header: trimmed, runs of whitespace collapsed
/// to one space (as botocore's `' '.join(value.split())`).
fn push_normalized_value(out: &mut String, value: &str) {
    for (i, word) in value.split_ascii_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Builds the canonical request; also returns the first signed header absent
/// from the request (rendered with an empty value), if any.
pub(crate) fn render(
    req: &Request,
    form: Form,
    signed_headers: &[String],
    rules: PathRules,
) -> (String, Option<String>) {
    let mut out = String::with_capacity(256);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req.raw_path, rules));
    out.push('\n');
    out.push_str(&canonical_query(req.raw_query, form));
    out.push('\n');
    let mut missing = None;
    for name in signed_headers {
        let lower = name.to_ascii_lowercase();
        out.push_str(&lower);
        out.push(':');
        let mut found = false;
        for (header, value) in req.headers {
            if header.eq_ignore_ascii_case(&lower) {
                if found {
                    out.push(',');
                }
                found = true;
                push_normalized_value(&mut out, value);
            }
        }
        if !found && missing.is_none() {
            missing = Some(name.clone());
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(&payload_hash(req));
    (out, missing)
}

/// The canonical request of `req` signed in `form` over `signed_headers` (as
/// sent: their order and spelling are kept; values are looked up ignoring
/// case). Fails with [`Error::SignedHeaderMissing`] when a signed header is
/// absent from the request.
pub fn canonical_request(
    req: &Request,
    form: Form,
    signed_headers: &[String],
    rules: PathRules,
) -> Result<String, Error> {
    match render(req, form, signed_headers, rules) {
        (_, Some(name)) => Err(Error::SignedHeaderMissing(name)),
        (text, None) => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_uri(raw: &str, rules: PathRules, expected: &str) {
        assert_eq!(canonical_uri(raw, rules), expected, "path {raw:?} with {rules:?}");
    }

    #[test]
    fn canonical_uri_reencodes_the_raw_path_for_services() {
        let s = PathRules::SERVICE;
        check_uri("", s, "/");
        check_uri("/", s, "/");
        check_uri("/clusters/demo", s, "/clusters/demo");
        // The EKS access-entry path of iam-sts.md §3.2, signed double-encoded.
        check_uri(
            "/clusters/demo/access-entries/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev%2Fmy%20role",
            s,
            "/clusters/demo/access-entries/arn%253Aaws%253Aiam%253A%253A123456789012%253Arole%252Fdev%252Fmy%2520role",
        );
        check_uri("/-._~azAZ09", s, "/-._~azAZ09");
        check_uri("/a b+c", s, "/a%20b%2Bc");
        check_uri("/\u{1234}", s, "/%E1%88%B4");
    }

    #[test]
    fn canonical_uri_normalizes_like_botocore() {
        let s = PathRules::SERVICE;
        check_uri("//", s, "/");
        check_uri("//example//", s, "/example/");
        check_uri("/example/..", s, "/");
        check_uri("/a/b/../../..", s, "/");
        check_uri("/./example", s, "/example");
        check_uri("/a/./b/", s, "/a/b/");
        check_uri("relative/x", s, "relative/x");
        check_uri("/%2E%2E", s, "/%252E%252E");
        check_uri("//example//", PathRules::UNNORMALIZED, "//example//");
        check_uri("/arn%3Aa", PathRules::S3, "/arn%3Aa");
        check_uri("", PathRules::S3, "/");
    }

    fn check_query(raw: &str, form: Form, expected: &str) {
        assert_eq!(canonical_query(raw, form), expected, "query {raw:?}");
    }

    #[test]
    fn canonical_query_decodes_reencodes_and_sorts() {
        let h = Form::Header;
        check_query("", h, "");
        check_query("Param2=value2&Param1=value1", h, "Param1=value1&Param2=value2");
        check_query("b=2&a=2&a=1", h, "a=1&a=2&b=2");
        check_query("flag&x=", h, "flag=&x=");
        check_query("a=1&&b=2&", h, "a=1&b=2");
        check_query("k=a+b", h, "k=a%2Bb");
        check_query("k=a%20b&k2=a%2fb", h, "k=a%20b&k2=a%2Fb");
        check_query("k=%zz%", h, "k=%25zz%25");
        check_query("\u{1234}=bar", h, "%E1%88%B4=bar");
        check_query("k=a=b", h, "k=a%3Db");
        check_query("Param-3=3&Param=2&%E1%88%B4=1", h, "%E1%88%B4=1&Param=2&Param-3=3");
    }

    #[test]
    fn presigned_canonical_query_drops_only_the_signature() {
        check_query("X-Amz-Signature=ab&X-Amz-Date=x", Form::Presigned, "X-Amz-Date=x");
        check_query("X-Amz-Signature=ab&X-Amz-Date=x", Form::Header, "X-Amz-Date=x&X-Amz-Signature=ab");
        check_query("x-amz-signature=ab", Form::Presigned, "x-amz-signature=ab");
    }

    #[test]
    fn header_values_are_trimmed_collapsed_and_joined() {
        let headers = [("Host", "example.com"), ("My-Header", "  a   b\t c  "), ("my-header", "d"), ("X-Empty", "")];
        let req = Request { method: "GET", raw_path: "/", raw_query: "", headers: &headers, body: b"" };
        let signed: Vec<String> = ["host", "my-header", "x-empty"].map(String::from).to_vec();
        let creq = canonical_request(&req, Form::Header, &signed, PathRules::SERVICE);
        assert_eq!(
            creq.as_deref(),
            Ok("GET\n/\n\nhost:example.com\nmy-header:a b c,d\nx-empty:\n\nhost;my-header;x-empty\n\
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    #[test]
    fn an_absent_signed_header_is_reported() {
        let headers = [("host", "example.com")];
        let req = Request { method: "GET", raw_path: "/", raw_query: "", headers: &headers, body: b"" };
        let signed: Vec<String> = ["host", "x-k8s-aws-id"].map(String::from).to_vec();
        assert_eq!(
            canonical_request(&req, Form::Presigned, &signed, PathRules::SERVICE),
            Err(Error::SignedHeaderMissing("x-k8s-aws-id".into()))
        );
    }

    #[test]
    fn payload_hash_prefers_the_content_sha256_header() {
        let headers = [("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")];
        let req = Request { method: "PUT", raw_path: "/", raw_query: "", headers: &headers, body: b"x" };
        assert_eq!(payload_hash(&req), "UNSIGNED-PAYLOAD");
        let req = Request { headers: &[], ..req };
        assert_eq!(payload_hash(&req), "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
    }
}
