"""A word-level diff against the standard text, shown like tracked changes
(templates/contracts/_word_diff.html writes it)."""

from __future__ import annotations

import difflib
import re

TOKEN = re.compile(r"\s+|[^\s]+")

# A diff is a list of (kind, text): kind "" for unchanged text, "del" for removed words,
# "ins" for added words.
Diff = list[tuple[str, str]]


def word_diff(standard: str, text: str) -> Diff:
    """The text's changes from the standard: removed words as "del", added as "ins"."""
    a, b = TOKEN.findall(standard), TOKEN.findall(text)
    out: Diff = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(("del", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("ins", "".join(b[j1:j2])))
    return out
