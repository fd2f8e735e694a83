//! Sealed PDFs through the real server: a multi-page PDF sealed (PAdES B-LT: incremental
//! update, signature timestamp from the region's TSA, then a DSS), validated by us, by
//! pyHanko (online, and AdES-style offline from the DSS alone) and by poppler's pdfsig; a
//! second company's seal on top; one changed byte caught by all three; the seal rendered
//! red where it was asked.

mod common;

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use common::pdf::*;
use common::*;
use der::{Decode, Encode};
use serde_json::Value;

/// The signature-time-stamp token (DER) of a CMS SignedData, and its TSTInfo's genTime.
fn timestamp_token(cms_der: &[u8]) -> (Vec<u8>, DateTime<Utc>) {
    let ci = cms::content_info::ContentInfo::from_der(cms_der).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    let si = sd.signer_infos.0.iter().next().unwrap();
    let attr = si
        .unsigned_attrs
        .as_ref()
        .expect("unsigned attributes")
        .iter()
        .find(|a| a.oid.to_string() == "1.2.840.113549.1.9.16.2.14")
        .expect("a signature-time-stamp");
    let token = attr.values.iter().next().unwrap().to_der().unwrap();
    let tci = cms::content_info::ContentInfo::from_der(&token).unwrap();
    let tsd: cms::signed_data::SignedData = tci.content.decode_as().unwrap();
    let tst =
        x509_tsp::TstInfo::from_der(tsd.encap_content_info.econtent.as_ref().unwrap().value())
            .unwrap();
    let secs = tst.gen_time.to_unix_duration().as_secs() as i64;
    (token, DateTime::from_timestamp(secs, 0).unwrap())
}

/// pyHanko's view of the DSS: "certs crls vri" counts, then each certificate's subject.
fn dss_contents(pdf: &Path) -> String {
    let script = "import sys\nfrom pyhanko.pdf_utils.reader import PdfFileReader\nfrom pyhanko.sign.validation.dss import DocumentSecurityStore\nd = DocumentSecurityStore.read_dss(PdfFileReader(open(sys.argv[1], 'rb')))\ncerts = list(d.load_certs())\nprint(len(certs), len(d.crls), len(d.vri_entries))\nfor c in certs: print(c.subject.human_friendly)\n";
    let (ok, out) = run(Command::new(python()).arg("-c").arg(script).arg(pdf));
    assert!(ok, "reading the DSS: {out}");
    out
}

/// pyHanko's AdES validation: from what the file holds (the DSS), with no network.
fn pyhanko_ades(root: &Path, pdf: &Path) -> (bool, String) {
    let r = run(Command::new(tool("pyhanko"))
        .args([
            "sign",
            "adesverify",
            "--pretty-print",
            "--trust-replace",
            "--trust",
        ])
        .arg(root)
        .arg(pdf));
    eprintln!("pyhanko adesverify {}: {}", pdf.display(), r.1);
    r
}

/// The report of the last signature of `pdf` shows its token's genTime (which lies between
/// `from` and `to`) as the timestamp's time, the TSA, and the certificate checked then.
/// Returns the time as reports write it.
fn shows_timestamp(report: &Value, pdf: &[u8], from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let (token, gen_time) = timestamp_token(&last_cms(pdf));
    assert!(
        (from..=to).contains(&gen_time),
        "genTime {gen_time} is not the server clock's time ({from} to {to})"
    );
    assert!(token.len() > 1000, "the token carries the TSA certificate");
    let ts = check(report, "signature_timestamp");
    assert_eq!(ts["result"], "PASSED", "{ts:#}");
    let shown = gen_time.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    assert!(
        ts["reason"].as_str().unwrap().contains(&shown),
        "our report shows the timestamp time {shown}: {ts:#}"
    );
    assert!(
        ts["reason"].as_str().unwrap().contains("时间戳服务"),
        "and the TSA: {ts:#}"
    );
    let validity = check(report, "certificate_validity");
    assert!(
        validity["reason"].as_str().unwrap().contains(&shown),
        "the certificate is checked at the timestamp's time: {validity:#}"
    );
    shown
}

