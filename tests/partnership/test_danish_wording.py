"""Danish everywhere (issue 15, finding 7): one date format ("6. december 2026") in every
place a date is shown; allauth's pages in the portal's Danish; the page is Danish and offers
no other language; an agenda line does not repeat its kind ("Orientering: Orientering fra
…") and a practical item (velkomst, pause) shows none."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from meetings import ics, services
from meetings.models import AgendaItemKind, agenda_heading
from meetings.reports import render_agenda_html
from partnership import formats
from tests.conftest import danish_date
from tests.factories import CASEWORKER_NAESTVED, SECRETARIAT, demo_user, make_contract, make_meeting

ROOT = Path(settings.BASE_DIR)
APPS = ["config", "partnership", "offers", "contracts", "quality", "meetings", "api"]
ENGLISH_MONTH_ABBREVIATIONS = re.compile(
    r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Okt|Nov|Dec)\b\.? \d", re.IGNORECASE
)


# --- One date format -------------------------------------------------------------------------

# Django's date format characters that abbreviate a month or a weekday (M "Dec", b "dec",
# N "Dec.", D "Søn"), write the year in two digits (y) or the month as a number (m, n).
SHORT_DATE_CHARACTERS = set("MbNDymn")
# strftime's: English names in the C locale and all-digit dates.
SHORT_STRFTIME = re.compile(r"%[bBaAyhm]")
TEMPLATE_FORMAT = re.compile(r"\|\s*date\s*:\s*([\"'])(.*?)\1")
PYTHON_FORMAT = re.compile(
    r"\b(?:date_format|date_filter|time_format|formats\.date_format|dateformat\.format)"
    r"\((?:[^()]|\([^()]*\))*?,\s*(?:r?[\"'])(.*?)[\"']"
)
STRFTIME = re.compile(r"strftime\(\s*r?[\"'](.*?)[\"']|\{[^{}:]+:(%[^}]*)\}")


def _is_short(fmt: str) -> bool:
    """A Django date format that abbreviates (named formats such as DATETIME_FORMAT are
    Danish in full, config/formats/da/formats.py)."""
    if re.fullmatch(r"[A-Z_]+", fmt):
        return False
    unescaped = re.sub(r"\\+.", "", fmt)
    # A time of day is written with a full stop in Danish ("kl. 14.30"), not a colon.
    return bool(SHORT_DATE_CHARACTERS & set(unescaped)) or bool(re.search(r"[GH]:i", unescaped))


def _sources(pattern: str, folders: list[str]):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.is_file():
                yield path, path.read_text(encoding="utf-8")


def test_a_date_is_written_with_the_month_in_full():
    day = dt.date(2026, 12, 6)
    moment = dt.datetime(2026, 9, 3, 14, 30, tzinfo=dt.UTC)
    page = Template(
        "{{ day }}|{{ day|date }}|{{ day|date:'SHORT_DATE_FORMAT' }}|"
        "{{ moment|date:'DATETIME_FORMAT' }}|{{ day|date:'YEAR_MONTH_FORMAT' }}"
    ).render(Context({"day": day, "moment": moment}))
    assert page.split("|") == [
        "6. december 2026",
        "6. december 2026",
        "6. december 2026",
        "3. september 2026 kl. 16.30",  # in Copenhagen
        "december 2026",
    ]
    assert date_format(day) == formats.date(day) == "6. december 2026"
    assert formats.datetime(moment) == "3. september 2026 kl. 16.30"
    assert formats.date(None) == formats.datetime(None) == ""


def test_no_template_or_module_asks_for_an_abbreviated_or_numeric_date():
    """Every place that formats a date: a template's date filter, date_format (and its
    kin) in Python, strftime. A new place that abbreviates the month fails here."""
    found = []
    for path, text in _sources("*", ["templates"]):
        if path.suffix not in {".html", ".txt", ".ics", ".xml"}:
            continue
        found += [
            (path, m.group(2)) for m in TEMPLATE_FORMAT.finditer(text) if _is_short(m.group(2))
        ]
    for path, text in _sources("*.py", APPS):
        found += [(path, m.group(1)) for m in PYTHON_FORMAT.finditer(text) if _is_short(m.group(1))]
        for m in STRFTIME.finditer(text):
            fmt = m.group(1) or m.group(2) or ""
            if SHORT_STRFTIME.search(fmt) and not fmt.startswith("%Y-%m-%d"):
                found.append((path, fmt))
    assert not [(str(p.relative_to(ROOT)), f) for p, f in found]


def test_the_enumeration_finds_what_it_looks_for():
    assert _is_short("j. M Y") and _is_short("M y") and _is_short("d.m.Y")
    assert not _is_short("j. F Y") and not _is_short(r"j. F Y \k\l. H.i")
    assert _is_short("j. F Y H:i")
    assert not _is_short("DATETIME_FORMAT")
    assert TEMPLATE_FORMAT.search('{{ d|date:"j. M Y" }}').group(2) == "j. M Y"
    assert PYTHON_FORMAT.search("date_format(timezone.localtime(x), 'M y')").group(1) == "M y"
    assert STRFTIME.search('f"{starts:%d.%m.%Y}"').group(2) == "%d.%m.%Y"


def test_pages_show_dates_in_full(client, demo, today):
    """The contract list (dates written in Python) and the offer page's tariff history."""
    contract = make_contract()
    client.force_login(demo_user(CASEWORKER_NAESTVED))
    page = client.get(reverse("contracts:contract_list")).content.decode()
    assert danish_date(contract.start_date) in page
    assert not ENGLISH_MONTH_ABBREVIATIONS.search(page)
    page = client.get(reverse("offers:offer_detail", args=[contract.offer.pk])).content.decode()
    assert not ENGLISH_MONTH_ABBREVIATIONS.search(page)


