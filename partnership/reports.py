"""Documents rendered from partnership data."""

from __future__ import annotations

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Job, Organisation, OrganisationKind
from .pdf import render_pdf

KIND_ORDER = [
    OrganisationKind.SECRETARIAT,
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.REGION,
    OrganisationKind.BRANCH,
    OrganisationKind.PROVIDER,
]


def member_list_context() -> dict:
    organisations = (
        Organisation.objects.select_related("branch_organisation")
        .annotate(
            active_members=Count(
                "memberships__user",
                filter=Q(memberships__is_active=True, memberships__user__is_active=True),
                distinct=True,
            )
        )
        .order_by("name")
    )
    groups = []
    for kind in KIND_ORDER:
        rows = [o for o in organisations if o.kind == kind]
        if rows:
            groups.append({"label": OrganisationKind(kind).label, "organisations": rows})
    return {
        "groups": groups,
        "total": sum(len(g["organisations"]) for g in groups),
        "generated_at": timezone.localtime(),
    }


def render_member_list_html() -> str:
    return render_to_string("partnership/pdf/member_list.html", member_list_context())


def render_member_list(job: Job, progress) -> tuple[str, bytes]:
    progress(0, 2)
    html = render_member_list_html()
    progress(1, 2)
    pdf = render_pdf(html)
    progress(2, 2)
    return f"medlemsliste-{timezone.localdate():%Y-%m-%d}.pdf", pdf
