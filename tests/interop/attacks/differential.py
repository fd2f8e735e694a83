"""Parser differentials: an update whose new content stream lopdf cannot parse (nesting
deeper than its limits), so lopdf skips it, plus an xref entry for an unused number that
points back at the old content stream, which lopdf then keys by the header it finds
there. Viewers key objects by the xref entry and render the new stream."""

from .pdfbytes import FORGED, Info, append_update, stream, text_content

CONTENT = 5
UNUSED = 99


def _nested(open_: bytes, close: bytes, depth: int, inner: bytes = b"") -> bytes:
    return open_ * depth + inner + close * depth


def _with(sealed: bytes, junk: bytes) -> bytes:
    """Object 5 redefined (forged) with `junk` in its dictionary; object 99 -> old 5."""
    info = Info(sealed)
    old = info.last_def(CONTENT)
    forged = stream(b"/Junk " + junk, text_content(FORGED))
    return append_update(sealed, {CONTENT: forged}, extra_entries={UNUSED: old})


def cases(sealed: bytes) -> dict:
    info = Info(sealed)
    return {
        "array-depth-101": _with(sealed, _nested(b"[", b"]", 101)),
        "dict-depth-120": _with(sealed, _nested(b"<< /A ", b" >>", 120, b"<< >>")),
        "string-parens-101": _with(sealed, b"(" + _nested(b"(", b")", 100) + b")"),
        # No unparseable object: the new 5 is ordinary, and the entry for 99 points at the
        # old 5, whose header (5 0 obj) is not the number the entry names.
        "header-number-mismatch": append_update(
            sealed,
            {CONTENT: stream(b"", text_content(FORGED))},
            extra_entries={UNUSED: info.last_def(CONTENT)},
        ),
    }
