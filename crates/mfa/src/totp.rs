//! RFC 6238 TOTP codes and the two ways IAM and STS check them.
//!
//! A code is HOTP (RFC 4226: HMAC-SHA1, dynamic truncation, modulo 10^digits) of the 30-second window
//! counter `floor(unix_time / 30)`. `EnableMFADevice` and `ResyncMFADevice` take two codes from consecutive
//! windows; `GetSessionToken` and `AssumeRole` take one code and refuse a replay (reference iam-sts.md §8).
//! Verification returns the counter it matched, which the caller stores as the device's last used counter.

use ring::hmac;

/// Length in seconds of one TOTP window (RFC 6238's default `X`, the one every authenticator app uses).
pub const STEP_SECONDS: u64 = 30;

/// Digits of an AWS MFA code (`AuthenticationCode1`, `TokenCode`: exactly six digits).
pub const AWS_CODE_DIGITS: u32 = 6;

/// Most digits a code can have: dynamic truncation yields a 31-bit number, which has at most ten digits.
pub const MAX_DIGITS: u32 = 10;

/// Windows on either side of now within which `EnableMFADevice` and `ResyncMFADevice` accept a code pair.
pub const PAIR_TOLERANCE_WINDOWS: u64 = 2;

/// The TOTP window counter of `unix_time` (seconds since the epoch).
pub fn counter_at(unix_time: u64) -> u64 {
    unix_time / STEP_SECONDS
}

/// The RFC 6238 code of `key` at `unix_time`, zero-padded to `digits` (clamped to `1..=MAX_DIGITS`).
pub fn totp(key: &[u8], unix_time: u64, digits: u32) -> String {
    code_at_counter(key, counter_at(unix_time), digits)
}

/// The RFC 4226 HOTP code of `key` at window `counter`, zero-padded to `digits` (clamped to
/// `1..=MAX_DIGITS`).
pub fn code_at_counter(key: &[u8], counter: u64, digits: u32) -> String {
    Generator::new(key).code(counter, digits)
}

/// Checks an `EnableMFADevice` / `ResyncMFADevice` pair and returns the window counter of `code2`.
///
/// The codes must be six digits from two consecutive windows, `code1` first, and `code2`'s window must
/// lie within `tolerance_windows` of the window of `now` (AWS warns that late codes leave a device out of
/// sync; [`PAIR_TOLERANCE_WINDOWS`] is the usual tolerance). Windows nearest to now are tried first. The
/// search costs two HMACs per window, so `tolerance_windows` should stay small.
pub fn verify_pair(key: &[u8], code1: &str, code2: &str, now: u64, tolerance_windows: u64) -> Option<u64> {
    if !is_aws_code(code1) || !is_aws_code(code2) {
        return None;
    }
    let generator = Generator::new(key);
    let current = counter_at(now);
    (0..=tolerance_windows)
        .flat_map(|distance| {
            let later = current.checked_add(distance);
            let earlier = current.checked_sub(distance).filter(|_| distance > 0);
            [earlier, later]
        })
        .flatten()
        .find(|&counter2| {
            counter2
                .checked_sub(1)
                .is_some_and(|counter1| generator.matches(counter1, code1) && generator.matches(counter2, code2))
        })
}

/// Checks a `GetSessionToken` / `AssumeRole` code and returns the window counter it matched.
///
/// The code must be six digits from the window of `now` or the one on either side, and its window must be
/// later than `last_used_counter`, so a code cannot be used twice (nor an older code after a newer one).
pub fn verify_code(key: &[u8], code: &str, now: u64, last_used_counter: Option<u64>) -> Option<u64> {
    if !is_aws_code(code) {
        return None;
    }
    let generator = Generator::new(key);
    let current = counter_at(now);
    [Some(current), current.checked_sub(1), current.checked_add(1)]
        .into_iter()
        .flatten()
        .filter(|&counter| last_used_counter.is_none_or(|last| counter > last))
        .find(|&counter| generator.matches(counter, code))
}

/// Whether `code` has the shape AWS accepts: exactly six ASCII digits.
fn is_aws_code(code: &str) -> bool {
    code.len() == AWS_CODE_DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit())
}

