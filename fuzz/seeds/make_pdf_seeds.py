"""Writes the seed corpora of the PDF fuzz targets (fuzz/corpus/pdf_read, pdf_validate).

    .venv/bin/python fuzz/seeds/make_pdf_seeds.py [SEALED.pdf]

Small, varied shapes the strict reader must handle: a classic cross-reference table, a
cross-reference stream with object streams (qpdf), a linearized file (qpdf), an
unsigned incremental update, and pyHanko B-B signatures over both cross-reference kinds
(a throw-away self-signed key made here). SEALED.pdf, if given, is a PDF sealed by our
server (e.g. test-artifacts/pdf/sealed-by-a.pdf) copied as seed-sealed-api. Every seed
stays under the runner's -max_len (64 KiB). Needs qpdf, pikepdf and pyHanko.
"""

import datetime
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.generic import DictionaryObject, NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

FUZZ = Path(__file__).resolve().parent.parent
TARGETS = ["pdf_read", "pdf_validate"]
MAX_LEN = 65536


def base(path: Path) -> None:
    """One page of text and a rectangle; uncompressed, classic xref table."""
    pdf = pikepdf.new()
    pdf.docinfo["/Title"] = "合同 contract"
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                           BaseFont=pikepdf.Name.Helvetica))
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(
        b"BT /F1 14 Tf 72 760 Td (pay 100 CNY) Tj ET 50 700 300 20 re S")
    pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.disable,
             compress_streams=False, static_id=True)


def self_signed():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz seed signer")])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return key, cert


def pyhanko_sign(src: Path, dst: Path, key, cert) -> None:
    from asn1crypto import keys as akeys, x509 as ax509
    signer = signers.SimpleSigner(
        signing_cert=ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=akeys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=None,
    )
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        meta = signers.PdfSignatureMetadata(field_name="Sig1", subfilter=fields.SigSeedSubFilter.PADES)
        out = io.BytesIO()
        # A small /Contents reservation keeps the seed small (the CMS is ~1 KB).
        signers.PdfSigner(meta, signer).sign_pdf(w, output=out, bytes_reserved=4096)
    dst.write_bytes(out.getvalue())


def incremental(src: Path, dst: Path) -> None:
    """An unsigned update that changes /Info: a second revision for the difference analysis."""
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        info = DictionaryObject({NameObject("/Title"): TextStringObject("contract, revised")})
        w.trailer["/Info"] = w.add_object(info)
        out = io.BytesIO()
        w.write(out)
    dst.write_bytes(out.getvalue())


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    seeds = {}
    classic = tmp / "classic.pdf"
    base(classic)
    seeds["seed-classic"] = classic
    objstm = tmp / "objstm.pdf"
    subprocess.run(["qpdf", "--object-streams=generate", "--static-id", str(classic), str(objstm)], check=True)
    seeds["seed-objstm"] = objstm
    lin = tmp / "linearized.pdf"
    subprocess.run(["qpdf", "--linearize", "--static-id", str(classic), str(lin)], check=True)
    seeds["seed-linearized"] = lin
    inc = tmp / "incremental.pdf"
    incremental(classic, inc)
    seeds["seed-incremental"] = inc
    key, cert = self_signed()
    for name, src in [("seed-pyhanko", classic), ("seed-pyhanko-objstm", objstm)]:
        dst = tmp / f"{name}.pdf"
        pyhanko_sign(src, dst, key, cert)
        seeds[name] = dst
    if len(sys.argv) > 1:
        seeds["seed-sealed-api"] = Path(sys.argv[1])
    for name, path in seeds.items():
        size = path.stat().st_size
        assert size < MAX_LEN, f"{name} is {size} bytes, over -max_len"
        for t in TARGETS:
            shutil.copyfile(path, FUZZ / "corpus" / t / name)
        print(f"{name}: {size} bytes")


if __name__ == "__main__":
    main()
