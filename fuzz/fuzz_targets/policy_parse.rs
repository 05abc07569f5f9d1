//! Policy documents of every kind: parse never panics; what parses evaluates without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [eksim_policy::PolicyKind::Identity, eksim_policy::PolicyKind::Trust, eksim_policy::PolicyKind::Managed] {
        if let Ok(p) = eksim_policy::parse(text, kind) {
            let named = eksim_policy::NamedPolicy::new("p", eksim_policy::PolicySource::Supplied, p);
            let sets = eksim_policy::PolicySets { identity: vec![&named], ..Default::default() };
            let ctx = eksim_policy::Context::new().with("aws:username", "alice");
            let _ = eksim_policy::evaluate(&eksim_policy::Request::new("eks:DescribeCluster", "arn:aws:eks:us-east-1:1:cluster/x", &ctx), &sets);
        }
    }
});
