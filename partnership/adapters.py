from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join the portal by invitation only."""

    def is_open_for_signup(self, request) -> bool:
        return False
