"""The contract that gets sealed ("Pay 100 CNY" in Helvetica) and the drafts an attacker
prepares before sealing: each refers to object DANGLING, which does not exist yet, from
somewhere that draws (the page's /Contents array, an XObject drawn with `Do`, a widget's
/AP /N, a Type3 glyph), or hides content for a shadow attack."""

from .pdfbytes import FORGED, ORIGINAL, stream, text_content, whole_file

# An object number no sealer will allocate (ours counts up from /Size).
DANGLING = 900

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def page(extra: bytes = b"", contents: bytes = b"5 0 R", resources: bytes = b"") -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> %s >> "
        b"/Contents %s %s >>" % (resources, contents, extra)
    )


def contract(**page_args) -> dict:
    return {
        1: CATALOG,
        2: PAGES,
        3: page(**page_args),
        4: FONT,
        5: stream(b"", text_content(ORIGINAL)),
    }


def type3_font() -> bytes:
    """A Type3 font whose glyph `a` is DANGLING (its procedure is defined after sealing)."""
    return (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] "
        b"/FontMatrix [0.001 0 0 0.001 0 0] /FirstChar 97 /LastChar 97 /Widths [1000] "
        b"/Encoding << /Type /Encoding /Differences [97 /a] >> "
        b"/CharProcs << /a %d 0 R >> /Resources << /Font << /F1 4 0 R >> >> >>" % DANGLING
    )


def drafts() -> dict:
    """{name: pdf bytes} of the contract and every prepared draft."""
    out = {"contract": whole_file(contract(), 1)}
    # Shadow "reference to a not-yet-existing object" family.
    out["draft-contents"] = whole_file(contract(contents=b"[5 0 R %d 0 R]" % DANGLING), 1)
    objs = contract(resources=b"/XObject << /Fm1 %d 0 R >>" % DANGLING)
    objs[5] = stream(b"", text_content(ORIGINAL) + b" q /Fm1 Do Q")
    out["draft-xobject"] = whole_file(objs, 1)
    objs = contract(extra=b"/Annots [6 0 R]")
    objs[6] = (
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (note) /F 4 /Rect [0 0 595 842] "
        b"/AP << /N %d 0 R >> >>" % DANGLING
    )
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] >> >>"
    out["draft-widget"] = whole_file(objs, 1)
    objs = contract(resources=b"/Font << /F1 4 0 R /F3 6 0 R >>")
    objs[3] = (
        b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R /F3 6 0 R >> >> "
        b"/Contents 5 0 R >>"
    )
    objs[5] = stream(b"", text_content(ORIGINAL) + b" BT /F3 40 Tf 72 600 Td (aaaa) Tj ET")
    objs[6] = type3_font()
    out["draft-type3"] = whole_file(objs, 1)
    # Shadow hide: the forged line is drafted under a white cover annotation; after
    # sealing, an update hides the cover (/F Hidden) or drops it from /Annots.
    objs = contract(extra=b"/Annots [6 0 R]")
    objs[5] = stream(b"", text_content(FORGED))
    objs[6] = (
        b"<< /Type /Annot /Subtype /Square /F 4 /Rect [60 690 460 730] /C [1 1 1] /IC [1 1 1] "
        b"/AP << /N 7 0 R >> >>"
    )
    objs[7] = stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 400 40] /Resources << /Font << /F1 4 0 R >> >>",
        b"1 1 1 rg 0 0 400 40 re f 0 0 0 rg BT /F1 24 Tf 12 10 Td (%s) Tj ET" % ORIGINAL,
    )
    out["draft-hide"] = whole_file(objs, 1)
    # Shadow replace / hide-and-replace: the forged content sits in the signed file as an
    # unused object (8), which an update puts on the page.
    objs = contract()
    objs[8] = stream(b"", text_content(FORGED))
    objs[10] = b"<< /Type /Catalog /Pages 11 0 R >>"
    objs[11] = b"<< /Type /Pages /Kids [12 0 R] /Count 1 /MediaBox [0 0 595 842] >>"
    objs[12] = b"<< /Type /Page /Parent 11 0 R /Resources << /Font << /F1 4 0 R >> >> /Contents 8 0 R >>"
    out["draft-shadow"] = whole_file(objs, 1)
    return out
