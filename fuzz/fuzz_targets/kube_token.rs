//! `k8s-aws-v1.` bearer tokens: the verifier's checks never panic, whatever the token.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|token: &str| {
    let hosts = vec!["127.0.0.1:4599".to_owned()];
    let now = time::OffsetDateTime::from_unix_timestamp(1_795_554_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if let Ok(p) = eksim_kube_auth::token::parse(token, "demo", &hosts, now) {
        let _ = p.verify("secret");
    }
});
