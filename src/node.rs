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
            ca: RegionCa::load(certs, region)?,
        })
    }
}

/// Loads the region's keys, creating a development PKI first if the folder has none.
pub fn load_or_create(
    certs: &Path,
    region: &RegionCode,
) -> Result<(RegionKeys, TrustStore), PkiError> {
    if !certs.join(region.as_str()).join("ca.crt").exists() || !certs.join("root.crt").exists() {
        let report = crate::pki::init(certs, std::slice::from_ref(region))?;
        tracing::warn!(
            certs = %certs.display(),
            region = %region,
            created = report.created.len(),
            "no PKI for this region: created a DEVELOPMENT PKI (root, regional CA, role certificates); not for production"
        );
    }
    let keys = RegionKeys::load(certs, region)?;
    let trust = TrustStore::load(certs)?;
    for (what, why) in &trust.rejected {
        tracing::warn!(certificate = %what, reason = %why, "certificate not trusted");
    }
    Ok((keys, trust))
}
