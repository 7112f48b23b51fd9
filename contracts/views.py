from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers.models import Offer
from offers.permissions import offers_visible_to
from partnership import jobs, mail
from partnership.confirmation import ask_first
from partnership.forms import add_service_errors
from partnership.intents import AlreadyDone
from partnership.models import MailKind, Organisation
from partnership.pagination import PAGE_PARAM, page_number, paginate
from partnership.views import member_required, queue_down_message, tell_ordered

from . import history, permissions, selectors, services
from .dates import next_dates
from .diff import word_diff
from .forms import (
    ClauseForm,
    CommentForm,
    ContractFilterForm,
    ContractForm,
    PriceItemForm,
    RenegotiateForm,
    TerminateForm,
)
from .models import NOTICE_STATES, Contract, ContractClause, ContractState, EventKind


def _visible_contract(request, pk) -> Contract:
    contract = (
        permissions.contracts_visible_to(request.user)
        .select_related(
            "buyer",
            "provider",
            "offer",
            "template",
            "tariff",
            "buyer_contact",
            "provider_contact",
            "buyer_signed_by",
            "provider_signed_by",
            "amendment_of",
        )
        .filter(pk=pk)
        .first()
    )
    if contract is None:
        raise Http404
    return contract


@dataclass
class _ContractRow:
    """A row of the contract list with its texts written out once here as plain text
    (templates/contracts/_contract_rows.html escapes and prints them): a page of 25 rows
    through template filters cost more than everything else on the page (two date filters,
    a URL reversal and a choices lookup per row)."""

    url: str
    offer: str
    amendment: bool
    buyer: str
    provider: str
    case_reference: str
    period: str
    state: str
    deviations: int


def _state_texts(contracts) -> dict[int, str]:
    """The state in words of the rows whose text holds a date (Contract.state_label: notice
    given, or replaced by an amendment; one query per replaced one only)."""
    return {
        c.pk: Contract(pk=c.pk, state=c.state, terminated_on=c.terminated_on).state_label
        for c in contracts
        if c.terminated_on
    }


def _contract_rows(contracts, states: dict[int, str]) -> list[_ContractRow]:
    """The rows' texts from selectors.contract_list_rows() and _state_texts()."""
    labels = {value: str(label) for value, label in ContractState.choices}
    # One reversal, then the pk put in its place (the URL pattern is <int:pk>).
    url = reverse("contracts:contract_detail", args=[0]).replace("/0/", "/{}/")
    rows = []
    for c in contracts:
        period = date_format(c.start_date)
        if c.end_date:
            period += " – " + date_format(c.end_date)
        rows.append(
            _ContractRow(
                url=url.format(c.pk),
                offer=c.offer__name,
                amendment=bool(c.amendment_of_id),
                buyer=c.buyer__name,
                provider=c.provider__name,
                case_reference=c.case_reference,
                period=period,
                state=states.get(c.pk) or labels.get(c.state, c.state),
                deviations=c.deviations,
            )
        )
    return rows


def _filter_key(form: ContractFilterForm, providers_digest: str) -> str:
    """A digest of everything the list's filter draws (contracts/_list_filter.html): what
    was asked for, the errors, and the providers to choose from (their digest, read with
    the page: selectors.ListPage). The providers themselves are read only when the filter is
    drawn, on a miss: drawing the four fields costs more than the rest of the page's rows."""
    asked = [(name, form[name].data) for name in form.fields]
    errors = sorted((name, [str(e) for e in errs]) for name, errs in form.errors.items())
    drawn = repr((asked, errors, providers_digest)).encode()
    return hashlib.blake2b(drawn, digest_size=16).hexdigest()


@member_required
def contract_list(request):
    if not permissions.can_use_contracts(request.user):
        if permissions.can_see_measures(request.user):
            return redirect("contracts:measures")
        raise PermissionDenied
    form = ContractFilterForm(request.GET, providers=selectors.list_providers(request.user))
    d = form.cleaned_data if form.is_valid() else {}
    f = selectors.ContractFilter(
        state=d.get("state", ""),
        offer_q=d.get("offer_q", ""),
        deviations=d.get("deviations", ""),
        provider=d.get("provider"),
    )
    size, asked = 25, page_number(request.GET.get(PAGE_PARAM))
    listed = selectors.ListPage(request.user, f, offset=(asked - 1) * size, size=size)
    page = paginate(listed, size, asked)
    contracts = page.object_list
    states = _state_texts(contracts)
    query = request.GET.copy()
    query.pop(PAGE_PARAM, None)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "form": form,
            "page": page,
            # The rows are written out (the template calls this) only when they are not in
            # the cache under the digest of the values they are written from.
            "rows": lambda: _contract_rows(contracts, states),
            "rows_key": hashlib.blake2b(
                repr((contracts, states)).encode(), digest_size=16
            ).hexdigest(),
            "query": query.urlencode(),
            "can_create": permissions.can_create_contract(request.user),
            "filter_key": _filter_key(form, listed.providers_digest),
        },
    )


