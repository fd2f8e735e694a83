#!/usr/bin/env python3
"""The forgery corpus for sealed PDFs (issue 27): each case a file `class-case.pdf`.

  pdf_attacks.py drafts OUT      the contract and the drafts an attacker prepares, to be
                                 sealed by company A (OUT/sealed-NAME.pdf for each NAME.pdf)
  pdf_attacks.py attacks OUT     reads OUT/sealed-*.pdf, writes OUT/cases/CLASS-CASE.pdf
                                 and OUT/cases.json ({file: "content" | "refuse" | "resource"});
                                 OUT/pending/*.pdf still need company B's seal (the test adds
                                 it and writes OUT/cases/launder-company-b.pdf)
  pdf_attacks.py check FILE SEALED
                                 exits 1 unless a viewer shows FILE's forged content

Every content case is checked here (pdftotext / mutool, or the rendered page): a case
that a viewer does not show forged fails loudly, so the corpus cannot rot."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from attacks import check, contract, differential, launder, resource, simple, usf, wrapping  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def drafts(out):
    os.makedirs(out, exist_ok=True)
    for name, pdf in contract.drafts().items():
        write(os.path.join(out, f"{name}.pdf"), pdf)


def attacks(out):
    sealed = read(os.path.join(out, "sealed-contract.pdf"))
    seen = check.text(os.path.join(out, "sealed-contract.pdf"))
    if not all("Pay 100 CNY" in t and "9999999" not in t for t in seen.values()):
        sys.exit(f"the sealed contract does not read 'Pay 100 CNY' in every viewer: {seen}")
    d = {
        name: read(os.path.join(out, f"sealed-draft-{name}.pdf"))
        for name in ["contents", "xobject", "widget", "type3", "hide", "shadow"]
    }
    content = {}
    content.update({f"wrapping-{k}": v for k, v in wrapping.cases(sealed).items()})
    content.update({f"differential-{k}": v for k, v in differential.cases(sealed).items()})
    content.update({f"launder-{k}": v for k, v in launder.cases(sealed).items()})
    content.update({f"shadow-{k}": v for k, v in simple.drafted(d).items()})
    content.update(
        {f"shadow-{k}": v for k, v in simple.shadow(sealed, d["hide"], d["shadow"]).items()}
    )
    content.update({f"isa-{k}": v for k, v in simple.isa(sealed).items()})
    content.update({f"usf-{k}": v for k, v in usf.cases(sealed, d["xobject"]).items()})
    refuse = {f"appended-{k}": v for k, v in simple.appended(sealed).items()}
    heavy = {f"resource-{k}": v for k, v in resource.cases(sealed).items()}
    os.makedirs(os.path.join(out, "cases"), exist_ok=True)
    os.makedirs(os.path.join(out, "pending"), exist_ok=True)
    for name, pdf in launder.pending(sealed).items():
        write(os.path.join(out, "pending", f"launder-{name}.pdf"), pdf)
    kinds = {}
    broken = []
    for group, kind in [(content, "content"), (refuse, "refuse"), (heavy, "resource")]:
        for name, pdf in group.items():
            path = os.path.join(out, "cases", f"{name}.pdf")
            write(path, pdf)
            kinds[f"{name}.pdf"] = kind
            if kind == "content":
                how = "render" if "type3" in name else "text"
                why = check.shows_forgery(path, how, os.path.join(out, "sealed-draft-type3.pdf"
                                                                  if how == "render" else
                                                                  "sealed-contract.pdf"))
                if why:
                    broken.append(f"{name}: {why}")
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(kinds, f, indent=1, sort_keys=True)
    if broken:
        sys.exit("broken cases (a viewer does not show the forgery):\n" + "\n".join(broken))


def main(argv):
    if len(argv) == 3 and argv[1] == "drafts":
        drafts(argv[2])
    elif len(argv) == 3 and argv[1] == "attacks":
        attacks(argv[2])
    elif len(argv) == 4 and argv[1] == "check":
        why = check.shows_forgery(argv[2], "text", argv[3])
        if why:
            sys.exit(why)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
