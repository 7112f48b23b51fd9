"""Issue 13, finding 7: an e-mail linked to port 8000 instead of the portal's address. Every
link that leaves the portal (e-mails sent by workers, invitations, calendar files) is built
by partnership.links from one setting, SITE_URL, and `check --deploy` warns when SITE_URL is
not the portal's https address."""

import ast
from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.test import override_settings

from offers import tasks as offer_tasks
from offers.models import OfferFollow
from offers.selectors import current_year
from partnership import services
from partnership.checks import site_url_is_the_portals_address
from partnership.models import Organisation, Role
from tests.factories import demo_user, make_offer, pl_rates, publish

ROOT = Path(__file__).resolve().parents[2]
PORTAL = "https://partnerskab.example.dk"
HOME = Path("partnership/links.py")
CHECK = Path("partnership/checks.py")


def _modules():
    for app in ("partnership", "offers", "contracts", "quality", "meetings", "config", "api"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT)


def _reads_site_url(path: Path) -> bool:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Attribute) and node.attr == "SITE_URL" for node in ast.walk(tree)
    )


def test_only_partnership_links_reads_site_url():
    readers = [path for path in _modules() if _reads_site_url(path)]
    assert set(readers) == {HOME, CHECK}, readers
    # The enumeration sees the modules that send mail.
    assert Path("offers/tasks.py") in set(_modules())


@override_settings(SITE_URL=PORTAL + "/")
def test_a_workers_mail_and_an_invitation_link_to_the_configured_address(demo, mailoutbox):
    pl_rates()
    offer = make_offer(name="Åbrinken")
    follower = demo_user("sagsbehandler.slagelse@portal.example")
    OfferFollow.objects.create(user=follower, offer=offer)
    tariff = publish(offer, current_year(), "2500")
    offer_tasks.notify_tariff_published(tariff.pk)
    services.invite_member(
        organisation=Organisation.objects.get(slug="holbaek"),
        email="ny.kollega@holbaek.example",
        role=Role.CASEWORKER,
        by=demo_user("admin.holbaek@portal.example"),
    )
    bodies = [m.body for m in django_mail.outbox]
    assert len(bodies) == 2
    for body in bodies:
        links = [w for w in body.split() if "://" in w]
        assert links and all(link.startswith(PORTAL + "/") for link in links), body
        assert ":8000" not in body and "//" not in links[0].removeprefix("https://")


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://partnerskab.example.dk", True),
        ("https://localhost", True),
        (PORTAL, False),
    ],
)
def test_check_deploy_warns_unless_site_url_is_the_portals_https_address(url, warned):
    with override_settings(SITE_URL=url):
        messages = site_url_is_the_portals_address(None)
    assert [m.id for m in messages] == (["partnership.W001"] if warned else [])
