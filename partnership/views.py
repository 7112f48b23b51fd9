from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, wait
from functools import wraps

from allauth.mfa.models import Authenticator
from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import dashboard as dashboard_panels
from . import jobs, mail, permissions, redaction, services
from .confirmation import ask_first
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    ChangeRoleForm,
    InviteForm,
    OrganisationFilterForm,
    OrganisationForm,
    add_service_errors,
)
from .models import (
    NOTICE_MAIL_KINDS,
    ApiToken,
    Invitation,
    Job,
    JobStatus,
    Membership,
    Notice,
    Organisation,
    Redaction,
    Role,
    User,
)
from .navigation import sections_for
from .pagination import PAGE_PARAM, paginate


def member_required(view):
    """Logged in, and holding at least one active role in the partnership."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_member(request.user):
            raise PermissionDenied(_("Du har ingen aktiv rolle i partnerskabet."))
        return view(request, *args, **kwargs)

    return wrapper


def home(request):
    if request.user.is_authenticated and permissions.is_member(request.user):
        return redirect("partnership:dashboard")
    return render(request, "partnership/home.html")


def accessibility(request):
    return render(request, "partnership/accessibility.html")


@member_required
def dashboard(request):
    # The lists' reads sent to the database together (partnership.dashboard.read_together).
    with dashboard_panels.read_together("dashboard", request.user):
        memberships = permissions.memberships_of(request.user)
        sections = [s for s in sections_for(request.user) if s.key != "dashboard"]
        recent_jobs = dashboard_panels.recent_jobs(request.user)
        notices = dashboard_panels.unread_notices(request.user)
        unsent = mail.unsent(notices, kind=NOTICE_MAIL_KINDS)
        for notice in notices:
            notice.mail_not_sent = unsent.get(notice.pk, "")
        context = {
            "memberships": memberships,
            "sections": sections,
            "recent_jobs": recent_jobs,
            "notices": notices,
            "managed": permissions.managed_organisations(request.user),
            "is_secretariat": permissions.is_secretariat(request.user),
            "panels": dashboard_panels.panels_for(request.user),
            "back_field": {
                "name": dashboard_panels.BACK_PARAM,
                "value": dashboard_panels.BACK_TO_DASHBOARD,
            },
        }
    return render(request, "partnership/dashboard.html", context)


# --- Organisations ---------------------------------------------------------------------


@member_required
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    qs = permissions.organisations_visible_to(request.user).select_related("branch_organisation")
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(code=q) | Q(cvr=q))
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
    page = paginate(qs.order_by("kind", "name"), 50, request.GET.get(PAGE_PARAM))
    query = request.GET.copy()
    query.pop(PAGE_PARAM, None)
    return render(
        request,
        "partnership/organisation_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": permissions.is_secretariat(request.user),
        },
    )


def _visible_organisation(request, slug: str) -> Organisation:
    return get_object_or_404(permissions.organisations_visible_to(request.user), slug=slug)


@member_required
def organisation_detail(request, slug):
    organisation = _visible_organisation(request, slug)
    members = None
    if permissions.can_view_members(request.user, organisation):
        members = (
            Membership.objects.active()
            .filter(organisation=organisation)
            .select_related("user")
            .order_by("user__name", "user__email")
        )
    can_manage = permissions.can_manage_members(request.user, organisation)
    providers = None
    if organisation.kind == "branch":
        providers = organisation.member_providers.order_by("name")
    return render(
        request,
        "partnership/organisation_detail.html",
        {
            "organisation": organisation,
            "members": members,
            "providers": providers,
            "can_manage": can_manage,
            "can_invite_first_admin": not can_manage
            and permissions.can_invite(request.user, organisation),
            "can_edit": permissions.can_edit_organisation(request.user, organisation),
            "can_manage_api_tokens": permissions.can_manage_api_tokens(request.user, organisation),
        },
    )


@member_required
def organisation_edit(request, slug=None):
    organisation = _visible_organisation(request, slug) if slug else None
    allowed = (
        permissions.can_edit_organisation(request.user, organisation)
        if organisation
        else permissions.can_create_organisation(request.user)
    )
    if not allowed:
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        if organisation:
            organisation = form.save()
            messages.success(request, _("%(org)s er gemt.") % {"org": organisation})
            return redirect(organisation)
        try:
            organisation, invitation = services.create_organisation(
                organisation=form.save(commit=False),
                admin_email=form.cleaned_data["admin_email"],
                admin_name=form.cleaned_data["admin_name"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(org)s er oprettet, og %(email)s er inviteret som første administrator.")
                % {"org": organisation, "email": invitation.email},
            )
            return redirect(organisation)
    return render(
        request, "partnership/organisation_form.html", {"form": form, "organisation": organisation}
    )


# --- Members and invitations -----------------------------------------------------------


def _managed_organisation(request, slug) -> Organisation:
    organisation = _visible_organisation(request, slug)
    if not permissions.can_manage_members(request.user, organisation):
        raise PermissionDenied
    return organisation


@member_required
def members(request, slug):
    """The organisation's admin manages its members here; the secretariat comes here only
    to invite the first administrator of an organisation that has none."""
    organisation = _visible_organisation(request, slug)
    can_manage = permissions.can_manage_members(request.user, organisation)
    if not (can_manage or permissions.can_invite(request.user, organisation)):
        raise PermissionDenied
    grantable = permissions.grantable_roles(request.user, organisation)
    form = InviteForm(request.POST or None, organisation=organisation, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invite_member(
                organisation=organisation,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Invitationen er sendt til %(email)s. Linket gælder i 7 dage.")
                % {"email": invitation.email},
            )
            return redirect("partnership:members", slug=organisation.slug)
    memberships = (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_active", "user__name", "user__email")
    )
    invitations = list(
        organisation.invitations.select_related("invited_by").order_by("-created_at")[:50]
    )
    return render(
        request,
        "partnership/members.html",
        {
            "organisation": organisation,
            "form": form,
            "memberships": memberships,
            "invitations": invitations,
            "role_choices": [(r, Role(r).label) for r in grantable],
            "can_manage": can_manage,
            "cancellable": {
                inv.pk
                for inv in invitations
                if inv.is_pending and permissions.can_cancel_invitation(request.user, inv)
            },
        },
    )


def _managed_membership(request, slug, pk) -> Membership:
    organisation = _managed_organisation(request, slug)
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"), pk=pk, organisation=organisation
    )


@member_required
def membership_change_role(request, slug, pk):
    membership = _managed_membership(request, slug, pk)
    grantable = permissions.grantable_roles(request.user, membership.organisation)
    form = ChangeRoleForm(
        request.POST or None, grantable=grantable, initial={"role": membership.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            form.add_error("role", _("Du må ikke give den valgte rolle."))
        else:
            messages.success(
                request,
                _("%(person)s er nu %(role)s.")
                % {"person": membership.user, "role": membership.get_role_display().lower()},
            )
            return redirect("partnership:members", slug=slug)
    return render(
        request,
        "partnership/membership_role_form.html",
        {"membership": membership, "form": form, "organisation": membership.organisation},
    )


@member_required
def membership_deactivate(request, slug, pk):
    membership = _managed_membership(request, slug, pk)
    if request.method == "POST":
        try:
            services.deactivate_membership(membership=membership, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(person)s er ikke længere %(role)s i %(org)s.")
                % {
                    "person": membership.user,
                    "role": membership.get_role_display().lower(),
                    "org": membership.organisation,
                },
            )
        return redirect("partnership:members", slug=slug)
    return render(
        request,
        "partnership/membership_deactivate.html",
        {"membership": membership, "organisation": membership.organisation},
    )


@member_required
@require_POST
def invitation_cancel(request, slug, pk):
    organisation = _visible_organisation(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, organisation=organisation)
    if not permissions.can_cancel_invitation(request.user, invitation):
        raise PermissionDenied
    services.cancel_invitation(invitation=invitation, by=request.user)
    messages.success(
        request, _("Invitationen til %(email)s er annulleret.") % {"email": invitation.email}
    )
    return redirect("partnership:members", slug=slug)


def invitation_accept(request, token):
    try:
        invitation = services.check_invitation(token)
    except services.InvitationInvalid as exc:
        return render(
            request, "partnership/invitation_invalid.html", {"reason": str(exc)}, status=410
        )

    existing = User.objects.filter(email__iexact=invitation.email).exists()
    if existing:
        if not request.user.is_authenticated or request.user.email.lower() != invitation.email:
            return render(
                request,
                "partnership/invitation_login_first.html",
                {"invitation": invitation, "next": request.path},
            )
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, password=None, user=request.user)
            except services.InvitationInvalid as exc:
                return render(
                    request, "partnership/invitation_invalid.html", {"reason": str(exc)}, status=410
                )
            messages.success(
                request, _("Du har nu en rolle i %(org)s.") % {"org": invitation.organisation}
            )
            return redirect("partnership:dashboard")
        return render(request, "partnership/invitation_confirm.html", {"invitation": invitation})

    form = AcceptInvitationForm(
        request.POST or None, email=invitation.email, initial={"name": invitation.name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.accept_invitation(
                token=token, password=form.cleaned_data["password1"], name=form.cleaned_data["name"]
            )
        except services.InvitationInvalid as exc:
            return render(
                request, "partnership/invitation_invalid.html", {"reason": str(exc)}, status=410
            )
        messages.success(
            request,
            _("Velkommen til Partnerskabsportalen. Log ind med %(email)s og din nye adgangskode.")
            % {"email": person.email},
        )
        return redirect(reverse("account_login") + f"?email={person.email}")
    return render(
        request, "partnership/invitation_accept.html", {"invitation": invitation, "form": form}
    )


# --- Profile ---------------------------------------------------------------------------


@login_required
def profile(request):
    authenticators = {a.type for a in Authenticator.objects.filter(user=request.user)}
    return render(
        request,
        "partnership/profile.html",
        {
            "memberships": permissions.memberships_of(request.user),
            "has_totp": Authenticator.Type.TOTP in authenticators,
            "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in authenticators,
            "mfa_required": permissions.requires_mfa(request.user),
        },
    )


# --- Background jobs -------------------------------------------------------------------


def _visible_job(request, pk) -> Job:
    job = get_object_or_404(Job.objects.select_related("ordered_by"), pk=pk)
    if not permissions.can_view_job(request.user, job):
        raise Http404
    return job


@member_required
def job_list(request):
    qs = permissions.jobs_visible_to(request.user).select_related("ordered_by")
    show_all = permissions.is_secretariat(request.user) and request.GET.get("alle") == "1"
    if not show_all:
        qs = qs.filter(ordered_by=request.user)
    page = paginate(qs, 25, request.GET.get(PAGE_PARAM))
    return render(
        request,
        "partnership/job_list.html",
        {
            "page": page,
            "show_all": show_all,
            "is_secretariat": permissions.is_secretariat(request.user),
        },
    )


@member_required
def job_detail(request, pk):
    job = _visible_job(request, pk)
    return render(
        request,
        "partnership/job_detail.html",
        {
            "job": job,
            "show_error_detail": permissions.can_see_job_error_detail(request.user, job),
        },
    )


@member_required
def job_status(request, pk):
    job = _visible_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "finished": job.is_finished,
        }
    )


@member_required
def job_download(request, pk):
    job = _visible_job(request, pk)
    if job.status != JobStatus.DONE or not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name)


@member_required
@require_POST
def job_retry(request, pk):
    job = _visible_job(request, pk)
    if not permissions.can_retry_job(request.user, job):
        raise PermissionDenied
    try:
        jobs.retry_job(job=job, by=request.user)
    except jobs.QueueUnavailable:
        messages.error(request, queue_down_message())
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        job.refresh_from_db()
        tell_ordered(request, job)
    return redirect(job)


def job_message(job: Job) -> tuple[int, str]:
    """What the person reads after ordering (or retrying) a job, from the job's status as
    it is now: a job already done (no broker: it ran in the request) never "dannes nu"."""
    if job.status == JobStatus.DONE:
        return messages.SUCCESS, _("Dokumentet er klar. Du kan hente det her.")
    if job.status == JobStatus.FAILED:
        return messages.ERROR, _("Dokumentet kunne ikke dannes. Du kan læse hvorfor her.")
    return messages.SUCCESS, _("Dokumentet dannes nu. Du kan følge det her.")


def tell_ordered(request, job: Job) -> None:
    """The one message after a job is ordered, for every kind: see job_message."""
    level, text = job_message(job)
    messages.add_message(request, level, text)


def queue_down_message() -> str:
    return _(
        "Baggrundskøen kan ikke nås lige nu, så dokumentet kan ikke bestilles. Intet er "
        "gemt. Prøv igen om lidt, eller kontakt sekretariatet, hvis det varer ved."
    )


@member_required
def member_list_order(request):
    if not permissions.can_order_member_list(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            job = jobs.order_job(
                kind="member_list", title=_("Medlemsliste"), params={}, by=request.user
            )
        except jobs.QueueUnavailable:
            messages.error(request, queue_down_message())
            return redirect("partnership:member_list_order")
        tell_ordered(request, job)
        return redirect(job)
    counts = dict(Organisation.objects.values_list("kind").annotate(n=Count("pk")))
    return render(request, "partnership/member_list_order.html", {"counts": counts})


@member_required
@require_POST
def notices_read(request):
    Notice.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("partnership:dashboard")


# Health checks for a load balancer: each check gets its own short timeouts, and all of
# them together at most HEALTH_DEADLINE seconds, even when a server hangs.
HEALTH_DEADLINE = 1.5
HEALTH_TIMEOUT = 1  # seconds for the broker's connect and read
HEALTH_DB_TIMEOUT = 2  # seconds for the database's connect (libpq's lowest); queries 1 s


def _database_answers() -> bool:
    """A fresh connection (not this thread's persistent one) answers SELECT 1."""
    conn = connections.create_connection("default")
    options = dict(conn.settings_dict.get("OPTIONS") or {})
    options["connect_timeout"] = HEALTH_DB_TIMEOUT
    options["options"] = f"{options.get('options', '')} -c statement_timeout=1000".strip()
    conn.settings_dict = {**conn.settings_dict, "OPTIONS": options}
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:  # refused, timed out, shutting down, bad password ...
        logging.getLogger(__name__).warning("healthz: database check failed: %s", exc)
        return False
    finally:
        conn.close()


def _broker_answers() -> bool | None:
    """The broker takes a connection and answers a ping; None when there is none (tasks
    run in-process)."""
    if not settings.CELERY_BROKER_URL:
        return None
    timeouts = {"socket_timeout": HEALTH_TIMEOUT, "socket_connect_timeout": HEALTH_TIMEOUT}
    try:
        with current_app.connection_for_write(
            settings.CELERY_BROKER_URL, connect_timeout=HEALTH_TIMEOUT, transport_options=timeouts
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=HEALTH_TIMEOUT)
        return True
    except Exception as exc:  # refused, timed out, DNS, authentication ...
        logging.getLogger(__name__).warning("healthz: broker check failed: %s", exc)
        return False


def healthz(request):
    """Health for a load balancer: JSON ``{"database": "ok"|"fejl", "broker": "ok"|"fejl"}``
    ("broker": "ikke i brug" when no CELERY_BROKER_URL is set and tasks run in-process).

    Status code: 503 only when the database fails, since without it this process cannot
    serve a page (sessions, logins, every page reads it) and should be taken out. A broker
    that fails gives 200 with "broker": "fejl" (degraded): pages are still served and
    ordering a job says clearly that the queue cannot be reached. Every web process shares
    the one broker, so a 503 would take all of them out and turn a partial outage into a
    full one; monitoring should alert on "fejl" in the body instead.

    Both checks run at the same time, each with short timeouts, and the answer comes within
    HEALTH_DEADLINE seconds even when a server hangs: a check that has not answered by then
    is "fejl". No login, no session, no cache; the body says only ok or fejl (the reason
    goes to the log). It is exempt from SECURE_SSL_REDIRECT (SECURE_REDIRECT_EXEMPT), so a
    balancer may probe the process over plain HTTP. ALLOWED_HOSTS still applies: the
    balancer must send an allowed Host header (or the process's own address must be in
    ALLOWED_HOSTS), or Django answers 400 before this view runs."""
    checks = {"database": _database_answers, "broker": _broker_answers}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    try:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        wait(futures.values(), timeout=HEALTH_DEADLINE)
    finally:
        # Do not wait for a check that hangs; its own timeouts end its thread.
        pool.shutdown(wait=False, cancel_futures=True)
    words = {True: "ok", False: "fejl", None: "ikke i brug"}
    body = {
        name: words[future.result() if future.done() else False] for name, future in futures.items()
    }
    status = 200 if body["database"] == "ok" else 503
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


# --- CPR numbers already stored (the secretariat) -------------------------------------------


@member_required
def cpr_findings(request):
    """Every stored text that holds a CPR number, with the number masked, and a button
    that takes it out (partnership.redaction)."""
    if not permissions.is_secretariat(request.user):
        raise PermissionDenied(_("Kun sekretariatet kan se fundne CPR-numre."))
    context = {
        "findings": redaction.scan_cpr(),
        "redactions": Redaction.objects.select_related("redacted_by")[:50],
    }
    return render(request, "partnership/cpr_findings.html", context)


@member_required
@require_POST
def cpr_redact(request):
    if not permissions.is_secretariat(request.user):
        raise PermissionDenied(_("Kun sekretariatet kan fjerne CPR-numre."))
    if asked := ask_first(
        request,
        question=_("Fjern CPR-nummeret?"),
        consequence=_("Teksten ændres for altid; det fjernede kan ikke hentes frem igen."),
        button=_("Fjern CPR-nummer"),
        back_url=reverse("partnership:cpr_findings"),
    ):
        return asked
    model_label, _sep, rest = request.POST.get("finding", "").partition(":")
    pk, _sep, field_name = rest.partition(":")
    try:
        record = redaction.redact_cpr(
            model_label=model_label, pk=pk, field_name=field_name, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("CPR-nummeret er fjernet fra %(field)s (%(model)s %(pk)s).")
            % {"field": record.field_label, "model": record.model_label, "pk": record.object_pk},
        )
    return redirect("partnership:cpr_findings")


# --- API tokens (issue 16) ------------------------------------------------------------------


def _token_organisation(request, slug: str) -> Organisation:
    organisation = _visible_organisation(request, slug)
    if not permissions.can_manage_api_tokens(request.user, organisation):
        raise PermissionDenied
    return organisation


@member_required
def api_tokens(request, slug):
    """The organisation's API tokens: a new one (shown once), and every one with its last
    use; the organisation's admin and the secretariat."""
    organisation = _token_organisation(request, slug)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _created, new_token = services.create_api_token(
                organisation=organisation,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    tokens = list(organisation.api_tokens.select_related("created_by"))
    return render(
        request,
        "partnership/api_tokens.html",
        {"organisation": organisation, "form": form, "tokens": tokens, "new_token": new_token},
    )


@member_required
@require_POST
def api_token_revoke(request, slug, pk):
    organisation = _token_organisation(request, slug)
    api_token = get_object_or_404(ApiToken, pk=pk, organisation=organisation)
    if asked := ask_first(
        request,
        question=_("Tilbagekald API-nøglen %(name)s?") % {"name": api_token.name},
        consequence=_(
            "Systemer, der bruger nøglen, afvises fra næste forespørgsel. En tilbagekaldt "
            "nøgle kan ikke genoprettes."
        ),
        button=_("Tilbagekald"),
        back_url=reverse("partnership:api_tokens", args=[organisation.slug]),
    ):
        return asked
    services.revoke_api_token(api_token=api_token, by=request.user)
    messages.success(request, _("API-nøglen %(name)s er tilbagekaldt.") % {"name": api_token.name})
    return redirect("partnership:api_tokens", slug=organisation.slug)
