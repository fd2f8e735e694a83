//! Validating every signature of a PDF: the byte range (and what was appended after it),
//! the CMS signature over it, the signer trusted as a seal, the seal's status and image.
//!
//! Changes after a signature: bytes past its byte range are accepted only when a later
//! signature, itself intact, covers the whole file (a later seal, as incremental updates
//! add them). What that later revision changed is not diffed object by object (pyHanko's
//! difference analysis does that): a limitation.

use chrono::{DateTime, NaiveDateTime, Utc};
use lopdf::Object;

use super::parse::parse;
use super::{IMAGE_SHA256_KEY, SEAL_ID_KEY, cms};
use crate::pki::Role;
use crate::seal::eseal::SealStatus;
use crate::seal::records;
use crate::verify::{CheckName, Reason, Report, SubIndication, Verifier, untrusted};
use crate::wallet::Wallet;

/// One signature dictionary as found in the file.
struct Found {
    range: [usize; 4],
    contents: Vec<u8>,
    time: Option<DateTime<Utc>>,
    image_sha256: Option<String>,
    seal_id: Option<String>,
}

/// A report per signature, in file order (one FORMAT_FAILURE report when none is found).
pub fn validate(bytes: &[u8], verifier: &Verifier, wallet: &Wallet) -> Vec<Report> {
    let now = wallet.clock.now();
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
    let whole_signed = found
        .iter()
        .zip(&intact)
        .any(|(f, ok)| *ok && f.range[2] + f.range[3] == bytes.len());
    found
        .iter()
        .map(|f| one(bytes, f, whole_signed, verifier, wallet, now))
        .collect()
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

fn one(
    bytes: &[u8],
    f: &Found,
    whole_signed: bool,
    verifier: &Verifier,
    wallet: &Wallet,
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
    r.passed(CheckName::Format, Reason::SealFormatOk);
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
    if !checked.digest_matches || (covered < bytes.len() && !whole_signed) {
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
    r.passed(
        CheckName::DocumentHash,
        Reason::PdfSignedRevision {
            covered,
            total: bytes.len(),
        },
    );
    let signed_at = f.time.unwrap_or(now);
    let t = signed_at.timestamp();
    if t < cert.window.0 || t > cert.window.1 {
        r.failed(
            CheckName::CertificateValidity,
            SubIndication::Expired,
            Reason::SealCertificateNotValidAtSigning { signed_at: t },
        );
        return r;
    }
    r.passed(
        CheckName::CertificateValidity,
        Reason::SealCertificateValidAtSigning { signed_at: t },
    );
    seal_status(&mut r, f, wallet, signed_at);
    r
}

/// The e-seal as this node holds it: its status at and after signing, and its filed image.
fn seal_status(r: &mut Report, f: &Found, wallet: &Wallet, signed_at: DateTime<Utc>) {
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
        (_, Some(at)) if at > signed_at => r.warning(
            CheckName::CredentialStatus,
            Reason::PdfSealRevokedAfterSigning {
                revoked_at: at.timestamp(),
            },
        ),
        (_, at) => {
            r.failed(
                CheckName::CredentialStatus,
                SubIndication::Revoked,
                Reason::PdfSealRevokedBeforeSigning {
                    revoked_at: at.map_or(0, |a| a.timestamp()),
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
