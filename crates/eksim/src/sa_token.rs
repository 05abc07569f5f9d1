//! Service account tokens (`kubectl create token`): JWTs signed with HMAC-SHA256 under a
//! per-cluster key derived from the install key, accepted as bearer tokens by the same
//! cluster while the account still exists with the same uid and the token has not expired.
//! (EKS signs RS256 with the cluster's OIDC key; eksim's tokens are for this server only.)

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use eksim_aws::eks::state::Cluster;
use eksim_aws::Aws;
use eksim_kubeapi::ServiceAccountRef;
use ring::hmac;
use serde_json::{json, Value};
use time::OffsetDateTime;

fn key(aws: &Aws, cluster: &Cluster) -> hmac::Key {
    let secret = aws.sealer().secret_for(&format!("service-account-signing:{}", cluster.endpoint_id));
    hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes())
}

/// The issuer claim: the cluster's OIDC issuer, as on EKS.
fn issuer(cluster: &Cluster) -> String {
    format!("https://oidc.eks.{}.amazonaws.com/id/{}", cluster.region, cluster.endpoint_id)
}

/// Issues a token for `sa`, valid `seconds` from `now`.
pub fn issue(
    aws: &Aws,
    cluster: &Cluster,
    sa: &ServiceAccountRef,
    seconds: i64,
    audiences: &[String],
    now: OffsetDateTime,
) -> (String, OffsetDateTime) {
    let exp = now + time::Duration::seconds(seconds);
    let aud: Vec<String> =
        if audiences.is_empty() { vec!["https://kubernetes.default.svc".into()] } else { audiences.to_vec() };
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let claims = json!({
        "aud": aud,
        "exp": exp.unix_timestamp(),
        "iat": now.unix_timestamp(),
        "nbf": now.unix_timestamp(),
        "iss": issuer(cluster),
        "sub": format!("system:serviceaccount:{}:{}", sa.namespace, sa.name),
        "kubernetes.io": {"namespace": sa.namespace, "serviceaccount": {"name": sa.name, "uid": sa.uid}},
    });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let sig = hmac::sign(&key(aws, cluster), signing_input.as_bytes());
    (format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())), exp)
}

/// The service account a token names, when its signature, issuer and expiry check out.
pub fn verify(aws: &Aws, cluster: &Cluster, token: &str, now: OffsetDateTime) -> Option<ServiceAccountRef> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    hmac::verify(&key(aws, cluster), format!("{h}.{c}").as_bytes(), &sig).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    if claims["iss"].as_str()? != issuer(cluster) || claims["exp"].as_i64()? <= now.unix_timestamp() {
        return None;
    }
    let k = &claims["kubernetes.io"];
    Some(ServiceAccountRef {
        namespace: k["namespace"].as_str()?.to_owned(),
        name: k["serviceaccount"]["name"].as_str()?.to_owned(),
        uid: k["serviceaccount"]["uid"].as_str()?.to_owned(),
    })
}
