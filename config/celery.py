"""Celery application. Tasks run in-process (eager) unless CELERY_BROKER_URL is set."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("partnerskab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def preload_weasyprint(**kwargs) -> None:
    """A worker's pool children recycle after a large job (CELERY_WORKER_MAX_MEMORY_PER_CHILD),
    and each fresh one would import WeasyPrint again (about a second) before its first PDF.
    Imported once in the worker's main process, before the pool forks, every child has it.
    Web processes never run this, so they do not load WeasyPrint (partnership/pdf.py)."""
    import weasyprint  # noqa: F401, PLC0415 - only in a worker, before it forks
