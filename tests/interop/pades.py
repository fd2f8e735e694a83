"""Keys and certificates for PAdES interop tests (no zhengtong code here): a partner's
signer as another tool would be set up, to sign PDFs with pyHanko.

  pades.py issue KIND OUT_DIR NAME CA_CERT CA_KEY CDP_FROM
        a signing key (KIND: rsa = RSA-2048, ec = ECDSA P-256) and a certificate for NAME
        issued by CA_CERT/CA_KEY, with what our seal certificates carry (subject C, OU
        region, O, CN; key usage digitalSignature + nonRepudiation; our seal-signer role
        EKU with the standard document-signing and e-mail-protection EKUs; AKI/SKI; the
        CRL distribution point copied from CDP_FROM, a certificate of the same CA).
        Writes OUT_DIR/key.pem and OUT_DIR/cert.pem.
  pades.py self-signed KIND OUT_DIR NAME
        the same, self-signed (a signer outside any trust we have).
  pades.py stock-path ROOT_PEM EKU LEAF_PEM CA_PEM
        `cryptography`'s path validator with its default (web PKI) extension profile,
        asking for the standard EKU of the purpose (dotted OID: id-kp-documentSigning for a
        seal, id-kp-timeStamping for a TSA) where a client verifier asks for clientAuth:
        on the leaf, and on the CA when the CA lists EKUs. Prints "OK" or fails.
  pades.py certify KEY_DIR CA_PEM IN OUT P
        a certification signature (DocMDP /P = P: 1 no changes, 2 forms and signing).
  pades.py cosign KEY_DIR CA_PEM IN OUT
        an approval signature by a tool that ignores DocMDP.
  pades.py ades ROOT_PEM PDF
        pyHanko's AdES validation (ETSI EN 319 102-1, with past proof of existence) of
        every signature of PDF, trusting ROOT_PEM only, with revocation data required and
        taken from the file alone (no fetching): prints "FIELD: STATUS SUBINDICATION" per
        signature (e.g. "Seal 5: PASSED OK", "Seal 5: INDETERMINATE NO_POE").
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Our seal-signer role (src/pki/role.rs) and id-kp-documentSigning (RFC 9336).
SEAL_ROLE = x509.ObjectIdentifier("1.3.6.1.4.1.59999.1.6")
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def new_key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise SystemExit(f"unknown key kind {kind!r}: rsa or ec")


def subject(name, region):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if region:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, region))
    attrs += [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ]
    return x509.Name(attrs)


def build(key, name, issuer_name, issuer_key, issuer_ski, region, cdp):
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject(name, region))
        .issuer_name(issuer_name or subject(name, region))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [SEAL_ROLE, DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    )
    if issuer_ski is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
    if cdp is not None:
        b = b.add_extension(cdp, critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


def write(out_dir, key, cert):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "key.pem"), "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(os.path.join(out_dir, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def load_cert(path):
    return x509.load_pem_x509_certificate(open(path, "rb").read())


def issue(kind, out_dir, name, ca_cert, ca_key, cdp_from):
    ca = load_cert(ca_cert)
    ca_priv = serialization.load_pem_private_key(open(ca_key, "rb").read(), None)
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    region = ca.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value
    cdp = load_cert(cdp_from).extensions.get_extension_for_class(
        x509.CRLDistributionPoints
    ).value
    key = new_key(kind)
    write(out_dir, key, build(key, name, ca.subject, ca_priv, ski, region, cdp))


def self_signed(kind, out_dir, name):
    key = new_key(kind)
    write(out_dir, key, build(key, name, None, None, None, None, None))


def ades(root_pem, pdf):
    """What `pyhanko sign adesverify` runs (pyhanko/cli/commands/validation/validate.py),
    offline, printing the AdES indication itself: the CLI's summary does not show it."""
    import asyncio

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.authority import CertTrustAnchor
    from pyhanko_certvalidator.context import CertValidationPolicySpec, ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (
        REQUIRE_REVINFO,
        CertRevTrustPolicy,
        FreshnessReqType,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(
            trust_roots=[CertTrustAnchor(load_cert_from_pemder(root_pem))]
        ),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    spec = PdfSignatureValidationSpec(
        signature_validation_spec=SignatureValidationSpec(cert_validation_policy=policy),
        diff_policy=DEFAULT_DIFF_POLICY,
    )
    with open(pdf, "rb") as f:
        r = PdfFileReader(f)
        for sig in r.embedded_regular_signatures:
            result = asyncio.run(
                ades_lta_validation(sig, spec, timing_info=ValidationTimingInfo.now())
            )
            sub = result.ades_subindic
            print(f"{sig.field_name}: {sub.status.name} {sub.name}")


def stock_path(root_pem, eku, leaf_pem, ca_pem):
    """The library's defaults but for two things a seal or TSA certificate cannot meet by
    design: the EKU asked for (the client verifier's is clientAuth, and the builder has no
    setter for it) and a SAN (a seal certificate names its legal person in the subject DN,
    ETSI EN 319 412-3). The EKU may be critical: RFC 3161 §2.3 wants the TSA's so."""
    from cryptography.x509 import ExtendedKeyUsage, SubjectAlternativeName
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
    )

    wanted = x509.ObjectIdentifier(eku)

    def leaf_has(policy, cert, ext):
        if wanted not in list(ext):
            raise ValueError(f"the leaf lacks EKU {eku}: {[o.dotted_string for o in ext]}")

    # As webpki_defaults_ca does for the verifier's own EKU: a CA's EKU list, if any,
    # must allow the purpose (or be anyExtendedKeyUsage).
    def ca_allows(policy, cert, ext):
        if ext is None:
            return
        have = list(ext)
        if wanted not in have and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in have:
            raise ValueError(f"the CA's EKUs do not allow {eku}: {[o.dotted_string for o in have]}")

    ee = (
        ExtensionPolicy.webpki_defaults_ee()
        .require_present(ExtendedKeyUsage, Criticality.AGNOSTIC, leaf_has)
        .may_be_present(SubjectAlternativeName, Criticality.AGNOSTIC, None)
    )
    ca = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        ExtendedKeyUsage, Criticality.AGNOSTIC, ca_allows
    )
    verifier = (
        PolicyBuilder()
        .store(Store([load_cert(root_pem)]))
        .time(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5))
        .extension_policies(ca_policy=ca, ee_policy=ee)
        .build_client_verifier()
    )
    verifier.verify(load_cert(leaf_pem), [load_cert(ca_pem)])
    print("OK")


