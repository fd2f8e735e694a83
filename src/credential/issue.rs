//! The one place a credential's common claims are written: `iss`, `vct` (with
//! `vct#integrity`, the digest of the type metadata served there), `jti`, `iat`,
//! `nbf`, `exp`, `sub`, `credential_type`, `uscc`, `name`, `region`, `status` and (for a
//! credential bound to a key) `cnf`. Each credential type adds its own typed claims
//! ([`TypedClaims`]: the structs in this module's siblings).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::CredentialType;
use super::sdjwt::SdJwtInput;
use crate::domain::{RegionCode, Uscc};

/// The claims of one credential type, besides the common ones.
pub trait TypedClaims: Serialize {
    const TYPE: CredentialType;

    /// Claims (dotted paths) disclosed only when the holder chooses.
    fn disclosable(&self) -> Vec<String> {
        vec![]
    }
}

/// What every credential says about itself and its subject.
pub struct Common<'a> {
    pub id: &'a str,
    /// The signing key's issuer URI (`iss`), as its certificate names it.
    pub issuer: &'a str,
    /// The issuing node's public URL, where the type metadata (`vct`) is served.
    pub public_url: &'a str,
    pub region: &'a RegionCode,
    /// The company the credential is about (`sub` and `uscc`).
    pub subject: &'a Uscc,
    /// The company's registered name.
    pub name: &'a str,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The `status` claim (its entry in a status list).
    pub status: Value,
    /// The public key the holder proves possession of, as a JWK (`cnf.jwk`).
    pub holder_jwk: Option<Value>,
}

/// Why claims could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    #[error("the claims of a {0} are not a JSON object")]
    NotAnObject(&'static str),
    #[error("the {kind} claim {claim} would overwrite a common claim")]
    Collision { kind: &'static str, claim: String },
    #[error("serialising claims failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// The claims of a credential of type `T`, ready to sign as an SD-JWT VC.
pub fn claims<T: TypedClaims>(common: &Common, typed: &T) -> Result<SdJwtInput, ClaimsError> {
    let t = T::TYPE;
    let metadata = super::vct::document(t, common.public_url);
    let mut claims = json!({
        "iss": common.issuer,
        "vct": t.vct(common.public_url),
        "vct#integrity": super::vct::integrity(&metadata),
        "jti": common.id,
        "iat": common.issued_at.timestamp(),
        "nbf": common.issued_at.timestamp(),
        "exp": common.expires_at.timestamp(),
        "sub": common.subject,
        "credential_type": t.as_str(),
        "uscc": common.subject,
        "name": common.name,
        "region": common.region,
        "status": common.status,
    });
    let obj = claims
        .as_object_mut()
        .ok_or(ClaimsError::NotAnObject("credential"))?;
    if let Some(jwk) = &common.holder_jwk {
        obj.insert("cnf".into(), json!({ "jwk": jwk }));
    }
    let Value::Object(own) = serde_json::to_value(typed)? else {
        return Err(ClaimsError::NotAnObject(t.as_str()));
    };
    for (k, v) in own {
        if obj.contains_key(&k) {
            return Err(ClaimsError::Collision {
                kind: t.as_str(),
                claim: k,
            });
        }
        obj.insert(k, v);
    }
    Ok(SdJwtInput {
        claims: std::mem::take(obj),
        disclosable: typed.disclosable(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(Serialize)]
    struct Extra {
        tax_authority: &'static str,
    }
    impl TypedClaims for Extra {
        const TYPE: CredentialType = CredentialType::InvoicingRights;
    }

    #[derive(Serialize)]
    struct Clash {
        iss: &'static str,
    }
    impl TypedClaims for Clash {
        const TYPE: CredentialType = CredentialType::ESeal;
    }

    fn common<'a>(region: &'a RegionCode, uscc: &'a Uscc, jwk: Option<Value>) -> Common<'a> {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
        Common {
            id: "abc",
            issuer: "http://127.0.0.1:8080/v1/issuers/440100/tax-issuer",
            public_url: "http://node.example",
            region,
            subject: uscc,
            name: "广州示例有限公司",
            issued_at: t,
            expires_at: t + chrono::Duration::days(1),
            status: json!({"status_list": {"idx": 7, "uri": "http://x/v1/status-lists/1"}}),
            holder_jwk: jwk,
        }
    }

    /// The claim names and values the issuers wrote before there was one path.
    #[test]
    fn common_claims_are_the_ones_issued_before() {
        let region = RegionCode::parse("440100").unwrap();
        let uscc =
            Uscc::parse(&crate::domain::with_check_char("91440101MA5000077").unwrap()).unwrap();
        let jwk = json!({"kty": "EC"});
        let got = claims(
            &common(&region, &uscc, Some(jwk.clone())),
            &Extra { tax_authority: "t" },
        )
        .unwrap();
        let t = CredentialType::InvoicingRights;
        let expected = json!({
            "iss": "http://127.0.0.1:8080/v1/issuers/440100/tax-issuer",
            "vct": "http://node.example/v1/vct/invoicing_rights",
            "vct#integrity": crate::credential::vct::integrity(
                &crate::credential::vct::document(t, "http://node.example")
            ),
            "jti": "abc",
            "iat": 1772352000,
            "nbf": 1772352000,
            "exp": 1772352000 + 86400,
            "sub": uscc.as_str(),
            "credential_type": t.as_str(),
            "uscc": uscc.as_str(),
            "name": "广州示例有限公司",
            "region": "440100",
            "status": {"status_list": {"idx": 7, "uri": "http://x/v1/status-lists/1"}},
            "cnf": {"jwk": jwk},
            "tax_authority": "t",
        });
        assert_eq!(Value::Object(got.claims), expected);
        assert!(got.disclosable.is_empty());
        let unbound = claims(&common(&region, &uscc, None), &Extra { tax_authority: "t" }).unwrap();
        assert!(!unbound.claims.contains_key("cnf"));
    }

    #[test]
    fn a_typed_claim_cannot_overwrite_a_common_one() {
        let region = RegionCode::parse("440100").unwrap();
        let uscc =
            Uscc::parse(&crate::domain::with_check_char("91440101MA5000077").unwrap()).unwrap();
        assert!(matches!(
            claims(&common(&region, &uscc, None), &Clash { iss: "me" }),
            Err(ClaimsError::Collision { .. })
        ));
    }
}
