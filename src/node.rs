//! One region's node: its signing keys, its regional CA and what it trusts.

use std::path::Path;

use crate::domain::RegionCode;
use crate::pki::{PkiError, RegionCa, Role, Signer, TrustStore};

pub struct RegionKeys {
    pub region: RegionCode,
    pub licence: Signer,
    pub presentation: Signer,
    pub police: Signer,
    pub tax: Signer,
    pub status: Signer,
    /// The region's RFC 3161 timestamp authority.
    pub tsa: Signer,
    pub ca: RegionCa,
}

impl RegionKeys {
    pub fn load(certs: &Path, region: &RegionCode) -> Result<Self, PkiError> {
        let load = |role| Signer::load(certs, Some(region), role);
        Ok(RegionKeys {
            region: *region,
            licence: load(Role::LicenceIssuer)?,
            presentation: load(Role::PresentationSigner)?,
            police: load(Role::PoliceRegistry)?,
            tax: load(Role::TaxIssuer)?,
            status: load(Role::StatusListSigner)?,
            tsa: load(Role::TimeStamping)?,
            ca: RegionCa::load(certs, region)?,
        })
    }
}

/// [`load_or_create_at`] with the development public URL.
pub fn load_or_create(
    certs: &Path,
    region: &RegionCode,
) -> Result<(RegionKeys, TrustStore), PkiError> {
    load_or_create_at(certs, region, crate::pki::DEV_PUBLIC_URL)
}

/// Loads the region's keys, creating a development PKI first if the folder has none.
/// `public_url` (this node's) goes into the CRL distribution points of what is issued.
pub fn load_or_create_at(
    certs: &Path,
    region: &RegionCode,
    public_url: &str,
) -> Result<(RegionKeys, TrustStore), PkiError> {
    let rdir = certs.join(region.as_str());
    if rdir.join("ca.key").exists() && !rdir.join("ca.crt").exists() {
        // A ceremony is under way: never cover a real CA key with a development PKI.
        return Err(PkiError::Refused(format!(
            "{} holds a CA key but no CA certificate: have the root sign {}, then run `zhengtong pki region install`",
            rdir.display(),
            rdir.join("ca.csr").display()
        )));
    }
    if !rdir.join("ca.crt").exists() || !certs.join("root.crt").exists() {
        let report = crate::pki::init_at(certs, std::slice::from_ref(region), public_url)?;
        tracing::warn!(
            certs = %certs.display(),
            region = %region,
            created = report.created.len(),
            "no PKI for this region: created a DEVELOPMENT PKI (root, regional CA, role certificates); not for production"
        );
    }
    let mut keys = RegionKeys::load(certs, region)?;
    keys.ca.set_public_url(public_url);
    let trust = TrustStore::load(certs)?;
    for (what, why) in &trust.rejected {
        tracing::warn!(certificate = %what, reason = %why, "certificate not trusted");
    }
    Ok((keys, trust))
}
