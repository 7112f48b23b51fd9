"""Text columns that never hold a CPR number.

Every model text field a person can fill in is one of these types. They carry the CPR rule
in three places at once, so that no path can forget it:

* ``default_validators``: ``full_clean()`` (services, ModelForms, the admin) refuses the
  text with the Danish message on the field;
* ``formfield()``: the form field has the rule too, so a form shows it next to the field;
* ``get_db_prep_save()``: every ORM write (``save``, ``bulk_create``, ``update``) is refused
  with :class:`CprRefused` if it would store a CPR number, whatever called it.

``tests/partnership/test_cpr_guard.py`` enumerates every text column of every model and
fails when one is not of these types (or explicitly exempt there, with the reason).
"""

from __future__ import annotations

from django.core import validators as django_validators
from django.core.exceptions import ValidationError
from django.db import models

from .validators import CPR_MESSAGE, looks_like_cpr, refuse_cpr

# The project's text columns a person never types: written by the portal itself, so they are
# plain Django fields. The enumeration test holds every other text column to the rule, and
# `manage.py scan_cpr` passes these over (a hash may contain ten digits that form a date).
NOT_TYPED_BY_A_PERSON = {
    "partnership.User.password": "a password hash",
    "partnership.Invitation.token_hash": "a SHA-256 hash",
    "meetings.CalendarFeed.token_hash": "a SHA-256 hash",
    "partnership.ApiToken.token_hash": "a SHA-256 hash",
    "partnership.Job.error": "the worker's technical failure text, shown to staff",
    "partnership.Job.error_detail": "the exception and traceback (CPR numbers redacted)",
    "partnership.OutgoingMail.related_type": "the kind of object an e-mail is about",
    "partnership.OutgoingMail.error": "the mail server's technical failure text",
    **{
        f"partnership.Redaction.{name}": "written by partnership.redaction from the model"
        for name in ("table_name", "object_pk", "column", "model_label", "field_label", "old_md5")
    },
}


class CprRefused(ValidationError):
    """A write that would have stored a CPR number. Raised below the forms, so it means a
    path without form validation; partnership.middleware shows it as a Danish 400 page."""


class NoCprMixin:
    """The rule is behaviour, not schema: in migrations a guarded field is the Django field
    it builds on, so changing a column to a guarded type changes nothing in the database."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        base = next(c for c in type(self).__mro__ if c.__module__.startswith("django.db.models"))
        return name, f"django.db.models.{base.__name__}", args, kwargs

    def get_db_prep_save(self, value, connection):
        if isinstance(value, str) and looks_like_cpr(value):
            raise CprRefused({self.name: [ValidationError(CPR_MESSAGE, code="cpr")]})
        return super().get_db_prep_save(value, connection)

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        if field is not None and refuse_cpr not in field.validators:
            field.validators.append(refuse_cpr)
        return field


class CharField(NoCprMixin, models.CharField):
    default_validators = [refuse_cpr]


class TextField(NoCprMixin, models.TextField):
    default_validators = [refuse_cpr]


class EmailField(NoCprMixin, models.EmailField):
    default_validators = [django_validators.validate_email, refuse_cpr]


class URLField(NoCprMixin, models.URLField):
    default_validators = [django_validators.URLValidator(), refuse_cpr]


class SlugField(NoCprMixin, models.SlugField):
    default_validators = [django_validators.validate_slug, refuse_cpr]
