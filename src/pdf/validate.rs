//! Validating every signature of a PDF: the byte range (and what was appended after it),
//! the CMS signature over it, the signer trusted as a seal, the signature timestamp (B-T),
//! the seal's status at the timestamp's time, and its image.
//!
//! Changes after a signature: bytes past its byte range are accepted when a later
//! signature, itself intact, covers them (a later seal, as incremental updates add them),
//! and after the last intact signature only updates that add validation data: the
//! catalog's /DSS and what it holds, nothing else changed (see [`dss_only`]). What a later
//! *signed* revision changed is not diffed object by object (pyHanko's difference analysis
//! does that): a limitation.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use lopdf::{Dictionary, Object, ObjectId};

use super::parse::{Pdf, last_startxref, parse};
use super::{IMAGE_SHA256_KEY, SEAL_ID_KEY, cms};
use crate::pki::Role;
use crate::seal::eseal::SealStatus;
use crate::seal::records;
use crate::tsa::verify_token;
use crate::verify::{
    CheckName, Reason, Report, SubIndication, Verifier, timestamp_failure, untrusted,
};
use crate::wallet::Wallet;

/// One signature dictionary as found in the file.
struct Found {
    range: [usize; 4],
    contents: Vec<u8>,
    time: Option<DateTime<Utc>>,
    image_sha256: Option<String>,
    seal_id: Option<String>,
}

/// A report per signature, in file order (one FORMAT_FAILURE report when none is found),
/// at the wallet's time, with the status and filed image of the seals it holds.
pub fn validate(bytes: &[u8], verifier: &Verifier, wallet: &Wallet) -> Vec<Report> {
    validate_at(bytes, verifier, wallet.clock.now(), Some(wallet))
}

/// [`validate`] at `now`; `seals`: the wallet whose e-seals' status and filed images are
/// checked, or `None` offline (the status check SKIPPED, as for other offline reports).
pub fn validate_at(
    bytes: &[u8],
    verifier: &Verifier,
    now: DateTime<Utc>,
    seals: Option<&Wallet>,
) -> Vec<Report> {
    let failed = |reason: Reason| {
        let mut r = Report::new("pdf_signature", now);
        r.failed(CheckName::Format, SubIndication::FormatFailure, reason);
        vec![r]
    };
    let pdf = match parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            return failed(Reason::PdfMalformed {
                detail: e.to_string(),
            });
        }
    };
    let mut found: Vec<Found> = pdf
        .doc
        .objects
        .values()
        .filter_map(|o| match o {
            Object::Dictionary(d) => Some(d),
            _ => None,
        })
        .filter_map(|d| {
            let Ok(Object::Array(br)) = d.get(b"ByteRange") else {
                return None;
            };
            let Ok(Object::String(contents, _)) = d.get(b"Contents") else {
                return None;
            };
            let v: Vec<usize> = br
                .iter()
                .filter_map(|o| match o {
                    Object::Integer(i) => usize::try_from(*i).ok(),
                    _ => None,
                })
                .collect();
            let range = <[usize; 4]>::try_from(v).ok()?;
            let text = |k: &str| match d.get(k.as_bytes()) {
                Ok(Object::String(s, _)) => String::from_utf8(s.clone()).ok(),
                _ => None,
            };
            Some(Found {
                range,
                contents: contents.clone(),
                time: text("M").and_then(|m| pdf_date(&m)),
                image_sha256: text(IMAGE_SHA256_KEY),
                seal_id: text(SEAL_ID_KEY),
            })
        })
        .collect();
    if found.is_empty() {
        return failed(Reason::PdfNoSignatures);
    }
    found.sort_by_key(|f| f.range[2] + f.range[3]);
    // Which signatures are intact over their own range (to accept later revisions).
    let intact: Vec<bool> = found
        .iter()
        .map(|f| {
            range_ok(bytes, f.range)
                && cms::check(&f.contents, &digest(bytes, f.range))
                    .is_ok_and(|c| c.digest_matches && c.signature_valid)
        })
        .collect();
    // Where the last intact signature's revision ends, and whether all that follows it
    // only adds validation data.
    let signed_end = found
        .iter()
        .zip(&intact)
        .filter(|(_, ok)| **ok)
        .map(|(f, _)| f.range[2] + f.range[3])
        .max()
        .unwrap_or(0);
    let tail = Tail {
        signed_end,
        dss_only: signed_end == bytes.len()
            || (signed_end > 0 && dss_only(&bytes[..signed_end], bytes).is_ok()),
    };
    found
        .iter()
        .map(|f| one(bytes, f, &tail, verifier, seals, now))
        .collect()
}

