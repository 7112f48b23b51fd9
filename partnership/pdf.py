"""The one function every PDF in the portal is made with: PDF/UA-1, language da,
a title from the HTML, fonts embedded by WeasyPrint."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    # WeasyPrint takes about a second and 40 MB to import; only workers render PDFs, so web
    # processes do not load it at start.
    from weasyprint import HTML  # noqa: PLC0415

    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR))
    return document.write_pdf(pdf_variant="pdf/ua-1")


def render_template_pdf(template_name: str, context: dict) -> bytes:
    return render_pdf(render_to_string(template_name, context))
