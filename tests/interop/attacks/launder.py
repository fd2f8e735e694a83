"""A later signature launders a change: the content is changed in an incremental update,
then a signature covering the whole file is added, (a) self-signed by pyHanko with a
certificate made here, (b) by a second real company through our API (the test seals
`pending/launder-company-b.pdf` with company B)."""

import datetime
import os
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .pdfbytes import FORGED, append_update, stream, text_content

CONTENT = 5


def changed(sealed: bytes) -> bytes:
    return append_update(sealed, {CONTENT: stream(b"", text_content(FORGED))})


def _self_signed(folder: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mallory Self-Signed")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    k, c = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    with open(k, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(c, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return k, c


def _pyhanko() -> str:
    here = os.path.join(os.path.dirname(sys.executable), "pyhanko")
    return here if os.path.exists(here) else "pyhanko"


def self_signed(sealed: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        key, cert = _self_signed(d)
        src, dst = os.path.join(d, "in.pdf"), os.path.join(d, "out.pdf")
        with open(src, "wb") as f:
            f.write(changed(sealed))
        subprocess.run(
            [_pyhanko(), "sign", "addsig", "--field", "Mallory", "pemder", "--key", key,
             "--cert", cert, "--no-pass", src, dst],
            check=True, capture_output=True, timeout=120,
        )
        with open(dst, "rb") as f:
            return f.read()


def cases(sealed: bytes) -> dict:
    return {"self-signed": self_signed(sealed)}


def pending(sealed: bytes) -> dict:
    return {"company-b": changed(sealed)}
