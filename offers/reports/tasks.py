"""Scheduled report work for Celery beat (issue 6).

Beat entry: "offers.tasks_reports.order_scheduled_reports", e.g. daily at 05:30. The task keeps
that name, from before this module moved here, so the beat schedule and tasks already queued
find it."""

from __future__ import annotations

from celery import shared_task

from .library import order_due_scheduled_reports


@shared_task(
    name="offers.tasks_reports.order_scheduled_reports",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def order_scheduled_reports() -> int:
    """Order every scheduled takstoversigt that is due, once. Safe to run twice."""
    return len(order_due_scheduled_reports())
