"""The demo meetings: Direktør- og chefforum 29 August 2025 with its programme and
presenters, and the joint meeting of 22 October 2025. Seeding twice changes nothing."""

from meetings import demo as meetings_demo
from meetings.models import AgendaItem, Forum, Meeting


def test_demo_meetings(demo):
    from partnership.models import Organisation

    orgs = {o.slug: o for o in Organisation.objects.all()}
    meetings_demo.seed(orgs)
    meetings_demo.seed(orgs)
    assert set(Forum.objects.values_list("name", flat=True)) >= {
        "Fællesmøde",
        "Direktør- og chefforum",
        "Implementeringsgruppe",
        "Styregruppe",
    }
    assert Meeting.objects.count() == 2
    directors = Meeting.objects.get(forum__name="Direktør- og chefforum")
    # The real programme's date, whatever the day.
    assert directors.starts_at.date().isoformat() == "2025-08-29"  # ok-fixed-date
    items = list(AgendaItem.objects.filter(meeting=directors))
    titles = " | ".join(i.title for i in items)
    for words in (
        "Nyt diplommodul",
        "Ad hoc-gruppen",
        "lokalpolitisk talepapir",
        "private brancheforeninger",
        "Eventuelt",
    ):
        assert words in titles
    lines = {i.number: i.presenter_line() for i in items}
    assert lines["4"] == "V./ Lone Berner Wolff og Christel Jørgensen"
    assert lines["2"] == "V./ Lisbeth Broberg"
    assert "Absalon" in lines["1"]
    assert [i.kind for i in items if i.number in ("3", "4")] == ["borddroeftelse"] * 2
    joint = Meeting.objects.get(forum__name="Fællesmøde")
    # The real programme's date, whatever the day.
    assert joint.starts_at.date().isoformat() == "2025-10-22"  # ok-fixed-date
    kinds = set(joint.invitations.values_list("organisation__kind", flat=True))
    assert {"municipality", "region", "provider"} <= kinds
