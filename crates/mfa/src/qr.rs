//! The `otpauth://` URI of a virtual MFA device and its `QRCodePNG` image.
//!
//! IAM's `QRCodePNG` is a real PNG of a QR code an authenticator app can scan (reference iam-sts.md §8;
//! moto returns random bytes instead). The image is 8-bit grayscale, black modules on white, with the
//! four-module quiet zone ISO/IEC 18004 asks for.

use qrcode::types::QrError;
use qrcode::{Color, QrCode};

use crate::MfaError;

/// Pixels per QR module, across and down.
pub const QR_SCALE: usize = 4;

/// White modules around the code on each side (the quiet zone of ISO/IEC 18004).
pub const QR_QUIET_ZONE_MODULES: usize = 4;

const DARK: u8 = 0x00;
const LIGHT: u8 = 0xff;

/// The URI IAM encodes in `QRCodePNG`: `otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String`.
///
/// The account name is the user name the device is for if there is one, else the account ID. The parts
/// are inserted as they are: IAM names (`[\w+=,.@-]+`), account IDs and base32 text hold only characters
/// a URI allows there.
pub fn otpauth_uri(device_name: &str, account_name: &str, base32_secret: &str) -> String {
    format!("otpauth://totp/{device_name}@{account_name}?secret={base32_secret}")
}

/// A PNG image of the QR code of `uri` (error correction level M, the smallest version that fits).
///
/// Each module is [`QR_SCALE`] pixels square and the code has a quiet zone of [`QR_QUIET_ZONE_MODULES`]
/// modules, so the image is `(modules + 2 × 4) × 4` pixels on a side.
///
/// # Errors
///
/// [`MfaError::QrDataTooLong`] when `uri` does not fit in a version 40 code (about 2,300 bytes), and
/// [`MfaError::QrEncode`] or [`MfaError::PngEncode`] if an encoder fails otherwise.
pub fn qr_png(uri: &str) -> Result<Vec<u8>, MfaError> {
    let code = QrCode::new(uri.as_bytes()).map_err(|error| match error {
        QrError::DataTooLong => MfaError::QrDataTooLong { length: uri.len() },
        other => MfaError::QrEncode { reason: other.to_string() },
    })?;
    let modules = code.width();
    let colors = code.to_colors();
    let is_dark = |x: usize, y: usize| {
        let inside = |v: usize| v.checked_sub(QR_QUIET_ZONE_MODULES).filter(|&v| v < modules);
        match (inside(x), inside(y)) {
            (Some(x), Some(y)) => colors.get(y * modules + x) == Some(&Color::Dark),
            _ => false,
        }
    };

    let side_modules = modules + 2 * QR_QUIET_ZONE_MODULES;
    let side_pixels = side_modules * QR_SCALE;
    let mut pixels = Vec::with_capacity(side_pixels * side_pixels);
    let mut row = Vec::with_capacity(side_pixels);
    for y in 0..side_modules {
        row.clear();
        for x in 0..side_modules {
            let shade = if is_dark(x, y) { DARK } else { LIGHT };
            row.extend(std::iter::repeat_n(shade, QR_SCALE));
        }
        for _ in 0..QR_SCALE {
            pixels.extend_from_slice(&row);
        }
    }

    let side = u32::try_from(side_pixels)
        .map_err(|_| MfaError::PngEncode { reason: format!("image side {side_pixels} too large") })?;
    let png_error = |error: png::EncodingError| MfaError::PngEncode { reason: error.to_string() };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&pixels).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    /// Draws `uri`, decodes the PNG and checks every module's pixels against the QR code's matrix.
    fn check(uri: &str, expected_modules: usize) {
        let png_bytes = qr_png(uri).expect("QR code drawn");
        assert!(png_bytes.starts_with(PNG_SIGNATURE), "PNG signature");

        let mut reader = png::Decoder::new(png_bytes.as_slice()).read_info().expect("PNG header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("PNG frame");
        let side = (expected_modules + 2 * QR_QUIET_ZONE_MODULES) * QR_SCALE;
        assert_eq!((info.width as usize, info.height as usize), (side, side), "image size");
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert_eq!(info.line_size, side);

        let code = QrCode::new(uri.as_bytes()).expect("QR code");
        assert_eq!(code.width(), expected_modules, "modules for {uri:?}");
        let colors = code.to_colors();
        for py in 0..side {
            for px in 0..side {
                let (mx, my) = (px / QR_SCALE, py / QR_SCALE);
                let in_code = QR_QUIET_ZONE_MODULES..QR_QUIET_ZONE_MODULES + expected_modules;
                let expected = if in_code.contains(&mx) && in_code.contains(&my) {
                    let index = (my - QR_QUIET_ZONE_MODULES) * expected_modules + mx - QR_QUIET_ZONE_MODULES;
                    match colors[index] {
                        Color::Dark => DARK,
                        Color::Light => LIGHT,
                    }
                } else {
                    LIGHT
                };
                assert_eq!(pixels[py * side + px], expected, "pixel ({px}, {py})");
            }
        }
    }

    #[test]
    fn uri_follows_the_iam_documentation() {
        assert_eq!(
            otpauth_uri("alice-phone", "alice", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/alice-phone@alice?secret=JBSWY3DPEHPK3PXP"
        );
        assert_eq!(
            otpauth_uri("root-mfa", "123456789012", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/root-mfa@123456789012?secret=JBSWY3DPEHPK3PXP"
        );
    }

    #[test]
    fn png_decodes_to_the_qr_matrix_with_quiet_zone() {
        // Version 1 (21 modules) and the size of a real device URI with a 64-character seed (version 6).
        check("hello", 21);
        let seed = crate::generate_seed(&[7; crate::SEED_KEY_LEN]);
        check(&otpauth_uri("my-virtual-mfa-device", "123456789012", &seed), 41);
    }

    #[test]
    fn data_too_long_for_a_qr_code_is_an_error() {
        let uri = "a".repeat(5000);
        assert_eq!(qr_png(&uri), Err(MfaError::QrDataTooLong { length: 5000 }));
    }
}
