"""Hostile inputs that cost the validator memory or time (not about content): each an
incremental update on the sealed contract, so everything else in the file is ordinary."""

import zlib

from .pdfbytes import Info, Sig, append_update

FIRST = 1000


def _objstm(header: bytes, body: bytes, n: int) -> bytes:
    data = zlib.compress(header + body, 9)
    return (
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (n, len(header), len(data))
        + data
        + b"\nendstream"
    )


def objstm_index_repeat(sealed: bytes, copies: int = 400, ints: int = 100_000) -> bytes:
    """An object stream whose index names one 100,000-integer array `copies` times."""
    header = b" ".join(b"%d 0" % (FIRST + i) for i in range(copies)) + b"\n"
    body = b"[" + b"0 " * ints + b"]"
    num = Info(sealed).size
    return append_update(sealed, {num: _objstm(header, body, copies)})


def flate_bomb(sealed: bytes, mib: int = 80) -> bytes:
    """An object stream of ~78 KB that inflates to `mib` MiB (one long string object)."""
    header = b"%d 0\n" % FIRST
    body = b"(" + b"A" * (mib << 20) + b")"
    num = Info(sealed).size
    return append_update(sealed, {num: _objstm(header, body, 1)})


def xref_fan(sealed: bytes, entries: int = 2000, ints: int = 100_000) -> bytes:
    """One large object (a 100,000-integer array) and `entries` xref entries naming it."""
    num = Info(sealed).size
    big = b"[" + b"0 " * ints + b"]"
    first = append_update(sealed, {num: big})
    at = Info(first).last_def(num)
    return append_update(first, {}, extra_entries={FIRST + i: at for i in range(entries)})


def many_byteranges(sealed: bytes, count: int = 400, pad_mib: int = 4) -> bytes:
    """`count` signature dictionaries, each with a byte range over the whole file, in a
    file padded to `pad_mib` MiB: each one costs a hash of the file."""
    sig = Sig(sealed)
    d = sig.dict_text(sealed)
    num = Info(sealed).size
    pad = b"%d 0 obj\n<< /Length %d >>\nstream\n" % (num, pad_mib << 20)
    pad += b"\0" * (pad_mib << 20) + b"\nendstream\nendobj\n"
    objs = {num + 1 + i: d for i in range(count)}
    out = append_update(sealed + pad, objs, extra_entries={num: len(sealed)})
    return out


def cases(sealed: bytes) -> dict:
    return {
        "objstm-index-repeat": objstm_index_repeat(sealed),
        "objstm-flate-bomb": flate_bomb(sealed),
        "xref-fan-out": xref_fan(sealed),
        "many-byteranges": many_byteranges(sealed),
    }
