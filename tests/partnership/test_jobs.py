import pytest
from django.urls import reverse
from pypdf import PdfReader

from partnership import jobs
from partnership.demo import MUNICIPALITIES
from partnership.jobs import run_job
from partnership.models import Job, JobStatus
from tests.factories import demo_user
from tests.pdfs import pdf_text


def order_member_list(client):
    client.force_login(demo_user("sekretariat@portal.example"))
    response = client.post(reverse("partnership:member_list_order"))
    assert response.status_code == 302
    return Job.objects.latest("pk")


def test_secretariat_orders_member_list_and_downloads_the_pdf(client, demo):
    job = order_member_list(client)
    assert job.status == JobStatus.DONE  # tasks run in-process without a broker
    response = client.get(reverse("partnership:job_download", args=[job.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    data = b"".join(response.streaming_content)
    text = pdf_text(data)
    for name, _code in MUNICIPALITIES:
        assert f"{name} Kommune" in text
    assert "Region Sjælland" in text


def test_member_list_pdf_is_tagged_danish_pdf_ua(client, demo):
    job = order_member_list(client)
    reader = PdfReader(job.result_file.path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert reader.metadata.title == "Partnerskabets medlemsliste"


def test_only_secretariat_may_order_member_list(client, demo):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.post(reverse("partnership:member_list_order")).status_code == 403
    assert not Job.objects.exists()


def test_jobs_are_seen_only_by_orderer_and_secretariat(client, demo):
    job = order_member_list(client)
    for email, expected in [
        ("sagsbehandler.slagelse@portal.example", 404),
        ("leverandoer.a@portal.example", 404),
        ("sekretariat@portal.example", 200),
    ]:
        client.force_login(demo_user(email))
        assert client.get(reverse("partnership:job_detail", args=[job.pk])).status_code == expected
        assert (
            client.get(reverse("partnership:job_download", args=[job.pk])).status_code == expected
        )
        assert client.get(reverse("partnership:job_status", args=[job.pk])).status_code == expected


def test_running_a_finished_job_again_changes_nothing(client, demo):
    job = order_member_list(client)
    name, finished = job.result_file.name, job.finished_at
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.result_file.name, job.finished_at, job.attempts) == (name, finished, 1)


def test_a_redelivered_running_job_overwrites_its_own_file(client, demo, settings):
    import os

    job = order_member_list(client)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # as if the worker died
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2
    files = os.listdir(os.path.join(settings.MEDIA_ROOT, "jobs", str(job.pk)))
    assert files == [os.path.basename(job.result_file.name)]


def test_failed_job_says_why_and_can_be_retried(client, demo, monkeypatch):
    def broken(job, progress):
        raise RuntimeError("skabelonen mangler")

    monkeypatch.setitem(jobs._kinds, "member_list", jobs.JobKind("member_list", broken))
    job = order_member_list(client)
    assert job.status == JobStatus.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "skabelonen mangler" in page and "Prøv igen" in page

    monkeypatch.undo()
    jobs.register_builtin()
    response = client.post(reverse("partnership:job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error == ""


def test_when_the_queue_is_down_nothing_is_left_and_the_person_is_told(client, demo, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(jobs.run_job, "apply_async", refuse)
    client.force_login(demo_user("sekretariat@portal.example"))
    response = client.post(reverse("partnership:member_list_order"), follow=True)
    assert "Baggrundskøen kan ikke nås" in response.content.decode()
    assert not Job.objects.exists()
    assert client.get(reverse("partnership:dashboard")).status_code == 200


@pytest.mark.django_db
def test_unknown_job_kind_is_refused():
    from tests.factories import UserFactory

    with pytest.raises(ValueError):
        jobs.order_job(kind="nonsense", title="x", params={}, by=UserFactory())
