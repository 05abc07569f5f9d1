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
    // EKS's cluster CAs are named "kubernetes".
    let mut params = ca_params();
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    let cert = params.self_signed(&key)?;
    Ok(CertificateAuthority { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "kubernetes");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
    params
}

/// A TLS server configuration for the Kubernetes front: a fresh serving certificate for
/// `hosts` (IP addresses or DNS names), signed by the stored CA, so kubectl verifies it with
/// the cluster's `certificate-authority-data` and needs no `--insecure-skip-tls-verify`.
pub fn server_config(
    ca: &CertificateAuthority,
    hosts: &[String],
) -> anyhow::Result<std::sync::Arc<rustls::ServerConfig>> {
    let ca_key = KeyPair::from_pem(&ca.key_pem).context("reading the CA key")?;
    // The issuer is rebuilt from the same name and key: what chain validation checks.
    let issuer = ca_params().self_signed(&ca_key).context("rebuilding the CA certificate")?;
    let leaf_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(hosts.to_vec()).context("serving certificate names")?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "kube-apiserver");
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let leaf = params.signed_by(&leaf_key, &issuer, &ca_key).context("signing the serving certificate")?;
    let chain = vec![leaf.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| anyhow::anyhow!("serving key: {e}"))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    // kubectl offers h2 and http/1.1; HTTP/1.1 serves everything, watches included.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(std::sync::Arc::new(config))
}
