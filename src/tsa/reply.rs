//! Answering an RFC 3161 request: a TimeStampResp, granted with a token or rejected with
//! a failInfo. The request body is untrusted: every failure is a rejection, never a panic.

use der::asn1::Utf8StringRef;
use der::{Decode, Encode, Tagged};
use x509_tsp::TimeStampReq;

use super::status::{Resp, StatusInfo, fail_bit};

use super::token::{Imprint, timestamp_imprint};
use super::{TsaError, oids};
use crate::clock::Clock;
use crate::pki::Signer;

/// A TimeStampReq is about a hundred bytes; extensions may add some.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// Why a request is refused, as RFC 3161 §2.4.2 failInfo bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    BadAlg,
    BadRequest,
    BadDataFormat,
    UnacceptedPolicy,
    UnacceptedExtension,
    SystemFailure,
}

/// The DER TimeStampResp for a DER TimeStampReq.
pub fn respond(query: &[u8], signer: &Signer, clock: &Clock) -> Vec<u8> {
    match grant(query, signer, clock) {
        Ok(der) => der,
        Err((fail, text)) => rejection(fail, &text),
    }
}

fn grant(query: &[u8], signer: &Signer, clock: &Clock) -> Result<Vec<u8>, (Fail, String)> {
    if query.len() > MAX_QUERY_BYTES {
        return Err((Fail::BadRequest, "the request is too large".into()));
    }
    let req = TimeStampReq::from_der(query)
        .map_err(|e| (Fail::BadDataFormat, format!("not a DER TimeStampReq: {e}")))?;
    let alg = &req.message_imprint.hash_algorithm;
    let want = match alg.oid {
        o if o == oids::ID_SHA_256 => 32,
        o if o == oids::ID_SHA_384 => 48,
        o if o == oids::ID_SHA_512 => 64,
        o => return Err((Fail::BadAlg, format!("unsupported hash algorithm {o}"))),
    };
    // Absent or NULL parameters, as the SHA-2 identifiers have.
    if alg
        .parameters
        .as_ref()
        .is_some_and(|p| p.tag() != der::Tag::Null || !p.value().is_empty())
    {
        return Err((Fail::BadAlg, "hash algorithm with parameters".into()));
    }
    let digest = req.message_imprint.hashed_message.as_bytes();
    if digest.len() != want {
        return Err((
            Fail::BadDataFormat,
            format!("a {}-byte digest for a {want}-byte hash", digest.len()),
        ));
    }
    if req.req_policy.is_some_and(|p| p != oids::policy()) {
        return Err((Fail::UnacceptedPolicy, "this TSA has one policy".into()));
    }
    if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
        return Err((
            Fail::UnacceptedExtension,
            "no extensions are supported".into(),
        ));
    }
    let imprint = Imprint {
        algorithm: alg.clone(),
        digest: digest.to_vec(),
    };
    let token = timestamp_imprint(signer, imprint, req.nonce, req.cert_req, clock)
        .map_err(|e| (Fail::SystemFailure, e.to_string()))?;
    let resp = Resp {
        status: StatusInfo {
            status: 0,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    };
    resp.to_der().map_err(|e| {
        (
            Fail::SystemFailure,
            TsaError::Encode(e.to_string()).to_string(),
        )
    })
}

fn rejection(fail: Fail, text: &str) -> Vec<u8> {
    // PKIFailureInfo bit numbers (RFC 3161 §2.4.2).
    let bit = match fail {
        Fail::BadAlg => 0,
        Fail::BadRequest => 2,
        Fail::BadDataFormat => 5,
        Fail::UnacceptedPolicy => 15,
        Fail::UnacceptedExtension => 16,
        Fail::SystemFailure => 25,
    };
    let status_string = Utf8StringRef::new(text).ok().map(|t| vec![t]);
    let resp = Resp {
        status: StatusInfo {
            status: 2,
            status_string,
            fail_info: fail_bit(bit).ok(),
        },
        time_stamp_token: None,
    };
    // Only fixed-size values and a short text: encoding cannot fail; if it did, the fixed
    // minimal rejection (status 2, systemFailure) says so.
    resp.to_der().unwrap_or_else(|_| SYSTEM_FAILURE.to_vec())
}

/// TimeStampResp { status { rejection, failInfo systemFailure (bit 25) } }.
const SYSTEM_FAILURE: [u8; 14] = [
    0x30, 0x0c, 0x30, 0x0a, 0x02, 0x01, 0x02, 0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40,
];
