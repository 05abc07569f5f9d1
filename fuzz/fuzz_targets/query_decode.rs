//! Query-protocol form bodies decoded against every IAM operation's input shape.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params = eksim_wire::query::Params::parse(data);
    for op in ["CreateUser", "PutUserPolicy", "SimulatePrincipalPolicy", "CreateRole", "TagUser"] {
        let _ = eksim_wire::query::decode_input(eksim_wire::model::iam(), op, &params);
    }
});
