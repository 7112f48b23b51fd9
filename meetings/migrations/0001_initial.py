"""The meetings models, moved here from partnership (partnership 0008). State only: the
tables keep the names they had (partnership_meeting, ...), so no data moves; content types
and the mail record follow the new label."""

import django.core.validators
import django.db.models.deletion
import meetings.models
from django.conf import settings
from django.db import migrations, models


MOVED = [
    "forum",
    "meeting",
    "agendaitem",
    "agendaattachment",
    "meetinginvitation",
    "participation",
    "minutes",
    "minutesentry",
    "minutesaction",
    "minutescomment",
    "calendarfeed",
]


def relabel(apps, schema_editor, old="partnership", new="meetings"):
    """What refers to the models by their label follows them: content types (permissions,
    the admin log) and the mail record's related_type."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    OutgoingMail = apps.get_model("partnership", "OutgoingMail")
    ContentType.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)
    for model in MOVED:
        OutgoingMail.objects.filter(related_type=f"{old}.{model}").update(
            related_type=f"{new}.{model}"
        )


def relabel_back(apps, schema_editor):
    relabel(apps, schema_editor, old="meetings", new="partnership")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('partnership', '0008_remove_agendaitem_meeting_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Forum',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=150, unique=True, verbose_name='navn')),
                        ('description', models.TextField(blank=True, verbose_name='beskrivelse')),
                        ('is_active', models.BooleanField(default=True, verbose_name='aktivt')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name': 'forum',
                        'verbose_name_plural': 'fora',
                        'db_table': 'partnership_forum',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Meeting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=250, verbose_name='titel')),
                        ('description', models.TextField(blank=True, verbose_name='beskrivelse')),
                        ('starts_at', models.DateTimeField(verbose_name='starter')),
                        ('ends_at', models.DateTimeField(verbose_name='slutter')),
                        ('place', models.CharField(blank=True, max_length=250, verbose_name='sted')),
                        ('online_url', models.URLField(blank=True, verbose_name='link til onlinemøde')),
                        ('status', models.CharField(choices=[('draft', 'Kladde'), ('invited', 'Indkaldt'), ('held', 'Afholdt'), ('minutes_for_comment', 'Referat til kommentering'), ('minutes_approved', 'Referat godkendt')], default='draft', max_length=30, verbose_name='status')),
                        ('sequence', models.PositiveIntegerField(default=0, editable=False)),
                        ('invitations_sent_at', models.DateTimeField(blank=True, null=True, verbose_name='invitationer sendt')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('forum', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meetings', to='meetings.forum', verbose_name='forum')),
                    ],
                    options={
                        'verbose_name': 'møde',
                        'verbose_name_plural': 'møder',
                        'db_table': 'partnership_meeting',
                        'ordering': ['-starts_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AgendaItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(help_text='Fx 1, 2 eller 2.a for et underpunkt.', max_length=5, validators=[django.core.validators.RegexValidator('^[1-9][0-9]?(\\.[a-z])?$', 'Skriv et punktnummer som 1, 2 eller 2.a (et tal, evt. punktum og et bogstav).')], verbose_name='punktnummer')),
                        ('position', models.PositiveIntegerField(default=0, editable=False)),
                        ('kind', models.CharField(choices=[('temadroeftelse', 'Temadrøftelse'), ('orientering', 'Orientering'), ('borddroeftelse', 'Borddrøftelse'), ('plenumdroeftelse', 'Plenumdrøftelse'), ('beslutning', 'Beslutning'), ('opfoelgning', 'Opfølgning')], max_length=20, verbose_name='type')),
                        ('title', models.CharField(max_length=300, verbose_name='overskrift')),
                        ('description', models.TextField(blank=True, verbose_name='beskrivelse')),
                        ('presenters_text', models.CharField(blank=True, help_text='Fx “V./ Lone Berner Wolff” for oplægsholdere uden for portalen.', max_length=300, verbose_name='oplægsholdere (fritekst)')),
                        ('duration_minutes', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(600)], verbose_name='varighed i minutter')),
                        ('presenters', models.ManyToManyField(blank=True, related_name='presented_agenda_items', to=settings.AUTH_USER_MODEL, verbose_name='oplægsholdere i portalen')),
                        ('restricted_to', models.ManyToManyField(blank=True, help_text='Vælg ingen for et åbent punkt. Vælger du organisationer, ser kun deres medarbejdere og sekretariatet punktet: på siden, i PDF, e-mail og kalender.', related_name='restricted_agenda_items', to='partnership.organisation', verbose_name='lukket punkt: kun for disse organisationer')),
                        ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='meetings.meeting', verbose_name='møde')),
                    ],
                    options={
                        'verbose_name': 'dagsordenspunkt',
                        'verbose_name_plural': 'dagsordenspunkter',
                        'db_table': 'partnership_agendaitem',
                        'ordering': ['meeting', 'position', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='MeetingInvitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('invited_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='meetings.meeting')),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='meeting_invitations', to='partnership.organisation', verbose_name='organisation')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='meeting_invitations', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'mødeinvitation',
                        'verbose_name_plural': 'mødeinvitationer',
                        'db_table': 'partnership_meetinginvitation',
                        'ordering': ['meeting', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Minutes',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveSmallIntegerField(default=1, verbose_name='version')),
                        ('status', models.CharField(choices=[('draft', 'Kladde'), ('for_comment', 'Sendt til kommentering'), ('approved', 'Godkendt og offentliggjort')], default='draft', max_length=20, verbose_name='status')),
                        ('reason', models.TextField(blank=True, verbose_name='begrundelse for rettelsen')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_for_comment_at', models.DateTimeField(blank=True, null=True)),
                        ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='godkendt')),
                        ('meeting_title', models.CharField(blank=True, editable=False, max_length=250, verbose_name='mødets titel')),
                        ('forum_name', models.CharField(blank=True, editable=False, max_length=150, verbose_name='forum')),
                        ('meeting_starts_at', models.DateTimeField(editable=False, null=True, verbose_name='mødet startede')),
                        ('meeting_ends_at', models.DateTimeField(editable=False, null=True, verbose_name='mødet sluttede')),
                        ('meeting_place', models.CharField(blank=True, editable=False, max_length=250, verbose_name='sted')),
                        ('meeting_online_url', models.URLField(blank=True, editable=False, verbose_name='link til onlinemøde')),
                        ('participants', models.JSONField(editable=False, null=True, verbose_name='deltagere')),
                        ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('correction_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='meetings.minutes')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='minutes_versions', to='meetings.meeting')),
                    ],
                    options={
                        'verbose_name': 'referat',
                        'verbose_name_plural': 'referater',
                        'db_table': 'partnership_minutes',
                        'ordering': ['meeting', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='MinutesEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('discussion', models.TextField(blank=True, verbose_name='drøftelse')),
                        ('decisions', models.TextField(blank=True, verbose_name='beslutninger')),
                        ('item_number', models.CharField(blank=True, editable=False, max_length=5, verbose_name='punktnummer')),
                        ('item_position', models.PositiveIntegerField(editable=False, null=True)),
                        ('item_kind', models.CharField(blank=True, choices=[('temadroeftelse', 'Temadrøftelse'), ('orientering', 'Orientering'), ('borddroeftelse', 'Borddrøftelse'), ('plenumdroeftelse', 'Plenumdrøftelse'), ('beslutning', 'Beslutning'), ('opfoelgning', 'Opfølgning')], editable=False, max_length=20, verbose_name='type')),
                        ('item_title', models.CharField(blank=True, editable=False, max_length=300, verbose_name='overskrift')),
                        ('item_presenters', models.TextField(blank=True, editable=False, verbose_name='oplægsholdere')),
                        ('closed_to_ids', models.JSONField(blank=True, editable=False, null=True)),
                        ('closed_to_names', models.JSONField(blank=True, editable=False, null=True)),
                        ('agenda_item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='minutes_entries', to='meetings.agendaitem')),
                        ('minutes', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='meetings.minutes')),
                    ],
                    options={
                        'verbose_name': 'referatpunkt',
                        'verbose_name_plural': 'referatpunkter',
                        'db_table': 'partnership_minutesentry',
                        'ordering': ['minutes', 'item_position', 'agenda_item__position', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='MinutesComment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(verbose_name='kommentar')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='meetings.minutesentry')),
                    ],
                    options={
                        'verbose_name': 'kommentar til referat',
                        'verbose_name_plural': 'kommentarer til referat',
                        'db_table': 'partnership_minutescomment',
                        'ordering': ['entry', 'created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='MinutesAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.CharField(max_length=500, verbose_name='handling')),
                        ('owner', models.CharField(max_length=200, verbose_name='ansvarlig')),
                        ('deadline', models.DateField(blank=True, null=True, verbose_name='frist')),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='meetings.minutesentry')),
                    ],
                    options={
                        'verbose_name': 'handling',
                        'verbose_name_plural': 'handlinger',
                        'db_table': 'partnership_minutesaction',
                        'ordering': ['entry', 'deadline', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Participation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('answer', models.CharField(blank=True, choices=[('', 'Har ikke svaret'), ('attend', 'Deltager'), ('decline', 'Afbud')], max_length=10, verbose_name='svar')),
                        ('substitute', models.CharField(blank=True, help_text='Navn og organisation på den, der kommer i stedet (valgfrit).', max_length=200, verbose_name='stedfortræder')),
                        ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='svaret')),
                        ('attended', models.BooleanField(blank=True, null=True, verbose_name='mødt')),
                        ('attendance_marked_at', models.DateTimeField(blank=True, null=True)),
                        ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participations', to='meetings.meeting')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meeting_participations', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'deltagelse',
                        'verbose_name_plural': 'deltagelser',
                        'db_table': 'partnership_participation',
                    },
                ),
                migrations.CreateModel(
                    name='AgendaAttachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='titel')),
                        ('file', models.FileField(upload_to=meetings.models.attachment_path, verbose_name='fil')),
                        ('file_type', models.CharField(max_length=10, verbose_name='filtype')),
                        ('original_name', models.CharField(max_length=250, verbose_name='oprindeligt filnavn')),
                        ('size', models.PositiveIntegerField(verbose_name='størrelse i bytes')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='meetings.agendaitem', verbose_name='punkt')),
                    ],
                    options={
                        'verbose_name': 'bilag',
                        'verbose_name_plural': 'bilag',
                        'db_table': 'partnership_agendaattachment',
                        'ordering': ['item', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('file_type__in', ['pdf', 'docx', 'xlsx', 'pptx'])), name='attachment_type_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='CalendarFeed',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='oprettet')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='tilbagekaldt')),
                        ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='sidst hentet')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feeds', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'kalenderadresse',
                        'verbose_name_plural': 'kalenderadresser',
                        'db_table': 'partnership_calendarfeed',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('user',), name='calendarfeed_one_active_per_user')],
                    },
                ),
                migrations.AddIndex(
                    model_name='meeting',
                    index=models.Index(fields=['starts_at'], name='partnership_starts__4cbcde_idx'),
                ),
                migrations.AddConstraint(
                    model_name='meeting',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='meeting_ends_after_start', violation_error_message='Mødet skal slutte, efter det er begyndt.'),
                ),
                migrations.AddConstraint(
                    model_name='meeting',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('place', ''), _negated=True), models.Q(('online_url', ''), _negated=True), _connector='OR'), name='meeting_has_place_or_link', violation_error_message='Angiv et sted, et link til onlinemødet eller begge.'),
                ),
                migrations.AddConstraint(
                    model_name='meeting',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'invited', 'held', 'minutes_for_comment', 'minutes_approved'])), name='meeting_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.UniqueConstraint(fields=('meeting', 'number'), name='agendaitem_number_unique_in_meeting', violation_error_message='Mødet har allerede et punkt med det nummer.'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['temadroeftelse', 'orientering', 'borddroeftelse', 'plenumdroeftelse', 'beslutning', 'opfoelgning'])), name='agendaitem_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='agendaitem',
                    constraint=models.CheckConstraint(condition=models.Q(('duration_minutes__lte', 600)), name='agendaitem_duration_max'),
                ),
                migrations.AddConstraint(
                    model_name='meetinginvitation',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('organisation__isnull', True), ('user__isnull', False)), models.Q(('organisation__isnull', False), ('user__isnull', True)), _connector='OR'), name='meetinginvitation_org_or_person'),
                ),
                migrations.AddConstraint(
                    model_name='meetinginvitation',
                    constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', False)), fields=('meeting', 'organisation'), name='meetinginvitation_org_once'),
                ),
                migrations.AddConstraint(
                    model_name='meetinginvitation',
                    constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('meeting', 'user'), name='meetinginvitation_person_once'),
                ),
                migrations.AddConstraint(
                    model_name='minutes',
                    constraint=models.UniqueConstraint(fields=('meeting', 'version'), name='minutes_version_once'),
                ),
                migrations.AddConstraint(
                    model_name='minutes',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'approved'), _negated=True), fields=('meeting',), name='minutes_one_open_version', violation_error_message='Mødet har allerede et referat under arbejde.'),
                ),
                migrations.AddConstraint(
                    model_name='minutes',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'for_comment', 'approved'])), name='minutes_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='minutes',
                    constraint=models.CheckConstraint(condition=models.Q(('version', 1), models.Q(models.Q(('reason', ''), _negated=True), ('correction_of__isnull', False)), _connector='OR'), name='minutes_correction_has_reason', violation_error_message='En rettelse skal have en begrundelse.'),
                ),
                migrations.AddConstraint(
                    model_name='minutes',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'approved'), _negated=True), ('approved_at__isnull', False), _connector='OR'), name='minutes_approved_has_time'),
                ),
                migrations.AddConstraint(
                    model_name='minutes',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'approved'), _negated=True), models.Q(('meeting_starts_at__isnull', False), ('participants__isnull', False)), _connector='OR'), name='minutes_approved_has_snapshot'),
                ),
                migrations.AddConstraint(
                    model_name='minutesentry',
                    constraint=models.UniqueConstraint(fields=('minutes', 'agenda_item'), name='minutesentry_item_once'),
                ),
                migrations.AddConstraint(
                    model_name='minutesentry',
                    constraint=models.CheckConstraint(condition=models.Q(('closed_to_ids__isnull', True), models.Q(('closed_to_names__isnull', False), ('item_number__gt', ''), ('item_position__isnull', False), ('item_title__gt', '')), _connector='OR'), name='minutesentry_snapshot_whole'),
                ),
                migrations.AddConstraint(
                    model_name='participation',
                    constraint=models.UniqueConstraint(fields=('meeting', 'user'), name='participation_once'),
                ),
                migrations.AddConstraint(
                    model_name='participation',
                    constraint=models.CheckConstraint(condition=models.Q(('answer__in', ['', 'attend', 'decline'])), name='participation_answer_valid'),
                ),
                migrations.AddConstraint(
                    model_name='participation',
                    constraint=models.CheckConstraint(condition=models.Q(('substitute', ''), ('answer', 'decline'), _connector='OR'), name='participation_substitute_only_with_decline'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel, relabel_back),
    ]
