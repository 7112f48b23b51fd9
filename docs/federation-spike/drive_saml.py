"""Drive an SP-initiated SAML login through the local IdP with plain HTTP (requests),
for each scenario, and print what the SP did. Usage:
    python drive_saml.py [scenario ...]      (default: all, plus "replay")
"""

from __future__ import annotations

import re
import sys
import uuid
from html import unescape

import requests

SP = "http://127.0.0.1:8000"
SLUG = "demo"


def inputs(html: str) -> dict:
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


def start(s: requests.Session) -> requests.Response:
    """SP login page (POST, as allauth wants without SOCIALACCOUNT_LOGIN_ON_GET) -> IdP page."""
    r = s.get(f"{SP}/accounts/saml/{SLUG}/login/")
    r.raise_for_status()
    token = s.cookies.get("csrftoken")
    r = s.post(f"{SP}/accounts/saml/{SLUG}/login/", data={"csrfmiddlewaretoken": token},
               headers={"Referer": f"{SP}/accounts/saml/{SLUG}/login/"})
    r.raise_for_status()
    assert "/sso/redirect" in r.url, r.url
    return r


def idp_login(s, idp_page, scenario="ok", **fields):
    data = inputs(idp_page.text)
    data.update({"scenario": scenario, "uuid": fields.pop("uuid", str(uuid.uuid4()))})
    data.update(fields)
    action = requests.compat.urljoin(idp_page.url, form_action(idp_page.text))
    r = s.post(action, data=data)
    r.raise_for_status()
    return r  # the auto-POST page


def post_to_acs(s, autopost):
    data = inputs(autopost.text)
    acs = form_action(autopost.text)
    r = s.post(acs, data={k: v for k, v in data.items() if k in ("SAMLResponse", "RelayState")})
    return r, acs, data


def summary(r: requests.Response) -> str:
    body = r.text
    m = re.search(r"<pre id='who'>(.*?)</pre>", body, re.S)
    if m:
        return f"LOGGED IN at {r.url}: {unescape(m.group(1))[:900]}"
    title = re.search(r"<title>(.*?)</title>", body, re.S)
    h1 = re.search(r"<h1>(.*?)</h1>", body, re.S)
    flat = re.sub(r"\s+", " ", body)[:300]
    return (f"status {r.status_code} at {r.url}; title={title and title.group(1).strip()!r}; "
            f"h1={h1 and h1.group(1).strip()!r}; body[:300]={flat!r}")


def run(scenario: str, **fields):
    s = requests.Session()
    page = start(s)
    autopost = idp_login(s, page, scenario if scenario != "replay" else "ok", **fields)
    r, acs, data = post_to_acs(s, autopost)
    print(f"[{scenario}] {summary(r)}")
    if scenario == "replay":
        # 1. the same browser posts the same response again
        r2 = s.post(acs, data={k: data[k] for k in ("SAMLResponse", "RelayState") if k in data})
        print(f"[replay same session] {summary(r2)}")
        # 2. another browser (an attacker with the captured response)
        s3 = requests.Session()
        r3 = s3.post(acs, data={k: data[k] for k in ("SAMLResponse", "RelayState") if k in data})
        print(f"[replay new session] {summary(r3)}")
        # 3. another browser that has started its own login first (has a stashed state)
        s4 = requests.Session()
        start(s4)
        r4 = s4.post(acs, data={k: data[k] for k in ("SAMLResponse", "RelayState") if k in data})
        print(f"[replay new session with own pending login] {summary(r4)}")
        # 4. like 3, but the (unsigned) Response's InResponseTo is rewritten to the
        #    attacker's own pending request id; the signed assertion still names the old one
        import base64
        s5 = requests.Session()
        p5 = start(s5)
        from urllib.parse import parse_qs, urlparse
        import zlib
        req = parse_qs(urlparse(p5.url).query)["SAMLRequest"][0]
        req_xml = zlib.decompress(base64.b64decode(req), -15).decode()
        new_id = re.search(r'ID="([^"]+)"', req_xml).group(1)
        xml = base64.b64decode(data["SAMLResponse"]).decode()
        old_id = re.search(r'<ns\d:Response[^>]*InResponseTo="([^"]+)"', xml).group(1)
        m = re.search(r"<ns\d:Response[^>]*>", xml)
        head, rest = xml[: m.end()], xml[m.end():]
        assert old_id in head
        xml2 = head.replace(old_id, new_id) + rest
        r5 = s5.post(acs, data={"SAMLResponse": base64.b64encode(xml2.encode()).decode(),
                                "RelayState": data.get("RelayState", "")})
        print(f"[replay with Response/@InResponseTo rewritten] {summary(r5)}")
        # 5. like 4, but also dropping InResponseTo (looks IdP-initiated)
        s6 = requests.Session()
        head6 = re.sub(r' InResponseTo="[^"]+"', "", head)
        r6 = s6.post(acs, data={"SAMLResponse": base64.b64encode((head6 + rest).encode()).decode()})
        print(f"[replay as unsolicited (InResponseTo dropped)] {summary(r6)}")


if __name__ == "__main__":
    scenarios = sys.argv[1:] or ["ok", "expired", "not_yet_valid", "wrong_audience", "tampered",
                                 "unsigned", "wrong_key", "no_cvr", "replay"]
    for sc in scenarios:
        try:
            run(sc)
        except Exception as exc:
            print(f"[{sc}] FAILED in driver: {exc!r}")