#[test]
fn sealed_pdf_validates_with_us_pyhanko_and_pdfsig() {
    let mut s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (a_uscc, a_wallet, a_seal) = setup_company(
        &s,
        &auth,
        &police,
        81,
        "广州甲方科技有限公司",
        "4401000081001",
    );
    let (b_uscc, b_wallet, b_seal) = setup_company(
        &s,
        &auth,
        &police,
        82,
        "广州乙方贸易有限公司",
        "4401000082001",
    );
    let original = multi_page_pdf();
    let dir = tempfile::tempdir().unwrap();
    let root = s.certs().join("root.crt");

    // A seals page 2, centre 60 mm from the left and 80 mm from the top.
    let sealed_from = DateTime::from_timestamp(Utc::now().timestamp() - 1, 0).unwrap();
    let r = seal_pdf(
        &s,
        &a_uscc,
        &a_wallet,
        &a_seal,
        "?page=2&x_mm=60&y_mm=80&level=B-LT",
        &original,
    );
    assert_eq!(r.status(), 201);
    let sealed_to = DateTime::from_timestamp(Utc::now().timestamp() + 1, 0).unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let one = r.bytes().unwrap().to_vec();
    if let Some(keep) = std::env::var_os("ZT_PDF_KEEP") {
        std::fs::write(Path::new(&keep).join("one.pdf"), &one).unwrap();
        std::fs::copy(&root, Path::new(&keep).join("root.crt")).unwrap();
    }
    assert_eq!(
        &one[..original.len()],
        &original[..],
        "an incremental update keeps the original bytes"
    );
    let reports = validate(&s, &one);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["indication"], "TOTAL_PASSED", "{:#}", reports[0]);
    // B-T: the token's genTime (the server's clock) is the time our report shows.
    let shown = shows_timestamp(&reports[0], &one, sealed_from, sealed_to);
    // B-LT: what follows the signed revision only adds the DSS.
    let signed = signed_end(&one);
    assert!(signed < one.len(), "a DSS update follows the signature");
    assert!(
        check(&reports[0], "document_hash")["reason"]
            .as_str()
            .unwrap()
            .contains("validation data"),
        "{:#}",
        reports[0]
    );
    let one_path = dir.path().join("one.pdf");
    std::fs::write(&one_path, &one).unwrap();
    let (ok, out) = pyhanko(&root, &one_path);
    assert!(
        ok && out.contains("INTACT") && out.contains("TRUSTED"),
        "pyhanko: {out}"
    );
    assert!(
        out.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"),
        "pyhanko sees a trusted signature timestamp: {out}"
    );
    assert!(
        out.contains("EXTENDED_WITH_LTA_UPDATES") && out.contains("ACCEPTABLE_MODIFICATIONS"),
        "pyhanko accepts the DSS update: {out}"
    );
    let dss = dss_contents(&one_path);
    assert!(
        dss.starts_with("4 2 1\n"),
        "seal, CA, root, TSA; two CRLs; one VRI: {dss}"
    );
    for who in [
        "广州甲方科技有限公司 公章",
        "区域CA 440100",
        "证通国家根CA",
        "时间戳服务",
    ] {
        assert!(dss.contains(who), "{who} in the DSS: {dss}");
    }
    let db = nss_db(dir.path(), &root);
    let out = pdfsig(&db, &one_path);
    assert!(out.contains("Signature is Valid"), "pdfsig: {out}");
    // NSS accepts the seal certificate for signing with the root alone trusted.
    assert!(out.contains("Certificate is Trusted"), "pdfsig: {out}");
    // openssl's CMS verifier with its default purpose (S/MIME signing) and the root alone
    // trusted: the seal's CMS over its byte range.
    let (cms_der, content) = first_signature(&one);
    let (cms_path, content_path) = (dir.path().join("seal.p7s"), dir.path().join("signed.bin"));
    std::fs::write(&cms_path, cms_der).unwrap();
    std::fs::write(&content_path, content).unwrap();
    let (ok, out) = run(Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-out",
            "/dev/null",
            "-in",
        ])
        .arg(&cms_path)
        .arg("-content")
        .arg(&content_path)
        .arg("-CAfile")
        .arg(&root));
    assert!(
        ok && out.contains("Verification successful"),
        "openssl cms: {out}"
    );
    // The signature covers its whole revision; the DSS update after it is, as with every
    // B-LT file, not signed.
    let rev_path = dir.path().join("one-signed-revision.pdf");
    std::fs::write(&rev_path, &one[..signed]).unwrap();
    let out = pdfsig(&db, &rev_path);
    assert!(out.contains("Signature is Valid"), "pdfsig: {out}");
    assert!(out.contains("Total document signed"), "pdfsig: {out}");

    // The seal is drawn red where it was asked (150 dpi: 1 mm = 150/25.4 px).
    let prefix = dir.path().join("page");
    let (ok, out) = run(Command::new("pdftoppm")
        .args(["-r", "150", "-f", "2", "-l", "2", "-png"])
        .arg(&one_path)
        .arg(&prefix));
    assert!(ok, "{out}");
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a rendered page");
    // Kept for people to look at (not in git): the sealed PDF and its rendered page.
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/pdf");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::copy(&one_path, artifacts.join("sealed-by-a.pdf")).unwrap();
    std::fs::copy(&png, artifacts.join("sealed-by-a-page-2.png")).unwrap();
    let img = image::open(&png).unwrap().to_rgb8();
    let px = |mm: f64| (mm * 150.0 / 25.4).round() as u32;
    let red = |x: u32, y: u32| {
        let p = img.get_pixel(x, y);
        p[0] > 150 && p[1] < 90 && p[2] < 90
    };
    assert!(
        red(px(60.0), px(80.0)),
        "the star at the seal's centre is red"
    );
    // The ring: 21 mm from the centre, minus half the border.
    let ring = (px(60.0 - 20.4) - 2..=px(60.0 - 20.4) + 2).any(|x| red(x, px(80.0)));
    assert!(ring, "the ring is red");
    assert!(!red(px(150.0), px(200.0)), "elsewhere the page is not red");

    // B seals the sealed PDF (default: bottom right of the last page); both validate.
    let r = seal_pdf(&s, &b_uscc, &b_wallet, &b_seal, "?level=B-LT", &one);
    assert_eq!(r.status(), 201);
    let two = r.bytes().unwrap().to_vec();
    std::fs::write(artifacts.join("sealed-by-a-and-b.pdf"), &two).unwrap();
    let reports = validate(&s, &two);
    assert_eq!(reports.len(), 2);
    for rep in &reports {
        assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    }
    let two_path = dir.path().join("two.pdf");
    std::fs::write(&two_path, &two).unwrap();
    if let Some(keep) = std::env::var_os("ZT_PDF_KEEP") {
        std::fs::write(Path::new(&keep).join("two.pdf"), &two).unwrap();
        std::fs::copy(&root, Path::new(&keep).join("root.crt")).unwrap();
    }
    let (ok, out) = pyhanko(&root, &two_path);
    assert!(ok, "pyhanko on two signatures: {out}");
    assert_eq!(
        out.matches("TIMESTAMP_TOKEN<INTACT:TRUSTED>").count(),
        2,
        "pyhanko: {out}"
    );
    assert_eq!(
        out.matches("ACCEPTABLE_MODIFICATIONS").count(),
        2,
        "pyhanko: {out}"
    );
    let dss = dss_contents(&two_path);
    assert!(
        dss.starts_with("5 3 2\n") || dss.starts_with("5 2 2\n"),
        "B's seal certificate added, A's kept; a VRI each: {dss}"
    );
    let out = pdfsig(&db, &two_path);
    assert_eq!(
        out.matches("Signature is Valid").count(),
        2,
        "pdfsig: {out}"
    );

    // Offline, with the CLI: both signatures and their timestamps; the status not checked.
    let certs = s.certs();
    let cli = |pdf: &Path| seal_verify_cli(&certs, pdf);
    let (code, out, err) = cli(&two_path);
    assert_eq!(code, 0, "{out}{err}");
    let offline: Value = serde_json::from_str(&out).unwrap();
    let offline = offline["signatures"].as_array().unwrap();
    assert_eq!(offline.len(), 2, "{out}");
    for rep in offline {
        assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
        assert_eq!(
            check(rep, "signature_timestamp")["result"],
            "PASSED",
            "{rep:#}"
        );
        assert_eq!(
            check(rep, "credential_status")["result"],
            "SKIPPED",
            "{rep:#}"
        );
    }

    // One byte of the original content changed after sealing: caught by all three.
    let mut bad = two.clone();
    // The first page's drawing: "50 700 300 20 re" becomes "50 700 300 30 re".
    let at = bad
        .windows(5)
        .position(|w| w == b"20 re")
        .expect("the drawing");
    bad[at] = b'3';
    let reports = validate(&s, &bad);
    for rep in &reports {
        assert_eq!(rep["indication"], "TOTAL_FAILED", "{rep:#}");
        assert_eq!(rep["sub_indication"], "HASH_FAILURE", "{rep:#}");
    }
    let bad_path = dir.path().join("bad.pdf");
    std::fs::write(&bad_path, &bad).unwrap();
    let (ok, out) = pyhanko(&root, &bad_path);
    assert!(
        !ok && out.contains("INVALID") && !out.contains("INTACT"),
        "pyhanko missed the change: {out}"
    );
    let out = pdfsig(&db, &bad_path);
    assert!(
        !out.contains("Signature is Valid"),
        "pdfsig missed the change: {out}"
    );
    let (code, out, err) = cli(&bad_path);
    assert_eq!(code, 1, "the CLI catches the change too: {out}{err}");
    assert!(out.contains("HASH_FAILURE"), "{out}");

    // A's seal revoked after it sealed: its signature stays valid, with a warning.
    s.advance_clock(3600.0);
    let r = s.post(
        &format!("/v1/wallets/{a_uscc}/seals/{a_seal}/revocation"),
        Some(&auth),
        &serde_json::json!({}),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let reports = validate(&s, &two);
    assert_eq!(reports[0]["indication"], "TOTAL_PASSED", "{:#}", reports[0]);
    let warned = reports[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["result"] == "WARNING" && c["reason"].as_str().unwrap().contains("revoked"));
    assert!(warned, "{:#}", reports[0]);
    let status = check(&reports[0], "credential_status");
    assert!(
        status["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("after the signature's timestamp {shown}")),
        "revoked after the B-T time: {status:#}"
    );
    assert_eq!(reports[1]["indication"], "TOTAL_PASSED", "{:#}", reports[1]);

    // Bytes appended after the last %%EOF (no revision accounts for them): the document
    // is refused as a whole.
    let mut appended = one.clone();
    appended.extend_from_slice(b"\n% appended\n");
    let reports = validate(&s, &appended);
    assert_eq!(reports.len(), 1);
    assert_eq!(
        reports[0]["sub_indication"], "FORMAT_FAILURE",
        "{:#}",
        reports[0]
    );

    // The server gone (no CRL to fetch): pyHanko's AdES validation finds everything it
    // needs in the DSS, for both signatures, A's revocation after signing notwithstanding.
    s.stop();
    let (ok, out) = pyhanko_ades(&root, &two_path);
    assert!(ok, "pyhanko adesverify offline: {out}");
    assert_eq!(
        out.matches("The signature is judged VALID").count(),
        2,
        "pyhanko adesverify: {out}"
    );
    assert_eq!(
        out.matches("The TSA certificate is trusted").count(),
        2,
        "pyhanko adesverify: {out}"
    );
}

/// The timestamp's time is the server's injected clock, not the wall clock: a node a day
/// ahead stamps a day ahead, and our report shows that time.
#[test]
fn the_timestamp_is_the_injected_clock() {
    let s = Server::start();
    s.advance_clock(86_400.0);
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) =
        setup_company(&s, &auth, &police, 84, "广州丁方有限公司", "4401000084001");
    let from = DateTime::from_timestamp(Utc::now().timestamp() + 86_400 - 1, 0).unwrap();
    let r = seal_pdf(&s, &uscc, &wallet, &seal, "?level=B-LT", &multi_page_pdf());
    assert_eq!(r.status(), 201);
    let to = DateTime::from_timestamp(Utc::now().timestamp() + 86_400 + 1, 0).unwrap();
    let sealed = r.bytes().unwrap().to_vec();
    let reports = validate(&s, &sealed);
    assert_eq!(reports[0]["indication"], "TOTAL_PASSED", "{:#}", reports[0]);
    shows_timestamp(&reports[0], &sealed, from, to);
}

