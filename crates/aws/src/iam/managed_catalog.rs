//! The catalog of AWS managed policies (`arn:aws:iam::aws:policy/...`), built into the binary.
//!
//! Every account sees the same AWS managed policies, so they are not stored per account: this module embeds
//! `data/aws-managed-policies.json.gz`, which `scripts/gen-managed-policies.py` generates from moto's copy
//! of the AWS list (see that script for the fields, the derived `ANPA…` ids and how to refresh it). The data
//! is decompressed and parsed on first use, once per process.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use serde::Deserialize;

/// The gzip'd JSON array of the catalog, sorted by policy name.
const CATALOG_GZ: &[u8] = include_bytes!("../../data/aws-managed-policies.json.gz");

/// One AWS managed policy, at its default version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ManagedPolicy {
    /// The policy name, such as `AdministratorAccess`.
    pub name: String,
    /// The policy path, such as `/` or `/service-role/`; it starts and ends with `/`.
    pub path: String,
    /// `arn:aws:iam::aws:policy` followed by the path and the name.
    pub arn: String,
    /// A stable `ANPA…` id of 21 characters, derived from the ARN (AWS's real ids are not published).
    pub policy_id: String,
    /// The default version, such as `v3`; the catalog holds that version's document only.
    pub default_version_id: String,
    /// When AWS created the policy, ISO 8601 in UTC (`2015-02-06T18:39:46Z`).
    pub create_date: String,
    /// When AWS last changed the policy, in the same form.
    pub update_date: String,
    /// The policy document of the default version, as compact JSON text.
    pub document: String,
}

/// Every AWS managed policy, sorted by name.
pub fn all() -> &'static [ManagedPolicy] {
    static CATALOG: OnceLock<Vec<ManagedPolicy>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The data is part of the build and the tests below decode it, so a failure here is a broken
        // build, never a bad request.
        decode(CATALOG_GZ).expect("the embedded AWS managed policy catalog decodes")
    })
}

/// The AWS managed policy with this exact ARN, if there is one.
pub fn by_arn(arn: &str) -> Option<&'static ManagedPolicy> {
    static BY_ARN: OnceLock<HashMap<&'static str, &'static ManagedPolicy>> = OnceLock::new();
    BY_ARN.get_or_init(|| all().iter().map(|policy| (policy.arn.as_str(), policy)).collect()).get(arn).copied()
}

/// Decompresses and parses a catalog file.
fn decode(gz: &[u8]) -> Result<Vec<ManagedPolicy>, String> {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut json).map_err(|error| format!("gunzip: {error}"))?;
    serde_json::from_slice(&json).map_err(|error| format!("JSON: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Looks `arn` up and checks its path and name, and the document's statements against `statements`
    /// when given.
    fn check(arn: &str, path: &str, name: &str, statements: Option<Value>) {
        let policy = by_arn(arn).unwrap_or_else(|| panic!("{arn} is in the catalog"));
        assert_eq!((policy.path.as_str(), policy.name.as_str()), (path, name), "{arn}");
        assert_eq!(policy.arn, arn);
        let document: Value = serde_json::from_str(&policy.document).expect("document is JSON");
        assert_eq!(document["Version"], "2012-10-17", "{arn}");
        if let Some(statements) = statements {
            assert_eq!(document["Statement"], statements, "{arn}");
        }
    }

    #[test]
    fn administrator_access_allows_everything() {
        check(
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "/",
            "AdministratorAccess",
            Some(json!([{"Action": "*", "Effect": "Allow", "Resource": "*"}])),
        );
    }

    #[test]
    fn eks_and_read_only_policies_are_present() {
        check("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "/", "AmazonEKSClusterPolicy", None);
        check("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "/", "AmazonEKSWorkerNodePolicy", None);
        check("arn:aws:iam::aws:policy/ReadOnlyAccess", "/", "ReadOnlyAccess", None);
        check(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "/service-role/",
            "AWSLambdaBasicExecutionRole",
            None,
        );
    }

    #[test]
    fn unknown_or_inexact_arn_is_not_found() {
        for arn in [
            "",
            "arn:aws:iam::aws:policy/NoSuchPolicy",
            "arn:aws:iam::aws:policy/administratoraccess",
            "arn:aws:iam::123456789012:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole",
        ] {
            assert_eq!(by_arn(arn), None, "{arn}");
        }
    }

    #[test]
    fn catalog_is_large_sorted_and_well_formed() {
        let policies = all();
        assert!(policies.len() > 1000, "{} policies", policies.len());
        assert!(policies.windows(2).all(|pair| pair[0].name < pair[1].name), "sorted by unique name");
        for policy in policies {
            assert_eq!(policy.arn, format!("arn:aws:iam::aws:policy{}{}", policy.path, policy.name));
            assert_eq!(policy.policy_id.len(), 21, "{}", policy.arn);
            assert!(policy.policy_id.starts_with("ANPA"), "{}", policy.arn);
            assert!(
                policy.policy_id.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
                "{}",
                policy.arn
            );
            assert!(policy.default_version_id.starts_with('v'), "{}", policy.arn);
            assert!(policy.create_date.ends_with('Z') && policy.update_date.ends_with('Z'));
            assert!(serde_json::from_str::<Value>(&policy.document).is_ok(), "{}", policy.arn);
        }
    }

    #[test]
    fn policy_ids_are_unique() {
        let ids: std::collections::HashSet<_> = all().iter().map(|policy| &policy.policy_id).collect();
        assert_eq!(ids.len(), all().len());
    }

    #[test]
    fn corrupt_data_is_an_error_not_a_panic() {
        assert!(decode(b"not gzip").is_err());
    }
}
