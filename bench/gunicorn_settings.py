"""The project's settings for bench/run under gunicorn: config.settings as the environment
sets it (DEBUG off, SERVER_TIMING=1, ...), plus the bench-only URLconf with the floor view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