/// What follows the signed revisions.
struct Tail {
    /// The end of the last intact signature's byte range.
    signed_end: usize,
    /// Everything after `signed_end` only adds validation data (or there is nothing).
    dss_only: bool,
}

/// Checks that `new` is `old` plus incremental updates that only add or extend the
/// Document Security Store: the catalog changed only in /DSS, the DSS holding only /Certs,
/// /CRLs, /OCSPs and /VRI, every changed object a part of the DSS (an existing object only
/// if it already was one, never a stream), the trailer's /Root the same. Err says why not.
pub fn dss_only(old: &[u8], new: &[u8]) -> Result<(), String> {
    if !new.starts_with(old) {
        return Err("the earlier revision is not a prefix of the file".into());
    }
    // Only whole incremental updates: the file ends with one, whose cross-reference section
    // lies after the signed revision (bytes merely appended are a change).
    let body = new.trim_ascii_end();
    if !body.ends_with(b"%%EOF") {
        return Err("the file does not end with an incremental update".into());
    }
    if last_startxref(new).is_none_or(|x| x < old.len()) {
        return Err("no cross-reference section follows the signed revision".into());
    }
    let old = parse(old).map_err(|e| format!("the signed revision: {e}"))?;
    let new = parse(new).map_err(|e| format!("the file: {e}"))?;
    let root = new.root().map_err(|e| e.to_string())?;
    if old.root().map_err(|e| e.to_string())? != root {
        return Err("the catalog was replaced".into());
    }
    let (old_catalog, new_catalog) = (
        old.dict(root).map_err(|e| e.to_string())?,
        new.dict(root).map_err(|e| e.to_string())?,
    );
    let without_dss = |d: &Dictionary| {
        let mut d = d.clone();
        d.remove(b"DSS");
        d
    };
    if without_dss(old_catalog) != without_dss(new_catalog) {
        return Err("the catalog changed in more than /DSS".into());
    }
    let old_parts = dss_parts(&old, old_catalog)?;
    let new_parts = dss_parts(&new, new_catalog)?;
    for (id, obj) in &new.doc.objects {
        match old.doc.objects.get(id) {
            Some(before) if before == obj => {}
            Some(_) => {
                let container = new_parts.containers.contains(id)
                    && old_parts.containers.contains(id)
                    && !matches!(obj, Object::Stream(_));
                if *id != root && !container {
                    return Err(format!("object {} {} was changed", id.0, id.1));
                }
            }
            None => {
                let xref = matches!(obj, Object::Stream(st)
                    if st.dict.get(b"Type").ok() == Some(&Object::Name(b"XRef".to_vec())));
                if !xref && !new_parts.containers.contains(id) && !new_parts.leaves.contains(id) {
                    return Err(format!(
                        "object {} {} was added outside the DSS",
                        id.0, id.1
                    ));
                }
            }
        }
    }
    if old
        .doc
        .objects
        .keys()
        .any(|id| !new.doc.objects.contains_key(id))
    {
        return Err("objects were removed".into());
    }
    Ok(())
}

/// The objects that make up a DSS: its dictionaries and arrays (`containers`), and the
/// streams and VRI dictionaries they name (`leaves`).
#[derive(Default)]
struct DssParts {
    containers: HashSet<ObjectId>,
    leaves: HashSet<ObjectId>,
}

