//! The STS host allowlist (`authenticator.md` §2.1): the region label of the
//! host, the partition of the verifier, and the hosts the AWS SDK v2 STS
//! endpoint resolver gives for that region (FIPS and dual-stack on and off).

use super::FormatError;

/// The partitions aws-iam-authenticator recognises (`pkg/endpoints`).
pub const PARTITIONS: [&str; 8] =
    ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

/// A partition's STS DNS suffixes: regular, and dual-stack when it has one.
fn domains(partition: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match partition {
        "aws" | "aws-us-gov" => ("amazonaws.com", Some("api.aws")),
        "aws-cn" => ("amazonaws.com.cn", Some("api.amazonwebservices.com.cn")),
        "aws-eusc" => ("amazonaws.eu", Some("api.amazonwebservices.eu")),
        "aws-iso" => ("c2s.ic.gov", None),
        "aws-iso-b" => ("sc2s.sgov.gov", None),
        "aws-iso-e" => ("cloud.adc-e.uk", None),
        "aws-iso-f" => ("csp.hci.ic.gov", None),
        _ => return None,
    })
}

/// `^[[:alnum:]]([[:alnum:]\-]*[[:alnum:]])?$`.
fn valid_region(region: &str) -> bool {
    let b = region.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        }
        _ => false,
    }
}

