"""Every form in the portal, fed what Hypothesis makes up (NUL bytes, right-to-left text,
huge and Danish-formatted numbers, impossible dates, invalid choices, random files) through
the test client as the person who uses it: never a server error."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given

from .strategies import fresh, submissions
from .targets import TARGETS, VALID, form_key, project_forms
from .world import FUZZ, isolated, user


def test_every_project_form_has_a_fuzz_entry():
    """A new form without an entry in tests/fuzz/targets.py fails here."""
    found = {form_key(cls) for cls in project_forms()}
    assert {"offers.tariffs.forms.TariffForm", "partnership.forms.LoginForm"} <= found
    missing = sorted(found - set(TARGETS))
    assert not missing, f"Forms without a fuzz entry in tests/fuzz/targets.py: {missing}"
    stale = sorted(k for k in TARGETS if ":" not in k and k not in found)
    assert not stale, f"Fuzz entries for forms that no longer exist: {stale}"


def _check(response, target) -> None:
    assert response.status_code < 500, response.status_code
    # A refusal of the person would mean the fuzz never reached the form.
    assert response.status_code not in (401, 403, 404, 405), (
        f"{target.url} answered {response.status_code}: the entry does not reach the form"
    )
    if response.status_code in (301, 302) and target.email:
        location = response["Location"]
        assert not location.startswith((reverse("account_login"), reverse("mfa_activate_totp")))


def _form_errors(response) -> dict:
    """The errors of the forms on a page (to say why valid data was refused)."""
    context = response.context
    if context is None:
        return {}
    names = context.keys() if hasattr(context, "keys") else context.flatten().keys()
    return {n: context[n].errors for n in names if getattr(context[n], "errors", None)}


@pytest.mark.postgres
@pytest.mark.parametrize("key", sorted(TARGETS))
def test_fuzzed_input_never_gives_a_server_error(key, world):
    target = TARGETS[key](world)
    client = Client()
    if target.email:
        client.force_login(user(target.email))
    seen = Counter()  # status codes, printed for `pytest -s`
    send = client.get if target.method == "get" else client.post
    _check(send(target.url, dict(target.extra)), target)
    valid = VALID[key](world) if key in VALID else None
    if valid:
        response = isolated(
            lambda: send(target.url, {**target.extra, **fresh(valid, target.prefix)})
        )
        errors = _form_errors(response)
        assert response.status_code == 302, f"the valid data was refused: {errors}"

    def example(data):
        cache.clear()  # rate limits (the login form) would otherwise answer every later try
        response = send(target.url, {**target.extra, **data})
        _check(response, target)
        seen[response.status_code] += 1
        if response.status_code == 302 and target.email:
            # What was saved is shown on the next page: that page must cope with it too.
            _check(client.get(response["Location"]), target)

    @FUZZ
    @given(data=submissions(target.fields, target.prefix, valid))
    def fuzz(data):
        isolated(lambda: example(data))

    fuzz()
    print(f"\n{key}: {dict(seen)}")
