#!/usr/bin/env python
"""Django's command line, with two shortcuts for `manage.py runserver` (`make run`):

- With the autoreloader, the first process only starts and restarts the server's process
  (Django's `restart_with_reloader`); it no longer loads the whole project first, which
  Django does only to show an import error sooner (the server's process shows it too).
- Under `make run` (PORTAL_SEEDING set), the server's process loads the project while
  `seed_demo` runs beside it, and waits for the demo to be in place before it checks and
  serves (partnership/management/commands/seed_demo.py `wait_until_seeded`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] == ["runserver"] and not {"--noreload", "-h", "--help"} & set(sys.argv):
        from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

        if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            sys.exit(restart_with_reloader())
        if os.environ.get("PORTAL_SEEDING"):
            load_while_seeding(os.environ["PORTAL_SEEDING"])
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def restart_with_reloader() -> int:
    """What `runserver` does in its first process, without loading the project: run the
    server's process again whenever it exits to reload (exit code 3)."""
    import signal

    from django.utils import autoreload

    signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
    try:
        return autoreload.restart_with_reloader()
    except KeyboardInterrupt:
        return 0


def load_while_seeding(seeding: str) -> None:
    """Load the project (seed_demo loads it beside this), then wait for the demo. An error
    while loading is left for runserver, which shows it and waits for the fix."""
    import django

    try:
        django.setup()
    except Exception:  # noqa: BLE001 - raised again, and shown, by runserver
        return
    from partnership.management.commands.seed_demo import wait_until_seeded

    if not wait_until_seeded(seeding):
        sys.exit(1)


if __name__ == "__main__":
    main()
