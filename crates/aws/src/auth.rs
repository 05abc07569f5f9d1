//! Authentication of AWS requests: SigV4 plus the credential checks, in the order
//! of `iam-sts.md` §3.5 — scope and clock, then the key (unknown, inactive), then
//! the session token (forged, altered, issuer gone, expired), then the signature.

use crate::iam::state::{keys, AccessKey, KeyOwner, Role, User};
use crate::{error, Aws};
use eksim_model::principal::SessionSource;
use eksim_model::{Principal, PrincipalKind};
use eksim_sigv4::{Auth, Request};
use eksim_store::{Txn, TxnExt};
use time::OffsetDateTime;

/// What an access key id resolves to before the signature is checked.
pub struct Credentials {
    /// The secret the signature must verify with.
    pub secret: String,
    /// The principal the key authenticates.
    pub principal: Principal,
}

/// Resolves the credentials of `akid` (with its session token for `ASIA` keys) at `now`.
pub fn resolve(
    aws: &Aws,
    tx: &mut dyn Txn,
    akid: &str,
    session_token: Option<&str>,
    now: OffsetDateTime,
) -> error::Result<Credentials> {
    if akid.starts_with("ASIA") {
        let token = session_token.ok_or_else(error::invalid_client_token_id)?;
        let sealed = aws.sealer().open(token).ok_or_else(error::invalid_client_token_id)?;
        if sealed.akid != akid {
            return Err(error::invalid_client_token_id());
        }
        // The issuing identity must still be the same one (a recreated user or role has a new id).
        let alive = match &sealed.kind {
            PrincipalKind::User { name, user_id, .. } => tx
                .get_json::<User>(&keys::user(&sealed.account, name))
                .map_err(error::store)?
                .is_some_and(|u| &u.id == user_id),
            PrincipalKind::AssumedRole { role_name, role_id, .. } => tx
                .get_json::<Role>(&keys::role(&sealed.account, role_name))
                .map_err(error::store)?
                .is_some_and(|r| &r.id == role_id),
            PrincipalKind::FederatedUser { parent_user: Some(name), parent_user_id: Some(id), .. } => tx
                .get_json::<User>(&keys::user(&sealed.account, name))
                .map_err(error::store)?
                .is_some_and(|u| &u.id == id),
            PrincipalKind::FederatedUser { .. } | PrincipalKind::Root => true,
        };
        if !alive {
            return Err(error::invalid_client_token_id());
        }
        if now.unix_timestamp() >= sealed.session.expires_at {
            return Err(error::expired_token());
        }
        let principal = Principal {
            account: sealed.account,
            kind: sealed.kind,
            access_key_id: akid.to_owned(),
            session: Some(sealed.session),
        };
        return Ok(Credentials { secret: aws.sealer().secret_for(akid), principal });
    }
    let key: AccessKey =
        tx.get_json(&keys::access_key(akid)).map_err(error::store)?.ok_or_else(error::invalid_client_token_id)?;
    if key.status != "Active" {
        return Err(error::invalid_client_token_id());
    }
    let kind = match &key.owner {
        KeyOwner::Root => PrincipalKind::Root,
        KeyOwner::User { name, user_id } => {
            let user: User = tx
                .get_json(&keys::user(&key.account, name))
                .map_err(error::store)?
                .filter(|u: &User| &u.id == user_id)
                .ok_or_else(error::invalid_client_token_id)?;
            PrincipalKind::User { name: user.name, path: user.path, user_id: user.id }
        }
    };
    Ok(Credentials {
        secret: key.secret,
        principal: Principal { account: key.account, kind, access_key_id: akid.to_owned(), session: None },
    })
}

/// Authenticates a signed request to `service`.
pub fn authenticate(
    aws: &Aws,
    tx: &mut dyn Txn,
    req: &Request<'_>,
    auth: &Auth,
    service: &str,
    now: OffsetDateTime,
) -> error::Result<Principal> {
    eksim_sigv4::check_time(auth, now, aws.config().skew_minutes).map_err(|e| error::signature(&e))?;
    let creds = resolve(aws, tx, &auth.access_key_id, auth.security_token.as_deref(), now)?;
    eksim_sigv4::verify(req, auth, &creds.secret).map_err(|e| error::signature(&e))?;
    let p = creds.principal;
    // GetSessionToken credentials without MFA cannot call IAM (iam-sts.md §5.4).
    if service == "iam" {
        if let Some(s) = &p.session {
            if s.source == SessionSource::GetSessionToken && s.mfa_auth_time.is_none() {
                return Err(error::invalid_client_token_id_no_mfa());
            }
        }
    }
    Ok(p)
}
