//! The roles a certificate can hold, as extended key usages.
//!
//! The OIDs live under the arc 1.3.6.1.4.1.59999.1 (a placeholder private-enterprise arc; a
//! deployment replaces it with its registered arc). rustls-webpki checks the EKU on every
//! certificate below the root, so regional CAs carry every role too.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    LicenceIssuer,
    PresentationSigner,
    PoliceRegistry,
    TaxIssuer,
    TrustListSigner,
    SealSigner,
    StatusListSigner,
    /// The region's RFC 3161 timestamp authority: its EKU is the standard id-kp-timeStamping
    /// (critical, and the only one, as RFC 3161 §2.3 wants), not one under our arc.
    TimeStamping,
}

/// DER content bytes of 1.3.6.1.4.1.59999.1 (59999 = 0x83 0xD4 0x5F in base 128).
const ARC: [u8; 9] = [0x2B, 0x06, 0x01, 0x04, 0x01, 0x83, 0xD4, 0x5F, 0x01];

/// id-kp-timeStamping (RFC 5280 §4.2.1.12).
pub const TIME_STAMPING: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 3, 8];

macro_rules! oid_der {
    ($n:expr) => {
        &[
            ARC[0], ARC[1], ARC[2], ARC[3], ARC[4], ARC[5], ARC[6], ARC[7], ARC[8], $n,
        ]
    };
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::LicenceIssuer,
        Role::PresentationSigner,
        Role::PoliceRegistry,
        Role::TaxIssuer,
        Role::TrustListSigner,
        Role::SealSigner,
        Role::StatusListSigner,
        Role::TimeStamping,
    ];

    /// Roles whose certificate each region holds a key for.
    pub const REGIONAL: [Role; 6] = [
        Role::LicenceIssuer,
        Role::PresentationSigner,
        Role::PoliceRegistry,
        Role::TaxIssuer,
        Role::StatusListSigner,
        Role::TimeStamping,
    ];

    /// Whether a certificate for this role is trusted only when the trust list names it:
    /// every role but a seal's own key (one per seal, under the regional CA).
    pub fn listed_individually(self) -> bool {
        self != Role::SealSigner
    }

    fn number(self) -> u8 {
        match self {
            Role::LicenceIssuer => 1,
            Role::PresentationSigner => 2,
            Role::PoliceRegistry => 3,
            Role::TaxIssuer => 4,
            Role::TrustListSigner => 5,
            Role::SealSigner => 6,
            Role::StatusListSigner => 7,
            Role::TimeStamping => 0,
        }
    }

    pub fn oid_components(self) -> Vec<u64> {
        match self {
            Role::TimeStamping => TIME_STAMPING.to_vec(),
            _ => vec![1, 3, 6, 1, 4, 1, 59999, 1, self.number() as u64],
        }
    }

    /// The OID's DER content bytes, as rustls-webpki's `KeyUsage::required` wants them.
    pub fn oid_der(self) -> &'static [u8] {
        match self {
            Role::LicenceIssuer => oid_der!(1),
            Role::PresentationSigner => oid_der!(2),
            Role::PoliceRegistry => oid_der!(3),
            Role::TaxIssuer => oid_der!(4),
            Role::TrustListSigner => oid_der!(5),
            Role::SealSigner => oid_der!(6),
            Role::StatusListSigner => oid_der!(7),
            Role::TimeStamping => &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08],
        }
    }

    pub fn from_oid_string(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| {
            r.oid_components()
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
                == s
        })
    }

    /// File stem of the role's certificate and key in a region folder.
    pub fn file_stem(self) -> &'static str {
        match self {
            Role::LicenceIssuer => "licence-issuer",
            Role::PresentationSigner => "presentation-signer",
            Role::PoliceRegistry => "police-registry",
            Role::TaxIssuer => "tax-issuer",
            Role::TrustListSigner => "trust-list-signer",
            Role::SealSigner => "seal-signer",
            Role::StatusListSigner => "status-list-signer",
            Role::TimeStamping => "tsa",
        }
    }

    pub fn from_file_stem(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.file_stem() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::LicenceIssuer => "营业执照签发",
            Role::PresentationSigner => "亮照出示签名",
            Role::PoliceRegistry => "印章备案",
            Role::TaxIssuer => "数电票开具",
            Role::TrustListSigner => "信任列表签名",
            Role::SealSigner => "电子印章",
            Role::StatusListSigner => "状态列表签名",
            Role::TimeStamping => "时间戳服务",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_matches_components() {
        for role in Role::ALL {
            let oid = x509_parser::oid_registry::Oid::new(role.oid_der().into());
            let dotted = role
                .oid_components()
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".");
            assert_eq!(oid.to_id_string(), dotted);
            assert_eq!(Role::from_oid_string(&dotted), Some(role));
        }
    }
}
