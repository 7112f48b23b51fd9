"""The web service runs gunicorn with config/gunicorn.py, in the image and in
docker-compose.yml alike, and its workers are recycled: a worker keeps the peak memory of
its largest request (+170 MB after one whole-catalogue download, issue 17) until it is
replaced."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import yaml
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "config/gunicorn.py"


def _gunicorn_config() -> Config:
    """config/gunicorn.py as gunicorn reads it: every name it sets is one of its settings."""
    config = Config()
    for name, value in runpy.run_path(str(ROOT / SETTINGS)).items():
        if name.startswith("__"):
            continue
        assert name in config.settings, f"{SETTINGS}: {name} is no gunicorn setting"
        config.set(name, value)
    return config


def test_the_workers_are_recycled_after_some_requests_with_jitter():
    config = _gunicorn_config()
    assert 100 <= config.max_requests <= 10_000
    assert 0 < config.max_requests_jitter < config.max_requests
    assert config.bind == ["0.0.0.0:8000"]
    assert config.workers >= 2


def test_the_master_loads_the_portal_and_prepares_it_before_the_workers_start():
    """What the master makes ready (the search's cards) every worker starts with, also one
    that replaces another (tests/offers/test_search_drawn_once.py starts it)."""
    config = _gunicorn_config()
    assert config.preload_app is True
    assert config.when_ready.__module__ != "gunicorn.config"  # (its own, not the default)


def test_the_image_and_compose_start_gunicorn_with_the_settings_file():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["command"]
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd is not None
    for command in (web, json.loads(cmd.group(1))):
        assert command[0] == "gunicorn"
        assert command[command.index("-c") + 1] == SETTINGS
        assert "config.wsgi:application" in command
        assert not any(a.startswith("--max-requests") for a in command)  # one home
