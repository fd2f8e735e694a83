//! A regional CA loaded with its key, to issue certificates at run time (company seals) and
//! to sign its CRL. After a CA rollover the earlier CAs are loaded too, only to sign their
//! own CRLs: the seal certificates they issued stay valid, and revocable, until they expire.

use std::fs;
use std::path::Path;

use rcgen::{CrlDistributionPoint, DistinguishedName, DnType, Issuer, KeyPair, KeyUsagePurpose};
use time::{Duration, OffsetDateTime};

use super::create::{base_params, load_issuer, push_country, subject_value};
use super::crl::{self, DEV_PUBLIC_URL, Revoked};
use super::files::{io_err, read_pem_der, read_to_string};
use super::{PkiError, Role, ext, kid_of};
use crate::domain::RegionCode;

struct Ca {
    kid: String,
    der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

pub struct RegionCa {
    current: Ca,
    /// Earlier CAs of the region (`ca.<kid>.crt` with `ca.<kid>.key`).
    previous: Vec<Ca>,
    pub region: RegionCode,
    pub ca_pem: String,
    /// The node's base URL, named in the CRL distribution point of what it issues.
    crl_base: String,
}

impl RegionCa {
    pub fn load(dir: &Path, region: &RegionCode) -> Result<Self, PkiError> {
        let rdir = dir.join(region.as_str());
        let crt = rdir.join("ca.crt");
        let load = |crt: &Path, key: &Path| -> Result<Ca, PkiError> {
            let der = read_pem_der(crt)?;
            Ok(Ca {
                kid: kid_of(&der),
                issuer: load_issuer(crt, key)?,
                der,
            })
        };
        let mut previous = Vec::new();
        let mut names: Vec<String> = fs::read_dir(&rdir)
            .map_err(io_err(&rdir))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("ca.") && n.ends_with(".key") && n != "ca.key")
            .collect();
        names.sort();
        for key in names {
            let stem = key.trim_end_matches(".key");
            let old_crt = rdir.join(format!("{stem}.crt"));
            if old_crt.exists() {
                previous.push(load(&old_crt, &rdir.join(&key))?);
            }
        }
        Ok(RegionCa {
            current: load(&crt, &rdir.join("ca.key"))?,
            previous,
            region: *region,
            ca_pem: read_to_string(&crt)?,
            crl_base: DEV_PUBLIC_URL.to_string(),
        })
    }

    /// The base URL named in CRL distribution points of certificates issued from now on.
    pub fn set_public_url(&mut self, url: &str) {
        self.crl_base = url.trim_end_matches('/').to_string();
    }

    /// The kid of the CA that issues now.
    pub fn kid(&self) -> &str {
        &self.current.kid
    }

    /// Issues a certificate for `role` to a public key generated elsewhere (a seal key).
    /// Returns the certificate PEM.
    pub fn issue(
        &self,
        role: Role,
        subject: &[(DnType, String)],
        public_key: &KeyPair,
        days: i64,
    ) -> Result<String, PkiError> {
        let mut params = base_params(public_key, "", "", Some(&self.region), days)?;
        let mut dn = DistinguishedName::new();
        push_country(&mut dn);
        dn.push(DnType::OrganizationalUnitName, self.region.as_str());
        for (t, v) in subject {
            dn.push(t.clone(), subject_value(t, v));
        }
        params.distinguished_name = dn;
        // A seal commits its legal person to the content it seals: contentCommitment
        // (nonRepudiation) with digitalSignature (ETSI EN 319 412-3 §4.3.1, type F).
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        params.extended_key_usages = ext::purposes(role);
        params.custom_extensions = vec![
            ext::certificate_policies(&ext::SEAL_POLICY),
            ext::ca_issuers(&ca_cert_uri(
                &self.crl_base,
                &self.region,
                &self.current.kid,
            )),
        ];
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![crl::region_crl_uri(
                &self.crl_base,
                &self.region,
                &self.current.kid,
            )],
        }];
        Ok(params.signed_by(public_key, &self.current.issuer)?.pem())
    }

    /// The signed CRL (DER) of this region's CA `ca_kid` (the current one when `None`),
    /// listing those of `revoked` it issued; `None` if the region has no such CA.
    pub fn crl(
        &self,
        ca_kid: Option<&str>,
        revoked: &[Revoked<'_>],
        now: OffsetDateTime,
        valid_for: Duration,
    ) -> Option<Result<Vec<u8>, PkiError>> {
        let ca = match ca_kid {
            None => &self.current,
            Some(k) => std::iter::once(&self.current)
                .chain(self.previous.iter())
                .find(|c| c.kid == k)?,
        };
        Some(crl::make_crl(&ca.issuer, &ca.der, revoked, now, valid_for))
    }

    /// The DER of this region's CA `ca_kid` (current or earlier), for caIssuers.
    pub fn ca_der(&self, ca_kid: &str) -> Option<&[u8]> {
        std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|c| c.kid == ca_kid)
            .map(|c| c.der.as_slice())
    }
}

/// Where a regional CA's certificate is served (DER), named in caIssuers.
pub fn ca_cert_uri(base: &str, region: &RegionCode, ca_kid: &str) -> String {
    format!("{}/v1/ca/{region}/{ca_kid}", base.trim_end_matches('/'))
}
