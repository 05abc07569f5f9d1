//! RFC 4648 base32 (the `A–Z2–7` alphabet) and the seed text of a new virtual MFA device.
//!
//! IAM returns the seed as `Base32StringSeed`, a 64-character base32 text of a 40-byte key, without `=`
//! padding (reference iam-sts.md §8). Authenticator apps and users type seeds in lower case or with the
//! padding, so decoding accepts both.

use crate::MfaError;

/// The RFC 4648 §6 alphabet.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Length in bytes of the key behind a virtual MFA seed; its base32 text is 64 characters long.
pub const SEED_KEY_LEN: usize = 40;

/// Encodes `bytes` as RFC 4648 base32 in upper case, without `=` padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(symbol(buffer >> bits));
        }
        // Keep only the bits not yet written, so the buffer never overflows.
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(symbol(buffer << (5 - bits)));
    }
    out
}

/// The alphabet character for the low five bits of `value`.
fn symbol(value: u16) -> char {
    char::from(ALPHABET[usize::from(value & 0x1f)])
}

/// Decodes RFC 4648 base32, accepting lower case and trailing `=` padding.
///
/// Unused low bits of the last character are ignored rather than rejected (RFC 4648 §3.5 leaves that
/// choice to the decoder).
///
/// # Errors
///
/// [`MfaError::Base32InvalidCharacter`] for a character outside the alphabet or a `=` before the end, and
/// [`MfaError::Base32InvalidLength`] when the unpadded length cannot encode whole bytes.
pub fn base32_decode(text: &str) -> Result<Vec<u8>, MfaError> {
    let body = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(body.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for (position, character) in body.char_indices() {
        let value = value_of(character).ok_or(MfaError::Base32InvalidCharacter { position, character })?;
        buffer = (buffer << 5) | u16::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            // Truncation keeps the eight bits just completed; the rest were already written.
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // Every group of 8 characters is 5 bytes; a shorter tail must carry whole bytes (RFC 4648 §6).
    if !matches!(body.len() % 8, 0 | 2 | 4 | 5 | 7) {
        return Err(MfaError::Base32InvalidLength { length: body.len() });
    }
    Ok(out)
}

/// The five-bit value of a base32 character, in either case.
fn value_of(character: char) -> Option<u8> {
    match character {
        'A'..='Z' => Some(character as u8 - b'A'),
        'a'..='z' => Some(character as u8 - b'a'),
        '2'..='7' => Some(character as u8 - b'2' + 26),
        _ => None,
    }
}

/// The `Base32StringSeed` of a new virtual MFA device: the base32 text (64 characters) of 40 random bytes.
///
/// The caller draws the bytes (for example with `ring::rand::SystemRandom`), which keeps this crate free of
/// any random source.
pub fn generate_seed(random: &[u8; SEED_KEY_LEN]) -> String {
    base32_encode(random)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes `input` and, when it decodes, checks that encoding gives back its canonical form.
    fn check(input: &str, expected: Result<&[u8], MfaError>) {
        let decoded = base32_decode(input);
        assert_eq!(decoded.as_deref(), expected.as_deref(), "decoding {input:?}");
        if let Ok(bytes) = decoded {
            let canonical = input.trim_end_matches('=').to_ascii_uppercase();
            assert_eq!(base32_encode(&bytes), canonical, "re-encoding {input:?}");
        }
    }

    #[test]
    fn rfc4648_vectors_round_trip_without_padding() {
        // RFC 4648 §10, with and without the padding.
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "MY======"),
            (b"fo", "MZXQ===="),
            (b"foo", "MZXW6==="),
            (b"foob", "MZXW6YQ="),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI======"),
        ];
        for (bytes, padded) in vectors {
            check(padded, Ok(bytes));
            check(padded.trim_end_matches('='), Ok(bytes));
            assert_eq!(base32_encode(bytes), padded.trim_end_matches('='));
        }
    }

    #[test]
    fn lower_case_decodes_like_upper_case() {
        check("mzxw6ytboi", Ok(b"foobar"));
        check("MzXw6YtBoI", Ok(b"foobar"));
    }

    #[test]
    fn characters_outside_the_alphabet_are_named() {
        check("MZXW1YTB", Err(MfaError::Base32InvalidCharacter { position: 4, character: '1' }));
        check("MZ=W6YTB", Err(MfaError::Base32InvalidCharacter { position: 2, character: '=' }));
        check("MZXW6YT é", Err(MfaError::Base32InvalidCharacter { position: 7, character: ' ' }));
    }

    #[test]
    fn lengths_that_encode_no_whole_byte_are_refused() {
        check("M", Err(MfaError::Base32InvalidLength { length: 1 }));
        check("MZX", Err(MfaError::Base32InvalidLength { length: 3 }));
        check("MZXW6Y", Err(MfaError::Base32InvalidLength { length: 6 }));
        check("MZXW6YTBO=======", Err(MfaError::Base32InvalidLength { length: 9 }));
    }

    #[test]
    fn seed_is_64_characters_of_the_alphabet() {
        let seed = generate_seed(&[0xa5; SEED_KEY_LEN]);
        assert_eq!(seed.len(), 64);
        assert!(seed.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(base32_decode(&seed), Ok(vec![0xa5; SEED_KEY_LEN]));
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let text = base32_encode(&bytes);
            prop_assert_eq!(base32_decode(&text), Ok(bytes.clone()));
            prop_assert_eq!(base32_decode(&text.to_ascii_lowercase()), Ok(bytes));
        }

        #[test]
        fn any_text_decodes_or_errs_without_panic(text in ".{0,40}") {
            let _ = base32_decode(&text);
        }
    }
}