/// An HMAC-SHA1 key ready to compute codes for several windows.
struct Generator {
    key: hmac::Key,
}

impl Generator {
    fn new(key: &[u8]) -> Self {
        // SHA-1 is what RFC 6238 and every authenticator app use for TOTP; it is not a signature here.
        Self { key: hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key) }
    }

    fn code(&self, counter: u64, digits: u32) -> String {
        let digits = digits.clamp(1, MAX_DIGITS);
        let tag = hmac::sign(&self.key, &counter.to_be_bytes());
        let tag = tag.as_ref();
        // Dynamic truncation (RFC 4226 §5.3): the SHA-1 tag is 20 bytes and the offset at most 15, so the
        // four bytes read are always in range.
        let offset = usize::from(tag[tag.len() - 1] & 0x0f);
        let value = u32::from_be_bytes([tag[offset], tag[offset + 1], tag[offset + 2], tag[offset + 3]]) & 0x7fff_ffff;
        let value = match 10u32.checked_pow(digits) {
            Some(modulus) => value % modulus,
            // 10^10 exceeds any 31-bit value, so ten digits keep it whole.
            None => value,
        };
        format!("{value:0width$}", width = digits as usize)
    }

    /// Whether `code` is the code of window `counter`, compared without an early exit.
    fn matches(&self, counter: u64, code: &str) -> bool {
        let expected = self.code(counter, AWS_CODE_DIGITS);
        expected.len() == code.len() && expected.bytes().zip(code.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The SHA-1 seed of RFC 6238 Appendix B.
    const RFC_KEY: &[u8] = b"12345678901234567890";

    /// A time in the middle of its window; the offsets in the tables below are windows from this one.
    const NOW: u64 = 1_700_000_015;

    /// The window `offset` windows from the window of [`NOW`].
    fn window(offset: i64) -> u64 {
        counter_at(NOW).checked_add_signed(offset).expect("window within u64")
    }

    /// The six-digit code of the window `offset` windows from [`NOW`]'s.
    fn code(offset: i64) -> String {
        code_at_counter(RFC_KEY, window(offset), AWS_CODE_DIGITS)
    }

    fn check(unix_time: u64, digits: u32, expected: &str) {
        assert_eq!(totp(RFC_KEY, unix_time, digits), expected, "T={unix_time}, {digits} digits");
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 Appendix B, SHA-1 rows, and the six-digit form of the first.
        check(59, 8, "94287082");
        check(1_111_111_109, 8, "07081804");
        check(1_111_111_111, 8, "14050471");
        check(1_234_567_890, 8, "89005924");
        check(2_000_000_000, 8, "69279037");
        check(20_000_000_000, 8, "65353130");
        check(59, 6, "287082");
    }

    #[test]
    fn codes_are_zero_padded_and_digits_clamped() {
        check(1_111_111_109, 6, "081804");
        check(1_111_111_109, 0, "4");
        check(1_111_111_109, 10, "0907081804");
        check(1_111_111_109, 12, "0907081804");
    }

    #[test]
    fn code_changes_at_window_boundaries() {
        assert_eq!(totp(RFC_KEY, 30, 8), totp(RFC_KEY, 59, 8));
        assert_ne!(totp(RFC_KEY, 59, 8), totp(RFC_KEY, 60, 8));
        assert_eq!(totp(RFC_KEY, 59, 8), code_at_counter(RFC_KEY, 1, 8));
    }

    fn check_pair(code1: &str, code2: &str, tolerance: u64, expected: Option<i64>) {
        assert_eq!(
            verify_pair(RFC_KEY, code1, code2, NOW, tolerance),
            expected.map(window),
            "pair {code1} {code2} with tolerance {tolerance}"
        );
    }

    #[test]
    fn pair_of_consecutive_windows_near_now_is_accepted() {
        check_pair(&code(-1), &code(0), 2, Some(0));
        check_pair(&code(0), &code(1), 2, Some(1));
        check_pair(&code(-3), &code(-2), 2, Some(-2));
        check_pair(&code(1), &code(2), 2, Some(2));
        check_pair(&code(-1), &code(0), 0, Some(0));
    }

    #[test]
    fn pair_in_wrong_order_or_not_consecutive_is_refused() {
        check_pair(&code(0), &code(-1), 2, None);
        check_pair(&code(-2), &code(0), 2, None);
        check_pair(&code(0), &code(0), 2, None);
    }

    #[test]
    fn pair_outside_tolerance_is_refused() {
        check_pair(&code(2), &code(3), 2, None);
        check_pair(&code(-4), &code(-3), 2, None);
        check_pair(&code(0), &code(1), 0, None);
    }

    #[test]
    fn pair_codes_not_six_digits_are_refused() {
        check_pair(&format!("0{}", code(-1)), &code(0), 2, None);
        check_pair(&code(-1), &code(0)[1..], 2, None);
        check_pair(&code(-1).replace(|_: char| true, "a"), &code(0), 2, None);
    }

    #[test]
    fn pair_at_the_epoch_does_not_underflow() {
        let code0 = code_at_counter(RFC_KEY, 0, 6);
        let code1 = code_at_counter(RFC_KEY, 1, 6);
        assert_eq!(verify_pair(RFC_KEY, &code0, &code1, 0, 2), Some(1));
        assert_eq!(verify_pair(RFC_KEY, &code1, &code0, 0, 2), None);
    }

    fn check_code(code: &str, last_used: Option<i64>, expected: Option<i64>) {
        assert_eq!(
            verify_code(RFC_KEY, code, NOW, last_used.map(window)),
            expected.map(window),
            "code {code} after {last_used:?}"
        );
    }

    #[test]
    fn code_of_current_or_adjacent_window_is_accepted() {
        check_code(&code(0), None, Some(0));
        check_code(&code(-1), None, Some(-1));
        check_code(&code(1), None, Some(1));
    }

    #[test]
    fn code_two_windows_away_is_refused() {
        check_code(&code(-2), None, None);
        check_code(&code(2), None, None);
    }

    #[test]
    fn replayed_or_older_code_is_refused() {
        check_code(&code(0), Some(0), None);
        check_code(&code(-1), Some(0), None);
        check_code(&code(-1), Some(-1), None);
        check_code(&code(0), Some(-1), Some(0));
        check_code(&code(1), Some(0), Some(1));
        // The second code of an EnableMFADevice pair cannot then open a session.
        let enabled = verify_pair(RFC_KEY, &code(-1), &code(0), NOW, 2);
        assert_eq!(verify_code(RFC_KEY, &code(0), NOW, enabled), None);
    }

    #[test]
    fn malformed_code_is_refused() {
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", " 12345", "+12345"] {
            check_code(bad, None, None);
        }
    }

    #[test]
    fn code_at_the_epoch_does_not_underflow() {
        let code0 = code_at_counter(RFC_KEY, 0, 6);
        assert_eq!(verify_code(RFC_KEY, &code0, 0, None), Some(0));
        assert_eq!(verify_code(RFC_KEY, &code0, 0, Some(0)), None);
    }

    proptest! {
        #[test]
        fn arbitrary_codes_never_panic(
            code1 in ".{0,10}",
            code2 in "[0-9]{0,8}",
            now in any::<u64>(),
            last in proptest::option::of(any::<u64>()),
            tolerance in 0u64..4,
        ) {
            let _ = verify_code(RFC_KEY, &code1, now, last);
            let _ = verify_code(RFC_KEY, &code2, now, last);
            let _ = verify_pair(RFC_KEY, &code1, &code2, now, tolerance);
            let _ = verify_pair(RFC_KEY, &code2, &code2, now, tolerance);
        }

        #[test]
        fn current_code_verifies_at_its_own_window(
            key in proptest::collection::vec(any::<u8>(), 0..64),
            now in any::<u64>(),
        ) {
            let current = totp(&key, now, AWS_CODE_DIGITS);
            prop_assert_eq!(current.len(), 6);
            prop_assert_eq!(verify_code(&key, &current, now, None), Some(counter_at(now)));
        }
    }
}
