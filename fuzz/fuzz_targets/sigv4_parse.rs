//! Authorization headers and presigned query strings: parse and verify never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (&str, &str, &str)| {
    let (auth, query, path) = data;
    let headers = [("host", "127.0.0.1:4599"), ("authorization", auth), ("x-amz-date", "20261124T170626Z")];
    let req = eksim_sigv4::Request { method: "GET", raw_path: path, raw_query: query, headers: &headers, body: b"" };
    if let Ok(Some(a)) = eksim_sigv4::parse(&req) {
        let _ = eksim_sigv4::verify(&req, &a, "secret");
    }
});
