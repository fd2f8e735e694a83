//! PKIStatusInfo and TimeStampResp for encoding, with failInfo as a real BIT STRING
//! (cmpv2 0.2 declares the failInfo flags by bit index where its flag set wants masks, so
//! badAlg would encode as no bit at all).

use der::Sequence;
use der::asn1::{BitString, Utf8StringRef};
use x509_tsp::TimeStampToken;

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct StatusInfo<'a> {
    /// 0 granted, 2 rejection (RFC 3161 §2.4.2 PKIStatus).
    pub status: u8,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Utf8StringRef<'a>>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Resp<'a> {
    pub status: StatusInfo<'a>,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<TimeStampToken>,
}

/// A failInfo with the one bit `n` set (bit 0 the first), in DER: no trailing zero bits.
pub fn fail_bit(n: usize) -> der::Result<BitString> {
    let mut bytes = vec![0u8; n / 8 + 1];
    bytes[n / 8] = 0x80 >> (n % 8);
    BitString::new((7 - n % 8) as u8, bytes)
}