/// `pdf` with the last signature's timestamp token replaced by a genuine token of this
/// region's TSA (from `POST /v1/tsa`) over another digest. /Contents lies outside the byte
/// range and the token is an unsigned attribute: only the timestamp is wrong.
fn with_foreign_token(s: &Server, pdf: &[u8], dir: &Path) -> Vec<u8> {
    let query = dir.join("other.tsq");
    let (ok, out) = run(Command::new("openssl")
        .args(["ts", "-query", "-sha256", "-cert", "-digest"])
        .arg("ab".repeat(32))
        .arg("-out")
        .arg(&query));
    assert!(ok, "{out}");
    let r = s
        .client
        .post(s.url("/v1/tsa"))
        .header("content-type", "application/timestamp-query")
        .body(std::fs::read(&query).unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let reply = r.bytes().unwrap().to_vec();
    let resp = x509_tsp::TimeStampResp::from_der(&reply).unwrap();
    let foreign = resp.time_stamp_token.expect("granted").to_der().unwrap();

    let ci = cms::content_info::ContentInfo::from_der(&last_cms(pdf)).unwrap();
    let mut sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    let mut infos: Vec<cms::signed_data::SignerInfo> = sd.signer_infos.0.iter().cloned().collect();
    let attrs = infos[0].unsigned_attrs.as_mut().unwrap();
    let mut list: Vec<x509_cert::attr::Attribute> = attrs.iter().cloned().collect();
    list[0].values =
        der::asn1::SetOfVec::try_from(vec![der::Any::from_der(&foreign).unwrap()]).unwrap();
    *attrs = der::asn1::SetOfVec::try_from(list).unwrap();
    sd.signer_infos = cms::signed_data::SignerInfos(der::asn1::SetOfVec::try_from(infos).unwrap());
    let ci = cms::content_info::ContentInfo {
        content_type: ci.content_type,
        content: der::Any::encode_from(&sd).unwrap(),
    };
    let hexed = hex::encode_upper(ci.to_der().unwrap());
    let at = pdf.windows(11).rposition(|w| w == b"/Contents <").unwrap() + 11;
    let end = at + pdf[at..].iter().position(|&b| b == b'>').unwrap();
    assert!(hexed.len() <= end - at);
    let mut out = pdf.to_vec();
    out[at..end].fill(b'0');
    out[at..at + hexed.len()].copy_from_slice(hexed.as_bytes());
    out
}

/// A timestamp token that is genuine but covers another signature value: TOTAL_FAILED,
/// with a reason that says so (and pyHanko refuses it too).
#[test]
fn a_foreign_timestamp_token_fails() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) =
        setup_company(&s, &auth, &police, 85, "广州戊方有限公司", "4401000085001");
    let r = seal_pdf(&s, &uscc, &wallet, &seal, "?level=B-LT", &multi_page_pdf());
    assert_eq!(r.status(), 201);
    let sealed = r.bytes().unwrap().to_vec();
    let dir = tempfile::tempdir().unwrap();
    // Only the B-T revision: the DSS's VRI key names the original /Contents.
    let signed = &sealed[..signed_end(&sealed)];
    let forged = with_foreign_token(&s, signed, dir.path());
    let reports = validate(&s, &forged);
    assert_eq!(reports[0]["indication"], "TOTAL_FAILED", "{:#}", reports[0]);
    assert_eq!(
        reports[0]["sub_indication"], "HASH_FAILURE",
        "{:#}",
        reports[0]
    );
    let ts = check(&reports[0], "signature_timestamp");
    assert_eq!(ts["result"], "FAILED", "{ts:#}");
    assert!(
        ts["reason"]
            .as_str()
            .unwrap()
            .contains("covers another signature value"),
        "{ts:#}"
    );
    let path = dir.path().join("forged.pdf");
    std::fs::write(&path, &forged).unwrap();
    let (ok, out) = pyhanko(&s.certs().join("root.crt"), &path);
    assert!(
        !ok && out.contains("TIMESTAMP_TOKEN<INVALID>"),
        "pyhanko: {out}"
    );
    // The untouched revision passes.
    let reports = validate(&s, signed);
    assert_eq!(reports[0]["indication"], "TOTAL_PASSED", "{:#}", reports[0]);
}

