//! A compact SVG of a QR code: one `<path>`, a closed rectangle per horizontal run of dark
//! modules, in module units with relative moves. The qrcode crate's renderer writes one
//! `<rect>` per dark module (57 KB for a presentation); this is a few KB.

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
    out.push_str(r##"" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##);
    // The pen is at the start of the last run drawn (`z` returns it there).
    let (mut pen_x, mut pen_y) = (0usize, 0usize);
    let mut first = true;
    for (y, row) in colors.chunks_exact(w).enumerate() {
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
            let (rx, ry) = (start + QUIET_ZONE, y + QUIET_ZONE);
            if first {
                out.push('M');
                push_num(&mut out, rx);
                out.push(' ');
                push_num(&mut out, ry);
                first = false;
            } else {
                out.push('m');
                push_signed(&mut out, rx as isize - pen_x as isize);
                out.push(' ');
                push_num(&mut out, ry - pen_y);
            }
            (pen_x, pen_y) = (rx, ry);
            let n = x - start;
            out.push('h');
            push_num(&mut out, n);
            out.push_str("v1h-");
            push_num(&mut out, n);
            out.push('z');
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

fn push_signed(out: &mut String, n: isize) {
    if n < 0 {
        out.push('-');
    }
    push_num(out, n.unsigned_abs());
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
        let d = paths[0].attribute("d").unwrap();
        let mut grid = vec![false; side * side];
        let (mut x, mut y) = (0isize, 0isize);
        for cmd in d.split('z').filter(|c| !c.is_empty()) {
            let (mv, rest) = cmd.split_once('h').unwrap();
            let (dx, dy) = mv[1..].split_once(' ').unwrap();
            let (dx, dy): (isize, isize) = (dx.parse().unwrap(), dy.parse().unwrap());
            if mv.starts_with('M') {
                (x, y) = (dx, dy);
            } else {
                assert!(mv.starts_with('m'));
                (x, y) = (x + dx, y + dy);
            }
            let (n, tail) = rest.split_once("v1h-").unwrap();
            assert_eq!(n, tail);
            for i in 0..n.parse::<isize>().unwrap() {
                grid[(y as usize) * side + (x + i) as usize] = true;
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
        push_signed(&mut s, -42);
        assert_eq!(s, "0,7,10,123,4096,-42");
    }
}