fn dss_parts(pdf: &Pdf, catalog: &Dictionary) -> Result<DssParts, String> {
    let mut parts = DssParts::default();
    let mut resolve = |o: &Object, parts: &mut DssParts| -> Result<Object, String> {
        match o {
            Object::Reference(r) => {
                parts.containers.insert(*r);
                pdf.doc
                    .get_object(*r)
                    .cloned()
                    .map_err(|e| format!("object {} {}: {e}", r.0, r.1))
            }
            other => Ok(other.clone()),
        }
    };
    let Ok(dss) = catalog.get(b"DSS") else {
        return Ok(parts);
    };
    let Object::Dictionary(dss) = resolve(dss, &mut parts)? else {
        return Err("/DSS is not a dictionary".into());
    };
    // The streams of an array of references (direct or by reference).
    let streams = |o: &Object,
                   parts: &mut DssParts,
                   resolve: &mut dyn FnMut(&Object, &mut DssParts) -> Result<Object, String>|
     -> Result<(), String> {
        let Object::Array(items) = resolve(o, parts)? else {
            return Err("a DSS entry is not an array".into());
        };
        for item in &items {
            let Object::Reference(r) = item else {
                return Err("a DSS array holds a direct object".into());
            };
            match pdf.doc.get_object(*r) {
                Ok(Object::Stream(_)) => {
                    parts.leaves.insert(*r);
                }
                _ => return Err(format!("object {} {} in the DSS is not a stream", r.0, r.1)),
            }
        }
        Ok(())
    };
    for (k, v) in dss.iter() {
        match k.as_slice() {
            b"Type" => {}
            b"Certs" | b"CRLs" | b"OCSPs" => streams(v, &mut parts, &mut resolve)?,
            b"VRI" => {
                let Object::Dictionary(vri) = resolve(v, &mut parts)? else {
                    return Err("/VRI is not a dictionary".into());
                };
                for (_, entry) in vri.iter() {
                    let dict = match entry {
                        Object::Reference(r) => {
                            parts.leaves.insert(*r);
                            match pdf.doc.get_object(*r) {
                                Ok(Object::Dictionary(d)) => d.clone(),
                                _ => return Err("a VRI entry is not a dictionary".into()),
                            }
                        }
                        Object::Dictionary(d) => d.clone(),
                        _ => return Err("a VRI entry is not a dictionary".into()),
                    };
                    for (k, v) in dict.iter() {
                        match k.as_slice() {
                            b"Type" | b"TU" => {}
                            b"Cert" | b"CRL" | b"OCSP" => streams(v, &mut parts, &mut resolve)?,
                            b"TS" => match v {
                                Object::Reference(r)
                                    if matches!(pdf.doc.get_object(*r), Ok(Object::Stream(_))) =>
                                {
                                    parts.leaves.insert(*r);
                                }
                                _ => return Err("a VRI /TS is not a stream".into()),
                            },
                            other => {
                                return Err(format!(
                                    "unexpected key /{} in a VRI entry",
                                    String::from_utf8_lossy(other)
                                ));
                            }
                        }
                    }
                }
            }
            other => {
                return Err(format!(
                    "unexpected key /{} in the DSS",
                    String::from_utf8_lossy(other)
                ));
            }
        }
    }
    Ok(parts)
}

fn range_ok(bytes: &[u8], r: [usize; 4]) -> bool {
    r[0] == 0
        && r[1] < r[2]
        && r[2].checked_add(r[3]).is_some_and(|end| end <= bytes.len())
        && bytes.get(r[1]) == Some(&b'<')
        && bytes.get(r[2] - 1) == Some(&b'>')
}

fn digest(bytes: &[u8], r: [usize; 4]) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&bytes[r[0]..r[1]]);
    ctx.update(&bytes[r[2]..r[2] + r[3]]);
    ctx.finish().as_ref().to_vec()
}

fn sha256(b: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, b)
        .as_ref()
        .to_vec()
}

fn one(
    bytes: &[u8],
    f: &Found,
    tail: &Tail,
    verifier: &Verifier,
    seals: Option<&Wallet>,
    now: DateTime<Utc>,
) -> Report {
    let mut r = Report::new("pdf_signature", now);
    if !verifier.check_trust_list(&mut r, now) {
        return r;
    }
    if !range_ok(bytes, f.range) {
        r.failed(
            CheckName::Format,
            SubIndication::FormatFailure,
            Reason::PdfByteRangeInvalid,
        );
        return r;
    }
    let checked = match cms::check(&f.contents, &digest(bytes, f.range)) {
        Ok(c) => c,
        Err(detail) => {
            r.failed(
                CheckName::Format,
                SubIndication::FormatFailure,
                Reason::PdfMalformed { detail },
            );
            return r;
        }
    };
    r.passed(CheckName::Format, Reason::PdfFormatOk);
    let cert = match verifier.trusted_signer(&checked.chain, Role::SealSigner) {
        Ok(c) => c,
        Err(why) => {
            untrusted(&mut r, why, |detail| Reason::SealChainUntrusted { detail });
            return r;
        }
    };
    r.passed(
        CheckName::SigningCertificate,
        Reason::SealedWith { cert: cert.clone() },
    );
    if !checked.signature_valid || !checked.signing_certificate_matches {
        r.failed(
            CheckName::Signature,
            SubIndication::SigCryptoFailure,
            Reason::SealSignatureMismatch,
        );
        return r;
    }
    r.passed(CheckName::Signature, Reason::SealSignatureValid);
    let covered = f.range[2] + f.range[3];
    let accepted = covered == bytes.len() || (tail.dss_only && covered <= tail.signed_end);
    if !checked.digest_matches || !accepted {
        r.failed(
            CheckName::DocumentHash,
            SubIndication::HashFailure,
            Reason::PdfChangedAfterSigning {
                covered,
                total: bytes.len(),
            },
        );
        return r;
    }
    let total = bytes.len();
    r.passed(
        CheckName::DocumentHash,
        if covered < total && covered == tail.signed_end {
            Reason::PdfSignedRevisionThenDss { covered, total }
        } else {
            Reason::PdfSignedRevision { covered, total }
        },
    );
    // B-T: the timestamp's time is when the signature is known to have existed.
    let stamped = match checked.timestamp_tokens.first() {
        None => {
            r.skipped(CheckName::SignatureTimestamp, Reason::PdfNoTimestamp);
            None
        }
        Some(token) => {
            match verify_token(token, &sha256(&checked.signature_value), &verifier.trust) {
                Ok(info) => {
                    r.passed(
                        CheckName::SignatureTimestamp,
                        Reason::PdfTimestamp {
                            at: info.gen_time.timestamp(),
                            tsa: info.tsa_subject,
                        },
                    );
                    Some(info.gen_time)
                }
                Err(e) => {
                    let (sub, reason) = timestamp_failure(e);
                    r.failed(CheckName::SignatureTimestamp, sub, reason);
                    return r;
                }
            }
        }
    };
    let signed_at = stamped.or(f.time).unwrap_or(now);
    let t = signed_at.timestamp();
    if t < cert.window.0 || t > cert.window.1 {
        r.failed(
            CheckName::CertificateValidity,
            SubIndication::Expired,
            match stamped {
                Some(_) => Reason::SealCertificateNotValidAtTimestamp { at: t },
                None => Reason::SealCertificateNotValidAtSigning { signed_at: t },
            },
        );
        return r;
    }
    r.passed(
        CheckName::CertificateValidity,
        match stamped {
            Some(_) => Reason::SealCertificateValidAtTimestamp { at: t },
            None => Reason::SealCertificateValidAtSigning { signed_at: t },
        },
    );
    match seals {
        Some(wallet) => seal_status(&mut r, f, wallet, signed_at, stamped.is_some()),
        None => r.skipped(CheckName::CredentialStatus, Reason::StatusOffline),
    }
    r
}

