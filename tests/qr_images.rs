//! Minting asks for the QR images it needs (`images`: none, svg, png, both), and the SVG is
//! one compact path that real readers read: rasterised by Chromium, read by zbarimg and by
//! the server's own reader (rqrr).

mod common;

use std::process::Command;

use common::*;
use serde_json::{Value, json};

fn mint(s: &Server, uscc: &str, wallet: &str, cid: &str, images: Option<&str>) -> Value {
    let mut body = json!({ "credential_id": cid });
    if let Some(i) = images {
        body["images"] = json!(i);
    }
    let r = s.post(
        &format!("/v1/wallets/{uscc}/presentations"),
        Some(wallet),
        &body,
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    r.json().unwrap()
}

/// The SVG drawn by a browser at 400×400, as a PNG.
fn rasterise(svg: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (svg_path, png_path) = (dir.path().join("qr.svg"), dir.path().join("qr.png"));
    std::fs::write(&svg_path, svg).unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=400,400",
        ])
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", svg_path.display()))
        .output()
        .expect("chromium (the browser tests use it too)");
    assert!(
        png_path.exists(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(png_path).unwrap()
}

fn zbarimg(png: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("qr.png");
    std::fs::write(&p, png).unwrap();
    let out = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&p)
        .output()
        .expect("zbarimg");
    assert!(out.status.success(), "zbarimg found no code");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn clients_get_the_images_they_ask_for_and_the_svg_reads() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(81), NAME16));

    let default = mint(&s, &uscc, &wallet, &cid, None);
    for (images, svg, png) in [
        ("none", false, false),
        ("svg", true, false),
        ("png", false, true),
        ("both", true, true),
    ] {
        let p = mint(&s, &uscc, &wallet, &cid, Some(images));
        assert_eq!(p["qr_svg"].is_string(), svg, "{images}: {p}");
        assert_eq!(p["qr_png_base64"].is_string(), png, "{images}: {p}");
        assert_eq!(p["qr_version"], default["qr_version"], "{images}");
        assert!(p["token"].is_string());
    }
    // The default is as before: both images.
    assert!(default["qr_svg"].is_string() && default["qr_png_base64"].is_string());

    // Refused: an unknown value, and images with an SD-JWT presentation.
    let r = s.post(
        &format!("/v1/wallets/{uscc}/presentations"),
        Some(&wallet),
        &json!({"credential_id": cid, "images": "jpeg"}),
    );
    let (status, p) = problem(r);
    assert_eq!(status, 422, "{p}");
    let r = s.post(
        &format!("/v1/wallets/{uscc}/presentations"),
        Some(&wallet),
        &json!({"credential_id": cid, "format": "sd-jwt", "nonce": "n", "aud": "a", "images": "none"}),
    );
    let (status, p) = problem(r);
    assert_eq!((status, p["field"].as_str()), (422, Some("images")), "{p}");

    // The SVG: one path (and the white background); one rect per module was 57 KB.
    let p = mint(&s, &uscc, &wallet, &cid, Some("svg"));
    let (token, svg) = (p["token"].as_str().unwrap(), p["qr_svg"].as_str().unwrap());
    assert_eq!(svg.matches("<path").count(), 1, "{svg}");
    assert_eq!(svg.matches("<rect").count(), 1, "{svg}");
    assert!(svg.len() < 12_000, "SVG of {} bytes", svg.len());
    let png = rasterise(svg);
    assert_eq!(zbarimg(&png), token, "zbarimg read the rasterised SVG");
    assert_eq!(zhengtong::present::qr::decode_image(&png).unwrap(), token);
    eprintln!(
        "QR version {}: SVG {} bytes, PNG {} bytes (base64)",
        default["qr_version"],
        svg.len(),
        default["qr_png_base64"].as_str().unwrap().len()
    );
}