@member_required
def contract_create(request):
    buyers = Organisation.objects.filter(pk__in=permissions.buyer_org_ids(request.user)).order_by(
        "name"
    )
    if not buyers:
        raise PermissionDenied(_("Kun kommunens medarbejdere kan oprette kontrakter."))
    try:
        offer = (
            offers_visible_to(request.user)
            .select_related("provider")
            .get(
                pk=int(request.GET.get("tilbud") or request.POST.get("tilbud") or 0),
                status="published",
            )
        )
    except (ValueError, Offer.DoesNotExist):
        messages.info(
            request,
            _("Find det tilbud, kontrakten gælder, og vælg 'Opret kontrakt' på tilbudssiden."),
        )
        return redirect("offers:search")
    form = ContractForm(
        request.POST or None,
        offer=offer,
        buyers=buyers,
        initial={"buyer": buyers[0], "buyer_contact": request.user},
    )
    if request.method == "POST" and form.is_valid():
        fields = form.terms()
        fields["offer"] = offer
        try:
            contract = services.create_contract(
                template=form.cleaned_data["template"],
                fields=fields,
                addons=form.cleaned_data["addons"],
                by=request.user,
                creation_key=form.cleaned_data["form_token"],
                reasons=form.reasons(),
            )
        except AlreadyDone as done:
            messages.info(request, " ".join(done.messages))
            return redirect(done.existing)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Kontrakten er oprettet som kladde ud fra standardkontrakten.")
            )
            return redirect(contract)
    return render(
        request, "contracts/contract_form.html", {"form": form, "offer": offer, "contract": None}
    )


@member_required
def contract_edit(request, pk):
    contract = _visible_contract(request, pk)
    if not permissions.can_edit_terms(request.user, contract):
        raise PermissionDenied
    buyers = [contract.buyer]
    form = ContractForm(
        request.POST or None,
        instance=contract,
        offer=contract.offer,
        buyers=buyers,
        editing=True,
        initial={"addons": contract.addons.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_terms(
                contract=Contract.objects.get(pk=contract.pk),
                fields=form.terms(),
                addons=form.cleaned_data["addons"],
                by=request.user,
                reasons=form.reasons(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Vilkårene er gemt."))
            return redirect(contract)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "offer": contract.offer, "contract": contract},
    )


@member_required
def contract_detail(request, pk):
    contract = _visible_contract(request, pk)
    clauses = list(contract.clauses.all())
    for c in clauses:
        c.diff = word_diff(c.standard_text, c.text) if c.is_deviation else None
    side = permissions.side_of(request.user, contract)
    events = permissions.events_visible_to(side, list(contract.events.select_related("by")))
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "clauses": clauses,
            "deviations": [c for c in clauses if c.is_deviation],
            "events": events,
            "history": history.describe_all(events),
            "comments": [e for e in events if e.kind == EventKind.COMMENT],
            "side": side,
            "can_edit_terms": permissions.can_edit_terms(request.user, contract),
            "can_change_clauses": permissions.can_change_clauses(request.user, contract),
            "can_send": side == "buyer" and contract.state == ContractState.DRAFT,
            "can_accept": side is not None
            and contract.state in (ContractState.SENT, ContractState.NEGOTIATION)
            and not (contract.buyer_signed_at if side == "buyer" else contract.provider_signed_at),
            "can_comment": side is not None and contract.state != ContractState.TERMINATED,
            "can_terminate": side is not None and contract.state in NOTICE_STATES,
            "next_dates": next_dates(contract, timezone.localdate()),
            "can_renegotiate": side == "buyer" and contract.state == ContractState.ACTIVE,
            "addons": list(contract.addons.all()),
            "price_items": list(contract.price_items.all()),
            "comment_form": CommentForm(),
            "terminate_form": TerminateForm(),
            "renegotiate_form": RenegotiateForm(),
            "amendment_changes": selectors.amendment_changes(contract),
            # An amendment not yet sent is the buyer's own, as any draft.
            "amendments": list(
                permissions.contracts_visible_to(request.user).filter(amendment_of=contract)
            ),
            "reminder_mails": mail.log_for([contract], kind=MailKind.CONTRACT_REMINDER),
        },
    )


