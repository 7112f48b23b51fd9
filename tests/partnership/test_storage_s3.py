"""Scaling out: files go through STORAGES, so an S3-compatible bucket can hold them when web
and worker processes run on different hosts. moto stands in for the bucket (in-process, no
network); the portal's own upload, render and download paths are the ones used in service."""

import io
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws
from PIL import Image

from offers.models import OfferDocument, OfferPhoto
from partnership.models import Job, JobStatus
from tests.conftest import child_env
from tests.factories import demo_user, make_offer
from tests.pdfs import pdf_text

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "partnerskab-filer"
S3_STORAGE = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": BUCKET,
        "region_name": "eu-north-1",
        "access_key": "test",
        "secret_key": "test",
        "location": "media",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    },
}


@pytest.fixture
def bucket(settings, tmp_path):
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-north-1")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
        )
        settings.STORAGES = {**settings.STORAGES, "default": S3_STORAGE}
        # Nothing may land on the local disk while the bucket is configured.
        settings.MEDIA_ROOT = tmp_path / "must-stay-empty"
        yield s3
        assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.iterdir())


def keys(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_uploads_are_stored_in_the_bucket_and_served_through_the_portal(client, demo, bucket):
    client.force_login(demo_user("leverandoer.a@portal.example"))
    offer = make_offer()
    buf = io.BytesIO()
    Image.new("RGB", (2400, 1200), (40, 90, 160)).save(buf, "PNG")
    client.post(
        reverse("offers:photo_upload", args=[offer.pk]),
        {
            "image": SimpleUploadedFile("stue.png", buf.getvalue(), content_type="image/png"),
            "alt_text": "Fællesstuen",
        },
    )
    pdf = b"%PDF-1.7\n%%EOF\n"
    client.post(
        reverse("offers:document_upload", args=[offer.pk]),
        {
            "kind": "tilsyn",
            "title": "Tilsynsrapport",
            "file": SimpleUploadedFile("tilsyn.pdf", pdf, content_type="application/pdf"),
        },
    )
    photo, doc = OfferPhoto.objects.get(), OfferDocument.objects.get()
    stored = keys(bucket)
    assert f"media/{photo.image.name}" in stored and f"media/{doc.file.name}" in stored
    # The resized photo is in the bucket, and the portal streams it after its permission check.
    body = bucket.get_object(Bucket=BUCKET, Key=f"media/{photo.image.name}")["Body"].read()
    assert max(Image.open(io.BytesIO(body)).size) == 1600
    response = client.get(reverse("offers:document_download", args=[offer.pk, doc.pk]))
    assert b"".join(response.streaming_content) == pdf
    # The bucket is private: objects are not readable without signed credentials.
    acl = bucket.get_object_acl(Bucket=BUCKET, Key=f"media/{doc.file.name}")
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}))]


def test_a_job_pdf_rendered_by_the_worker_is_written_to_and_read_from_the_bucket(
    client, demo, bucket
):
    client.force_login(demo_user("sekretariat@portal.example"))
    client.post(reverse("partnership:member_list_order"))
    job = Job.objects.latest("pk")
    assert job.status == JobStatus.DONE
    assert f"media/{job.result_file.name}" in keys(bucket)
    response = client.get(reverse("partnership:job_download", args=[job.pk]))
    data = b"".join(response.streaming_content)
    assert "Region Sjælland" in pdf_text(data)


def test_the_bucket_is_chosen_by_the_environment():
    env = child_env(
        DEBUG="1",
        AWS_STORAGE_BUCKET_NAME="portal-filer",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
    )
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__module__, s.bucket_name, s.endpoint_url, s.querystring_auth)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["storages.backends.s3", "portal-filer", "https://s3.example.net", "True"]
