"""Fixtures for the fuzz tests. Hypothesis keeps its files under /tmp, never in a
.hypothesis/ folder in the repository."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from .world import World

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "partnerskab-hypothesis")


@pytest.fixture
def world(demo, monkeypatch):
    """The demo organisations and logins, and objects made on first use. Ordering a job
    creates it but renders nothing here (the fuzz is about the forms, not the PDFs)."""
    from partnership import jobs

    monkeypatch.setattr(jobs, "_enqueue", lambda job: None)
    return World()
