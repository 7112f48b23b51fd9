"""The two functions every PDF in the portal is made with, both PDF/UA-1 in Danish with a
title (tests/partnership/test_faults.py renders one document of every job kind and checks):

* render_pdf: HTML from a Django template (templates/pdf/base.html sets the language, the
  title and the author), laid out by WeasyPrint. Letters, agendas, minutes, contracts.
* render_typst_pdf: a typst document that is layout only, filled with data (JSON) the
  Python side has written. For the long tables: the 1,000-offer takstoversigt takes about
  a second where WeasyPrint took 20-30 s (issue 17, bench/RESULTS.md). The document sets
  `text(lang: "da")` and `document(title: ...)`; typst refuses to write PDF/UA-1 without a
  title.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    # WeasyPrint takes about a second and 40 MB to import; only workers render PDFs, so web
    # processes do not load it at start.
    from weasyprint import HTML  # noqa: PLC0415

    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR))
    return document.write_pdf(pdf_variant="pdf/ua-1")


def render_template_pdf(template_name: str, context: dict) -> bytes:
    return render_pdf(render_to_string(template_name, context))


@functools.cache
def _typst_fonts() -> Any:
    """The system's fonts, found once per process (a scan of the font folders)."""
    import typst  # noqa: PLC0415

    return typst.Fonts(include_system_fonts=True, include_embedded_fonts=True)


def render_typst_pdf(document: Path, data: dict) -> bytes:
    """The typst file `document` with `data` as JSON in sys.inputs.data; dated by the
    portal's clock (its creation date in the PDF's metadata)."""
    import typst  # noqa: PLC0415

    pdf = typst.compile(
        str(document),
        root=str(document.parent),
        font_paths=_typst_fonts(),
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        pdf_standards=["ua-1"],
        timestamp=timezone.now().replace(microsecond=0),
    )
    assert isinstance(pdf, bytes)
    return pdf
