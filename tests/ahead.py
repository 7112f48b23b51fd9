"""A helper for the tests of statements sent before a page is drawn (partnership.ahead)."""

from __future__ import annotations

from django.template import base as template_base


def sends_and_renders(monkeypatch, sendable: type) -> list[str]:
    """The events of the request to come, in order: "send" each time an object of the class
    `sendable` sends its statement, "render" each time a template is drawn."""
    events: list[str] = []
    send, render = sendable.send, template_base.Template.render
    monkeypatch.setattr(sendable, "send", lambda self: events.append("send") or send(self))
    monkeypatch.setattr(
        template_base.Template,
        "render",
        lambda self, context: events.append("render") or render(self, context),
    )
    return events