def test_the_invitation_mail_the_agenda_pdf_and_the_calendar_write_dates_in_full(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    meeting, secretariat = _meeting_with_items()
    day = danish_date(timezone.localtime(meeting.starts_at).date())
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(meeting=meeting, by=secretariat)
    assert mailoutbox
    assert day in mailoutbox[0].body
    html = render_agenda_html(secretariat, meeting)
    assert day in html
    for text in (mailoutbox[0].body, html, ics.describe(secretariat, meeting)):
        assert not ENGLISH_MONTH_ABBREVIATIONS.search(text)


def test_the_capacity_chart_names_months_in_full(today):
    from offers.reports.charts import capacity_chart

    points = [(today - dt.timedelta(days=30 * i), i) for i in reversed(range(12))]
    chart = capacity_chart(points, title="Ledige pladser", chart_id="c")
    labels = [mark[4] for mark in chart.marks if mark[4]]
    assert labels[-1] == date_format(today, "F Y")
    assert 1 < len(labels) <= 4
    assert danish_date(today) in chart.desc
    assert not ENGLISH_MONTH_ABBREVIATIONS.search(chart.desc + " ".join(labels))


# --- The agenda line -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "title", "heading"),
    [
        ("orientering", "Orientering fra KL", "Orientering fra KL"),
        ("orientering", "Nyt fra KL", "Orientering: Nyt fra KL"),
        ("temadroeftelse", "Temadrøftelse: Kvalitet", "Temadrøftelse: Kvalitet"),
        ("beslutning", "Beslutningsgrundlag", "Beslutning: Beslutningsgrundlag"),
        ("praktisk", "Velkomst", "Velkomst"),
        ("praktisk", "Pause", "Pause"),
    ],
)
def test_an_agenda_heading_does_not_repeat_its_kind(kind, title, heading):
    assert agenda_heading(kind, title) == heading


def _meeting_with_items():
    secretariat = demo_user(SECRETARIAT)
    meeting = make_meeting(secretariat)
    for number, kind, title in [
        ("1", AgendaItemKind.PRACTICAL, "Velkomst"),
        ("2", AgendaItemKind.BRIEFING, "Orientering fra Ad hoc-gruppen"),
        ("3", AgendaItemKind.TABLE, "Tre gode råd"),
    ]:
        services.save_agenda_item(
            meeting=meeting,
            fields={"number": number, "kind": kind, "title": title, "duration_minutes": 10},
            by=secretariat,
        )
    services.invite(meeting=meeting, organisations=[], people=[secretariat], by=secretariat)
    return meeting, secretariat


