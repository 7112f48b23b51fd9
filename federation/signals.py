"""At login: whether the login itself was two-factor (partnership.middleware reads it)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in

from partnership.middleware import SECOND_FACTOR_BY_LOGIN

from . import services
from .claims import identity_of


def remember_login_strength(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    sociallogin = kwargs.get("sociallogin")
    strong = False
    if sociallogin is not None:
        account = sociallogin.account
        strong = services.counts_as_mfa(identity_of(account.uid, account.extra_data or {}).loa)
    if strong:
        request.session[SECOND_FACTOR_BY_LOGIN] = True
    else:
        request.session.pop(SECOND_FACTOR_BY_LOGIN, None)


def connect() -> None:
    user_logged_in.connect(remember_login_strength, dispatch_uid="federation-login-strength")
