//! Virtual MFA devices: the seed, the TOTP codes and the QR code image.
//!
//! This crate owns what IAM's `CreateVirtualMFADevice`, `EnableMFADevice`, `ResyncMFADevice` and the MFA
//! checks of STS `GetSessionToken` / `AssumeRole` need from RFC 4648 (base32), RFC 6238 (TOTP) and the
//! `otpauth://` QR code (reference iam-sts.md §7.2 and §8).
//!
//! **Architecture Invariant:** the crate is pure. It reads no clock and no random source: the caller passes
//! the unix time and the random bytes of a new seed, so every result is reproducible in a test.
#![forbid(unsafe_code)]

mod base32;
mod qr;
mod totp;

pub use base32::{base32_decode, base32_encode, generate_seed, SEED_KEY_LEN};
pub use qr::{otpauth_uri, qr_png, QR_QUIET_ZONE_MODULES, QR_SCALE};
pub use totp::{
    code_at_counter, counter_at, totp, verify_code, verify_pair, AWS_CODE_DIGITS, MAX_DIGITS, PAIR_TOLERANCE_WINDOWS,
    STEP_SECONDS,
};

/// What went wrong while decoding a seed or drawing a QR code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MfaError {
    /// The base32 text holds a character outside the RFC 4648 alphabet (after case folding), or a `=`
    /// before the end of the text.
    #[error("invalid base32 character {character:?} at position {position}")]
    Base32InvalidCharacter {
        /// Byte offset of the character in the input text.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// The base32 text, without its padding, has a length no whole number of bytes encodes to (the length
    /// modulo 8 is 1, 3 or 6).
    #[error("invalid base32 length {length} (without padding)")]
    Base32InvalidLength {
        /// Number of base32 characters once the trailing `=` are removed.
        length: usize,
    },
    /// The data does not fit in the largest QR code (version 40).
    #[error("data of {length} bytes is too long for a QR code")]
    QrDataTooLong {
        /// Length of the data in bytes.
        length: usize,
    },
    /// The QR code encoder refused the data for another reason.
    #[error("cannot build a QR code: {reason}")]
    QrEncode {
        /// The encoder's own description.
        reason: String,
    },
    /// The PNG encoder failed.
    #[error("cannot encode the PNG image: {reason}")]
    PngEncode {
        /// The encoder's own description.
        reason: String,
    },
}
