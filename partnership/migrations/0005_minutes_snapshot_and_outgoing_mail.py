"""Approved minutes keep what they show, and every e-mail is recorded (issue 11, findings
6 and 7).

- Minutes and their entries get the columns of their snapshot: the meeting's title, forum,
  time and place and the attendance on the version; each item's number, place in the
  order, kind, title, presenters and the organisations it was closed to on the entry.
  services.approve_minutes fills them; approved rows are already immutable (the triggers of
  0004 refuse any UPDATE of an approved row, so these columns too). Minutes approved before
  this migration get theirs from the meeting as it is now (the best there is), with the
  triggers paused for that one UPDATE, inside this migration's transaction.
- OutgoingMail, the record of every e-mail (partnership.mail), takes over from MeetingMail:
  its rows become sent OutgoingMail rows, so no meeting mail goes out twice."""

import re

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import partnership.fields

# --- MeetingMail → OutgoingMail --------------------------------------------------------------

MEETING_KINDS = {
    # MeetingMail.kind: (OutgoingMail.kind, about the meeting or the minutes)
    "invitation": ("meeting_invitation", "partnership.meeting"),
    "comment_request": ("minutes_comment", "partnership.minutes"),
    "minutes": ("minutes", "partnership.minutes"),
}


def meeting_mails_to_outgoing(apps, schema_editor):
    MeetingMail = apps.get_model("partnership", "MeetingMail")
    OutgoingMail = apps.get_model("partnership", "OutgoingMail")
    rows = []
    for old in MeetingMail.objects.select_related("user").iterator():
        kind, related_type = MEETING_KINDS.get(old.kind, (None, None))
        if kind is None:
            continue
        about_minutes = related_type == "partnership.minutes"
        rows.append(
            OutgoingMail(
                kind=kind,
                recipient=old.user.email,
                user_id=old.user_id,
                related_type=related_type,
                related_id=int(old.reference) if about_minutes else old.meeting_id,
                reference="" if about_minutes else old.reference,
                status="sent",
                created_at=old.sent_at,
            )
        )
    OutgoingMail.objects.bulk_create(rows, ignore_conflicts=True)


def outgoing_to_meeting_mails(apps, schema_editor):
    MeetingMail = apps.get_model("partnership", "MeetingMail")
    OutgoingMail = apps.get_model("partnership", "OutgoingMail")
    Minutes = apps.get_model("partnership", "Minutes")
    meeting_of = dict(Minutes.objects.values_list("pk", "meeting_id"))
    back = {new: old for old, (new, _type) in MEETING_KINDS.items()}
    for mail in OutgoingMail.objects.filter(status="sent", kind__in=back, user__isnull=False):
        about_minutes = mail.related_type == "partnership.minutes"
        MeetingMail.objects.get_or_create(
            meeting_id=meeting_of[mail.related_id] if about_minutes else mail.related_id,
            user_id=mail.user_id,
            kind=back[mail.kind],
            reference=str(mail.related_id) if about_minutes else mail.reference,
        )


# --- Snapshots of minutes approved before --------------------------------------------------

PG_PAUSE = [
    "ALTER TABLE partnership_minutes DISABLE TRIGGER partnership_minutes_immutable",
    "ALTER TABLE partnership_minutesentry DISABLE TRIGGER partnership_minutesentry_immutable",
]
PG_RESUME = [
    "ALTER TABLE partnership_minutes ENABLE TRIGGER partnership_minutes_immutable",
    "ALTER TABLE partnership_minutesentry ENABLE TRIGGER partnership_minutesentry_immutable",
]


def _presenter_line(names, text):
    """partnership.meetings.models.presenter_line as it was written at this migration."""
    names = list(names)
    text = re.sub(r"^\s*v\./?\s*", "", text or "", flags=re.IGNORECASE)
    if text:
        names.append(text.strip())
    if not names:
        return ""
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
    return "V./ " + joined