def certify(key_dir, ca_pem, pdf_in, pdf_out, perm):
    """A certification signature (DocMDP) with permission level `perm` (1, 2 or 3), B-B."""
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signer = signers.SimpleSigner.load(
        os.path.join(key_dir, "key.pem"),
        os.path.join(key_dir, "cert.pem"),
        ca_chain_files=(ca_pem,),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Certification",
        certify=True,
        docmdp_permissions=MDPPerm(int(perm)),
        subfilter=SigSeedSubFilter.PADES,
    )
    with open(pdf_in, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        with open(pdf_out, "wb") as out:
            signers.sign_pdf(w, meta, signer=signer, output=out)


def cosign(key_dir, ca_pem, pdf_in, pdf_out):
    """An approval signature by a tool that ignores DocMDP (pyHanko itself refuses to sign
    after a P=1 certification): what a validator must catch."""
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class Careless(signers.PdfSigner):
        def _enforce_certification_constraints(self, reader):
            pass

    signer = signers.SimpleSigner.load(
        os.path.join(key_dir, "key.pem"),
        os.path.join(key_dir, "cert.pem"),
        ca_chain_files=(ca_pem,),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Cosign", subfilter=SigSeedSubFilter.PADES
    )
    with open(pdf_in, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        with open(pdf_out, "wb") as out:
            Careless(meta, signer=signer).sign_pdf(w, output=out)


COMMANDS = {
    "cosign": cosign,
    "certify": certify,
    "issue": issue,
    "self-signed": self_signed,
    "stock-path": stock_path,
    "ades": ades,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
