//! Tamper corpus (issue 9): real artefacts made by the real server (a QR presentation, a
//! licence SD-JWT, an e-seal SD-JWT, a seal signature over a document, a status list) and by
//! the CLI (a trust list), each mutated at every character and structurally, then offered to
//! the library's verifier in-process (the code `/v1/verify`, `/v1/signatures/validate`, the
//! status-list client and the trust-list loader run). Expected: none accepted, except the
//! classes in [`equivalent`], which change nothing a verifier relies on; each is computed.
//!
//! `ZT_FUZZ_SEEDS=fuzz cargo test --test tamper` also writes the artefacts as the fuzz seed
//! corpora (`fuzz/corpus/<target>/seed-*`) and the PKI's public certificates (`fuzz/pki`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use base64::Engine;
use chrono::{DateTime, Utc};
use common::*;
use serde_json::{Map, Value, json};
use zhengtong::b64;
use zhengtong::domain::RegionCode;
use zhengtong::pki::{Role, Signer, TrustStore};
use zhengtong::verify::{Indication, Verifier, check_status_list};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Presentation,
    Licence,
    ESeal,
    SealSignature,
    StatusList,
    TrustList,
}

const KINDS: [Kind; 6] = [
    Kind::Presentation,
    Kind::Licence,
    Kind::ESeal,
    Kind::SealSignature,
    Kind::StatusList,
    Kind::TrustList,
];

struct Fixture {
    verifier: Verifier,
    base: TrustStore,
    now: DateTime<Utc>,
    region: RegionCode,
    doc_sha256: String,
    status_uri: String,
    tokens: BTreeMap<Kind, String>,
    /// The police filing JWS inside the e-seal: one more token of another type.
    filing: String,
    /// Keys whose certificates a forger may put in `x5c`/`kid`: other roles, the other
    /// region, another PKI (label, signer).
    forgers: Vec<(String, Signer)>,
}

