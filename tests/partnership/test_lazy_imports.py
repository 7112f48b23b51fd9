"""Issue 17, a quick `make run`: Django's start and the URLconf load none of the libraries
that only some requests and jobs use (partnership/lazy.py); the first use imports them."""

import subprocess
import sys
from pathlib import Path

from partnership.lazy import lazy_module
from tests.conftest import child_env

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("openpyxl", "pypdf", "icalendar", "weasyprint")
LOADED = (
    "import sys, django; django.setup(); "
    "from django.urls import get_resolver; get_resolver().url_patterns; "
    f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
)


def test_the_start_imports_no_heavy_library():
    done = subprocess.run(
        [sys.executable, "-c", LOADED],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[-2] == "[]"


def test_a_lazy_module_imports_at_its_first_attribute():
    module = lazy_module("json.decoder")
    assert module.JSONDecodeError is sys.modules["json.decoder"].JSONDecodeError
    assert module.__name__ == "json.decoder"
