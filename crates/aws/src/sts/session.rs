//! Temporary credentials without a table: the session token is the session record
//! sealed with ChaCha20-Poly1305 under the per-install key, and the secret is an
//! HMAC of the access key id under the same key. A restart loses nothing, nobody
//! without the install key can forge or alter a token, and the token stays short
//! (base64url, well under 1 KB) because `aws eks get-token` embeds it in a URL that
//! the authenticator caps at 4096 characters (`iam-sts.md` §6).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use eksim_model::{AccountId, PrincipalKind, SessionInfo};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::hmac;
use serde::{Deserialize, Serialize};

/// What a session token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The `ASIA…` key id this token belongs to.
    pub akid: String,
    /// The account.
    pub account: AccountId,
    /// The identity (user, or role + session name).
    pub kind: PrincipalKind,
    /// Session facts.
    pub session: SessionInfo,
}

/// Seals and opens session tokens, derives session secrets.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl Sealer {
    /// A sealer over the install key.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn aead(&self) -> Option<LessSafeKey> {
        UnboundKey::new(&CHACHA20_POLY1305, &self.key).ok().map(LessSafeKey::new)
    }

    /// The 40-character secret of a temporary access key id.
    pub fn secret_for(&self, akid: &str) -> String {
        let k = hmac::Key::new(hmac::HMAC_SHA256, &self.key);
        let tag = hmac::sign(&k, format!("eksim-session-secret:{akid}").as_bytes());
        let mut s = STANDARD.encode(tag.as_ref());
        s.truncate(40);
        s
    }

    /// Seals a session into a token.
    pub fn seal(&self, record: &Sealed) -> Option<String> {
        let mut plain = serde_json::to_vec(record).ok()?;
        let mut nonce = [0u8; NONCE_LEN];
        eksim_model::ids::random_bytes(&mut nonce);
        self.aead()?
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(b"eksim-v1"), &mut plain)
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&plain);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a token; `None` when it was not sealed by this install or was altered.
    pub fn open(&self, token: &str) -> Option<Sealed> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
        if bytes.len() < NONCE_LEN + 16 {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self.aead()?.open_in_place(nonce, Aad::from(b"eksim-v1"), &mut buf).ok()?;
        serde_json::from_slice(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eksim_model::principal::SessionSource;

    fn record() -> Sealed {
        Sealed {
            akid: "ASIAEXAMPLEEXAMPLE12".into(),
            account: AccountId::parse("123456789012").unwrap(),
            kind: PrincipalKind::User {
                name: "alice".into(),
                path: "/".into(),
                user_id: "AIDAEXAMPLEEXAMPLE123".into(),
            },
            session: SessionInfo {
                source: SessionSource::GetSessionToken,
                issued_at: 1,
                expires_at: 2,
                mfa_auth_time: Some(1),
                source_identity: None,
                session_policy: None,
                session_policy_arns: vec![],
                chained: false,
            },
        }
    }

    #[test]
    fn sealed_tokens_open_and_stay_short() {
        let s = Sealer::new([7; 32]);
        let t = s.seal(&record()).unwrap();
        assert!(t.len() < 1024, "{}", t.len());
        assert_eq!(s.open(&t).unwrap(), record());
    }

    #[test]
    fn altered_or_foreign_tokens_do_not_open() {
        let s = Sealer::new([7; 32]);
        let t = s.seal(&record()).unwrap();
        let mut bad = t.clone().into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(s.open(std::str::from_utf8(&bad).unwrap()).is_none());
        assert!(Sealer::new([8; 32]).open(&t).is_none());
        assert!(s.open("").is_none());
        assert!(s.open("!!!").is_none());
    }

    #[test]
    fn secrets_are_forty_chars_and_per_key() {
        let s = Sealer::new([7; 32]);
        assert_eq!(s.secret_for("ASIAA").len(), 40);
        assert_ne!(s.secret_for("ASIAA"), s.secret_for("ASIAB"));
    }
}
