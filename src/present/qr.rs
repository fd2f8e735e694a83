//! QR codes: rendering a token (SVG, PNG) and reading one back from a photo.

use std::io::Cursor;

use image::{ImageFormat, Luma};
use qrcode::{EcLevel, QrCode, Version};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the token does not fit in a QR code: {0}")]
    TooLong(String),
    #[error("the upload is not a readable PNG or JPEG image: {0}")]
    Image(String),
    #[error(
        "the image is {0}×{1} pixels; at most {MAX_SIDE} pixels a side and {MAX_MEGAPIXELS} megapixels are decoded"
    )]
    TooLarge(u32, u32),
    #[error("no QR code was found in the image")]
    NotFound,
    #[error("a QR code was found but could not be decoded: {0}")]
    Undecodable(String),
}

pub const MAX_SIDE: u32 = 8000;
/// Pixels decoded at most (a 12-megapixel phone photo fits; 8000×8000 does not).
pub const MAX_PIXELS: u64 = 16_000_000;
const MAX_MEGAPIXELS: u64 = MAX_PIXELS / 1_000_000;
/// Memory one decode may allocate: 4 bytes (RGBA) a pixel at the limit.
const MAX_ALLOC: u64 = 4 * MAX_PIXELS;
/// A QR code is searched in at most this many pixels: larger images are scaled down first.
pub const SEARCH_PIXELS: u64 = 4_000_000;

/// Which images of the QR code a client wants with a presentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Images {
    /// The token alone (the client draws its own QR code): no encoding beyond its version.
    None,
    /// The compact SVG.
    Svg,
    /// The PNG.
    Png,
    /// Both (the default).
    #[default]
    Both,
}

impl Images {
    fn svg(self) -> bool {
        matches!(self, Images::Svg | Images::Both)
    }

    fn png(self) -> bool {
        matches!(self, Images::Png | Images::Both)
    }
}

/// A rendered QR code: the images asked for.
pub struct Rendered {
    pub version: i16,
    pub svg: Option<String>,
    pub png: Option<Vec<u8>>,
}

/// The error-correction level: M survives 15 % damage (a scratched phone screen).
const EC_LEVEL: EcLevel = EcLevel::M;

/// [`render_as`] with both images.
pub fn render(text: &str) -> Result<Rendered, QrError> {
    render_as(text, Images::Both)
}

/// Encodes `text` at level M, the smallest version that fits, and draws the images asked
/// for. Without images only the version is worked out (no masking, no drawing).
pub fn render_as(text: &str, images: Images) -> Result<Rendered, QrError> {
    let too_long = |e: qrcode::types::QrError| QrError::TooLong(e.to_string());
    let number = |v: Version| match v {
        Version::Normal(v) | Version::Micro(v) => v,
    };
    if images == Images::None {
        let bits = qrcode::bits::encode_auto(text.as_bytes(), EC_LEVEL).map_err(too_long)?;
        return Ok(Rendered {
            version: number(bits.version()),
            svg: None,
            png: None,
        });
    }
    let code = QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(too_long)?;
    let svg = images.svg().then(|| super::svg::render(&code));
    let png = if images.png() {
        let img = code
            .render::<Luma<u8>>()
            .module_dimensions(6, 6)
            .quiet_zone(true)
            .build();
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .map_err(|e| QrError::Image(e.to_string()))?;
        Some(png)
    } else {
        None
    };
    Ok(Rendered {
        version: number(code.version()),
        svg,
        png,
    })
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
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(QrError::TooLarge(w, h));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let img = match reader.decode() {
        Ok(img) => img,
        Err(image::ImageError::Limits(_)) => return Err(QrError::TooLarge(w, h)),
        Err(e) => return Err(QrError::Image(e.to_string())),
    };
    let img = scale_for_search(img.into_luma8());
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

/// Scales an image over [`SEARCH_PIXELS`] down (keeping its aspect) for the QR search.
fn scale_for_search(img: image::GrayImage) -> image::GrayImage {
    let (w, h) = img.dimensions();
    let pixels = u64::from(w) * u64::from(h);
    if pixels <= SEARCH_PIXELS {
        return img;
    }
    let k = (SEARCH_PIXELS as f64 / pixels as f64).sqrt();
    let (nw, nh) = (
        ((f64::from(w) * k) as u32).max(1),
        ((f64::from(h) * k) as u32).max(1),
    );
    // Box averaging in integers: no floating-point copy of the image (resize() would make one
    // of 16 bytes a pixel).
    image::imageops::thumbnail(&img, nw, nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = render("hello.world.sig").unwrap();
        assert!(r.svg.unwrap().starts_with("<?xml"));
        assert_eq!(decode_image(&r.png.unwrap()).unwrap(), "hello.world.sig");
    }

    #[test]
    fn only_the_images_asked_for() {
        let text = "eyJraWQiOiJ4In0.eyJzdWIiOiI5MTQ0In0.c2lnbmF0dXJl".repeat(6);
        let both = render(&text).unwrap();
        for (images, svg, png) in [
            (Images::None, false, false),
            (Images::Svg, true, false),
            (Images::Png, false, true),
            (Images::Both, true, true),
        ] {
            let r = render_as(&text, images).unwrap();
            assert_eq!(r.version, both.version, "{images:?}");
            assert_eq!((r.svg.is_some(), r.png.is_some()), (svg, png), "{images:?}");
        }
        assert!(matches!(
            render_as(&"x".repeat(3000), Images::None),
            Err(QrError::TooLong(_))
        ));
    }

    fn png(img: &image::GrayImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn large_images_are_refused_and_big_ones_scaled() {
        let big = png(&image::GrayImage::from_pixel(5000, 4000, Luma([255])));
        let t = std::time::Instant::now();
        assert!(matches!(
            decode_image(&big),
            Err(QrError::TooLarge(5000, 4000))
        ));
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        // A QR code in a 3000×2000 photo (6 MP) is found after scaling down.
        let code = QrCode::with_error_correction_level(b"hello.world.sig", EcLevel::M).unwrap();
        let qr = code.render::<Luma<u8>>().module_dimensions(40, 40).build();
        let mut photo = image::GrayImage::from_pixel(3000, 2000, Luma([255]));
        image::imageops::overlay(&mut photo, &qr, 100, 100);
        assert_eq!(decode_image(&png(&photo)).unwrap(), "hello.world.sig");
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
