//! The seal's text drawn as glyph outlines (filled paths, no font embedded), placed exactly
//! where the canonical SVG (whose SHA-256 is the filing's `image_sha256`) puts each `<text>`.
//!
//! The outlines come from a CJK font of the machine: `ZT_SEAL_FONT` (`path` or
//! `path#index` for a collection), else Debian's fonts-noto-cjk, fonts-wqy-zenhei or
//! fonts-droid-fallback. Without one the text is left out (ring and star still drawn).

use std::sync::OnceLock;

use ttf_parser::{Face, OutlineBuilder};

use super::syntax::real;

const CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
];

fn face() -> Option<&'static Face<'static>> {
    static FACE: OnceLock<Option<Face<'static>>> = OnceLock::new();
    FACE.get_or_init(|| {
        let env = std::env::var("ZT_SEAL_FONT")
            .ok()
            .map(|v| match v.rsplit_once('#') {
                Some((p, i)) => (p.to_string(), i.parse().unwrap_or(0)),
                None => (v, 0),
            });
        let list = env
            .into_iter()
            .chain(CANDIDATES.iter().map(|(p, i)| ((*p).to_string(), *i)));
        for (path, index) in list {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if let Ok(f) = Face::parse(bytes, index) {
                return Some(f);
            }
        }
        tracing::warn!("no CJK font found: sealed PDFs show the seal without its text");
        None
    })
    .as_ref()
}

/// PDF path operators (filled) for every `<text>` of the canonical SVG; `height_mm` is the
/// SVG's height (its y axis points down, PDF's up). `None` without a font.
pub fn text_paths(svg: &str, height_mm: f64, pt_per_mm: f64) -> Option<String> {
    let face = face()?;
    let upem = f64::from(face.units_per_em());
    let mut out = String::new();
    let mut group_size = None;
    for piece in svg.split('<').skip(1) {
        if let Some(attrs) = piece.strip_prefix("g ") {
            if let Some(f) = attr(attrs, "font-size") {
                group_size = f.parse::<f64>().ok();
            }
            continue;
        }
        let Some(rest) = piece.strip_prefix("text ") else {
            continue;
        };
        let Some((attrs, content)) = rest.split_once('>') else {
            continue;
        };
        let text = unescape(content);
        let (x, y, rot) = match attr(attrs, "transform") {
            Some(t) => {
                let nums: Vec<f64> = t
                    .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                    .filter_map(|s| s.parse().ok())
                    .collect();
                match nums[..] {
                    [x, y, r] => (x, y, r),
                    _ => continue,
                }
            }
            None => match (num(attrs, "x"), num(attrs, "y")) {
                (Some(x), Some(y)) => (x, y, 0.0),
                _ => continue,
            },
        };
        let Some(size) = num(attrs, "font-size").or(group_size) else {
            continue;
        };
        let a = size / upem;
        let ids: Vec<_> = text.chars().filter_map(|c| face.glyph_index(c)).collect();
        let advance: f64 = ids
            .iter()
            .map(|g| f64::from(face.glyph_hor_advance(*g).unwrap_or(0)))
            .sum();
        // text-anchor="middle": centred on (x, y).
        let mut pen = -advance / 2.0;
        let (cos, sin) = (rot.to_radians().cos(), rot.to_radians().sin());
        for g in ids {
            let origin = pen;
            let map = move |u: f32, v: f32| {
                let (lx, ly) = (a * (origin + f64::from(u)), -a * f64::from(v));
                let (sx, sy) = (x + cos * lx - sin * ly, y + sin * lx + cos * ly);
                (sx * pt_per_mm, (height_mm - sy) * pt_per_mm)
            };
            let mut b = Builder {
                out: &mut out,
                map: &map,
                last: (0.0, 0.0),
            };
            face.outline_glyph(g, &mut b);
            pen += f64::from(face.glyph_hor_advance(g).unwrap_or(0));
        }
    }
    if !out.is_empty() {
        out.push_str("f\n");
    }
    Some(out)
}

fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let mut from = 0;
    loop {
        let i = attrs.get(from..)?.find(&key)? + from;
        if i == 0 || attrs.as_bytes()[i - 1] == b' ' {
            return attrs[i + key.len()..].split('"').next();
        }
        from = i + 1;
    }
}

fn num(attrs: &str, name: &str) -> Option<f64> {
    attr(attrs, name)?.parse().ok()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

struct Builder<'a, F: Fn(f32, f32) -> (f64, f64)> {
    out: &'a mut String,
    map: &'a F,
    last: (f32, f32),
}

impl<F: Fn(f32, f32) -> (f64, f64)> Builder<'_, F> {
    fn pt(&mut self, x: f32, y: f32) -> String {
        let (px, py) = (self.map)(x, y);
        format!("{} {}", real(px), real(py))
    }
}

impl<F: Fn(f32, f32) -> (f64, f64)> OutlineBuilder for Builder<'_, F> {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.pt(x, y);
        self.out.push_str(&format!("{p} m\n"));
        self.last = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.pt(x, y);
        self.out.push_str(&format!("{p} l\n"));
        self.last = (x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        // A quadratic as a cubic: control points 2/3 of the way to the quadratic's.
        let (x0, y0) = self.last;
        let c1 = self.pt(x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = self.pt(x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        let p = self.pt(x, y);
        self.out.push_str(&format!("{c1} {c2} {p} c\n"));
        self.last = (x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, p) = (self.pt(x1, y1), self.pt(x2, y2), self.pt(x, y));
        self.out.push_str(&format!("{c1} {c2} {p} c\n"));
        self.last = (x, y);
    }
    fn close(&mut self) {
        self.out.push_str("h\n");
    }
}
