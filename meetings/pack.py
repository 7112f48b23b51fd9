"""The meeting pack (mødemappe): one PDF with the person's agenda and, after it, the PDF
bilag they may see, in the order of the agenda, with a bookmark (PDF outline) for the
agenda, for each item and, under its item, for each bilag. A bilag that is not a PDF (Word,
Excel, PowerPoint), or a PDF that cannot be read or is locked with a password, is listed
in the pack as one to get in the portal ("hent i portalen"), with its address.

Always for one reader, as the agenda PDF: the items and bilag are selectors.agenda's, so an
item or a bilag closed to organisations the reader is not in is left out
(permissions.may_see_item, may_see_attachment).

Not PDF/UA: the agenda part is rendered PDF/UA like every PDF of the portal
(partnership.pdf.render_pdf), but the bilag are appended as they were uploaded, most
without tags, so the whole cannot claim PDF/UA. The pack therefore keeps the language
(da), the title and the bookmarks, and not the agenda's structure tree or its PDF/UA
claim; the agenda PDF (job meeting_agenda) is the accessible document."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.lazy import lazy_module
from partnership.links import absolute_url
from partnership.models import Job, User
from partnership.pdf import render_pdf

from . import permissions, reports, selectors
from .models import AgendaAttachment, Meeting

if TYPE_CHECKING:
    from pypdf import PdfReader

log = logging.getLogger(__name__)
pypdf = lazy_module("pypdf")  # when the first pack is made (partnership/lazy.py)

PACK_TEMPLATE = "pdf/meeting_pack.html"


@dataclass
class PackAttachment:
    """A bilag the person may see: appended (reader set) or to get in the portal."""

    pk: int
    title: str
    file_type: str
    url: str
    reader: PdfReader | None = None

    @property
    def appended(self) -> bool:
        return self.reader is not None


@dataclass
class PackItem:
    row: selectors.AgendaRow
    attachments: list[PackAttachment] = field(default_factory=list)

    @property
    def bookmark(self) -> str:
        return f"{self.row.item.number}. {self.row.item.heading}"

    @property
    def appended(self) -> list[PackAttachment]:
        return [a for a in self.attachments if a.appended]

    @property
    def elsewhere(self) -> list[PackAttachment]:
        return [a for a in self.attachments if not a.appended]


def _reader(attachment: AgendaAttachment) -> PdfReader | None:
    """The bilag's pages, if it is a PDF that can be read without a password."""
    if attachment.file_type != "pdf":
        return None
    try:
        with attachment.file.open("rb") as f:
            reader = pypdf.PdfReader(io.BytesIO(f.read()))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        if not reader.pages:
            return None
        return reader
    except (pypdf.errors.PyPdfError, OSError, ValueError, KeyError, TypeError):
        log.warning("Bilag %s is not a readable PDF; listed instead", attachment.pk, exc_info=True)
        return None


def pack_items(user: User, meeting: Meeting) -> list[PackItem]:
    """The person's agenda items, each with the bilag they may see (selectors.agenda)."""
    rows = selectors.agenda(user, meeting)
    stored = AgendaAttachment.objects.in_bulk([a["pk"] for row in rows for a in row.attachments])
    items = []
    for row in rows:
        item = PackItem(row=row)
        for a in row.attachments:
            attachment = stored[a["pk"]]
            url = absolute_url(
                reverse("meetings:attachment_download", args=[meeting.pk, attachment.pk])
            )
            item.attachments.append(
                PackAttachment(
                    pk=attachment.pk,
                    title=attachment.title,
                    file_type=attachment.file_type,
                    url=url,
                    reader=_reader(attachment),
                )
            )
        items.append(item)
    return items


def render_pack_html(user: User, meeting: Meeting, items: list[PackItem]) -> str:
    """The first part of the pack: the agenda, and which bilag follow and which are to be
    got in the portal."""
    context = reports.agenda_context(user, meeting)
    context.update(
        {
            "title": _("Mødemappe: %(forum)s, %(title)s")
            % {"forum": meeting.forum, "title": meeting.title},
            "items": items,
            "appended": [(i, a) for i in items for a in i.appended],
            "elsewhere": [(i, a) for i in items for a in i.elsewhere],
            "meeting_url": absolute_url(meeting.get_absolute_url()),
        }
    )
    return render_to_string(PACK_TEMPLATE, context)


def build_pack(user: User, meeting: Meeting) -> bytes:
    """The pack as PDF bytes, for the person (who may view the meeting)."""
    if not permissions.can_view_meeting(user, meeting):
        raise PermissionDenied(_("Du er ikke inviteret til mødet."))
    items = pack_items(user, meeting)
    agenda = pypdf.PdfReader(io.BytesIO(render_pdf(render_pack_html(user, meeting, items))))
    writer = pypdf.PdfWriter()
    writer.append(agenda, import_outline=False)
    writer.add_outline_item(title=_("Dagsorden"), page_number=0)
    for item in items:
        first = len(writer.pages) if item.appended else 0
        parent = writer.add_outline_item(title=item.bookmark, page_number=first)
        for attachment in item.appended:
            start = len(writer.pages)
            writer.append(attachment.reader, import_outline=False)
            writer.add_outline_item(title=attachment.title, page_number=start, parent=parent)
    title = (agenda.metadata.title if agenda.metadata else None) or _("Mødemappe")
    writer.add_metadata({"/Title": title, "/Producer": "Partnerskabsportalen"})
    writer.root_object[pypdf.generic.NameObject("/Lang")] = pypdf.generic.TextStringObject("da")
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pack_filename(meeting: Meeting) -> str:
    return f"moedemappe-{timezone.localtime(meeting.starts_at):%Y-%m-%d}-{meeting.pk}.pdf"


def render_pack(job: Job, progress) -> tuple[str, bytes]:
    """Job renderer for kind "meeting_pack": params {"meeting_id": <id>}, for the person
    who ordered it."""
    progress(0, 2)
    meeting = Meeting.objects.select_related("forum").get(pk=int(job.params["meeting_id"]))
    if not permissions.can_view_meeting(job.ordered_by, meeting):
        raise PermissionDenied(_("Du er ikke inviteret til mødet."))
    progress(1, 2)
    pdf = build_pack(job.ordered_by, meeting)
    progress(2, 2)
    return pack_filename(meeting), pdf