fn fixture(dir: &Path) -> Fixture {
    let certs = dir.join("certs");
    init_pki(&certs, "440100,310000");
    let other = dir.join("other-pki");
    init_pki(&other, "440100");
    let s = Server::start_with(tempfile::tempdir().unwrap(), Some(&certs), "440100", &[]);
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let name = "广州篡改语料示例有限公司";
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(90), name));
    let presentation = s.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let licence = w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string();
    let (_, seal) = s.official_seal(&police, &auth, &uscc, name, "4401009090");
    let eseal = seal["sd_jwt"].as_str().unwrap().to_string();
    let doc = b"%PDF-1.7 tamper corpus contract".to_vec();
    let signature = s.seal_document(&uscc, &wallet, seal["id"].as_str().unwrap(), &doc);
    let r = s.get("/v1/status-lists/1", None);
    assert_eq!(r.status(), 200);
    let status_list = r.text().unwrap();
    let tl = dir.join("trust-list.jwt");
    let (code, out, err) = run_cli(&[
        "trust-list",
        "sign",
        "--certs",
        certs.to_str().unwrap(),
        "--endpoint",
        &format!("440100={}", s.base),
        "--endpoint",
        "310000=http://127.0.0.1:9",
        "--out",
        tl.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let trust_list = std::fs::read_to_string(&tl).unwrap().trim().to_string();
    drop(s);

    let claims = zhengtong::credential::sdjwt::decode(&eseal).unwrap().claims;
    let filing = claims["police_filing"]["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let payload = |t: &str| -> Map<String, Value> {
        serde_json::from_slice(&b64::decode_url(t.split('.').nth(1).unwrap()).unwrap()).unwrap()
    };
    let status_uri = payload(&status_list)["sub"].as_str().unwrap().to_string();

    let (gz, sh) = (
        RegionCode::parse("440100").unwrap(),
        RegionCode::parse("310000").unwrap(),
    );
    let regional = [
        Role::LicenceIssuer,
        Role::PresentationSigner,
        Role::PoliceRegistry,
        Role::TaxIssuer,
        Role::StatusListSigner,
    ];
    let mut forgers = Vec::new();
    for (pki, label, regions) in [(&certs, "", vec![gz, sh]), (&other, "other PKI ", vec![gz])] {
        for region in regions {
            for role in regional {
                let signer = Signer::load(pki, Some(&region), role).unwrap();
                forgers.push((format!("{label}{region} {}", role.file_stem()), signer));
            }
        }
        let signer = Signer::load(pki, None, Role::TrustListSigner).unwrap();
        forgers.push((format!("{label}national trust-list-signer"), signer));
    }
    let base = TrustStore::load(&certs).unwrap();
    if let Some(out) = std::env::var_os("ZT_FUZZ_SEEDS") {
        write_seeds(
            Path::new(&out),
            &certs,
            &[
                ("presentation", &presentation),
                ("licence", &licence),
                ("eseal", &eseal),
                ("seal-signature", &signature),
                ("status-list", &status_list),
                ("trust-list", &trust_list),
                ("filing", &filing),
            ],
            &zhengtong::seal::sign::sha256_hex(&doc),
            &status_uri,
        );
    }
    Fixture {
        verifier: Verifier::new(base.clone()),
        base,
        now: Utc::now(),
        region: gz,
        doc_sha256: zhengtong::seal::sign::sha256_hex(&doc),
        status_uri,
        tokens: BTreeMap::from([
            (Kind::Presentation, presentation),
            (Kind::Licence, licence),
            (Kind::ESeal, eseal),
            (Kind::SealSignature, signature),
            (Kind::StatusList, status_list),
            (Kind::TrustList, trust_list),
        ]),
        filing,
        forgers,
    }
}

impl Fixture {
    fn judge(&self, kind: Kind, mt: &Mutant) -> Outcome {
        let orig = &self.tokens[&kind];
        if !self.accepts_as(kind, &mt.token) {
            return Outcome::Refused;
        }
        if let Some(why) = equivalent(kind, orig, &mt.token) {
            return Outcome::Equivalent(why);
        }
        // Not a change to this presentation but a new one, made by another region with its
        // own, trusted presentation key; the report names that region as the signer.
        if kind == Kind::Presentation && mt.class.contains("re-signed by it (other region)") {
            let r = self.verifier.verify(&mt.token, self.now, None);
            if r.summary.is_some_and(|s| s.region == "310000") {
                return Outcome::Equivalent(
                    "a new presentation by another trusted region's presentation key, named in the report",
                );
            }
        }
        Outcome::Forged
    }

    /// True when the verifier for `kind` accepts `token` as a `kind`.
    fn accepts_as(&self, kind: Kind, token: &str) -> bool {
        match kind {
            Kind::Presentation | Kind::Licence | Kind::ESeal => {
                let (subject, ty) = match kind {
                    Kind::Presentation => ("presentation", "business_license"),
                    Kind::Licence => ("credential", "business_license"),
                    _ => ("credential", "e_seal"),
                };
                let r = self.verifier.verify(token, self.now, None);
                r.indication == Indication::TotalPassed
                    && r.subject == subject
                    && r.summary.as_ref().is_some_and(|s| s.credential_type == ty)
            }
            Kind::SealSignature => {
                self.verifier
                    .verify_sealed_document(token, &self.doc_sha256, self.now, None)
                    .indication
                    == Indication::TotalPassed
            }
            Kind::StatusList => check_status_list(
                token,
                &self.status_uri,
                self.region,
                &self.verifier,
                self.now.timestamp(),
            )
            .is_ok(),
            Kind::TrustList => zhengtong::trustlist::verify(token, &self.base).is_ok(),
        }
    }
}

/// base64url that ignores padding characters and the unused low bits of the last character:
/// a decoder this lax sees "the same bytes" where a strict one may see an error.
fn lax_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let lax = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    lax.decode(s).ok()
}

/// The same compact JWS up to the encoding of its signature: the signing input (the
/// characters the signature covers) is identical and the signature decodes to the same bytes.
fn same_jws(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    a.len() == 3
        && b.len() == 3
        && a[..2] == b[..2]
        && lax_decode(a[2]).is_some()
        && lax_decode(a[2]) == lax_decode(b[2])
}

