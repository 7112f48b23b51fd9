"""Minutes as a board secretary expects them, attendance beyond the invitees, and the
decision and action log (issue 15):

- Minutes get a comment deadline for the review round; comments can be marked handled.
- MinutesApproval: each participant's approval with its time, or the secretariat's on the
  forum's behalf. Like the entries of the minutes, it cannot change once the minutes are
  approved: the trigger uses the entries' function (partnership 0004, 0007: keyed on
  minutes_id), whatever path the change takes.
- ExtraAttendee: substitutes, guests and external presenters (not portal users), present;
  absence per item for them and for invitees (Participation.absent_items).
- An action of the minutes gets an owner in the portal (part of the minutes, immutable
  with them); ActionFollowUp holds how it stands now (open, in progress, done), beside the
  action and outside the lock: approved minutes never change, the follow-up does."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_FORWARD = [
    "CREATE TRIGGER meetings_minutesapproval_immutable BEFORE INSERT OR UPDATE OR DELETE "
    "ON meetings_minutesapproval FOR EACH ROW "
    "EXECUTE FUNCTION partnership_minutesentry_immutable();",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS meetings_minutesapproval_immutable ON meetings_minutesapproval;",
]


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_forums"),
        ("partnership", "0007_minutes_redaction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="minutes",
            name="comment_deadline",
            field=models.DateField(blank=True, null=True, verbose_name="frist for kommentarer"),
        ),
        migrations.AddField(
            model_name="minutesaction",
            name="owner_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="minutes_actions",
                to=settings.AUTH_USER_MODEL,
                verbose_name="ansvarlig person i portalen",
            ),
        ),
        migrations.AddField(
            model_name="minutescomment",
            name="handled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="behandlet"),
        ),
        migrations.AddField(
            model_name="minutescomment",
            name="handled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="participation",
            name="absent_items",
            field=models.ManyToManyField(
                blank=True,
                related_name="+",
                to="meetings.agendaitem",
                verbose_name="ikke til stede under",
            ),
        ),
        migrations.CreateModel(
            name="ActionFollowUp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Åben"), ("in_progress", "I gang"), ("done", "Færdig")],
                        default="open",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("changed_at", models.DateTimeField(verbose_name="ændret")),
                (
                    "action",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follow_up",
                        to="meetings.minutesaction",
                    ),
                ),
                (
                    "changed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "opfølgning på handling",
                "verbose_name_plural": "opfølgning på handlinger",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["open", "in_progress", "done"])),
                        name="actionfollowup_status_valid",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ExtraAttendee",
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
                            ("substitute", "Stedfortræder"),
                            ("guest", "Gæst"),
                            ("presenter", "Ekstern oplægsholder"),
                        ],
                        max_length=20,
                        verbose_name="rolle",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="navn")),
                (
                    "organisation",
                    models.CharField(blank=True, max_length=200, verbose_name="organisation"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "absent_items",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to="meetings.agendaitem",
                        verbose_name="ikke til stede under",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="extra_attendees",
                        to="meetings.meeting",
                    ),
                ),
                (
                    "substitute_for",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="stedfortræder for",
                    ),
                ),
            ],
            options={
                "verbose_name": "anden deltager",
                "verbose_name_plural": "andre deltagere",
                "ordering": ["meeting", "kind", "name", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["substitute", "guest", "presenter"])),
                        name="extraattendee_kind_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "substitute"), _negated=True),
                            ("substitute_for__isnull", False),
                            _connector="OR",
                        ),
                        name="extraattendee_substitute_for_someone",
                        violation_error_message="Vælg, hvem stedfortræderen kommer i stedet for.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="MinutesApproval",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("approved_at", models.DateTimeField(verbose_name="godkendt")),
                (
                    "on_behalf_of_forum",
                    models.BooleanField(default=False, verbose_name="på forummets vegne"),
                ),
                (
                    "minutes",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="approvals",
                        to="meetings.minutes",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "godkendelse af referat",
                "verbose_name_plural": "godkendelser af referat",
                "ordering": ["minutes", "approved_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("minutes", "user"), name="minutesapproval_once")
                ],
            },
        ),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
