"""The contract as a PDF: parties, terms, every clause with its deviations from the standard
contract marked, and an annex with the reason for each deviation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.models import Job
from partnership.pdf import render_pdf

from . import history, permissions
from .diff import Diff, word_diff
from .models import Contract

TEMPLATE = "contracts/pdf/contract.html"


def load_contract(contract_id: int) -> Contract:
    """The contract with everything the PDF shows, in a fixed number of queries."""
    return (
        Contract.objects.select_related(
            "buyer",
            "provider",
            "offer",
            "offer__municipality",
            "template",
            "tariff",
            "amendment_of",
            "buyer_contact",
            "provider_contact",
            "buyer_signed_by",
            "provider_signed_by",
        )
        .prefetch_related("clauses", "addons", "price_items", "offer__paragraphs")
        .get(pk=contract_id)
    )


def _spaced(diff: Diff) -> Diff:
    """A space between a removed and an added word, so the text reads (and is extracted
    from the PDF) as "sjette tredje", not "sjettetredje"."""
    out: Diff = []
    for kind, text in diff:
        if kind == "ins" and out and out[-1][0] == "del":
            out.append(("", " "))
        out.append((kind, text))
    return out


def contract_pdf_context(contract: Contract, side: str | None = "buyer") -> dict:
    clauses = []
    deviations = []
    for clause in contract.clauses.all():
        row = {"clause": clause, "is_deviation": clause.is_deviation, "diff": None}
        if clause.is_deviation:
            row["diff"] = _spaced(word_diff(clause.standard_text, clause.text))
            deviations.append(clause)
        clauses.append(row)
    return {
        "contract": contract,
        "title": _("Kontrakt: %(offer)s – %(buyer)s")
        % {"offer": contract.offer.name, "buyer": contract.buyer.name},
        "paragraphs": list(contract.offer.paragraphs.all()),
        "addons": list(contract.addons.all()),
        "price_items": list(contract.price_items.all()),
        "clauses": clauses,
        "deviations": deviations,
        "history": history.describe_all(
            permissions.events_visible_to(side, list(contract.events.select_related("by")))
        ),
        "generated_at": timezone.localtime(),
    }


def render_contract_html(contract: Contract, side: str | None = "buyer") -> str:
    """The PDF's HTML as the side sees it (its history: permissions.events_visible_to)."""
    return render_to_string(TEMPLATE, contract_pdf_context(contract, side))


def render_contract_pdf(job: Job, progress) -> tuple[str, bytes]:
    """Job renderer for kind "contract_pdf": job.params == {"contract_id": <id>}. Only a
    party to the contract gets it rendered, whoever else can reach the job."""
    progress(0, 2)
    contract = load_contract(int(job.params["contract_id"]))
    side = permissions.side_of(job.ordered_by, contract)
    if side is None:
        raise PermissionDenied(_("Kun kontraktens parter kan hente kontrakten som PDF."))
    html = render_contract_html(contract, side)
    progress(1, 2)
    pdf = render_pdf(html)
    progress(2, 2)
    return f"kontrakt-{contract.buyer.slug}-{contract.pk}.pdf", pdf
