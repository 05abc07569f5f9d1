//! Authentication: a cold `k8s-aws-v1.` token (parse + SigV4 verify, as `aws eks
//! get-token` mints it), the access-entry mapping of a verified identity with 10 and
//! with 100,000 entries, and that mapping with the authorization on top (what a request
//! with an already verified, cached token costs). Run:
//! `cargo bench -p eksim-kube-auth --bench authn`.

mod common;

use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use eksim_kube_auth::mapping::{chain_for_mode, AccessEntries, NoInstances, Sources};
use eksim_kube_auth::rbac::{authorize, Rbac};
use eksim_kube_auth::token::{parse_for, Expected, PREFIX};
use std::hint::black_box;
use time::macros::datetime;
use time::OffsetDateTime;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SIGNED_AT: OffsetDateTime = datetime!(2026-11-24 12:00:00 UTC);
const NOW: OffsetDateTime = datetime!(2026-11-24 12:01:00 UTC);

/// A token as `aws eks get-token` builds it: `GetCallerIdentity` presigned for 60 s with
/// `x-k8s-aws-id` signed, base64url without padding.
fn token(scheme: &str, host: &str, session: Option<&str>) -> String {
    let headers = [("host", host), ("x-k8s-aws-id", "bench")];
    let req = eksim_sigv4::Request {
        method: "GET",
        raw_path: "/",
        raw_query: "Action=GetCallerIdentity&Version=2011-06-15",
        headers: &headers,
        body: b"",
    };
    let params = eksim_sigv4::SigningParams {
        access_key_id: KEY,
        secret_access_key: SECRET,
        session_token: session,
        region: "us-east-1",
        service: "sts",
        time: SIGNED_AT,
    };
    let url = format!("{scheme}://{host}/?{}", eksim_sigv4::presign(&req, &params, 60));
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url))
}

fn tokens(c: &mut Criterion) {
    let own = vec!["127.0.0.1:4566".to_owned(), "localhost:4566".to_owned()];
    let expected = Expected { cluster: "bench", partition: "aws", region: "us-east-1", own_hosts: &own };
    // eksim's session tokens are base64url and about 0.5 KB (ARCHITECTURE.md).
    let session = "A".repeat(512);
    let cases = [
        ("eksim endpoint, long-term key", token("http", "127.0.0.1:4566", None)),
        ("eksim endpoint, session credentials", token("http", "127.0.0.1:4566", Some(&session))),
        ("sts.us-east-1.amazonaws.com, long-term key", token("https", "sts.us-east-1.amazonaws.com", None)),
    ];
    for (name, token) in &cases {
        let verified = parse_for(token, &expected, NOW).and_then(|p| p.verify(SECRET).map(|()| p));
        assert!(verified.is_ok(), "{name}: {verified:?}");
        c.bench_function(&format!("token parse + verify ({name}, {} bytes)", token.len()), |b| {
            b.iter(|| {
                let p = parse_for(black_box(token), black_box(&expected), NOW)?;
                p.verify(black_box(SECRET))
            })
        });
    }
    let (_, token) = &cases[0];
    c.bench_function("token parse only (eksim endpoint, long-term key)", |b| {
        b.iter(|| parse_for(black_box(token), black_box(&expected), NOW))
    });
    let presigned = parse_for(token, &expected, NOW).unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("token verify only (eksim endpoint, long-term key)", |b| b.iter(|| presigned.verify(SECRET)));
}

fn mapping(c: &mut Criterion) {
    let allowed = common::request("list", "services");
    for (entries_n, bindings_n) in [(10, 10), (100_000, 50_000)] {
        let entries = common::access_entries(entries_n);
        let index = AccessEntries::new(entries.iter().cloned());
        let target = entries_n / 2;
        let identity = common::session(target);
        let o = common::objects(bindings_n);
        let rbac = Rbac::new(&o.roles, &o.cluster_roles, &o.role_bindings, &o.cluster_role_bindings);
        let sources = Sources { access_entries: Some(&index), ..Sources::default() };

        let map = || {
            let chain = chain_for_mode("API", black_box(&sources)).unwrap_or_else(|e| panic!("{e}"));
            chain.map(black_box(&identity), &NoInstances)
        };
        let mapped = map().result.unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            mapped.username,
            format!("arn:aws:sts::{}:assumed-role/role-{target}/alice-session", common::ACCOUNT)
        );
        assert!(authorize(&mapped.user, &allowed, &rbac, None).allowed());

        c.bench_function(&format!("map through access entries ({entries_n} entries)"), |b| b.iter(map));
        c.bench_function(&format!("map ({entries_n} entries) + authorize ({bindings_n} bindings), allowed"), |b| {
            b.iter(|| {
                let mapping = map();
                let user = match &mapping.result {
                    Ok(m) => &m.user,
                    Err(d) => panic!("{d:?}"),
                };
                authorize(user, black_box(&allowed), black_box(&rbac), None)
            })
        });
    }

    let mut slow = c.benchmark_group("index");
    slow.sample_size(10);
    for n in [10, 100_000] {
        let entries = common::access_entries(n);
        slow.bench_function(format!("AccessEntries::new {n} entries (clones included)"), |b| {
            b.iter(|| AccessEntries::new(black_box(&entries).iter().cloned()))
        });
    }
    slow.finish();
}

criterion_group!(benches, tokens, mapping);
criterion_main!(benches);
