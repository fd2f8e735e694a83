"""What a viewer shows: poppler's pdftotext and MuPDF's text device, or the rendered page
when the change is a drawing (a Type3 glyph). A content case that a viewer does not show
changed is broken, and the corpus says so instead of rotting."""

import hashlib
import subprocess

from .pdfbytes import FORGED


def text(path: str) -> dict:
    out = {}
    for name, cmd in {
        "pdftotext": ["pdftotext", "-q", path, "-"],
        "mutool": ["mutool", "draw", "-q", "-F", "txt", "-o", "-", path],
    }.items():
        r = subprocess.run(cmd, capture_output=True, timeout=60)
        out[name] = r.stdout.decode("latin-1")
    return out


def render(path: str) -> str:
    r = subprocess.run(
        ["pdftoppm", "-q", "-r", "36", "-f", "1", "-l", "1", path], capture_output=True, timeout=60
    )
    return hashlib.sha256(r.stdout).hexdigest()


def shows_forgery(path: str, how: str, sealed: str) -> str | None:
    """None when a viewer shows the forged content; else what went wrong."""
    if how == "render":
        return None if render(path) != render(sealed) else "the page renders as sealed"
    seen = text(path)
    if any(FORGED.decode() in t for t in seen.values()):
        return None
    return f"no viewer shows {FORGED.decode()!r}: {seen}"
