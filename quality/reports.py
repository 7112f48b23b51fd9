"""The quality dialogue as a PDF (job kind "quality_dialogue"): its facts, participants,
each side's notes and scores per theme, and the actions with owner, deadline and status,
rendered as HTML for the shared PDF/UA function, for the person who ordered it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.models import Job, User
from partnership.pdf import render_pdf

from . import selectors
from .models import Dialogue

TEMPLATE = "pdf/quality_dialogue.html"


def dialogue_title(dialogue: Dialogue) -> str:
    return _("Kvalitetsdialog: %(municipality)s og %(provider)s") % {
        "municipality": dialogue.municipality.name,
        "provider": dialogue.provider.name,
    }


def dialogue_context(dialogue: Dialogue) -> dict:
    """What the PDF shows; `dialogue` as selectors.dialogue_for_page loads it."""
    actions = list(dialogue.actions.all())
    return {
        "dialogue": dialogue,
        "title": dialogue_title(dialogue),
        "rows": selectors.theme_rows(dialogue),
        "carried_in": [a for a in actions if a.carried_from_id],
        "agreed_here": [a for a in actions if not a.carried_from_id],
        "carried_on": [
            a for a in dialogue.carried_on_actions.all() if a.dialogue_id != dialogue.pk
        ],
        "today": timezone.localdate(),
        "generated_at": timezone.localtime(),
    }


def load_dialogue(user: User, dialogue_id: int) -> Dialogue:
    """The dialogue as the person may see it. Dialogue.DoesNotExist when it is gone,
    PermissionDenied when it is there but not theirs to see."""
    dialogue = selectors.dialogue_for_page(user, dialogue_id)
    if dialogue is None:
        if Dialogue.objects.filter(pk=dialogue_id).exists():
            raise PermissionDenied(_("Du kan ikke se dialogen."))
        raise Dialogue.DoesNotExist(f"Dialogue {dialogue_id} does not exist")
    return dialogue


def render_dialogue_html(dialogue: Dialogue) -> str:
    return render_to_string(TEMPLATE, dialogue_context(dialogue))


def dialogue_filename(dialogue: Dialogue) -> str:
    return f"kvalitetsdialog-{dialogue.held_on:%Y-%m-%d}-{dialogue.pk}.pdf"


def render_dialogue_pdf(job: Job, progress) -> tuple[str, bytes]:
    """Job renderer for kind "quality_dialogue": params {"dialogue_id": <id>}, for the
    person who ordered it (the dialogue's parties and the secretariat)."""
    progress(0, 2)
    dialogue = load_dialogue(job.ordered_by, int(job.params["dialogue_id"]))
    html = render_dialogue_html(dialogue)
    progress(1, 2)
    pdf = render_pdf(html)
    progress(2, 2)
    return dialogue_filename(dialogue), pdf
