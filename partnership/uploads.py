"""Uploads are checked by their content, not by the name or the browser's word."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

MB = 1024 * 1024

# Magic numbers of the formats the portal accepts.
SIGNATURES = {
    "pdf": [b"%PDF-"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpeg": [b"\xff\xd8\xff"],
    "zip": [b"PK\x03\x04"],  # DOCX, XLSX, PPTX
}


def sniff(uploaded) -> str | None:
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    for kind, magics in SIGNATURES.items():
        if any(head.startswith(m) for m in magics):
            return kind
    return None


def check_size(uploaded, max_mb: int) -> None:
    if uploaded.size > max_mb * MB:
        raise ValidationError(
            _("Filen fylder %(size).1f MB. Den må højst fylde %(max)s MB.")
            % {"size": uploaded.size / MB, "max": max_mb}
        )


def check_pdf(uploaded, *, max_mb: int = 20) -> None:
    check_size(uploaded, max_mb)
    if sniff(uploaded) != "pdf":
        raise ValidationError(
            _("Filen er ikke en PDF, selv om den måske hedder sådan. Gem den som PDF og prøv igen.")
        )


def resized_image(uploaded, *, max_mb: int = 8, max_side: int = 1600) -> ContentFile:
    """A JPEG or PNG, checked by content and scaled down to at most max_side pixels."""
    from PIL import Image, UnidentifiedImageError

    check_size(uploaded, max_mb)
    kind = sniff(uploaded)
    if kind not in ("jpeg", "png"):
        raise ValidationError(_("Billedet skal være JPEG eller PNG."))
    try:
        image = Image.open(uploaded)
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationError(
            _("Billedet kan ikke læses. Prøv at gemme det igen som JPEG eller PNG.")
        ) from exc
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if kind == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    else:
        image.save(out, "PNG", optimize=True)
        ext = "png"
    return ContentFile(out.getvalue(), name=f"billede.{ext}")