def _participants(apps, meeting):
    """selectors.meeting_participants (invitees and attendee_ids) as written at this
    migration."""
    User = apps.get_model("partnership", "User")
    Membership = apps.get_model("partnership", "Membership")
    MeetingInvitation = apps.get_model("partnership", "MeetingInvitation")
    Participation = apps.get_model("partnership", "Participation")
    invitations = MeetingInvitation.objects.filter(meeting=meeting)
    rows = {}  # user id → [name, organisation names]
    for user in User.objects.filter(pk__in=invitations.values("user_id"), is_active=True):
        rows.setdefault(user.pk, [user.name or user.email, []])
    for m in (
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            organisation_id__in=invitations.values("organisation_id"),
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__name")
    ):
        row = rows.setdefault(m.user_id, [m.user.name or m.user.email, []])
        if m.organisation.name not in row[1]:
            row[1].append(m.organisation.name)
    people = sorted(rows.items(), key=lambda r: (r[1][1][0] if r[1][1] else "", r[1][0].lower()))
    answers = {p.user_id: p for p in Participation.objects.filter(meeting=meeting)}
    marked = [p for p in answers.values() if p.attended is not None]
    if marked:
        present = {p.user_id for p in marked if p.attended}
    else:
        present = set(rows) - {u for u, p in answers.items() if p.answer == "decline"}

    def row(user_id, name, organisations):
        return {"name": name, "organisation": organisations[0] if organisations else ""}

    return {
        "present": [row(pk, *r) for pk, r in people if pk in present],
        "declined": [
            {**row(pk, *r), "substitute": answers[pk].substitute}
            for pk, r in people
            if pk in answers and answers[pk].answer == "decline"
        ],
    }


