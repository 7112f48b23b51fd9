"""The meetings models move to their own app (meetings, migration 0001): partnership forgets
them here. State only: the tables stay where they are, with their names, data, constraints
and triggers."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partnership', '0007_minutes_redaction'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='presenters',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='restricted_to',
                ),
                migrations.RemoveField(
                    model_name='minutesentry',
                    name='agenda_item',
                ),
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='forum',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='meetinginvitation',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='participation',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='meetinginvitation',
                    name='invited_by',
                ),
                migrations.RemoveField(
                    model_name='meetinginvitation',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='meetinginvitation',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='approved_by',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='correction_of',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='minutesentry',
                    name='minutes',
                ),
                migrations.RemoveField(
                    model_name='minutesaction',
                    name='entry',
                ),
                migrations.RemoveField(
                    model_name='minutescomment',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='minutescomment',
                    name='entry',
                ),
                migrations.RemoveField(
                    model_name='participation',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AgendaAttachment',
                ),
                migrations.DeleteModel(
                    name='AgendaItem',
                ),
                migrations.DeleteModel(
                    name='CalendarFeed',
                ),
                migrations.DeleteModel(
                    name='Forum',
                ),
                migrations.DeleteModel(
                    name='Meeting',
                ),
                migrations.DeleteModel(
                    name='MeetingInvitation',
                ),
                migrations.DeleteModel(
                    name='Minutes',
                ),
                migrations.DeleteModel(
                    name='MinutesAction',
                ),
                migrations.DeleteModel(
                    name='MinutesComment',
                ),
                migrations.DeleteModel(
                    name='MinutesEntry',
                ),
                migrations.DeleteModel(
                    name='Participation',
                ),
            ],
            database_operations=[],
        ),
    ]