@member_required
def clause_edit(request, pk, clause_pk):
    contract = _visible_contract(request, pk)
    clause = get_object_or_404(ContractClause, pk=clause_pk, contract=contract)
    if not permissions.can_change_clauses(request.user, contract):
        raise PermissionDenied
    if not clause.changeable:
        messages.error(
            request, _("Punkt %(n)s må ikke ændres i standardkontrakten.") % {"n": clause.number}
        )
        return redirect(contract)
    form = ClauseForm(
        request.POST or None, initial={"text": clause.text, "reason": clause.deviation_reason}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_clause(
                clause=clause,
                text=form.cleaned_data["text"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Punkt %(n)s er gemt.") % {"n": clause.number})
            return redirect(contract)
    preview = (
        word_diff(clause.standard_text, form.data.get("text", clause.text))
        if form.is_bound
        else None
    )
    return render(
        request,
        "contracts/clause_form.html",
        {"contract": contract, "clause": clause, "form": form, "preview": preview},
    )


def _action(request, pk, fn, success: str, **kwargs):
    contract = _visible_contract(request, pk)
    try:
        fn(contract=contract, by=request.user, **kwargs)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(
            request,
            " ".join(getattr(exc, "messages", [str(exc)])) or _("Handlingen er ikke tilladt."),
        )
    else:
        messages.success(request, success)
    return redirect(contract)


@member_required
@require_POST
def contract_send(request, pk):
    contract = _visible_contract(request, pk)
    if asked := ask_first(
        request,
        question=_("Send kontrakten til leverandøren?"),
        consequence=_("Leverandøren får besked og kan se kontrakten. Det kan ikke fortrydes."),
        button=_("Send til leverandøren"),
        back_url=contract.get_absolute_url(),
    ):
        return asked
    return _action(
        request, pk, services.send_to_provider, _("Kontrakten er sendt til leverandøren.")
    )


@member_required
@require_POST
def contract_accept(request, pk):
    contract = _visible_contract(request, pk)
    if asked := ask_first(
        request,
        question=_("Underskriv kontrakten?"),
        consequence=_(
            "Underskriften gemmes med dit navn og tidspunktet og kan ikke trækkes tilbage."
        ),
        button=_("Underskriv"),
        back_url=contract.get_absolute_url(),
    ):
        return asked
    return _action(request, pk, services.accept, _("Du har accepteret kontrakten."))


@member_required
@require_POST
def contract_comment(request, pk):
    form = CommentForm(request.POST)
    if not form.is_valid():
        contract = _visible_contract(request, pk)
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(contract)
    return _action(
        request, pk, services.comment, _("Kommentaren er gemt."), text=form.cleaned_data["text"]
    )


@member_required
@require_POST
def contract_terminate(request, pk):
    form = TerminateForm(request.POST)
    if not form.is_valid():
        contract = _visible_contract(request, pk)
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(contract)
    contract = _visible_contract(request, pk)
    if asked := ask_first(
        request,
        question=_("Opsig kontrakten?"),
        consequence=_("Opsigelsen sendes til den anden part og kan ikke trækkes tilbage."),
        button=_("Opsig"),
        back_url=contract.get_absolute_url(),
    ):
        return asked
    return _action(
        request,
        pk,
        services.terminate,
        _("Kontrakten er opsagt."),
        notice_given_on=form.cleaned_data["notice_given_on"],
        reason=form.cleaned_data["reason"],
    )


@member_required
def contract_price_item(request, pk):
    contract = _visible_contract(request, pk)
    if not permissions.can_edit_terms(request.user, contract):
        raise PermissionDenied
    form = PriceItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_price_item(contract=contract, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Den individuelle pris er tilføjet."))
            return redirect(contract)
    return render(request, "contracts/price_item_form.html", {"contract": contract, "form": form})


@member_required
@require_POST
def contract_renegotiate(request, pk):
    contract = _visible_contract(request, pk)
    form = RenegotiateForm(request.POST)
    # A missing or unreadable date is the service's to refuse, after it has checked who
    # asks and whether an amendment is already open.
    effective_date = form.cleaned_data["effective_date"] if form.is_valid() else None
    try:
        amendment = services.start_renegotiation(
            contract=contract, by=request.user, effective_date=effective_date
        )
    except AlreadyDone as done:
        messages.info(request, " ".join(done.messages))
        return redirect(done.existing)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(contract)
    messages.success(request, _("Et tillæg til kontrakten er oprettet som kladde."))
    return redirect(amendment)


@member_required
@require_POST
def contract_pdf(request, pk):
    contract = _visible_contract(request, pk)
    try:
        job = jobs.order_job(
            kind="contract_pdf",
            title=_("Kontrakt: %(offer)s") % {"offer": contract.offer.name},
            params={"contract_id": contract.pk},
            by=request.user,
        )
    except jobs.QueueUnavailable:
        messages.error(request, queue_down_message())
        return redirect(contract)
    tell_ordered(request, job)
    return redirect(job)


@member_required
def measures(request):
    if not permissions.can_see_measures(request.user):
        raise PermissionDenied
    per_buyer, clauses = selectors.deviation_measure()
    total = sum(m.total for m in per_buyer)
    without = sum(m.without for m in per_buyer)
    return render(
        request,
        "contracts/measures.html",
        {
            "per_buyer": per_buyer,
            "clauses": clauses,
            "total": total,
            "without": without,
            "share": (100 * without / total) if total else None,
        },
    )
