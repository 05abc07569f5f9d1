//! aws-auth ConfigMap data: parsing never panics and a malformed map maps nobody.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (&str, &str, &str)| {
    let mut map = std::collections::BTreeMap::new();
    map.insert("mapRoles".to_owned(), data.0.to_owned());
    map.insert("mapUsers".to_owned(), data.1.to_owned());
    map.insert("mapAccounts".to_owned(), data.2.to_owned());
    let _ = eksim_kube_auth::mapping::AwsAuth::parse(&map);
});
