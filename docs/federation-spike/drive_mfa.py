"""Does allauth ask for TOTP after a SAML login? (user has TOTP; LoA Substantial vs Low)"""
import subprocess
import sys

import requests

import drive_saml as d

U = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


def login(loa):
    s = requests.Session()
    page = d.start(s)
    auto = d.idp_login(s, page, "ok", uuid=U, loa=loa, email="mfa@holbaek.example")
    r, _, _ = d.post_to_acs(s, auto)
    return r.url


if sys.argv[1:] == ["setup"]:
    print("first login:", login("Substantial"))
    subprocess.run(["../venv/bin/python", "manage.py", "shell", "-c",
                    "from allauth.mfa.models import Authenticator as A;"
                    "from django.contrib.auth.models import User;"
                    "u=User.objects.get(email='mfa@holbaek.example');"
                    "A.objects.get_or_create(user=u, type='totp', defaults={'data': {'secret': 'x'}});"
                    "print('totp for', u.email)"], cwd="sp", check=True)
for loa in ("Substantial", "High", "Low"):
    print(f"LoA {loa}: ends at {login(loa)}")
