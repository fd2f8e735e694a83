//! Seal templates: structural validation, canonical JSON and a canonical SVG
//! rendering that is byte-identical on every machine (同章同模).

use serde::{Deserialize, Serialize};
use std::f64::consts::{FRAC_PI_2, PI};
use std::fmt;

pub const SEAL_RED: &str = "#E60012";
pub const FONT_FAMILY: &str = "SimSun, 'Noto Serif CJK SC', 'Songti SC', serif";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SealShape {
    Round,
    Oval,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealTemplate {
    pub shape: SealShape,
    pub width_mm: f64,
    pub height_mm: f64,
    pub border_mm: f64,
    pub star: bool,
    pub arc_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottom_text: Option<String>,
    pub seal_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub field: &'static str,
    pub reason: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for TemplateError {}

fn fail(field: &'static str, reason: impl Into<String>) -> Result<(), TemplateError> {
    let reason = reason.into();
    Err(TemplateError { field, reason })
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), TemplateError> {
    if text.trim().is_empty() {
        return fail(field, "must not be blank");
    }
    if text.chars().count() > max {
        return fail(field, format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return fail(field, "must not contain control characters");
    }
    Ok(())
}

/// Formats `v` rounded to `places` decimals, without trailing zeros or exponent.
/// Integer arithmetic after one rounding, so the output never depends on the platform.
fn fmt_num(v: f64, places: u32) -> String {
    let scale = 10i64.pow(places);
    let n = (v * scale as f64).round() as i64;
    let (abs, scale) = (n.unsigned_abs(), scale as u64);
    let (int, frac) = (abs / scale, abs % scale);
    let sign = if n < 0 { "-" } else { "" };
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:0width$}", width = places as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// The single number format of the SVG. Geometry of a checked template is always finite.
fn n(v: f64) -> String {
    debug_assert!(v.is_finite(), "non-finite SVG number");
    fmt_num(v, 3)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

// sin/atan from + - * / sqrt only: these are exactly rounded IEEE operations, whereas
// libm's sin/cos/atan2 may differ in the last bit between platforms.
fn sin(x: f64) -> f64 {
    let mut x = x - 2.0 * PI * (x / (2.0 * PI)).round();
    if x > FRAC_PI_2 {
        x = PI - x;
    } else if x < -FRAC_PI_2 {
        x = -PI - x;
    }
    let (x2, mut term, mut sum) = (x * x, x, x);
    for k in 1..12 {
        term *= -x2 / ((2 * k) * (2 * k + 1)) as f64;
        sum += term;
    }
    sum
}

fn cos(x: f64) -> f64 {
    sin(x + FRAC_PI_2)
}

fn atan2(y: f64, x: f64) -> f64 {
    if y == 0.0 && x < 0.0 {
        return PI;
    }
    // Each x += |(x, y)| halves the vector's angle; after three, |y / x| <= tan 22.5°.
    let mut x = x;
    for _ in 0..3 {
        x += (x * x + y * y).sqrt();
    }
    let (z, mut sum) = (y / x, 0.0);
    let mut pow = z;
    for k in 0..24 {
        sum += pow / (2 * k + 1) as f64;
        pow *= -z * z;
    }
    8.0 * sum
}

/// Parameter values of `count` points spaced evenly by arc length (`speed` = ds/dt) over
/// [-half, half], and the total length.
fn spread(speed: impl Fn(f64) -> f64, half: f64, count: usize) -> (f64, Vec<f64>) {
    const STEPS: usize = 720;
    let dt = 2.0 * half / STEPS as f64;
    let mut cum = vec![0.0; STEPS + 1];
    for i in 0..STEPS {
        let t0 = -half + i as f64 * dt;
        cum[i + 1] = cum[i] + 0.5 * dt * (speed(t0) + speed(t0 + dt));
    }
    let total = cum[STEPS];
    if count < 2 {
        return (total, vec![0.0; count]);
    }
    let ts = (0..count)
        .map(|k| {
            let target = total * k as f64 / (count - 1) as f64;
            let i = cum.partition_point(|&c| c < target).clamp(1, STEPS);
            let step = cum[i] - cum[i - 1];
            let frac = if step > 0.0 {
                (target - cum[i - 1]) / step
            } else {
                0.0
            };
            -half + dt * ((i - 1) as f64 + frac)
        })
        .collect();
    (total, ts)
}

/// Largest font size, up to `font`, whose estimated width fits `max_w`. (Not `textLength`:
/// librsvg and others ignore it.)
fn fit_font(text: &str, font: f64, max_w: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum();
    font.min(max_w / ems)
}

impl SealTemplate {
    /// Structural rules only; domain rules (name matches the company, ...) belong to the caller.
    pub fn check(&self) -> Result<(), TemplateError> {
        let sizes = [
            ("width_mm", self.width_mm, 20.0, 60.0),
            ("height_mm", self.height_mm, 20.0, 60.0),
            ("border_mm", self.border_mm, 0.5, 3.0),
        ];
        for (field, v, lo, hi) in sizes {
            if !v.is_finite() {
                return fail(field, "must be a finite number");
            }
            if !(lo..=hi).contains(&v) {
                return fail(field, format!("must be between {lo} and {hi} mm"));
            }
            if (v * 100.0).round() / 100.0 != v {
                return fail(field, "must have at most 2 decimal places");
            }
        }
        if self.border_mm * 4.0 >= self.width_mm.min(self.height_mm) {
            return fail("border_mm", "must be under a quarter of the smaller side");
        }
        if self.shape == SealShape::Round && self.width_mm != self.height_mm {
            return fail("height_mm", "must equal width_mm on a round seal");
        }
        check_text("arc_text", &self.arc_text, 40)?;
        if let Some(t) = &self.center_text {
            check_text("center_text", t, 30)?;
        }
        if let Some(t) = &self.bottom_text {
            check_text("bottom_text", t, 30)?;
        }
        let code = &self.seal_code;
        if !(3..=19).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return fail("seal_code", "must be 3 to 19 ASCII digits");
        }
        Ok(())
    }

    /// Deterministic JSON: alphabetical keys, no whitespace, sizes rounded to 2 decimals.
    /// Meaningful for templates that pass `check()`.
    pub fn canonical_json(&self) -> Vec<u8> {
        let s = |v: &str| serde_json::to_string(v).expect("strings always serialize");
        let mut out = format!("{{\"arc_text\":{}", s(&self.arc_text));
        out.push_str(&format!(",\"border_mm\":{}", fmt_num(self.border_mm, 2)));
        if let Some(t) = &self.bottom_text {
            out.push_str(&format!(",\"bottom_text\":{}", s(t)));
        }
        if let Some(t) = &self.center_text {
            out.push_str(&format!(",\"center_text\":{}", s(t)));
        }
        out.push_str(&format!(",\"height_mm\":{}", fmt_num(self.height_mm, 2)));
        out.push_str(&format!(",\"seal_code\":{}", s(&self.seal_code)));
        let shape = match self.shape {
            SealShape::Round => "round",
            SealShape::Oval => "oval",
        };
        out.push_str(&format!(",\"shape\":\"{shape}\",\"star\":{}", self.star));
        out.push_str(&format!(",\"width_mm\":{}}}", fmt_num(self.width_mm, 2)));
        out.into_bytes()
    }

    pub fn template_sha256(&self) -> String {
        sha256_hex(&self.canonical_json())
    }

    /// Canonical SVG in millimetre user units (viewBox = size in mm), for checked templates.
    pub fn render_svg(&self) -> String {
        let (w, h, bw) = (self.width_mm, self.height_mm, self.border_mm);
        let (cx, cy, m) = (w / 2.0, h / 2.0, w.min(h));
        let (ai, bi) = (cx - bw, cy - bw); // inner edge of the border
        let round = self.shape == SealShape::Round;
        let (sw, sh, scx, scy) = (n(w), n(h), n(cx), n(cy));
        let mut svg = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg += &format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{sw}mm" height="{sh}mm" viewBox="0 0 {sw} {sh}">"#
        );
        svg += &format!(
            "\n<g fill=\"{SEAL_RED}\" font-family=\"{FONT_FAMILY}\" text-anchor=\"middle\">\n"
        );
        let (rx, ry) = (n(cx - bw / 2.0), n(cy - bw / 2.0));
        let stroke = format!(
            r#"fill="none" stroke="{SEAL_RED}" stroke-width="{}""#,
            n(bw)
        );
        svg += &if round {
            format!("<circle cx=\"{scx}\" cy=\"{scy}\" r=\"{rx}\" {stroke}/>\n")
        } else {
            format!("<ellipse cx=\"{scx}\" cy=\"{scy}\" rx=\"{rx}\" ry=\"{ry}\" {stroke}/>\n")
        };

        let star_r = m / 6.0; // 14 mm star in a 42 mm seal
        if self.star {
            let points: Vec<String> = (0..10)
                .map(|k| {
                    // inner radius of a regular pentagram: R * sin 18° / sin 54°
                    let r = star_r * if k % 2 == 0 { 1.0 } else { 0.381_966 };
                    let t = k as f64 * PI / 5.0;
                    format!("{},{}", n(cx + r * sin(t)), n(cy - r * cos(t)))
                })
                .collect();
            svg += &format!("<polygon points=\"{}\"/>\n", points.join(" "));
        }

        // Arc text: border ellipse E(t) = (ai sin t, -bi cos t), t = 0 at 12 o'clock. Glyph
        // baselines run parallel to it, `depth` inside, tops outwards; glyphs are spaced
        // evenly two thirds of the way down. Round: 8 o'clock .. 4 o'clock.
        let chars: Vec<char> = self.arc_text.chars().collect();
        let max_half: f64 = if round { 110.0 } else { 100.0 };
        let half = (max_half.min((chars.len() as f64 - 1.0) * 14.0)).to_radians();
        let gap = 0.03 * m;
        let g = |c: f64, s: f64| (ai * ai * c * c + bi * bi * s * s).sqrt(); // |E'(t)|
        // Speed of the parallel curve `d` inside: |E'| (1 - d * curvature).
        let speed = |d: f64| {
            move |t: f64| {
                let v = g(cos(t), sin(t));
                (v - d * ai * bi / (v * v)).max(0.0)
            }
        };
        let mut font = if round { 0.155 } else { 0.14 } * m;
        let (len, mut ts) = spread(speed(gap + 0.66 * font), half, chars.len());
        if chars.len() > 1 && font > 0.85 * len / (chars.len() - 1) as f64 {
            font = 0.85 * len / (chars.len() - 1) as f64;
            ts = spread(speed(gap + 0.66 * font), half, chars.len()).1;
        }
        let depth = gap + 0.88 * font;
        svg += &format!("<g font-size=\"{}\">\n", n(font));
        for (c, t) in chars.iter().zip(ts) {
            let (co, si) = (cos(t), sin(t));
            let k = depth / g(co, si);
            let (x, y) = (n(cx + (ai - k * bi) * si), n(cy - (bi - k * ai) * co));
            let rot = n(atan2(bi * si, ai * co).to_degrees());
            let c = xml_escape(&c.to_string());
            svg += &format!("<text transform=\"translate({x} {y}) rotate({rot})\">{c}</text>\n");
        }
        svg += "</g>\n";

        // Width of the chord `d` below the centre of an ellipse with semi-axes (ea, eb).
        let chord =
            |ea: f64, eb: f64, d: f64| 2.0 * ea * (1.0 - (d / eb) * (d / eb)).max(0.0).sqrt();
        let mut line = |text: &str, y: f64, font: f64| {
            let (y, f, text) = (n(cy + y), n(font), xml_escape(text));
            svg += &format!("<text x=\"{scx}\" y=\"{y}\" font-size=\"{f}\">{text}</text>\n");
        };
        if let Some(t) = &self.center_text {
            // Under the star, or centred (glyph middles sit ~0.35em above the baseline).
            let (lift, em) = if self.star {
                (star_r, 0.9)
            } else {
                (0.0, 0.35)
            };
            // Between the arc text's side glyphs and inside the border; fitting at the base
            // size's (lower) line is safe.
            let f = 0.12 * m;
            let max_w = (1.7 * (ai - depth)).min(0.75 * chord(ai, bi, lift + em * f));
            let f = fit_font(t, f, max_w);
            line(t, lift + em * f, f);
        }
        if let Some(t) = &self.bottom_text {
            let (d, f) = (0.62 * bi, if round { 0.11 } else { 0.15 } * m);
            line(t, d, fit_font(t, f, 0.75 * chord(ai, bi, d)));
        }
        svg += "</g>\n</svg>\n";
        svg
    }

    pub fn image_sha256(&self) -> String {
        sha256_hex(self.render_svg().as_bytes())
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const ROUND_JSON: &str = r#"{"shape":"round","width_mm":42,"height_mm":42,"border_mm":1.2,"star":true,
        "arc_text":"广州示例科技有限公司","bottom_text":"合同专用章","seal_code":"4401060012345"}"#;
    const OVAL_JSON: &str = r#"{"shape":"oval","width_mm":40,"height_mm":30,"border_mm":1,"star":false,
        "arc_text":"广州示例科技有限公司","center_text":"91440101MA59XXXXXX","bottom_text":"发票专用章",
        "seal_code":"4401060012346"}"#;
    const ROUND_SVG: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/official_round.svg"
    ));
    const OVAL_SVG: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/invoice_oval.svg"
    ));
    /// (file, template, pinned bytes, <text> count, <polygon> count)
    const GOLDENS: [(&str, &str, &str, usize, usize); 2] = [
        ("official_round.svg", ROUND_JSON, ROUND_SVG, 11, 1),
        ("invoice_oval.svg", OVAL_JSON, OVAL_SVG, 12, 0),
    ];

    fn template(json: &str) -> SealTemplate {
        serde_json::from_str(json).unwrap()
    }

    /// OVAL_JSON with some keys replaced; renders well-formed XML whenever check() passes.
    fn patched(patch: Value) -> Result<SealTemplate, TemplateError> {
        let mut v: Value = serde_json::from_str(OVAL_JSON).unwrap();
        v.as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        let t: SealTemplate = serde_json::from_value(v).unwrap();
        t.check()?;
        roxmltree::Document::parse(&t.render_svg()).unwrap();
        Ok(t)
    }

    /// `UPDATE_GOLDEN=1 cargo test` rewrites the golden files instead of comparing.
    #[test]
    fn goldens_match_parse_and_are_deterministic() {
        for (file, json, golden, texts, polygons) in GOLDENS {
            let t = template(json);
            t.check().unwrap();
            let svg = t.render_svg();
            if std::env::var_os("UPDATE_GOLDEN").is_some() {
                let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
                std::fs::write(path, &svg).unwrap();
                continue;
            }
            assert_eq!(svg, golden, "{file} differs from the pinned golden");
            assert_eq!(svg, t.clone().render_svg());
            assert_eq!(t.image_sha256(), sha256_hex(golden.as_bytes()));
            let doc = roxmltree::Document::parse(golden).unwrap();
            let root = doc.root_element().tag_name();
            assert_eq!(
                (root.namespace(), root.name()),
                (Some("http://www.w3.org/2000/svg"), "svg")
            );
            let count = |tag| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
            assert_eq!(
                (count("text"), count("polygon")),
                (texts, polygons),
                "{file}"
            );
        }
    }

    #[test]
    fn text_is_xml_escaped() {
        let mut t = template(ROUND_JSON);
        (t.arc_text, t.bottom_text) = ("A&B<C>\"D'".into(), Some("<章>&'\"".into()));
        let svg = t.render_svg();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = doc.descendants().filter(|n| n.has_tag_name("text"));
        assert_eq!(
            texts.filter_map(|n| n.text()).collect::<String>(),
            "A&B<C>\"D'<章>&'\""
        );
        assert!(svg.contains(">&lt;章&gt;&amp;&apos;&quot;</text>"));
    }

    #[test]
    fn canonical_json_exact_bytes() {
        let oval = template(OVAL_JSON);
        let expected = r#"{"arc_text":"广州示例科技有限公司","border_mm":1,"bottom_text":"发票专用章","center_text":"91440101MA59XXXXXX","height_mm":30,"seal_code":"4401060012346","shape":"oval","star":false,"width_mm":40}"#;
        assert_eq!(String::from_utf8(oval.canonical_json()).unwrap(), expected);
        let mut t = template(ROUND_JSON);
        (t.width_mm, t.height_mm, t.border_mm, t.bottom_text) = (40.5, 40.5, 1.25, None);
        let expected = r#"{"arc_text":"广州示例科技有限公司","border_mm":1.25,"height_mm":40.5,"seal_code":"4401060012345","shape":"round","star":true,"width_mm":40.5}"#;
        assert_eq!(String::from_utf8(t.canonical_json()).unwrap(), expected);
        // Canonical JSON is itself a valid serialized template.
        assert_eq!(
            serde_json::from_slice::<SealTemplate>(&t.canonical_json()).unwrap(),
            t
        );
        assert_eq!(t.template_sha256(), sha256_hex(expected.as_bytes()));
        assert_ne!(t.template_sha256(), oval.template_sha256());
    }

    #[test]
    fn serde_rejects_unknown_fields_and_bad_shape() {
        for (key, value) in [
            ("color", json!("red")),
            ("shape", json!("square")),
            ("shape", json!("Oval")),
        ] {
            let mut v: Value = serde_json::from_str(OVAL_JSON).unwrap();
            v[key] = value;
            assert!(serde_json::from_value::<SealTemplate>(v).is_err(), "{key}");
        }
    }

    #[test]
    fn number_format_and_portable_trig() {
        let cases = [
            (40.0, 2, "40"),
            (40.5, 2, "40.5"),
            (40.25, 2, "40.25"),
            (0.1 + 0.2, 2, "0.3"),
        ];
        for (v, p, s) in cases {
            assert_eq!(fmt_num(v, p), s);
        }
        for (v, s) in [
            (-0.0001, "0"),
            (-1.2345, "-1.235"),
            (1e-9, "0"),
            (123456.7, "123456.7"),
        ] {
            assert_eq!(n(v), s);
        }
        for i in -720..=720 {
            let x = i as f64 * 0.0123;
            assert!((sin(x) - x.sin()).abs() < 1e-14 && (cos(x) - x.cos()).abs() < 1e-14);
            assert!((atan2(x, 1.3) - x.atan2(1.3)).abs() < 1e-14);
            assert!((atan2(1.1, x) - 1.1f64.atan2(x)).abs() < 1e-14);
        }
    }

    #[test]
    fn check_boundaries_and_offending_fields() {
        let wide = json!({"width_mm": 60, "height_mm": 20, "border_mm": 3, "seal_code": "123",
            "arc_text": "字".repeat(40), "center_text": "9".repeat(30)});
        patched(wide).unwrap();
        patched(json!({"width_mm": 20, "border_mm": 0.5, "seal_code": "1".repeat(19)})).unwrap();
        let bad = [
            ("width_mm", json!([19.99, 60.01, 40.125])),
            ("height_mm", json!([10, 60.5, 30.001])),
            ("border_mm", json!([0.49, 3.5, 1.005])),
            (
                "arc_text",
                json!(["", " \u{3000}", "字".repeat(41), "公司\u{0}"]),
            ),
            ("center_text", json!(["9".repeat(31), "", "\t"])),
            ("bottom_text", json!(["章".repeat(31), " ", "章\n"])),
            (
                "seal_code",
                json!(["12", "1".repeat(20), "12a45", "１２３"]),
            ),
        ];
        for (field, values) in bad {
            for value in values.as_array().unwrap() {
                let err = patched(json!({ field: value })).expect_err(field);
                assert_eq!(err.field, field, "{value}: {err}");
                assert!(err.to_string().starts_with(field));
            }
        }
        let round = patched(json!({"shape": "round"}));
        assert_eq!(round.unwrap_err().field, "height_mm");
        // JSON cannot carry non-finite numbers, but a caller-built template can.
        let mut t = template(OVAL_JSON);
        t.border_mm = f64::NEG_INFINITY;
        assert_eq!(t.check().unwrap_err().field, "border_mm");
        t.height_mm = f64::INFINITY;
        assert_eq!(t.check().unwrap_err().field, "height_mm");
        t.width_mm = f64::NAN;
        assert_eq!(t.check().unwrap_err().field, "width_mm");
    }

    #[test]
    fn extreme_sizes_give_sane_geometry() {
        let sizes = [
            ("round", 20, 20),
            ("round", 60, 60),
            ("oval", 60, 20),
            ("oval", 20, 60),
        ];
        for ((shape, w, h), border, chars) in sizes
            .into_iter()
            .flat_map(|s| [0.5, 3.0].map(|b| (s, b)))
            .flat_map(|(s, b)| [1, 2, 10, 40].map(|c| (s, b, c)))
        {
            let t = json!({"shape": shape, "width_mm": w, "height_mm": h, "border_mm": border,
                "star": true, "arc_text": "字".repeat(chars)});
            let svg = patched(t).unwrap().render_svg();
            // Numbers in every `key...end` span, e.g. font sizes and glyph positions.
            let numbers = |key: &str, end: char| -> Vec<f64> {
                let spans = svg.split(key).skip(1).map(|s| &s[..s.find(end).unwrap()]);
                spans
                    .flat_map(|s| s.split(' '))
                    .map(|x| x.parse().unwrap())
                    .collect()
            };
            assert!(
                numbers("font-size=\"", '"').iter().all(|&f| f > 0.3),
                "{svg}"
            );
            let inside = |&v: &f64| (0.0..=60.0).contains(&v);
            assert!(numbers("translate(", ')').iter().all(inside), "{svg}");
        }
    }
}
