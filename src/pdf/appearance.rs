//! The filed seal template drawn as PDF path operators, red, at its physical size
//! (1 mm = 72/25.4 pt), as the content of the signature widget's appearance stream.
//!
//! Drawn: the border ring (round or oval, the filed border width), the star, and the
//! text as glyph outlines placed as the canonical SVG places it (see [`super::glyphs`]).

use crate::seal::template::{SealShape, SealTemplate};

use super::syntax::real;

pub const PT_PER_MM: f64 = 72.0 / 25.4;
/// Seal red (朱红), as an RGB fill and stroke colour.
const RED: &str = "0.85 0.07 0.07";

/// The appearance's size in points: width, height.
pub fn size_pt(t: &SealTemplate) -> (f64, f64) {
    (t.width_mm * PT_PER_MM, t.height_mm * PT_PER_MM)
}

/// The content stream of the appearance, in a BBox of `[0 0 w h]`.
pub fn content(t: &SealTemplate) -> Vec<u8> {
    let (w, h) = size_pt(t);
    let height = match t.shape {
        SealShape::Round => w,
        SealShape::Oval => h,
    };
    let border = t.border_mm * PT_PER_MM;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (rx, ry) = ((w - border) / 2.0, (height - border) / 2.0);
    let mut s = String::new();
    s.push_str(&format!("q {RED} RG {RED} rg {} w\n", real(border)));
    ellipse(&mut s, cx, cy, rx, ry);
    s.push_str("S\n");
    if t.star {
        // As in the canonical SVG: radius a sixth of the smaller side.
        star(&mut s, cx, cy, w.min(height) / 6.0);
        s.push_str("f\n");
    }
    // The text, from the canonical SVG (same places, same sizes).
    if let Some(text) = super::glyphs::text_paths(&t.render_svg(), t.height_mm, PT_PER_MM) {
        s.push_str(&text);
    }
    s.push_str("Q\n");
    s.into_bytes()
}

fn ellipse(s: &mut String, cx: f64, cy: f64, rx: f64, ry: f64) {
    // Four cubic Béziers; k is the usual circle approximation constant.
    let k = 0.552_284_75;
    let (kx, ky) = (rx * k, ry * k);
    let p = |x: f64, y: f64| format!("{} {}", real(x), real(y));
    s.push_str(&format!("{} m\n", p(cx + rx, cy)));
    s.push_str(&format!(
        "{} {} {} c\n",
        p(cx + rx, cy + ky),
        p(cx + kx, cy + ry),
        p(cx, cy + ry)
    ));
    s.push_str(&format!(
        "{} {} {} c\n",
        p(cx - kx, cy + ry),
        p(cx - rx, cy + ky),
        p(cx - rx, cy)
    ));
    s.push_str(&format!(
        "{} {} {} c\n",
        p(cx - rx, cy - ky),
        p(cx - kx, cy - ry),
        p(cx, cy - ry)
    ));
    s.push_str(&format!(
        "{} {} {} c h\n",
        p(cx + kx, cy - ry),
        p(cx + rx, cy - ky),
        p(cx + rx, cy)
    ));
}

/// A five-pointed star, one point up, outer radius `r`.
fn star(s: &mut String, cx: f64, cy: f64, r: f64) {
    let inner = r * 0.381_966;
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { inner };
        let a = std::f64::consts::FRAC_PI_2 + f64::from(i) * std::f64::consts::PI / 5.0;
        let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
        let op = if i == 0 { "m" } else { "l" };
        s.push_str(&format!("{} {} {op}\n", real(x), real(y)));
    }
    s.push_str("h\n");
}