/// The e-seal as this node holds it: its status at and after signing, and its filed image.
/// `stamped`: `signed_at` is a timestamp's time (else the time the signer claims).
fn seal_status(
    r: &mut Report,
    f: &Found,
    wallet: &Wallet,
    signed_at: DateTime<Utc>,
    stamped: bool,
) {
    let seal_id = f.seal_id.clone().unwrap_or_default();
    // A scan of this node's e-seals (a seal of another region is not known here).
    let seal = records::all(wallet)
        .ok()
        .and_then(|all| all.into_iter().find(|s| s.id == seal_id));
    let Some(seal) = seal else {
        r.warning(
            CheckName::ESealCredential,
            Reason::PdfSealUnknown { seal_id },
        );
        return;
    };
    match (seal.status, seal.revoked_at) {
        (SealStatus::Active, _) => r.passed(CheckName::CredentialStatus, Reason::PdfSealActive),
        // Whole seconds: a revocation in the timestamp's second counts as before it.
        (_, Some(at)) if at.timestamp() > signed_at.timestamp() => r.warning(
            CheckName::CredentialStatus,
            if stamped {
                Reason::PdfSealRevokedAfterTimestamp {
                    revoked_at: at.timestamp(),
                    timestamp: signed_at.timestamp(),
                }
            } else {
                Reason::PdfSealRevokedAfterSigning {
                    revoked_at: at.timestamp(),
                }
            },
        ),
        (_, at) => {
            let revoked_at = at.map_or(0, |a| a.timestamp());
            r.failed(
                CheckName::CredentialStatus,
                SubIndication::Revoked,
                if stamped {
                    Reason::PdfSealRevokedBeforeTimestamp {
                        revoked_at,
                        timestamp: signed_at.timestamp(),
                    }
                } else {
                    Reason::PdfSealRevokedBeforeSigning { revoked_at }
                },
            );
            return;
        }
    }
    match &f.image_sha256 {
        Some(img) if *img == seal.image_sha256 => r.passed(
            CheckName::PoliceFiling,
            Reason::PdfSealImageFiled {
                image_sha256: img.clone(),
                filing_id: seal.filing_id.clone(),
            },
        ),
        other => {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::SigConstraintsFailure,
                Reason::PdfSealImageMismatch {
                    signed: other.clone().unwrap_or_default(),
                    filed: seal.image_sha256.clone(),
                },
            );
        }
    }
}

/// `D:YYYYMMDDHHmmSS` (the offset that follows is taken as UTC, which is what we write).
fn pdf_date(m: &str) -> Option<DateTime<Utc>> {
    let digits = m.strip_prefix("D:")?.get(..14)?;
    NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S")
        .ok()
        .map(|n| n.and_utc())
}
