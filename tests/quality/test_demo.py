"""The demo quality data: assessments of the demo offers and dialogues with overdue and
carried-over actions, created once."""

from django.utils import timezone

from offers import demo as offers_demo
from partnership.models import Organisation
from quality import demo as quality_demo
from quality.models import Action, Assessment, Dialogue


def test_demo_data_is_created_once(demo, frameworks):
    orgs = {o.slug: o for o in Organisation.objects.all()}
    offers_demo.seed(orgs)
    quality_demo.seed(orgs)
    counts = (Assessment.objects.count(), Dialogue.objects.count(), Action.objects.count())
    assert counts[0] > 0 and counts[1] == 4
    assert Action.objects.overdue(timezone.localdate()).exists()
    assert Action.objects.filter(carried_from__isnull=False).exists()
    quality_demo.seed(orgs)
    assert (Assessment.objects.count(), Dialogue.objects.count(), Action.objects.count()) == counts
