//! Random identifiers in IAM's formats: unique ids (`AIDA…`, 21 characters),
//! access key ids (`AKIA…`/`ASIA…`, 20), secrets (40) and request ids (UUID v4 text).

use ring::rand::{SecureRandom, SystemRandom};

/// Characters IAM uses in unique ids and key ids.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Fills `buf` from the operating system's random source.
pub fn random_bytes(buf: &mut [u8]) {
    // SystemRandom only fails when the OS has no entropy source at all; eksim
    // cannot issue safe credentials then, so this is a startup-level fault.
    #[allow(clippy::expect_used)]
    SystemRandom::new().fill(buf).expect("operating system random source unavailable");
}

fn random_text(alphabet: &[u8], len: usize) -> String {
    let mut bytes = vec![0u8; len];
    random_bytes(&mut bytes);
    bytes.iter().map(|b| alphabet[(*b as usize) % alphabet.len()] as char).collect()
}

/// A unique id such as `AIDA` + 17 characters (21 in total), as IAM gives users, roles, groups, policies.
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", random_text(ID_ALPHABET, 21 - prefix.len()))
}

/// An access key id: `AKIA` (long-term) or `ASIA` (temporary) + 16 characters.
pub fn access_key_id(prefix: &str) -> String {
    format!("{prefix}{}", random_text(ID_ALPHABET, 20 - prefix.len()))
}

/// A 40-character secret access key.
pub fn secret_access_key() -> String {
    random_text(SECRET_ALPHABET, 40)
}

/// A request id in UUID v4 text form, as AWS prints `RequestId`.
pub fn request_id() -> String {
    let mut b = [0u8; 16];
    random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_iam_lengths_and_prefixes() {
        let u = unique_id("AIDA");
        assert_eq!(u.len(), 21);
        assert!(u.starts_with("AIDA"));
        assert_eq!(access_key_id("AKIA").len(), 20);
        assert_eq!(secret_access_key().len(), 40);
        let r = request_id();
        assert_eq!(r.len(), 36);
        assert_eq!(&r[14..15], "4");
    }

    #[test]
    fn unique_ids_differ() {
        assert_ne!(unique_id("AROA"), unique_id("AROA"));
    }
}
