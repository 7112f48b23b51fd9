"""Uploads are checked by their content, not by the name or the browser's word.

Images: every image upload goes through open_image() (the form field ImageUploadField, and
resized_image() behind it), which reads the number of pixels from the file's header before
anything is decoded. A small file can hold a huge picture: a 13000 × 13000 PNG of one
colour is a few kilobytes and decodes to 169 million pixels (hundreds of MB, seconds of
work for each upload). tests/partnership/test_image_uploads.py checks every image field."""

from __future__ import annotations

import io

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MB = 1024 * 1024

# The largest picture the portal decodes. 40 megapixel is more than a phone photo (12 MP; the
# 48 and 50 MP modes make files above the 8 MB upload limit) and most camera photos that fit
# in 8 MB, while decoding one costs at most ~160 MB (4 bytes a pixel) and 1-2 seconds
# (measured: 0.8 s for a 40 MP JPEG, 1.8 s for a PNG). Photos are shown at most 1600 pixels
# wide anyway.
MAX_MEGAPIXELS = 40
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000
IMAGE_KINDS = ("jpeg", "png")


def bound_decoded_images() -> None:
    """Pillow's own guard, for every image any part of the portal opens (WeasyPrint and
    openpyxl included): it warns above MAX_PIXELS and refuses twice that. Called once, at
    startup (PartnershipConfig.ready)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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


def _unreadable() -> ValidationError:
    return ValidationError(
        _("Billedet kan ikke læses. Prøv at gemme det igen som JPEG eller PNG."), code="invalid"
    )


def _too_large() -> ValidationError:
    return ValidationError(
        _("Billedet er for stort: højst %(max)s megapixel. Gem det i en mindre opløsning.")
        % {"max": MAX_MEGAPIXELS},
        code="too_large",
    )


def open_image(uploaded, *, max_mb: int = 8) -> tuple[Image.Image, str]:
    """The uploaded image, opened but not decoded, and its kind ("jpeg" or "png"), after
    what can be checked without decoding it: the file's size, its type by content, and its
    number of pixels from the header (at most MAX_PIXELS)."""
    check_size(uploaded, max_mb)
    kind = sniff(uploaded)
    if kind not in IMAGE_KINDS:
        raise ValidationError(_("Billedet skal være JPEG eller PNG."), code="invalid")
    uploaded.seek(0)
    try:
        image = Image.open(uploaded)  # lazy: reads the header, not the pixels
    except Image.DecompressionBombError as exc:  # more than twice MAX_PIXELS
        raise _too_large() from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _unreadable() from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_large()
    return image, kind


class ImageUploadField(forms.ImageField):
    """The form field for every image upload: open_image()'s checks, so the form says what
    is wrong next to the field (Django's ImageField would open and verify the file without
    a bound on its pixels). The cleaned value is the uploaded file."""

    def to_python(self, data):
        uploaded = forms.FileField.to_python(self, data)
        if uploaded is None:
            return None
        _image, kind = open_image(uploaded)
        uploaded.content_type = f"image/{kind}"
        uploaded.seek(0)
        return uploaded


def resized_image(uploaded, *, max_mb: int = 8, max_side: int = 1600) -> ContentFile:
    """A JPEG or PNG, checked by open_image() and scaled down to at most max_side pixels
    (a JPEG is decoded at a reduced scale already: thumbnail() asks for a draft)."""
    image, kind = open_image(uploaded, max_mb=max_mb)
    try:
        image.thumbnail((max_side, max_side))
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or damaged pixel data
        raise _unreadable() from exc
    out = io.BytesIO()
    if kind == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    else:
        image.save(out, "PNG", optimize=True)
        ext = "png"
    return ContentFile(out.getvalue(), name=f"billede.{ext}")