/// The classes of mutation that change nothing a verifier relies on, computed from the
/// original and the mutant. A mutant outside these that is accepted is a failure.
fn equivalent(kind: Kind, orig: &str, m: &str) -> Option<&'static str> {
    if m != orig && m.trim() == orig {
        // Verifiers trim the token (a pasted QR text ends in a newline).
        return Some("surrounding whitespace, trimmed");
    }
    let m = m.trim();
    if !matches!(kind, Kind::Licence | Kind::ESeal) {
        return (m != orig && same_jws(orig, m))
            .then_some("signature's base64url decodes to the same bytes (unused bits, padding)");
    }
    let (o, t): (Vec<&str>, Vec<&str>) = (orig.split('~').collect(), m.split('~').collect());
    if t.len() < 2 || !same_jws(o[0], t[0]) || t.last() != Some(&"") {
        return None;
    }
    let mut od: Vec<&str> = o[1..o.len() - 1].to_vec();
    let mut td: Vec<&str> = t[1..t.len() - 1].to_vec();
    if o[0] != t[0] && od == td {
        return Some("signature's base64url decodes to the same bytes (unused bits, padding)");
    }
    od.sort();
    td.sort();
    if od == td && o != t {
        // RFC 9901 §4: the disclosures' order carries no meaning.
        return Some("disclosures reordered (RFC 9901: order carries no meaning)");
    }
    // Withheld: every presented disclosure is one of the original's, none repeated.
    let mut left = od.clone();
    for d in &td {
        let i = left.iter().position(|x| x == d)?;
        left.remove(i);
    }
    (td.len() < od.len())
        .then_some("disclosures withheld (RFC 9901: the holder chooses what to disclose)")
}

struct Mutant {
    class: String,
    token: String,
}

