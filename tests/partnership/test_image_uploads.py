"""Every image upload is checked for its number of pixels from the file's header, before a
single pixel is decoded: a small file can hold a huge picture (a 13000 × 13000 PNG of one
colour is a few kilobytes, and decoded it is 169 million pixels, hundreds of MB)."""

from __future__ import annotations

import ast
import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from PIL import Image

from offers.models import OfferPhoto
from partnership.uploads import MAX_MEGAPIXELS, MAX_PIXELS, ImageUploadField, resized_image
from tests.factories import make_offer
from tests.fuzz.targets import project_forms

EDITOR = "leverandoer.a@portal.example"
TOO_LARGE = f"Billedet er for stort: højst {MAX_MEGAPIXELS} megapixel"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int) -> bytes:
    """A black-and-white PNG of the size, written row by row: small on disk and in memory
    however large the picture is."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then one bit per pixel
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "stue.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_a_small_file_with_a_huge_picture_is_refused_as_an_offer_photo(as_provider):
    offer = make_offer()
    url = reverse("offers:photo_upload", args=[offer.pk])
    data = blank_png(13000, 13000)
    assert len(data) < 1024 * 1024
    as_provider.get(url)  # the form drawn once, so the time below is the refusal's
    started = time.perf_counter()
    response = as_provider.post(url, {"image": upload(data), "alt_text": "Fællesstuen"})
    elapsed = time.perf_counter() - started
    print(f"\n13000 x 13000 PNG of {len(data) / 1024:.0f} KB refused in {elapsed:.3f} s")
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()
    assert not OfferPhoto.objects.exists()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(13000, 13000), (7000, 7000), (40_000, 1001)])
def test_the_check_reads_the_size_from_the_header(size):
    """Above the bound (also where Pillow itself would only warn) the same Danish message."""
    for check in (lambda f: resized_image(f), lambda f: ImageUploadField().clean(f)):
        with pytest.raises(ValidationError) as refused:
            check(upload(blank_png(*size)))
        assert TOO_LARGE in " ".join(refused.value.messages)


def test_an_ordinary_photo_is_still_accepted_and_scaled_down(as_provider):
    offer = make_offer()
    buf = io.BytesIO()
    Image.new("RGB", (4032, 3024), (40, 90, 160)).save(buf, "JPEG")  # a phone's 12 MP
    response = as_provider.post(
        reverse("offers:photo_upload", args=[offer.pk]),
        {"image": upload(buf.getvalue(), "have.jpg"), "alt_text": "Haven"},
    )
    assert response.status_code == 302
    assert max(Image.open(OfferPhoto.objects.get().image.path).size) == 1600


def test_pillow_refuses_to_decode_huge_images_anywhere_in_the_portal():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_every_image_upload_goes_through_the_one_check():
    """Every image field of every form is the portal's; no model image field is open to
    the admin (whose form would be Django's); nothing else opens images with Pillow."""
    plain = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.ImageField) and not isinstance(field, ImageUploadField)
    ]
    assert plain == []
    in_admin = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ImageField) and admin.site.is_registered(model)
    ]
    assert in_admin == []
    root = Path(settings.BASE_DIR)
    opens = [
        f"{path.relative_to(root)}:{node.lineno}"
        for package in ("partnership", "offers", "contracts", "quality")
        for path in (root / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "open"
        and getattr(node.value, "id", None) == "Image"
    ]
    assert {place.split(":")[0] for place in opens} == {"partnership/uploads.py"}