/// `^<prefix>\w+\-\d+$` after the given prefix (the SDK's partition regexes).
fn region_shape(region: &str, prefix: &str) -> bool {
    let Some(rest) = region.strip_prefix(prefix) else { return false };
    let Some((word, number)) = rest.rsplit_once('-') else { return false };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The partition the SDK's endpoint resolver puts a region in; unknown regions
/// fall back to `aws`, as the SDK does.
fn partition_of(region: &str) -> &'static str {
    if region_shape(region, "us-gov-") {
        "aws-us-gov"
    } else if region_shape(region, "us-isob-") {
        "aws-iso-b"
    } else if region_shape(region, "us-isof-") {
        "aws-iso-f"
    } else if region_shape(region, "us-iso-") {
        "aws-iso"
    } else if region_shape(region, "eu-isoe-") {
        "aws-iso-e"
    } else if region_shape(region, "eusc-de-") {
        "aws-eusc"
    } else if region_shape(region, "cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

/// The hosts the SDK v2 STS resolver gives for `region`, FIPS and dual-stack
/// on and off (combinations a partition does not support are skipped).
fn resolved_hosts(region: &str) -> Vec<String> {
    let partition = partition_of(region);
    let Some((domain, dual)) = domains(partition) else { return Vec::new() };
    let mut hosts = Vec::with_capacity(4);
    if let Some(dual) = dual {
        hosts.push(format!("sts-fips.{region}.{dual}"));
    }
    // GovCloud's regular endpoints are already FIPS.
    if partition == "aws-us-gov" {
        hosts.push(format!("sts.{region}.{domain}"));
    } else {
        hosts.push(format!("sts-fips.{region}.{domain}"));
    }
    if let Some(dual) = dual {
        hosts.push(format!("sts.{region}.{dual}"));
    }
    hosts.push(format!("sts.{region}.{domain}"));
    hosts
}

/// `getStsRegion`: `global` for the global host, else the second label.
pub(crate) fn sts_region(host: &str) -> Result<String, String> {
    if host.is_empty() {
        return Err("host is empty".to_owned());
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 3 {
        return Err(format!("invalid host format: {host}"));
    }
    if host == "sts.amazonaws.com" {
        return Ok("global".to_owned());
    }
    Ok(labels[1].to_owned())
}

/// Why a host failed the allowlist: a format error (logged with the
/// `input token was not properly formatted: ` prefix) or one of two plain
/// errors the authenticator returns without it.
#[derive(Debug)]
pub(crate) enum HostError {
    Format(FormatError),
    Plain(String),
}

/// `verifySTSHostnameFormat` for a verifier in `partition` whose own region is
/// `own_region`. `raw` is the host as bytes, for the `%q` of the message.
pub(crate) fn check(raw: &[u8], partition: &str, own_region: &str) -> Result<(), HostError> {
    let host = String::from_utf8_lossy(raw);
    let region = sts_region(&host)
        .map_err(|reason| HostError::Format(FormatError::HostRegion { host: raw.to_vec(), reason }))?;
    if region == "global" {
        return if partition == "aws" {
            Ok(())
        } else {
            Err(HostError::Format(FormatError::GlobalUnsupported { partition: partition.to_owned() }))
        };
    }
    if !valid_region(&region) {
        return Err(HostError::Format(FormatError::InvalidRegion(region)));
    }
    let unexpected = || HostError::Format(FormatError::UnexpectedHost(raw.to_vec()));
    if !resolved_hosts(&region).iter().any(|h| h.as_bytes() == raw) {
        // Regions the SDK does not know yet: the verifier's own region.
        if !valid_region(own_region) {
            return Err(unexpected());
        }
        let Some((domain, dual)) = domains(partition) else { return Err(unexpected()) };
        let own = [Some(format!("sts.{own_region}.{domain}")), dual.map(|d| format!("sts.{own_region}.{d}"))];
        return if own.iter().flatten().any(|h| h.as_bytes() == raw) { Ok(()) } else { Err(unexpected()) };
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 4 {
        return Err(HostError::Plain(format!("invalid host format, too few labels: {host}")));
    }
    let actual = labels[2..].join(".");
    let Some((domain, dual)) = domains(partition) else {
        return Err(HostError::Plain(format!("partition {partition} not valid")));
    };
    if actual != domain && Some(actual.as_str()) != dual {
        return Err(HostError::Format(FormatError::PartitionHost {
            partition: partition.to_owned(),
            host: host.into_owned(),
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_host(host: &str, partition: &str, expected: Result<(), &str>) {
        let got = check(host.as_bytes(), partition, "us-east-1").map_err(|e| match e {
            HostError::Format(f) => f.to_string(),
            HostError::Plain(p) => p,
        });
        assert_eq!(got, expected.map_err(str::to_owned), "{host} in {partition}");
    }

    #[test]
    fn the_allowlist_follows_the_sdk_resolver() {
        check_host("sts.us-east-1.amazonaws.com", "aws", Ok(()));
        check_host("sts.amazonaws.com", "aws", Ok(()));
        check_host("sts-fips.us-east-1.amazonaws.com", "aws", Ok(()));
        check_host("sts.eu-west-1.api.aws", "aws", Ok(()));
        check_host("sts-fips.eu-west-1.api.aws", "aws", Ok(()));
        check_host("sts.not-a-region.amazonaws.com", "aws", Ok(()));
        check_host("sts.amazonaws.com", "aws-cn", Err("global endpoint unsupported in partition aws-cn"));
        check_host(
            "google.com",
            "aws",
            Err("could not parse region for pre-signed URL google.com, invalid host format: google.com"),
        );
        check_host("", "aws", Err("could not parse region for pre-signed URL , host is empty"));
        check_host("sts.us_east.amazonaws.com", "aws", Err("invalid region identifier format provided: us_east"));
        check_host(
            "sts.us-east-1.amazonaws.com:443",
            "aws",
            Err(r#"unexpected hostname "sts.us-east-1.amazonaws.com:443" in pre-signed URL"#),
        );
        check_host(
            "sts.us-east-1.amazonaws.com.evil.example",
            "aws",
            Err(r#"unexpected hostname "sts.us-east-1.amazonaws.com.evil.example" in pre-signed URL"#),
        );
        check_host(
            "sts.cn-north-1.amazonaws.com.cn",
            "aws",
            Err("partition {aws} does not support hostname sts.cn-north-1.amazonaws.com.cn"),
        );
        check_host("sts.cn-north-1.amazonaws.com.cn", "aws-cn", Ok(()));
        check_host("sts.us-gov-west-1.amazonaws.com", "aws-us-gov", Ok(()));
        check_host("sts.us-iso-east-1.c2s.ic.gov", "aws-iso", Ok(()));
    }
}