#[test]
fn refusals_name_the_reason() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) =
        setup_company(&s, &auth, &police, 83, "广州丙方有限公司", "4401000083001");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("", b"not a pdf at all".to_vec(), "not a PDF"),
        ("", b"%PDF-1.7\n garbage".to_vec(), "malformed"),
        ("?page=9", multi_page_pdf(), "page 9"),
        ("?x_mm=1000&y_mm=10", multi_page_pdf(), "off page"),
    ];
    for (q, body, says) in cases {
        let (status, p) = problem(seal_pdf(&s, &uscc, &wallet, &seal, q, &body));
        assert_eq!(status, 422, "{p:#}");
        assert!(p.to_string().contains(says), "{says}: {p:#}");
    }
    let big = vec![b'%'; 21 * 1024 * 1024];
    let (status, _) = problem(seal_pdf(&s, &uscc, &wallet, &seal, "", &big));
    assert_eq!(status, 413);
}

/// By default a seal is B-LTA: after the DSS, a document timestamp by the region's TSA.
/// We report the seal and the document timestamp each for what it is; pyHanko and our
/// offline CLI accept both; a level we do not know is refused naming `level`.
#[test]
fn the_default_is_b_lta_with_a_document_timestamp() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) =
        setup_company(&s, &auth, &police, 86, "广州己方有限公司", "4401000086001");
    let r = seal_pdf(&s, &uscc, &wallet, &seal, "", &multi_page_pdf());
    assert_eq!(r.status(), 201);
    let sealed = r.bytes().unwrap().to_vec();
    let reports = validate(&s, &sealed);
    let kinds: Vec<&str> = reports
        .iter()
        .map(|r| r["summary"]["details"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["seal", "document_timestamp"], "{reports:#?}");
    for rep in &reports {
        assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b-lta.pdf");
    std::fs::write(&path, &sealed).unwrap();
    let (ok, out) = pyhanko(&s.certs().join("root.crt"), &path);
    assert!(ok && out.contains("INTACT"), "pyhanko: {out}");
    let (code, out, err) = seal_verify_cli(&s.certs(), &path);
    assert_eq!(code, 0, "{out}{err}");

    let (status, p) = problem(seal_pdf(
        &s,
        &uscc,
        &wallet,
        &seal,
        "?level=B-X",
        &multi_page_pdf(),
    ));
    assert_eq!(status, 422);
    assert_eq!(p["field"], "level", "{p:#}");
}

/// `zhengtong pdf extend` (POST /v1/pdf/extend): a B-LT seal gets fresh validation data and
/// an archive timestamp, twice over; every signature still validates, with us and with
/// pyHanko. A PDF with no signature, or the output over the input, is refused.
#[test]
fn pdf_extend_adds_archive_timestamps() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) =
        setup_company(&s, &auth, &police, 87, "广州庚方有限公司", "4401000087001");
    let r = seal_pdf(&s, &uscc, &wallet, &seal, "?level=B-LT", &multi_page_pdf());
    assert_eq!(r.status(), 201);
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("b-lt.pdf"), r.bytes().unwrap()).unwrap();
    let server = s.url("");
    let server = server.trim_end_matches('/');
    // `zhengtong pdf extend --server … --in FROM --out TO`: (exit code, stdout, stderr).
    let extend = |from: &str, to: &str| {
        let (from, to) = (p(from), p(to));
        run_cli(&[
            "pdf",
            "extend",
            "--server",
            server,
            "--in",
            from.to_str().unwrap(),
            "--out",
            to.to_str().unwrap(),
        ])
    };
    for (from, to) in [("b-lt.pdf", "once.pdf"), ("once.pdf", "twice.pdf")] {
        let (code, out, err) = extend(from, to);
        assert_eq!(code, 0, "{out}{err}");
    }
    let twice = std::fs::read(p("twice.pdf")).unwrap();
    let reports = validate(&s, &twice);
    let kinds: Vec<&str> = reports
        .iter()
        .map(|r| r["summary"]["details"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["seal", "document_timestamp", "document_timestamp"],
        "{reports:#?}"
    );
    for rep in &reports {
        assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    }
    let (ok, out) = pyhanko(&s.certs().join("root.crt"), &p("twice.pdf"));
    assert!(ok && out.contains("INTACT"), "pyhanko: {out}");

    std::fs::write(p("plain.pdf"), multi_page_pdf()).unwrap();
    let (code, _, err) = extend("plain.pdf", "x.pdf");
    assert_ne!(code, 0);
    assert!(err.contains("no signature"), "{err}");
    let (code, _, err) = extend("once.pdf", "once.pdf");
    assert_eq!(code, 64, "{err}");
}
