//! QR codes: rendering a token (SVG, PNG) and reading one back from a photo.

use std::io::Cursor;

use image::{ImageFormat, Luma};
use qrcode::{EcLevel, QrCode, Version};

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the token does not fit in a QR code: {0}")]
    TooLong(String),
    #[error("the upload is not a readable PNG or JPEG image: {0}")]
    Image(String),
    #[error("the image is {0}×{1} pixels; at most {MAX_SIDE}×{MAX_SIDE} are accepted")]
    TooLarge(u32, u32),
    #[error("no QR code was found in the image")]
    NotFound,
    #[error("a QR code was found but could not be decoded: {0}")]
    Undecodable(String),
}

pub const MAX_SIDE: u32 = 8000;

/// A rendered QR code.
pub struct Rendered {
    pub version: i16,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Encodes `text` at error-correction level M (survives 15 % damage: a scratched phone
/// screen), the smallest version that fits.
pub fn render(text: &str) -> Result<Rendered, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| QrError::TooLong(e.to_string()))?;
    let version = match code.version() {
        Version::Normal(v) | Version::Micro(v) => v,
    };
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(300, 300)
        .quiet_zone(true)
        .build();
    let img = code
        .render::<Luma<u8>>()
        .module_dimensions(6, 6)
        .quiet_zone(true)
        .build();
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| QrError::Image(e.to_string()))?;
    Ok(Rendered { version, svg, png })
}

/// Finds and decodes the first QR code in an untrusted PNG or JPEG. Never panics.
pub fn decode_image(bytes: &[u8]) -> Result<String, QrError> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png) | Some(ImageFormat::Jpeg) => {}
        _ => return Err(QrError::Image("only PNG and JPEG are accepted".into())),
    }
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| QrError::Image(e.to_string()))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(QrError::TooLarge(w, h));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| QrError::Image(e.to_string()))?
        .to_luma8();
    // rqrr is not known to panic, but the image is hostile: contain it anyway.
    std::panic::catch_unwind(move || {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        let mut last_err = None;
        for g in grids {
            match g.decode() {
                Ok((_, text)) => return Ok(text),
                Err(e) => last_err = Some(e.to_string()),
            }
        }
        Err(last_err.map_or(QrError::NotFound, QrError::Undecodable))
    })
    .unwrap_or_else(|_| {
        Err(QrError::Undecodable(
            "the decoder failed on this image".into(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = render("hello.world.sig").unwrap();
        assert!(r.svg.starts_with("<?xml"));
        assert_eq!(decode_image(&r.png).unwrap(), "hello.world.sig");
    }

    #[test]
    fn garbage_is_an_error() {
        for bytes in [
            &b""[..],
            b"not an image",
            &[0x89, b'P', b'N', b'G', 0, 0, 0],
        ] {
            assert!(decode_image(bytes).is_err());
        }
    }
}
