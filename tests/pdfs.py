"""The text of a PDF, for tests that read what a report, a job or a mail attachment says."""

from __future__ import annotations

import io
import os
from typing import IO

from pypdf import PdfReader


def pdf_text(source: str | os.PathLike | bytes | IO[bytes], *, flat: bool = False) -> str:
    """The text of every page, a line break between pages. `source` is a path, the PDF's
    bytes, or an open file (a FieldFile, a download). flat=True joins all whitespace into
    single spaces, for phrases that may break across lines."""
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    elif not isinstance(source, str | os.PathLike):
        source = io.BytesIO(source.read())
    text = "\n".join(page.extract_text() for page in PdfReader(source).pages)
    return " ".join(text.split()) if flat else text
