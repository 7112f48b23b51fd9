"""Helpers for the tests that hold a rule to every field of every form (the CPR guard, the
input bounds): the form as its view built it, bound to data, and what its errors say."""

from __future__ import annotations

from django import forms


def is_secret(field: forms.Field) -> bool:
    """Passwords and one-time codes: never stored as typed (the guard leaves them alone)."""
    return isinstance(field.widget, forms.PasswordInput)


def takes_text(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and not is_secret(field)


def bind(form, data: dict, files: dict | None = None):
    """The form as the view built it (its choices, querysets and instance), bound to data."""
    form.is_bound = True
    form.data = data
    form.files = files or {}
    form._errors = None
    return form


def has_error(form, name: str, code: str) -> bool:
    return any(e.code == code for e in form.errors.as_data().get(name, []))
