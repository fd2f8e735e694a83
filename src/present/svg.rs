//! A compact SVG of a QR code: one `<path>`, stroked one module wide, a horizontal line per
//! run of dark modules along the middle of its row (`M x y.5 h n`, then `m gap 0 h n` for the
//! row's next runs), in module units. The qrcode crate's renderer writes one `<rect>` per
//! dark module (57 KB for a version-15 presentation); this is about 9 KB.

use qrcode::{Color, QrCode};

/// Modules of light margin on each side (the QR specification's quiet zone).
pub const QUIET_ZONE: usize = 4;
/// The image is at least this many pixels a side (as the former renderer's `min_dimensions`).
const MIN_PIXELS: usize = 300;

/// The SVG of `code`, with its quiet zone, at least [`MIN_PIXELS`] wide.
pub fn render(code: &QrCode) -> String {
    let w = code.width();
    let side = w + 2 * QUIET_ZONE;
    let px = MIN_PIXELS.div_ceil(side) * side;
    let colors = code.to_colors();
    let mut out = String::with_capacity(256 + w * w);
    out.push_str(r#"<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width=""#);
    push_num(&mut out, px);
    out.push_str(r#"" height=""#);
    push_num(&mut out, px);
    out.push_str(r#"" viewBox="0 0 "#);
    push_num(&mut out, side);
    out.push(' ');
    push_num(&mut out, side);
    out.push_str(r##"" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path stroke="#000" fill="none" d=""##);
    for (y, row) in colors.chunks_exact(w).enumerate() {
        // Where the pen is on this row, once a run of it is drawn.
        let mut pen = None;
        let mut x = 0;
        while x < w {
            if row[x] != Color::Dark {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && row[x] == Color::Dark {
                x += 1;
            }
            match pen {
                None => {
                    out.push('M');
                    push_num(&mut out, start + QUIET_ZONE);
                    out.push(' ');
                    push_num(&mut out, y + QUIET_ZONE);
                    out.push_str(".5");
                }
                Some(end) => {
                    out.push('m');
                    push_num(&mut out, start - end);
                    out.push_str(" 0");
                }
            }
            out.push('h');
            push_num(&mut out, x - start);
            pen = Some(x);
        }
    }
    out.push_str(r#""/></svg>"#);
    out
}

/// Decimal digits of `n` (no allocation; `write!` costs a formatter per number).
fn push_num(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dark modules the path draws (a small reader of exactly the syntax written).
    fn modules(svg: &str) -> (usize, Vec<bool>) {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let vb: Vec<usize> = doc
            .root_element()
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        let side = vb[2];
        let paths: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("path"))
            .collect();
        assert_eq!(paths.len(), 1, "one path");
        assert_eq!(paths[0].attribute("stroke"), Some("#000"));
        let d = paths[0].attribute("d").unwrap();
        let mut grid = vec![false; side * side];
        let (mut x, mut y) = (0usize, 0usize);
        // Tokens: M x y.5 | m gap 0 | h n.
        let mut rest = d;
        while !rest.is_empty() {
            let op = rest.as_bytes()[0];
            let end = rest[1..]
                .find(['M', 'm', 'h'])
                .map_or(rest.len(), |i| i + 1);
            let arg = &rest[1..end];
            rest = &rest[end..];
            match op {
                b'M' => {
                    let (a, b) = arg.split_once(' ').unwrap();
                    x = a.parse().unwrap();
                    y = b.strip_suffix(".5").unwrap().parse().unwrap();
                }
                b'm' => {
                    let (a, b) = arg.split_once(' ').unwrap();
                    assert_eq!(b, "0");
                    x += a.parse::<usize>().unwrap();
                }
                b'h' => {
                    let n: usize = arg.parse().unwrap();
                    for i in 0..n {
                        grid[y * side + x + i] = true;
                    }
                    x += n;
                }
                _ => panic!("unexpected {:?}", op as char),
            }
        }
        (side, grid)
    }

    #[test]
    fn the_path_draws_exactly_the_dark_modules() {
        let code = QrCode::with_error_correction_level(
            "eyJraWQiOiJ4In0.eyJzdWIiOiI5MTQ0MDEwMU1BNTkwMDAwMVgifQ.c2ln".repeat(4),
            qrcode::EcLevel::M,
        )
        .unwrap();
        let svg = render(&code);
        let (side, grid) = modules(&svg);
        let w = code.width();
        assert_eq!(side, w + 8);
        for y in 0..side {
            for x in 0..side {
                let inside = (4..4 + w).contains(&x) && (4..4 + w).contains(&y);
                let dark = inside && code[(x - 4, y - 4)] == Color::Dark;
                assert_eq!(grid[y * side + x], dark, "module ({x}, {y})");
            }
        }
    }

    #[test]
    fn numbers() {
        let mut s = String::new();
        for n in [0usize, 7, 10, 123, 4096] {
            push_num(&mut s, n);
            s.push(',');
        }
        assert_eq!(s, "0,7,10,123,4096,");
    }
}
