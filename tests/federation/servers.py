"""The identity providers the federation tests log in through, as real processes on
localhost: the SAML IdP (pysaml2, tests/federation/idp/idp.py, in .venv-idp) and the OpenID
Connect provider (panva's oidc-provider on Node, tests/federation/oidc/server.mjs), one of
each per test process, pointed at that process's live server. Fixtures for tests/federation
and tests/browser; `drive_saml` walks a login with plain HTTP as a browser would."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
IDP_PYTHON = ROOT / ".venv-idp" / "bin" / "python"
IDP_SCRIPT = ROOT / "tests" / "federation" / "idp" / "idp.py"
OIDC_SCRIPT = ROOT / "tests" / "federation" / "oidc" / "server.mjs"
SAML_SLUG = "test-idp"
OIDC_SLUG = "broker"
OIDC_CLIENT = ("partnerskabsportalen", "test-secret-not-secret")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[1]} stopped ({proc.returncode}):\n{log.read_text()}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def clock_offset() -> str:
    """Seconds from the real clock to the suite's (tests/conftest.py): the identity
    providers stamp their assertions and tokens on the suite's clock."""
    import time_machine

    return f"{time.time() - time_machine.escape_hatch.time.time():.3f}"


def _need(path: Path | str, what: str) -> None:
    """Skipped locally when missing, a failure under PORTAL_REQUIRE_SERVICES (.ci/run)."""
    from tests.conftest import _missing

    if not Path(path).exists():
        _missing(f"{what} mangler ({path}); `make install` og apt-pakken xmlsec1 giver det")


@pytest.fixture(scope="session")
def saml_idp_process(live_server, tmp_path_factory):
    _need(IDP_PYTHON, "IdP'ens venv")
    _need(shutil.which("xmlsec1") or "/usr/bin/xmlsec1", "xmlsec1")
    folder = tmp_path_factory.mktemp("saml-idp")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "idp.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(IDP_PYTHON),
                str(IDP_SCRIPT),
                "--port",
                str(port),
                "--clock-offset",
                clock_offset(),
                "--keys-dir",
                str(folder),
                "--sp-metadata-url",
                f"{live_server.url}/konto/saml/{SAML_SLUG}/metadata/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(url + "/healthz", proc, log)
        yield SimpleNamespace(url=url, log=log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def oidc_process(live_server, tmp_path_factory):
    _need(ROOT / "node_modules" / "oidc-provider", "npm-pakken oidc-provider")
    folder = tmp_path_factory.mktemp("oidc")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "oidc.log"
    env = dict(
        os.environ,
        PORT=str(port),
        CLOCK_OFFSET_SECONDS=clock_offset(),
        CLIENT_REDIRECT=f"{live_server.url}/konto/oidc/oidc-{OIDC_SLUG}/login/callback/",
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["node", str(OIDC_SCRIPT)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait(url + "/.well-known/openid-configuration", proc, log)
        yield SimpleNamespace(url=url, log=log)
    finally:
        _stop(proc)


@pytest.fixture
def saml_idp(saml_idp_process, demo):
    """The test IdP as an identity provider of the portal (the demo data's organisations)."""
    from django.core.cache import cache

    from federation.models import IdentityProvider

    cache.clear()  # allauth keeps an IdP's metadata in the cache
    # …and the IdP keeps the portal's: read again (a test may ask for encrypted assertions,
    # which adds the portal's encryption key to its metadata).
    requests.post(saml_idp_process.url + "/reload", timeout=10).raise_for_status()
    idp = IdentityProvider.objects.create(
        kind="saml",
        slug=SAML_SLUG,
        name="Test-IdP",
        entity_id=saml_idp_process.url + "/metadata",
        metadata_url=saml_idp_process.url + "/metadata",
    )
    idp.process = saml_idp_process
    return idp


@pytest.fixture
def oidc_broker(oidc_process, demo):
    from federation.models import IdentityProvider

    idp = IdentityProvider.objects.create(
        kind="oidc",
        slug=OIDC_SLUG,
        name="Test-broker",
        server_url=oidc_process.url,
        client_id=OIDC_CLIENT[0],
        client_secret=OIDC_CLIENT[1],
    )
    idp.process = oidc_process
    return idp


# --- A SAML login with plain HTTP, as the browser does it ----------------------------------


def inputs(html: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r"<input[^>]*>", html):
        tag = m.group(0)
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            out[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return out


def form_action(html: str) -> str:
    return unescape(re.search(r'<form[^>]*action="([^"]*)"', html).group(1))


def start_saml(session: requests.Session, portal: str, slug: str = SAML_SLUG) -> requests.Response:
    """The portal's button, its confirmation page (a POST), and the IdP's login page."""
    url = f"{portal}/konto/saml/{slug}/login/"
    page = session.get(url)
    page.raise_for_status()
    r = session.post(
        url,
        data={"csrfmiddlewaretoken": inputs(page.text)["csrfmiddlewaretoken"]},
        headers={"Referer": url},
    )
    r.raise_for_status()
    assert "/sso/redirect" in r.url, r.url
    return r


def idp_answer(session: requests.Session, idp_page: requests.Response, **fields) -> dict:
    """Fill in the IdP's form; returns the SAMLResponse form it would auto-POST."""
    data = inputs(idp_page.text)
    data["uuid"] = str(uuid.uuid4())
    data.update(fields)
    r = session.post(urljoin(idp_page.url, form_action(idp_page.text)), data=data)
    r.raise_for_status()
    posted = inputs(r.text)
    return {
        "action": form_action(r.text),
        "data": {k: v for k, v in posted.items() if k in ("SAMLResponse", "RelayState")},
    }


def post_answer(session: requests.Session, answer: dict) -> requests.Response:
    return session.post(answer["action"], data=answer["data"])


def saml_login(portal: str, **fields) -> tuple[requests.Session, requests.Response, dict]:
    session = requests.Session()
    answer = idp_answer(session, start_saml(session, portal), **fields)
    return session, post_answer(session, answer), answer
