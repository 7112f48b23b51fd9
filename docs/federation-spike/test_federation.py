"""End-to-end: a real SAML IdP process (pysaml2, idp.py), a real OIDC provider process
(oidc-provider on Node), the SP (allauth) as a runserver process, and headless Chromium
through Playwright.  Run: venv/bin/pytest -q test_federation.py"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

HERE = Path(__file__).parent
PY = str(HERE / "venv/bin/python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fed")
    sp_port, idp_port, oidc_port = free_port(), free_port(), free_port()
    sp = f"http://127.0.0.1:{sp_port}"
    idp = f"http://127.0.0.1:{idp_port}"
    oidc = f"http://127.0.0.1:{oidc_port}"
    env = dict(os.environ, SP_BASE=sp, IDP_BASE=idp, OIDC_BASE=oidc, SP_DB=str(tmp / "sp.sqlite3"))
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=HERE / "sp", env=env, check=True)
    logs = {n: open(tmp / f"{n}.log", "w") for n in ("sp", "idp", "oidc")}
    procs = {
        "sp": subprocess.Popen([PY, "manage.py", "runserver", f"127.0.0.1:{sp_port}", "--noreload"],
                               cwd=HERE / "sp", env=env, stdout=logs["sp"], stderr=subprocess.STDOUT),
        "idp": subprocess.Popen([PY, str(HERE / "idp.py"), "--port", str(idp_port),
                                 "--sp-metadata-url", f"{sp}/accounts/saml/demo/metadata/"],
                                stdout=logs["idp"], stderr=subprocess.STDOUT),
        "oidc": subprocess.Popen(["node", "server.mjs"], cwd=HERE / "oidc",
                                 env=dict(os.environ, PORT=str(oidc_port),
                                          CLIENT_REDIRECT=f"{sp}/accounts/oidc/broker/login/callback/"),
                                 stdout=logs["oidc"], stderr=subprocess.STDOUT),
    }
    try:
        wait_http(f"{idp}/healthz", procs["idp"])
        wait_http(f"{oidc}/.well-known/openid-configuration", procs["oidc"])
        wait_http(f"{sp}/accounts/login/", procs["sp"])
        yield {"sp": sp, "idp": idp, "oidc": oidc, "logs": tmp}
    finally:
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                               args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context()
    p = ctx.new_page()
    yield p
    ctx.close()


def saml_to_idp(page, servers):
    page.goto(f"{servers['sp']}/accounts/saml/demo/login/")
    page.locator("form button[type=submit]").click()      # allauth's "Fortsæt" (POST)
    page.wait_for_url(re.compile(re.escape(servers["idp"]) + r"/sso/redirect"))


def idp_submit(page, scenario="ok", **fields):
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.select_option("select[name=scenario]", scenario)
    page.get_by_role("button", name="Log ind").click()


def test_saml_login(page, servers):
    saml_to_idp(page, servers)
    assert page.locator("#sp").inner_text() == f"{servers['sp']}/accounts/saml/demo/metadata/"
    idp_submit(page, email="browser@holbaek.example", cvr="29189803")
    page.wait_for_url(f"{servers['sp']}/landing/")
    assert page.locator("h1").inner_text() == "Mit overblik"
    who = json.loads(page.locator("#who").inner_text())
    attrs = who["accounts"][0]["extra_data"]
    assert attrs["https://data.gov.dk/model/core/eid/professional/cvr"] == ["29189803"]
    assert attrs["https://data.gov.dk/concept/core/nsis/loa"] == ["Substantial"]
    assert attrs["https://data.gov.dk/model/core/specVersion"] == ["OIO-SAML-3.0"]
    assert who["accounts"][0]["uid"].startswith("urn:uuid:")


@pytest.mark.parametrize("scenario, danish", [
    ("expired", "udløbet"),
    ("not_yet_valid", "endnu ikke gyldigt"),
    ("wrong_audience", "ikke udstedt til Partnerskabsportalen"),
    ("tampered", "signatur kunne ikke godkendes"),
    ("unsigned", "ikke signeret"),
    ("wrong_key", "signatur kunne ikke godkendes"),
])
def test_saml_refused(page, servers, scenario, danish):
    saml_to_idp(page, servers)
    with page.expect_response(re.compile(r"/acs/finish/")) as resp:
        idp_submit(page, scenario, email=f"{scenario}@holbaek.example")
    assert resp.value.status == 401
    expect(page).to_have_title("Login mislykkedes")
    expect(page.locator("#besked")).to_contain_text(danish)
    assert "/landing/" not in page.url


@pytest.mark.parametrize("cvr, danish", [("", "intet CVR-nummer"),
                                         ("12345678", "CVR-nummer 12345678 hører ikke til")])
def test_saml_unknown_cvr_refused(page, servers, cvr, danish):
    saml_to_idp(page, servers)
    idp_submit(page, "no_cvr" if not cvr else "ok", cvr=cvr or "29189803",
               email=f"cvr{cvr}@holbaek.example")
    expect(page).to_have_title("Login afvist")
    expect(page.locator("#besked")).to_contain_text(danish)


def test_saml_replay_refused(page, browser, servers):
    saml_to_idp(page, servers)
    with page.expect_request(re.compile(r"/accounts/saml/demo/acs/$")) as req:
        idp_submit(page, email="replay@holbaek.example")
    page.wait_for_url(f"{servers['sp']}/landing/")
    posted = req.value.post_data
    # the same browser again, and another browser
    r1 = page.request.post(req.value.url, data=posted,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    other = browser.new_context()
    r2 = other.request.post(req.value.url, data=posted,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    r2_text = r2.text()
    other.close()
    assert r1.status == 403 and r2.status == 403
    assert "allerede brugt" in r1.text() and "allerede brugt" in r2_text


def test_oidc_login(page, servers):
    page.goto(f"{servers['sp']}/accounts/oidc/broker/login/")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(servers["oidc"]) + r"/interaction/"))
    page.fill("input[name=login]", "holbaek")
    page.fill("input[name=password]", "x")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{servers['sp']}/landing/")
    who = json.loads(page.locator("#who").inner_text())
    info = who["accounts"][0]["extra_data"]["userinfo"]
    assert info["nemlogin.cvr"] == "29189803"
    assert info["nemlogin.loa"] == "Substantial"


def test_oidc_unknown_cvr_refused(page, servers):
    page.goto(f"{servers['sp']}/accounts/oidc/broker/login/")
    page.locator("form button[type=submit]").click()
    page.fill("input[name=login]", "ukendt")
    page.fill("input[name=password]", "x")
    page.locator("button[type=submit]").click()
    expect(page).to_have_title("Login afvist")
    expect(page.locator("#besked")).to_contain_text("CVR-nummer 99999999")


def test_sp_metadata_validates(servers):
    xml = requests.get(f"{servers['sp']}/accounts/saml/demo/metadata/", timeout=10).text
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

    assert not isinstance(OneLogin_Saml2_XML.validate_xml(xml, "saml-schema-metadata-2.0.xsd"), str)
    import saml2
    import xmlschema

    xs = xmlschema.XMLSchema(str(Path(saml2.__file__).parent / "data/schemas/saml-schema-metadata-2.0.xsd"))
    xs.validate(xml)