def test_page_mail_pdf_and_calendar_show_each_kind_once(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    meeting, secretariat = _meeting_with_items()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(meeting=meeting, by=secretariat)
    client.force_login(secretariat)
    page = client.get(meeting.get_absolute_url()).content.decode()
    places = {
        "page": page,
        "mail": mailoutbox[0].body,
        "pdf": render_agenda_html(secretariat, meeting),
        "ics": ics.describe(secretariat, meeting),
    }
    for place, text in places.items():
        plain = re.sub(r"<[^>]+>", "", text)
        assert "Orientering: Orientering" not in plain, place
        assert "Praktisk" not in plain, place
        assert "Borddrøftelse: Tre gode råd" in plain, place
        assert "Velkomst" in plain, place


# --- One language ----------------------------------------------------------------------------


def test_the_portal_is_danish_and_offers_no_other_language(client, as_caseworker):
    """Issue 12 (the redesign) asked for a complete English catalogue or no switch; the
    switch was removed (Danish only, config/settings.py). Nothing offers English again."""
    assert [code for code, _name in settings.LANGUAGES] == ["da"]
    with pytest.raises(NoReverseMatch):
        reverse("set_language")
    for page in (
        client.get(reverse("account_login")),
        as_caseworker.get(reverse("partnership:dashboard")),
    ):
        html = page.content.decode()
        assert re.search(r'<html lang="da"', html)
        assert "English" not in html
        assert "/i18n/" not in html
    for path, text in _sources("*.html", ["templates"]):
        assert "set_language" not in text, path
        # A part in another language may say so (a Python error for staff); a page may not.
        assert not re.search(r"<html[^>]*lang=\"(?!da\b|\{\{ LANGUAGE_CODE)", text), path


# --- allauth's pages in the portal's Danish ---------------------------------------------------

LOCALE = ROOT / "locale" / "da" / "LC_MESSAGES"
# allauth's own Danish that the portal does not use (its words: adgangskode, e-mail,
# to-faktor-godkendelse, godkendelsesapp), and English left over.
NOT_THE_PORTALS_WORDS = re.compile(
    r"password|\bemail|Download|Genautentificer|autentific|venligst|\bNote\b|Authenticator"
    r"|Recovery|Sign (in|out)|Change Password",
    re.IGNORECASE,
)


def _shown_text(html: str) -> str:
    """What a person reads: the text and the placeholders, labels and button values."""
    main = re.search(r"(?s)<main.*?</main>", html)
    html = main.group(0) if main else html
    html = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", "", html)
    shown = re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html) + " " + " ".join(shown))


def _po_entries() -> dict:
    """msgid → msgstr (a plural: (msgid, n) → msgstr) read from the .po."""
    entries: dict = {}
    field = ""
    parts: dict[str, str] = {}

    def flush():
        if "msgid" in parts and parts["msgid"]:
            if "msgid_plural" in parts:
                for name, text in parts.items():
                    if name.startswith("msgstr["):
                        entries[(parts["msgid"], int(name[7:-1]))] = text
            else:
                entries[parts["msgid"]] = parts.get("msgstr", "")

    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
            parts = {}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            parts[field] += _po_string(line)
        else:
            field, _space, rest = line.partition(" ")
            parts[field] = _po_string(rest)
    return entries


def _po_string(quoted: str) -> str:
    return quoted.strip()[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def test_the_compiled_catalogue_is_in_step_with_the_po():
    """The .mo is committed (a clone runs without gettext): `make messages` after editing."""
    import gettext

    with (LOCALE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    compiled = {k: v for k, v in catalogue.items() if k != ""}
    assert compiled == _po_entries()


def test_the_catalogue_uses_the_portals_words():
    for msgid, msgstr in _po_entries().items():
        assert msgstr, msgid
        words = re.sub(r"%\(\w+\)[sd]", "", msgstr)
        assert not NOT_THE_PORTALS_WORDS.search(words), (msgid, msgstr)


def _with_two_factor(user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)


def test_allauths_pages_speak_the_portals_danish(client, demo):
    """Every page of allauth a person reaches: logged out, logged in, and with two-factor
    authentication switched on (the recovery codes' "Download")."""
    pages = {
        reverse("account_login"): "Log ind",
        reverse("account_reset_password"): "Har du glemt din adgangskode?",
        reverse("account_reset_password_done"): "Vi har sendt dig en e-mail",
        reverse("account_signup"): "invitation",
    }
    seen = {}
    for url in pages:
        seen[url] = client.get(url)
    user = demo_user(CASEWORKER_NAESTVED)
    client.force_login(user)
    pages |= {
        reverse("account_logout"): "Vil du logge ud?",
        reverse("account_email"): "E-mailadresse",
        reverse("account_change_password"): "Skift adgangskode",
        reverse("account_reauthenticate"): "Bekræft, at det er dig",
        reverse("mfa_index"): "To-faktor-godkendelse",
    }
    for url in list(pages)[4:]:
        seen[url] = client.get(url)
    _with_two_factor(user)
    pages[reverse("mfa_index") + "?2fa"] = "Hent som fil"
    seen[reverse("mfa_index") + "?2fa"] = client.get(reverse("mfa_index"))
    for url, expected in pages.items():
        response = seen[url]
        assert response.status_code == 200, url
        text = _shown_text(response.content.decode())
        assert expected in text, url
        assert not NOT_THE_PORTALS_WORDS.search(text), (url, NOT_THE_PORTALS_WORDS.search(text))
