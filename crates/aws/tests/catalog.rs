//! The AWS managed policy catalogue against the policy engine.

#![allow(clippy::unwrap_used)]

#[test]
fn every_aws_managed_policy_parses_as_a_managed_policy() {
    let mut failed = Vec::new();
    for p in eksim_aws::iam::managed_catalog::all() {
        if let Err(e) = eksim_policy::parse(&p.document, eksim_policy::PolicyKind::Managed) {
            failed.push(format!("{}: {}", p.name, e.message()));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} fail:\n{}",
        failed.len(),
        eksim_aws::iam::managed_catalog::all().len(),
        failed.join("\n")
    );
}