fn m(class: &str, token: String) -> Mutant {
    Mutant {
        class: class.into(),
        token,
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SPECIAL: &[u8] = b".~=+/ \"%\\\n{}";

/// Every position once, three ways in turn: the next base64url character (the token stays
/// well-formed base64url), one bit flipped, a separator or special character. Made on
/// demand: the corpus would otherwise hold ~45,000 copies of tokens of up to 15 KB.
fn character_mutant(t: &str, i: usize) -> Mutant {
    let c = t.as_bytes()[i];
    let (class, r) = match i % 3 {
        0 => (
            "replace a character (next base64url character)",
            ALPHABET
                .iter()
                .position(|x| *x == c)
                .map_or(b'A', |p| ALPHABET[(p + 1) % ALPHABET.len()]),
        ),
        1 => ("flip one bit of a character", c ^ (1 << (i / 3 % 7))),
        _ => (
            "replace a character (separator or special)",
            SPECIAL
                .iter()
                .copied()
                .cycle()
                .skip(i / 3 % SPECIAL.len())
                .find(|x| *x != c)
                .unwrap(),
        ),
    };
    let mut v = t.as_bytes().to_vec();
    v[i] = r;
    m(class, String::from_utf8(v).unwrap())
}

fn b64_json(v: &impl serde::Serialize) -> String {
    b64::encode_url(&serde_json::to_vec(v).unwrap())
}

/// Mutations of a compact JWS's structure, algorithm and signer. `wrap` puts a mutated
/// JWS back where it was (after it, an SD-JWT's disclosures).
fn jws_mutants(f: &Fixture, jwt: &str, wrap: &dyn Fn(String) -> String) -> Vec<Mutant> {
    let p: Vec<&str> = jwt.split('.').collect();
    let (h, pl, s) = (p[0], p[1], p[2]);
    let header: Map<String, Value> = serde_json::from_slice(&b64::decode_url(h).unwrap()).unwrap();
    let mut out = vec![
        m("signature removed", format!("{h}.{pl}.")),
        m("segment dropped", format!("{h}.{pl}")),
        m("segment dropped", format!("{pl}.{s}")),
        m("segment dropped", format!("{h}.{s}")),
        m("segment added", format!("{h}.{pl}.{s}.{s}")),
        m("segment added", format!("{h}.{h}.{pl}.{s}")),
        m("header and payload swapped", format!("{pl}.{h}.{s}")),
        m(
            "signature truncated",
            format!("{h}.{pl}.{}", &s[..s.len() - 1]),
        ),
        m(
            "signature truncated",
            format!("{h}.{pl}.{}", &s[..s.len() / 2]),
        ),
        m("signature doubled", format!("{h}.{pl}.{s}{s}")),
        m("signature padded", format!("{h}.{pl}.{s}==")),
        m("payload padded", format!("{h}.{pl}=.{s}")),
        m("standard base64 instead of base64url", {
            let std = |x: &str| b64::encode_std(&b64::decode_url(x).unwrap());
            format!("{}.{}.{}", std(h), std(pl), std(s))
        }),
    ];
    for other in f.tokens.values().chain([&f.filing]) {
        let os = other.split('~').next().unwrap().split('.').nth(2).unwrap();
        if os != s {
            out.push(m("signature of another token", format!("{h}.{pl}.{os}")));
        }
    }
    let with = |edit: &dyn Fn(&mut Map<String, Value>)| {
        let mut hd = header.clone();
        edit(&mut hd);
        b64_json(&hd)
    };
    for alg in [
        json!("none"),
        json!("None"),
        json!("NONE"),
        json!("HS256"),
        json!("ES384"),
        json!("ES512"),
        json!("RS256"),
        json!("PS256"),
        json!("EdDSA"),
        json!("ES256K"),
        json!("es256"),
        json!(""),
        json!(null),
        json!(["ES256"]),
        json!(256),
    ] {
        let nh = with(&|hd| {
            hd.insert("alg".into(), alg.clone());
        });
        out.push(m("alg changed, signature kept", format!("{nh}.{pl}.{s}")));
        out.push(m("alg changed, signature removed", format!("{nh}.{pl}.")));
    }
    out.push(m("alg removed", {
        let nh = with(&|hd| {
            hd.remove("alg");
        });
        format!("{nh}.{pl}.{s}")
    }));
    // A duplicate "alg": some JSON parsers keep the first, some the last.
    let text = String::from_utf8(b64::decode_url(h).unwrap()).unwrap();
    for dup in [r#"{"alg":"none","#, r#"{"alg":"HS256","#] {
        let nh = b64::encode_url(text.replacen('{', dup, 1).as_bytes());
        out.push(m("duplicate alg in header", format!("{nh}.{pl}.{s}")));
        out.push(m("duplicate alg in header", format!("{nh}.{pl}.")));
    }
    let tail = text.trim_end_matches('}');
    for dup in [r#","alg":"none"}"#, r#","alg":"HS256"}"#] {
        let nh = b64::encode_url(format!("{tail}{dup}").as_bytes());
        out.push(m("duplicate alg in header", format!("{nh}.{pl}.{s}")));
    }
    // HS256 keyed with what a verifier knows publicly about the issuer: its key and certificate.
    let genuine = signer_cert(f, &header);
    let mut keys: Vec<Vec<u8>> = vec![];
    if let Some(der) = &genuine {
        let info = zhengtong::pki::CertInfo::parse(der).unwrap();
        keys.push(info.public_key.clone());
        keys.push(der.clone());
        keys.push(b64::encode_std(der).into_bytes());
        keys.push(
            pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()))
                .replace("\r\n", "\n")
                .into_bytes(),
        );
        keys.push(serde_json::to_vec(&zhengtong::credential::p256_jwk(&info.public_key)).unwrap());
    }
    for key in keys {
        for alg in ["HS256", "HS384", "HS512"] {
            let nh = with(&|hd| {
                hd.insert("alg".into(), json!(alg));
            });
            let input = format!("{nh}.{pl}");
            let algo = match alg {
                "HS256" => ring::hmac::HMAC_SHA256,
                "HS384" => ring::hmac::HMAC_SHA384,
                _ => ring::hmac::HMAC_SHA512,
            };
            let tag = ring::hmac::sign(&ring::hmac::Key::new(algo, &key), input.as_bytes());
            out.push(m(
                "HMAC keyed with the issuer's public key or certificate",
                format!("{input}.{}", b64::encode_url(tag.as_ref())),
            ));
        }
    }
    // Another certificate in x5c / kid: with the original signature, and re-signed by it.
    let genuine_kid = genuine.as_ref().map(|d| zhengtong::pki::kid_of(d));
    for (label, forger) in &f.forgers {
        if Some(&forger.kid) == genuine_kid.as_ref() {
            continue; // the genuine signer re-signing is not a forgery
        }
        let mut hd = zhengtong::credential::jws::x5c_header(
            header.get("typ").and_then(Value::as_str).unwrap_or(""),
            forger,
        );
        if !header.contains_key("typ") {
            hd.remove("typ");
        }
        if !header.contains_key("x5c") {
            hd.remove("x5c"); // a presentation names its signer by kid only
        }
        let nh = b64_json(&{
            let mut x = hd.clone();
            x.insert("alg".into(), json!("ES256"));
            x
        });
        out.push(m(
            &format!("signer swapped, signature kept ({})", group(label)),
            format!("{nh}.{pl}.{s}"),
        ));
        let payload = b64::decode_url(pl).unwrap();
        out.push(m(
            &format!("signer swapped, re-signed by it ({})", group(label)),
            zhengtong::credential::jws::sign(hd, &payload, forger),
        ));
        if header.contains_key("x5c") {
            // Only the x5c swapped; kid kept; and the forger's leaf under the genuine CA.
            let nh = with(&|hd| {
                hd.insert(
                    "x5c".into(),
                    json!(
                        forger
                            .chain
                            .iter()
                            .map(|d| b64::encode_std(d))
                            .collect::<Vec<_>>()
                    ),
                );
            });
            out.push(m(
                &format!("x5c swapped, kid kept ({})", group(label)),
                format!("{nh}.{pl}.{s}"),
            ));
        }
    }
    if let Some(Value::Array(x5c)) = header.get("x5c") {
        let variants: Vec<(&str, Value)> = vec![
            ("x5c removed", Value::Null),
            ("x5c emptied", json!([])),
            ("x5c leaf only", json!([x5c[0]])),
            ("x5c reversed", json!(x5c.iter().rev().collect::<Vec<_>>())),
            ("x5c leaf twice", json!([x5c[0], x5c[0]])),
            ("x5c not base64", json!(["not base64!"])),
        ];
        for (class, v) in variants {
            let nh = with(&|hd| {
                if v.is_null() {
                    hd.remove("x5c");
                } else {
                    hd.insert("x5c".into(), v.clone());
                }
            });
            out.push(m(class, format!("{nh}.{pl}.{s}")));
        }
    }
    for (class, edit) in [
        ("typ changed", json!({"typ": "JWT"})),
        ("typ removed", json!({"typ": null})),
        (
            "kid changed",
            json!({"kid": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        ),
        ("crit header added", json!({"crit": ["exp"]})),
        (
            "jku header added",
            json!({"jku": "http://127.0.0.1:9/keys"}),
        ),
    ] {
        let nh = with(&|hd| {
            for (k, v) in edit.as_object().unwrap() {
                if v.is_null() {
                    hd.remove(k);
                } else {
                    hd.insert(k.clone(), v.clone());
                }
            }
        });
        out.push(m(class, format!("{nh}.{pl}.{s}")));
    }
    for x in &mut out {
        x.token = wrap(std::mem::take(&mut x.token));
    }
    out
}

/// "other role", "other region", "other PKI": how far the swapped signer is from the genuine.
fn group(label: &str) -> &'static str {
    if label.starts_with("other PKI") {
        "other PKI"
    } else if label.starts_with("310000") {
        "other region"
    } else {
        "other role"
    }
}

/// The DER certificate that signed a JWS with this header: its x5c leaf or its kid's.
fn signer_cert(f: &Fixture, header: &Map<String, Value>) -> Option<Vec<u8>> {
    if let Some(leaf) = header
        .get("x5c")
        .and_then(|x| x.get(0))
        .and_then(Value::as_str)
    {
        return b64::decode_std(leaf);
    }
    let kid = header.get("kid")?.as_str()?;
    f.verifier.trust.by_kid(kid).map(|t| t.info.der.clone())
}

/// Structural mutations of an SD-JWT's disclosures.
fn sd_jwt_mutants(f: &Fixture, token: &str, other: &str) -> Vec<Mutant> {
    let parts: Vec<&str> = token.split('~').collect();
    let jwt = parts[0];
    let ds: Vec<&str> = parts[1..parts.len() - 1].to_vec();
    let join = |ds: &[&str]| {
        let mut s = jwt.to_string();
        for d in ds {
            s.push('~');
            s.push_str(d);
        }
        s.push('~');
        s
    };
    if ds.is_empty() {
        return vec![
            m("final '~' removed", jwt.to_string()),
            m("empty disclosure", format!("{jwt}~~")),
            m("key-binding JWT appended", format!("{token}{jwt}")),
            m(
                "disclosure of another credential added",
                format!("{token}{}", other.split('~').nth(1).unwrap_or("x")),
            ),
        ];
    }
    let mut out = vec![
        m("disclosures withheld", join(&[])),
        m(
            "disclosures reordered",
            join(&ds.iter().rev().copied().collect::<Vec<_>>()),
        ),
        m("disclosures reordered", {
            let mut r = ds.clone();
            r.rotate_left(1);
            join(&r)
        }),
        m("final '~' removed", token.trim_end_matches('~').to_string()),
        m(
            "empty disclosure",
            join(&[&ds[..1], &[""], &ds[1..]].concat()),
        ),
        m(
            "key-binding JWT appended",
            format!("{token}{}", f.tokens[&Kind::Presentation]),
        ),
        m("key-binding JWT appended", format!("{token}{jwt}")),
        m("issuer JWT twice", format!("{jwt}~{token}")),
        m("disclosure before the issuer JWT", {
            let mut s = format!("{}~{jwt}", ds[0]);
            for d in &ds[1..] {
                s.push('~');
                s.push_str(d);
            }
            s + "~"
        }),
    ];
    let other_ds: Vec<&str> = other.split('~').skip(1).filter(|d| !d.is_empty()).collect();
    for d in &other_ds {
        out.push(m(
            "disclosure of another credential added",
            join(&[&ds[..], &[d]].concat()),
        ));
    }
    out.push(m(
        "issuer JWT with another credential's disclosures",
        join(&other_ds),
    ));
    for i in 0..ds.len() {
        let mut without = ds.clone();
        without.remove(i);
        out.push(m("disclosures withheld", join(&without)));
        let mut dup = ds.clone();
        dup.insert(i, ds[i]);
        out.push(m("disclosure duplicated", join(&dup)));
        for (class, damaged) in [
            ("disclosure damaged into a KB-JWT look-alike ('.')", {
                let mut d = ds[i].to_string();
                d.replace_range(3..4, ".");
                d
            }),
            (
                "disclosure damaged into a KB-JWT look-alike ('.')",
                format!("{}.", ds[i]),
            ),
            (
                "disclosure damaged into a KB-JWT look-alike ('.')",
                format!("{}.{}.{}", ds[i], ds[i], ds[i]),
            ),
            ("disclosure padded", format!("{}=", ds[i])),
            (
                "disclosure re-encoded with another value",
                reencode(ds[i], |a| a[2] = json!("篡改")),
            ),
            (
                "disclosure re-encoded with another name",
                reencode(ds[i], |a| a[1] = json!("iss")),
            ),
            (
                "disclosure re-encoded with another salt",
                reencode(ds[i], |a| a[0] = json!("AAAA")),
            ),
            (
                "disclosure re-encoded as an array element",
                reencode(ds[i], |a| {
                    a.remove(1);
                }),
            ),
        ] {
            let mut v = ds.clone();
            v[i] = &damaged;
            out.push(m(class, join(&v)));
        }
    }
    out
}

/// A disclosure decoded, edited as its JSON array, encoded again (its digest changes).
fn reencode(d: &str, edit: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut a: Vec<Value> = serde_json::from_slice(&b64::decode_url(d).unwrap()).unwrap();
    edit(&mut a);
    b64_json(&a)
}

/// The structural mutants of one artefact (the character mutants are made on demand).
fn structural_mutants(f: &Fixture, kind: Kind) -> Vec<Mutant> {
    let token = &f.tokens[&kind];
    let mut out = vec![];
    out.push(m("surrounding whitespace", format!(" {token}\n")));
    match kind {
        Kind::Licence | Kind::ESeal => {
            let (jwt, rest) = token.split_once('~').unwrap();
            let rest = rest.to_string();
            out.extend(jws_mutants(f, jwt, &|j| format!("{j}~{rest}")));
            let other = &f.tokens[&if kind == Kind::Licence {
                Kind::ESeal
            } else {
                Kind::Licence
            }];
            out.extend(sd_jwt_mutants(f, token, other));
        }
        _ => out.extend(jws_mutants(f, token, &|j| j)),
    }
    // Tokens of another type or role where this one is expected, as they are, with an
    // SD-JWT's '~' added, and an SD-JWT's issuer JWT alone.
    for (other_kind, other) in &f.tokens {
        if *other_kind == kind {
            continue;
        }
        let class = format!("another type: {other_kind:?}");
        out.push(m(&class, other.clone()));
        out.push(m(&class, format!("{other}~")));
        out.push(m(&class, other.split('~').next().unwrap().to_string()));
    }
    out.push(m("another type: police filing", f.filing.clone()));
    out.push(m("another type: police filing", format!("{}~", f.filing)));
    out
}

enum Outcome {
    Refused,
    /// Accepted, and in this class of mutations that change nothing a verifier relies on.
    Equivalent(&'static str),
    Forged,
}

#[derive(Default)]
struct Tally {
    tried: usize,
    refused: usize,
    /// Accepted, and in an equivalence class (class name → count).
    equivalent: BTreeMap<&'static str, usize>,
    /// Accepted and not equivalent: failures (class, token).
    forged: Vec<(String, String)>,
}

#[test]
fn no_tampered_artefact_is_accepted() {
    let start = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let f = fixture(dir.path());
    let made = start.elapsed();
    for kind in KINDS {
        assert!(
            f.accepts_as(kind, &f.tokens[&kind]),
            "the original {kind:?} must be accepted"
        );
    }
    // One queue of work, shared by as many threads as there are cores: every character
    // position of every artefact, then the structural mutants.
    enum Work {
        Position(Kind, usize),
        Structural(Kind, Mutant),
    }
    let mut work: Vec<Work> = vec![];
    for k in KINDS {
        work.extend((0..f.tokens[&k].len()).map(|i| Work::Position(k, i)));
        let orig = &f.tokens[&k];
        work.extend(
            structural_mutants(&f, k)
                .into_iter()
                .filter(|mt| &mt.token != orig) // an unchanged token is no mutation
                .map(|mt| Work::Structural(k, mt)),
        );
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let outcomes: Vec<(Kind, String, Outcome, Option<String>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (f, work, next) = (&f, &work, &next);
                sc.spawn(move || {
                    let mut out = vec![];
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let (kind, made);
                        let mt = match work.get(i) {
                            None => break,
                            Some(Work::Position(k, pos)) => {
                                kind = *k;
                                made = character_mutant(&f.tokens[k], *pos);
                                &made
                            }
                            Some(Work::Structural(k, mt)) => {
                                kind = *k;
                                mt
                            }
                        };
                        let outcome = f.judge(kind, mt);
                        let keep = matches!(outcome, Outcome::Forged).then(|| mt.token.clone());
                        out.push((kind, mt.class.clone(), outcome, keep));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut tallies: BTreeMap<Kind, BTreeMap<String, Tally>> = BTreeMap::new();
    for (kind, class, outcome, token) in outcomes {
        let t = tallies
            .entry(kind)
            .or_default()
            .entry(class.clone())
            .or_default();
        t.tried += 1;
        match outcome {
            Outcome::Refused => t.refused += 1,
            Outcome::Equivalent(why) => *t.equivalent.entry(why).or_default() += 1,
            Outcome::Forged => t.forged.push((class, token.unwrap_or_default())),
        }
    }
    let (mut total, mut accepted, mut forged) = (0, 0, vec![]);
    for (kind, by_class) in &tallies {
        let n: usize = by_class.values().map(|t| t.tried).sum();
        let a: usize = by_class.values().map(|t| t.tried - t.refused).sum();
        println!("{kind:?}: {n} mutants, {a} accepted");
        for (class, t) in by_class {
            println!(
                "  {class}: {} tried, {} refused, {} accepted as equivalent {:?}, {} forged",
                t.tried,
                t.refused,
                t.equivalent.values().sum::<usize>(),
                t.equivalent,
                t.forged.len()
            );
            forged.extend(
                t.forged
                    .iter()
                    .map(|(c, tok)| (*kind, c.clone(), tok.clone())),
            );
        }
        total += n;
        accepted += a;
    }
    // The RFC 9901 freedoms must really be accepted: a verifier that refused them would be
    // wrong, and would make this test pass for the wrong reason.
    for (kind, by_class) in &tallies {
        if matches!(kind, Kind::Licence | Kind::ESeal) {
            for class in ["disclosures reordered", "disclosures withheld"] {
                let Some(t) = by_class.get(class) else {
                    continue;
                };
                assert_eq!(t.refused, 0, "{kind:?}: {class} must be accepted");
            }
        }
    }
    println!(
        "{total} mutants, {accepted} accepted (all equivalent), {} forged; artefacts made in {:.1} s, all in {:.1} s",
        forged.len(),
        made.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    assert!(total >= 10_000, "only {total} mutants");
    assert!(
        forged.is_empty(),
        "{} tampered artefacts accepted, e.g.: {:#?}",
        forged.len(),
        &forged[..forged.len().min(5)]
    );
}

/// Writes the fuzz seed corpora and the public certificates the fuzz targets trust.
fn write_seeds(out: &Path, certs: &Path, tokens: &[(&str, &str)], doc_sha256: &str, uri: &str) {
    let pki = out.join("pki");
    let _ = std::fs::remove_dir_all(&pki);
    copy_certificates(certs, &pki);
    std::fs::write(pki.join("now"), Utc::now().timestamp().to_string()).unwrap();
    std::fs::write(pki.join("status-uri"), uri).unwrap();
    let seed = |target: &str, name: &str, bytes: &[u8]| {
        let d = out.join("corpus").join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("seed-{name}")), bytes).unwrap();
    };
    let get = |n: &str| tokens.iter().find(|(k, _)| *k == n).unwrap().1;
    for (name, token) in tokens {
        let jwt = token.split('~').next().unwrap();
        seed("jws", name, jwt.as_bytes());
        seed("verify", name, token.as_bytes());
    }
    seed("sdjwt", "licence", get("licence").as_bytes());
    seed("sdjwt", "eseal", get("eseal").as_bytes());
    seed("trust_list", "trust-list", get("trust-list").as_bytes());
    let sl = get("status-list");
    seed("status_list", "status-list", sl.as_bytes());
    let payload: Value =
        serde_json::from_slice(&b64::decode_url(sl.split('.').nth(1).unwrap()).unwrap()).unwrap();
    seed(
        "status_list",
        "lst",
        payload["status_list"]["lst"].as_str().unwrap().as_bytes(),
    );
    let qr = zhengtong::present::qr::render(get("presentation")).unwrap();
    seed("qr_image", "presentation.png", qr.png.as_deref().unwrap());
    for name in ["licence", "seal-signature", "status-list", "trust-list"] {
        let header: Value =
            serde_json::from_slice(&b64::decode_url(get(name).split('.').next().unwrap()).unwrap())
                .unwrap();
        let chain: Vec<Vec<u8>> = header["x5c"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| b64::decode_std(c.as_str().unwrap()).unwrap())
            .collect();
        seed("x509", name, &chain.join(&0xFF_u8));
    }
    seed(
        "seal_validate",
        "seal-signature",
        &[get("seal-signature").as_bytes(), doc_sha256.as_bytes()].join(&0xFF_u8),
    );
    let company = company(&uscc(90), "广州篡改语料示例有限公司");
    seed(
        "requests",
        "company",
        &[&[0u8][..], &serde_json::to_vec(&company).unwrap()].concat(),
    );
    let items =
        json!([{"name": "软件服务", "quantity": "1.5", "unit_price": "12.50", "tax_rate": "6"}]);
    seed(
        "requests",
        "items",
        &[&[1u8][..], &serde_json::to_vec(&items).unwrap()].concat(),
    );
    let template = json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2,
        "star": true, "arc_text": "广州篡改语料示例有限公司", "seal_code": "4401009090"});
    seed(
        "requests",
        "template",
        &[&[2u8][..], &serde_json::to_vec(&template).unwrap()].concat(),
    );
    seed(
        "requests",
        "uscc",
        &[&[3u8][..], uscc(90).as_bytes()].concat(),
    );
}

/// Copies the `.crt` files of a certificate folder (never the keys).
fn copy_certificates(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_certificates(&p, &to.join(e.file_name()));
        } else if p.extension().is_some_and(|x| x == "crt") {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}