def snapshot_approved_minutes(apps, schema_editor):
    Minutes = apps.get_model("partnership", "Minutes")
    MinutesEntry = apps.get_model("partnership", "MinutesEntry")
    approved = list(Minutes.objects.filter(status="approved").select_related("meeting__forum"))
    if not approved:
        return
    for sql in PG_PAUSE:
        schema_editor.execute(sql)
    for minutes in approved:
        meeting = minutes.meeting
        for entry in MinutesEntry.objects.filter(minutes=minutes).select_related("agenda_item"):
            item = entry.agenda_item
            closed = sorted(item.restricted_to.all(), key=lambda o: (o.name, o.pk))
            presenters = [u.name or u.email for u in item.presenters.order_by("name", "email")]
            entry.item_number = item.number
            entry.item_position = item.position
            entry.item_kind = item.kind
            entry.item_title = item.title
            entry.item_presenters = _presenter_line(presenters, item.presenters_text)
            entry.closed_to_ids = [o.pk for o in closed]
            entry.closed_to_names = [o.name for o in closed]
            entry.save()
        minutes.meeting_title = meeting.title
        minutes.forum_name = meeting.forum.name
        minutes.meeting_starts_at = meeting.starts_at
        minutes.meeting_ends_at = meeting.ends_at
        minutes.meeting_place = meeting.place
        minutes.meeting_online_url = meeting.online_url
        minutes.participants = _participants(apps, meeting)
        minutes.save()
    for sql in PG_RESUME:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0004_minutes_immutability"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutgoingMail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("account", "Login og konto"),
                            ("member_invitation", "Invitation til portalen"),
                            ("organisation_notice", "Besked til organisationen"),
                            ("meeting_invitation", "Mødeindkaldelse"),
                            ("minutes_comment", "Referat til kommentering"),
                            ("minutes", "Godkendt referat"),
                            ("tariff_published", "Ny takst"),
                            ("contract_reminder", "Påmindelse om kontrakt"),
                            ("quality_reminder", "Påmindelse om handling"),
                        ],
                        max_length=30,
                        verbose_name="type",
                    ),
                ),
                (
                    "recipient",
                    partnership.fields.CharField(max_length=254, verbose_name="modtager"),
                ),
                (
                    "subject",
                    partnership.fields.CharField(blank=True, max_length=500, verbose_name="emne"),
                ),
                ("related_type", models.CharField(blank=True, max_length=100)),
                ("related_id", models.BigIntegerField(blank=True, null=True)),
                ("reference", partnership.fields.CharField(blank=True, max_length=40)),
                (
                    "status",
                    models.CharField(
                        choices=[("sent", "Sendt"), ("failed", "Ikke sendt")],
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("no_address", "Modtageren har ingen gyldig e-mailadresse."),
                            ("refused", "Mailserveren afviste modtagerens adresse."),
                            ("unreachable", "Mailserveren kunne ikke nås."),
                            ("login", "Portalen kunne ikke logge ind på mailserveren."),
                            ("rejected", "Mailserveren afviste e-mailen."),
                            ("error", "E-mailen kunne ikke sendes på grund af en teknisk fejl."),
                        ],
                        default="",
                        max_length=20,
                        verbose_name="årsag",
                    ),
                ),
                (
                    "error",
                    models.CharField(
                        blank=True, default="", max_length=100, verbose_name="fejltype"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="tidspunkt"
                    ),
                ),
            ],
            options={
                "verbose_name": "udgående e-mail",
                "verbose_name_plural": "udgående e-mails",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="outgoingmail",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="person",
            ),
        ),
        migrations.AddIndex(
            model_name="outgoingmail",
            index=models.Index(
                fields=["related_type", "related_id", "kind"], name="partnership_related_56978b_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingmail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "sent")),
                fields=("kind", "related_type", "related_id", "reference", "recipient"),
                name="outgoingmail_sent_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingmail",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["sent", "failed"])),
                name="outgoingmail_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingmail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("reason", ""), ("status", "sent")),
                    models.Q(("status", "failed"), models.Q(("reason", ""), _negated=True)),
                    _connector="OR",
                ),
                name="outgoingmail_failure_has_reason",
            ),
        ),
        migrations.AlterModelOptions(
            name="minutesentry",
            options={
                "ordering": ["minutes", "item_position", "agenda_item__position", "pk"],
                "verbose_name": "referatpunkt",
                "verbose_name_plural": "referatpunkter",
            },
        ),
        migrations.AddField(
            model_name="minutes",
            name="forum_name",
            field=partnership.fields.CharField(
                blank=True, editable=False, max_length=150, verbose_name="forum"
            ),
        ),
        migrations.AddField(
            model_name="minutes",
            name="meeting_ends_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="mødet sluttede"),
        ),
        migrations.AddField(
            model_name="minutes",
            name="meeting_online_url",
            field=partnership.fields.URLField(
                blank=True, editable=False, verbose_name="link til onlinemøde"
            ),
        ),
        migrations.AddField(
            model_name="minutes",
            name="meeting_place",
            field=partnership.fields.CharField(
                blank=True, editable=False, max_length=250, verbose_name="sted"
            ),
        ),
        migrations.AddField(
            model_name="minutes",
            name="meeting_starts_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="mødet startede"),
        ),
        migrations.AddField(
            model_name="minutes",
            name="meeting_title",
            field=partnership.fields.CharField(
                blank=True, editable=False, max_length=250, verbose_name="mødets titel"
            ),
        ),
        migrations.AddField(
            model_name="minutes",
            name="participants",
            field=models.JSONField(editable=False, null=True, verbose_name="deltagere"),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="closed_to_ids",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="closed_to_names",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="item_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("temadroeftelse", "Temadrøftelse"),
                    ("orientering", "Orientering"),
                    ("borddroeftelse", "Borddrøftelse"),
                    ("plenumdroeftelse", "Plenumdrøftelse"),
                    ("beslutning", "Beslutning"),
                    ("opfoelgning", "Opfølgning"),
                ],
                editable=False,
                max_length=20,
                verbose_name="type",
            ),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="item_number",
            field=partnership.fields.CharField(
                blank=True, editable=False, max_length=5, verbose_name="punktnummer"
            ),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="item_position",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="item_presenters",
            field=partnership.fields.TextField(
                blank=True, editable=False, verbose_name="oplægsholdere"
            ),
        ),
        migrations.AddField(
            model_name="minutesentry",
            name="item_title",
            field=partnership.fields.CharField(
                blank=True, editable=False, max_length=300, verbose_name="overskrift"
            ),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Kladde"),
                    ("invited", "Indkaldt"),
                    ("held", "Afholdt"),
                    ("minutes_for_comment", "Referat til kommentering"),
                    ("minutes_approved", "Referat godkendt"),
                ],
                default="draft",
                max_length=30,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(meeting_mails_to_outgoing, outgoing_to_meeting_mails),
        migrations.RunPython(snapshot_approved_minutes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="minutes",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "approved"), _negated=True),
                    models.Q(("meeting_starts_at__isnull", False), ("participants__isnull", False)),
                    _connector="OR",
                ),
                name="minutes_approved_has_snapshot",
            ),
        ),
        migrations.AddConstraint(
            model_name="minutesentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("closed_to_ids__isnull", True),
                    models.Q(
                        ("closed_to_names__isnull", False),
                        ("item_number__gt", ""),
                        ("item_position__isnull", False),
                        ("item_title__gt", ""),
                    ),
                    _connector="OR",
                ),
                name="minutesentry_snapshot_whole",
            ),
        ),
        migrations.DeleteModel(
            name="MeetingMail",
        ),
    ]
