"""Registers the offers app's report job kinds and navigation (issue 6)."""


def register() -> None:
    """Called from OffersConfig.ready()."""
