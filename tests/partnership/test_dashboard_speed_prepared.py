"""Mit overblik's own lists (the newest jobs and the unread notices) and every panel read
through partnership.dashboard.prepared_rows (issue 17): the same objects as the ORM's, the
fields' converters applied (a job's parameters are JSON)."""

from __future__ import annotations

from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from partnership import dashboard
from partnership.models import Job, Notice
from tests.factories import CASEWORKER, demo_user


def test_the_jobs_and_notices_are_the_orms(demo):
    user = demo_user(CASEWORKER)
    for n in range(7):
        Job.objects.create(
            kind="export", title=f"Eksport {n}", params={"år": 2026, "n": [n]}, ordered_by=user
        )
    for n in range(12):
        Notice.objects.create(
            user=user,
            message=f"Besked {n}",
            url="/overblik/",
            read_at=timezone.now() if n % 4 == 0 else None,
        )
    for _round in range(2):  # compiled, then from the memo
        jobs = dashboard.recent_jobs(user)
        assert [model_to_dict(j) for j in jobs] == [
            model_to_dict(j) for j in Job.objects.filter(ordered_by=user)[:5]
        ]
        assert jobs[0].params == {"år": 2026, "n": [6]}
        notices = dashboard.unread_notices(user)
        assert [model_to_dict(n) for n in notices] == [
            model_to_dict(n) for n in Notice.objects.filter(user=user, read_at__isnull=True)[:10]
        ]
        assert len(notices) == 9


def test_a_new_notice_shows_at_once(demo, client):
    user = demo_user(CASEWORKER)
    client.force_login(user)
    url = reverse("partnership:dashboard")
    assert "Ny besked til dig" not in client.get(url).content.decode()
    Notice.objects.create(user=user, message="Ny besked til dig", url="")
    assert "Ny besked til dig" in client.get(url).content.decode()


def test_the_compiled_sql_runs_prepared_and_is_counted_as_any_query(demo):
    """compiled()'s SQL runs as a prepared statement (partnership.dashboard.compiled_cursor,
    the backend's preparing_cursor()), still through Django's execute wrappers and query log
    (the query-count tests and the bench's Server-Timing see it), its times in the portal's
    time zone as every other query's; nothing else is prepared."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = demo_user(CASEWORKER)
    job = Job.objects.create(kind="export", title="Eksport", params={}, ordered_by=user)
    with CaptureQueriesContext(connection) as ctx:
        jobs = dashboard.recent_jobs(user)
    assert [j.pk for j in jobs] == [job.pk]
    assert any('"partnership_job"' in q["sql"] for q in ctx.captured_queries)
    assert jobs[0].created_at == Job.objects.get(pk=job.pk).created_at
    assert jobs[0].created_at.tzinfo is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"partnership_job"' in sql for sql in prepared), prepared
    assert not any("pg_prepared_statements" in sql for sql in prepared)
