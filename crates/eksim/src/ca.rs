//! eksim's certificate authority: created once per data dir and kept in the store, so
//! `certificateAuthority.data` of every cluster stays valid across restarts. The same CA
//! signs the Kubernetes front's serving certificate.

use anyhow::Context;
use eksim_aws::eks::state::{keys, CertificateAuthority};
use eksim_store::{Store, TxnExt};
use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// Loads the CA from the store, creating it on first start.
pub fn ensure(store: &Store) -> anyhow::Result<CertificateAuthority> {
    if let Some(ca) = store.read(|tx| tx.get_json::<CertificateAuthority>(keys::CA))? {
        return Ok(ca);
    }
    let ca = generate().context("generating the cluster CA")?;
    // Another process sharing the store may have won the race: keep whichever was first.
    store
        .write(|tx| -> Result<CertificateAuthority, eksim_store::Error> {
            match tx.get_json::<CertificateAuthority>(keys::CA)? {
                Some(existing) => Ok(existing),
                None => {
                    tx.put_json(keys::CA, &ca)?;
                    Ok(ca)
                }
            }
        })
        .map_err(Into::into)
}

fn generate() -> Result<CertificateAuthority, rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    // EKS's cluster CAs are named "kubernetes".
    dn.push(DnType::CommonName, "kubernetes");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    let cert = params.self_signed(&key)?;
    Ok(CertificateAuthority { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}
