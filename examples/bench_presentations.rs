//! Presentations verified per second (every offline check) against bare ring ECDSA P-256
//! verifications per second; presentations minted per second with the QR SVG against the
//! qrcode crate's own encode rate (the floor: a mint encodes the QR once), measured in the
//! same run, and minted with no image, the PNG, both.
//!
//! cargo run --release --example bench_presentations [-- SECONDS_PER_FIGURE]

use std::time::{Duration, Instant};

use chrono::Utc;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use zhengtong::credential::{CredentialType, jws};
use zhengtong::domain::{
    CompanyRecord, CompanyRequest, LegalRepresentativeRequest, RegionCode, Uscc,
};
use zhengtong::pki::{self, Role, Signer, TrustStore};
use zhengtong::present::{self, qr};
use zhengtong::verify::{Indication, Verifier};
use zhengtong::wallet::{CredentialStatus, StoredCredential};

/// Runs `f` repeatedly for about `secs` seconds; returns operations per second.
fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    for _ in 0..50 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let region = RegionCode::parse("440100").unwrap();
    pki::init(dir.path(), &[region]).expect("pki init");
    let signer = Signer::load(dir.path(), Some(&region), Role::PresentationSigner).unwrap();
    let verifier = Verifier::new(TrustStore::load(dir.path()).unwrap());

    let uscc = zhengtong::domain::with_check_char("91440101MA5900001").unwrap();
    let record = CompanyRecord::parse(
        &CompanyRequest {
            uscc: uscc.clone(),
            name: "广州天河示例智能科技研发有限公司".into(),
            legal_representative: LegalRepresentativeRequest {
                name: "张三".into(),
                id_number: "11010519491231002X".into(),
            },
            registered_capital_fen: 100_000_000,
            address: "广州市天河区".into(),
            business_scope: "软件开发".into(),
            established_on: "2024-03-01".into(),
        },
        Utc::now().date_naive(),
    )
    .unwrap();
    let credential = StoredCredential {
        id: zhengtong::credential::new_id(),
        uscc: Uscc::parse(&uscc).unwrap(),
        kind: CredentialType::BusinessLicense,
        status: CredentialStatus::Valid,
        issued_at: Utc::now(),
        expires_at: Utc::now() + chrono::Duration::days(365),
        sd_jwt: String::new(),
        display_name: record.name.clone(),
        revoked_at: None,
        status_ref: None,
    };
    let token = present::mint(
        &credential,
        300,
        Default::default(),
        &signer,
        chrono::Utc::now(),
    )
    .expect("claims serialise")
    .token;
    let now = Utc::now();
    assert_eq!(
        verifier.verify(&token, now, None).indication,
        Indication::TotalPassed
    );

    let full = rate(secs, || {
        let r = verifier.verify(std::hint::black_box(&token), now, None);
        assert_eq!(r.indication, Indication::TotalPassed);
    });
    let parsed = jws::Parsed::parse(&token).unwrap();
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, signer.public_key().to_vec());
    let bare = rate(secs, || {
        key.verify(
            std::hint::black_box(parsed.signing_input.as_bytes()),
            &parsed.signature,
        )
        .unwrap();
    });
    // Minting, in interleaved rounds (the machine is shared: a figure and its floor are
    // measured side by side, and each is the median of its rounds).
    let mint_as = |images: qr::Images| {
        let m = present::mint(
            &credential,
            300,
            Default::default(),
            &signer,
            chrono::Utc::now(),
        )
        .expect("claims serialise");
        std::hint::black_box(qr::render_as(&m.token, images).unwrap());
    };
    let encode = || {
        std::hint::black_box(
            qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M)
                .unwrap(),
        );
    };
    let crate_svg = || {
        let code =
            qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M)
                .unwrap();
        std::hint::black_box(
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(300, 300)
                .quiet_zone(true)
                .build(),
        );
    };
    let round = secs / 5.0;
    let mut figures: [Vec<f64>; 6] = Default::default();
    for _ in 0..5 {
        figures[0].push(rate(round, encode));
        figures[1].push(rate(round, || mint_as(qr::Images::Svg)));
        figures[2].push(rate(round, || mint_as(qr::Images::None)));
        figures[3].push(rate(round, crate_svg));
        figures[4].push(rate(round, || mint_as(qr::Images::Png)));
        figures[5].push(rate(round, || mint_as(qr::Images::Both)));
    }
    let [
        encode_rate,
        mint_svg,
        mint_token,
        crate_svg_rate,
        mint_png,
        mint_both,
    ] = figures.map(|mut f| {
        f.sort_by(f64::total_cmp);
        f[f.len() / 2]
    });
    let svg_len = qr::render_as(&token, qr::Images::Svg)
        .unwrap()
        .svg
        .map_or(0, |s| s.len());
    let crate_svg_len =
        qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M)
            .unwrap()
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(300, 300)
            .quiet_zone(true)
            .build()
            .len();
    println!(
        "presentation token: {} bytes, QR version {}",
        token.len(),
        qr::render(&token).unwrap().version
    );
    println!("presentations verified/s (all offline checks): {full:>10.0}");
    println!("bare ring ECDSA P-256 verifications/s:         {bare:>10.0}");
    println!(
        "ratio (target >= 0.90):                        {:>10.2}",
        full / bare
    );
    println!("qrcode crate encode only (the floor)/s:        {encode_rate:>10.0}");
    println!("presentations minted/s incl. QR SVG:           {mint_svg:>10.0}");
    println!(
        "ratio to the floor (target >= 0.90):           {:>10.2}",
        mint_svg / encode_rate
    );
    println!("presentations minted/s, token only:            {mint_token:>10.0}");
    println!("presentations minted/s incl. QR PNG:           {mint_png:>10.0}");
    println!("presentations minted/s incl. QR SVG and PNG:   {mint_both:>10.0}");
    println!(
        "qrcode crate encode + its own SVG renderer/s:  {crate_svg_rate:>10.0}  ({crate_svg_len} bytes; ours {svg_len} bytes)"
    );
}
