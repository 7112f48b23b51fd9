"""Drive allauth's openid_connect login against the local oidc-provider with requests.
Usage: python drive_oidc.py [login-name]   (holbaek | ukendt | lav | cvr:12345678:a@b)"""
import re
import sys
from html import unescape
from urllib.parse import urljoin

import requests

from drive_saml import inputs, summary

SP = "http://127.0.0.1:8000"


def run(login="holbaek"):
    s = requests.Session()
    url = f"{SP}/accounts/oidc/broker/login/"
    s.get(url).raise_for_status()
    r = s.post(url, data={"csrfmiddlewaretoken": s.cookies.get("csrftoken")}, headers={"Referer": url})
    r.raise_for_status()
    # oidc-provider's development login page
    form = re.search(r'<form[^>]*action="([^"]*)"', r.text)
    assert form, (r.url, r.text[:500])
    data = inputs(r.text)
    data.update({"login": login, "password": "x"})
    r = s.post(urljoin(r.url, unescape(form.group(1))), data=data)
    print(f"[oidc {login}] {summary(r)}")
    return r


if __name__ == "__main__":
    run(*(sys.argv[1:] or ["holbaek"]))
