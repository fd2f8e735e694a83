"""Checks zhengtong's output with other people's tools (no zhengtong code here).

  check.py sdjwt ROOT_PEM             reads an SD-JWT VC on stdin; verifies the x5c chain to
                                      ROOT_PEM with `cryptography` and the SD-JWT with the
                                      OpenWallet reference library, and that `iss` is a URI
                                      SAN of the x5c leaf; prints the payload.
  check.py sdjwt-kb ROOT_PEM NONCE AUD
                                      the same for an SD-JWT with a key-binding JWT, which
                                      the library checks against cnf, NONCE and AUD.
  check.py seal ROOT_PEM              reads a seal signature (JWS) on stdin; jwcrypto verifies
                                      it with the x5c certificate; prints the payload.
  check.py pyjwt CERT_PEM             reads a compact JWS on stdin; PyJWT verifies it with
                                      the certificate's public key; prints the claims.
  check.py path ROOT_PEM EKU LEAF_PEM [CA_PEM]
                                      `cryptography`'s RFC 5280 path validator builds the path
                                      LEAF -> CA -> ROOT, with the EKU (dotted OID) required
                                      on the leaf; prints "OK" or fails.
  check.py tsa-path ROOT_PEM LEAF_PEM CA_PEM
                                      the same for a timestamp authority: RFC 3161 §2.3's
                                      EKU (id-kp-timeStamping alone, critical) on the leaf.
"""
import json
import sys
import base64

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec


def b64std(s):
    return base64.b64decode(s)


def verify_chain(chain_der, root_pem):
    certs = [x509.load_der_x509_certificate(d) for d in chain_der]
    root = x509.load_pem_x509_certificate(root_pem)
    for child, parent in zip(certs, certs[1:] + [root]):
        child.verify_directly_issued_by(parent)
    return certs[0]


def sdjwt(root_path):
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier

    token = sys.stdin.read().strip()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "dc+sd-jwt", header
    leaf = verify_chain([b64std(c) for c in header["x5c"]], open(root_path, "rb").read())
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)

    def issuer_key(issuer, header_params):
        return JWK.from_pyca(leaf.public_key())

    v = SDJWTVerifier(token, issuer_key, serialization_format="compact")
    payload = v.get_verified_payload()
    # SD-JWT VC with x5c: `iss` is a URI the issuer's certificate names in its SAN.
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    assert payload["iss"] in uris, (payload["iss"], uris)
    print(json.dumps(payload, ensure_ascii=False))


def sdjwt_kb(root_path, nonce, aud):
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier

    token = sys.stdin.read().strip()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    leaf = verify_chain([b64std(c) for c in header["x5c"]], open(root_path, "rb").read())

    def issuer_key(issuer, header_params):
        return JWK.from_pyca(leaf.public_key())

    v = SDJWTVerifier(
        token,
        issuer_key,
        expected_aud=aud,
        expected_nonce=nonce,
        serialization_format="compact",
    )
    print(json.dumps(v.get_verified_payload(), ensure_ascii=False))


def pyjwt(cert_path):
    import jwt

    token = sys.stdin.read().strip()
    cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
    claims = jwt.decode(token, key=cert.public_key(), algorithms=["ES256"])
    print(json.dumps(claims, ensure_ascii=False))


COMMANDS = {"sdjwt": sdjwt, "sdjwt-kb": sdjwt_kb, "pyjwt": pyjwt}


def seal(root_path):
    """Reads a seal signature on stdin, a compact JWS or its flattened JSON serialisation
    (the timestamped form); jwcrypto verifies it with the certificate from its own x5c
    chain, which `cryptography` traces to ROOT_PEM."""
    from jwcrypto.jwk import JWK
    from jwcrypto.jws import JWS

    token = sys.stdin.read().strip()
    protected = json.loads(token)["protected"] if token.startswith("{") else token.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(protected + "=="))
    leaf = verify_chain([b64std(c) for c in header["x5c"]], open(root_path, "rb").read())
    jws = JWS()
    jws.deserialize(token)
    jws.verify(JWK.from_pyca(leaf.public_key()), alg="ES256")
    print(jws.payload.decode("utf-8"))


COMMANDS["seal"] = seal


def path(root_path, eku, leaf_path, ca_path=None):
    """Path validation with cryptography's verifier (CA/B web PKI profile by default). Our
    certificates carry private role EKUs: the EE policy requires the role's EKU on the leaf
    (instead of serverAuth/clientAuth) and the CA policy permits EKUs on the regional CA
    (rustls-webpki, our own validator, checks the EKU on every certificate of the path, so
    the CA keeps them). Everything else is the library's default profile."""
    import datetime
    from cryptography.x509 import ExtendedKeyUsage, ObjectIdentifier, SubjectAlternativeName
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
    )

    wanted = ObjectIdentifier(eku)

    def leaf_has_role(policy, cert, ext):
        if wanted not in list(ext):
            raise ValueError(f"the leaf lacks EKU {eku}: {list(ext)}")

    # The web profile wants a SAN (the name a TLS client is checked against); a seal
    # certificate names its legal person in the subject DN (ETSI EN 319 412-3) and has none.
    ee = (
        ExtensionPolicy.webpki_defaults_ee()
        .require_present(ExtendedKeyUsage, Criticality.AGNOSTIC, leaf_has_role)
        .may_be_present(SubjectAlternativeName, Criticality.AGNOSTIC, None)
    )
    ca = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        ExtendedKeyUsage, Criticality.AGNOSTIC, None
    )
    root = x509.load_pem_x509_certificate(open(root_path, "rb").read())
    leaf = x509.load_pem_x509_certificate(open(leaf_path, "rb").read())
    inter = [x509.load_pem_x509_certificate(open(ca_path, "rb").read())] if ca_path else []
    verifier = (
        PolicyBuilder()
        .store(Store([root]))
        .time(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5))
        .extension_policies(ca_policy=ca, ee_policy=ee)
        .build_client_verifier()
    )
    verifier.verify(leaf, inter)
    print("OK")


COMMANDS["path"] = path


def tsa_path(root_path, leaf_path, ca_path):
    """RFC 3161 §2.3: a TSA certificate's EKU is id-kp-timeStamping alone, critical. The
    library's web profile wants the EKU non-critical (as the CA/B Forum does for TLS), so its
    default refuses every conforming TSA certificate: the EE policy here requires the EKU
    critical instead, with that one purpose."""
    import datetime
    from cryptography.x509 import ExtendedKeyUsage
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
    )

    def timestamping_only(policy, cert, ext):
        if list(ext) != [ExtendedKeyUsageOID.TIME_STAMPING]:
            raise ValueError(f"the TSA's EKU must be timeStamping alone: {list(ext)}")

    ee = ExtensionPolicy.webpki_defaults_ee().require_present(
        ExtendedKeyUsage, Criticality.CRITICAL, timestamping_only
    )
    ca = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        ExtendedKeyUsage, Criticality.AGNOSTIC, None
    )
    load = lambda p: x509.load_pem_x509_certificate(open(p, "rb").read())
    verifier = (
        PolicyBuilder()
        .store(Store([load(root_path)]))
        .time(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5))
        .extension_policies(ca_policy=ca, ee_policy=ee)
        .build_client_verifier()
    )
    verifier.verify(load(leaf_path), [load(ca_path)])
    print("OK")


COMMANDS["tsa-path"] = tsa_path


if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
