//! Personal data at rest: the legal representative's ID number (PIPL) is in no file of the
//! data folder, neither as it is, nor in base64/base64url, nor inside a base64url-encoded
//! SD-JWT disclosure, after registration, a change of legal representative and an e-seal.
//! The scan is shown to find the number when it is planted.

mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};

/// An 18-character ID number with its ISO 7064 MOD 11-2 check character.
fn id_number(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!(
        "{first17}{}",
        "10X98765432".as_bytes()[(sum % 11) as usize] as char
    )
}

fn b64url(bytes: &[u8]) -> String {
    zhengtong::b64::encode_url(bytes)
}

/// Where `needle` shows up in `bytes`: as it is, in base64url / base64 (at each of the three
/// alignments), or inside any run of base64url characters that decodes to text holding it
/// (an SD-JWT disclosure, a JWS payload).
fn found_in(bytes: &[u8], needle: &str) -> Option<String> {
    let has = |hay: &[u8], n: &[u8]| hay.windows(n.len()).any(|w| w == n);
    if has(bytes, needle.as_bytes()) {
        return Some("as it is".into());
    }
    for pad in 0..3 {
        let mut shifted = vec![b'#'; pad];
        shifted.extend_from_slice(needle.as_bytes());
        let enc = b64url(&shifted);
        // Skip the characters that depend on the padding bytes and the tail.
        let core = &enc[(pad * 4).div_ceil(3)..enc.len() - 2];
        if has(bytes, core.as_bytes()) {
            return Some(format!("in base64url ({core})"));
        }
        let std = core.replace('-', "+").replace('_', "/");
        if has(bytes, std.as_bytes()) {
            return Some(format!("in base64 ({std})"));
        }
    }
    let is_b64 = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_';
    for run in bytes.split(|c| !is_b64(c)).filter(|r| r.len() >= 16) {
        for skip in 0..4 {
            let text = String::from_utf8_lossy(&run[skip..]);
            let end = text.len() - text.len() % 4;
            if let Some(decoded) = zhengtong::b64::decode_url(&text[..end])
                && has(&decoded, needle.as_bytes())
            {
                return Some(format!(
                    "in a base64url run decoding to {:.120}",
                    String::from_utf8_lossy(&decoded)
                ));
            }
        }
    }
    None
}

/// Every file under `dir` where `needle` is found, and how.
fn scan(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = vec![];
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
                if let Some(how) = found_in(&std::fs::read(&p).unwrap(), needle) {
                    hits.push(format!("{}: {how}", p.display()));
                }
            }
        }
    }
    assert!(
        files >= 3,
        "scanned only {files} files in {}",
        dir.display()
    );
    hits
}

#[test]
fn the_id_number_is_not_stored_in_the_clear() {
    let first = id_number("44010619800101123");
    let second = id_number("44010619851231456");
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let mut body = company(&uscc(1), NAME16);
    body["legal_representative"]["id_number"] = json!(first);
    let (u, wallet, _) = s.register(&auth, &body);
    s.official_seal(&police, &auth, &u, NAME16, "4401000012345");
    let r = s.post(
        &format!("/v1/companies/{u}/changes"),
        Some(&auth),
        &json!({"legal_representative": {"name": "李四", "id_number": second}}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    // The wallet still shows it to its holder (decrypted on the way out).
    let w: Value = s
        .get(&format!("/v1/wallets/{u}"), Some(&wallet))
        .json()
        .unwrap();
    let licences: Vec<&str> = w["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "business_license")
        .map(|c| c["sd_jwt"].as_str().unwrap())
        .collect();
    assert_eq!(licences.len(), 2);
    assert!(found_in(licences[0].as_bytes(), &first).is_some());
    assert!(found_in(licences[1].as_bytes(), &second).is_some());
    for l in &licences {
        assert_eq!(s.verify(l)["subject"], "credential");
    }

    let dir = s.kill_keep_dir();
    let data = dir.path().join("data");
    for n in [&first, &second] {
        let hits = scan(&data, n);
        assert!(
            hits.is_empty(),
            "the ID number {n} is stored readably:\n{}",
            hits.join("\n")
        );
    }

    // The scan can fail: planted as it is, and as a licence (its disclosure in base64url).
    std::fs::write(data.join("planted-raw"), format!("x{first}y")).unwrap();
    assert_eq!(scan(&data, &first).len(), 1);
    std::fs::remove_file(data.join("planted-raw")).unwrap();
    std::fs::write(data.join("planted-licence"), licences[0]).unwrap();
    let hits = scan(&data, &first);
    assert!(hits.len() == 1 && hits[0].contains("base64url"), "{hits:?}");
    std::fs::remove_file(data.join("planted-licence")).unwrap();

    // And the server reads what it wrote after a restart.
    let s = Server::start_with(dir, None, "440100", &[]);
    let r = s.get(&format!("/v1/wallets/{u}"), Some(&wallet));
    assert_eq!(r.status(), 200);
}
