"""Tariff reports (issue 6): the takstoversigt as PDF and XLSX, the takstudvikling, ordering
them from a form, the report library and the scheduled takstoversigt."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from offers.models import (
    Offer,
    PublishedReport,
    ScheduledReport,
    Tariff,
)
from offers.pricing import monthly_price
from offers.selectors import current_year
from partnership import jobs
from partnership.formats import signed_pct
from partnership.models import Job, JobStatus
from tests.conftest import wait_for_job
from tests.factories import demo_user, make_offer, pl_rates, publish
from tests.pdfs import pdf_text

YEAR = current_year()
CASEWORKER = "sagsbehandler.slagelse@portal.example"
SECRETARIAT = "sekretariat@portal.example"
PROVIDER = "leverandoer.a@portal.example"


@pytest.fixture
def catalogue(demo):
    """§ 107 and § 108 offers with this and last year's tariffs, and some that must not be
    in a § 107/§ 108 takstoversigt."""
    pl_rates(**{f"y{YEAR - 2}": "3.9", f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    o107 = make_offer(
        name="Bostedet Åløkke", paragraphs=["SEL § 107"], target_groups=["sindslidelse"]
    )
    publish(o107, YEAR - 1, "2000.00")
    publish(
        o107,
        YEAR,
        "2090.00",
        addons=[
            ("Ekstra støtte 1:1", Decimal("465.00"), "hour"),
            ("Kørsel", Decimal("3.51"), "km"),
        ],
    )
    o108 = make_offer(
        name="Botilbuddet Kildebakken",
        paragraphs=["SEL § 108"],
        target_groups=["autisme"],
        places=12,
    )
    publish(o108, YEAR - 2, "29000", unit="month")
    publish(o108, YEAR - 1, "30000", unit="month")
    publish(o108, YEAR, "30600", unit="month")
    both = make_offer(
        name="Huset ved Fjorden",
        paragraphs=["SEL § 107", "SEL § 108"],
        target_groups=["autisme", "sindslidelse"],
        places=6,
    )
    publish(both, YEAR, "1850.50")
    # A corrected tariff: only the latest version counts.
    corrected = make_offer(
        name="Egebo Døgntilbud", paragraphs=["SEL § 108"], target_groups=["udviklingshaemning"]
    )
    publish(corrected, YEAR - 1, "2500")
    publish(corrected, YEAR, "2700")
    publish(corrected, YEAR, "2550", version=2, reason="Regnefejl i belægningen")
    # Not in the report: another paragraph, a draft offer, no tariff this year.
    other = make_offer(
        name="Støttecentret Lyset", paragraphs=["SEL § 85"], target_groups=["sindslidelse"]
    )
    publish(other, YEAR, "900")
    draft = make_offer(
        name="Kladdehuset", paragraphs=["SEL § 108"], target_groups=["autisme"], status="draft"
    )
    publish(draft, YEAR, "2000")
    make_offer(name="Uden Takst", paragraphs=["SEL § 108"], target_groups=["autisme"])
    return {"o107": o107, "o108": o108, "both": both, "corrected": corrected}


def order(client, email=CASEWORKER, **data):
    client.force_login(demo_user(email))
    post = {"aar": str(YEAR), "format": "pdf"}
    post.update(data)
    return client.post(reverse("offers:tariff_overview_order"), post)


def expected_rows():
    """The database's view: published offers in § 107 or § 108 with a published tariff for
    the year, latest version."""
    rows = {}
    for offer in Offer.objects.filter(
        status="published", paragraphs__code__in=["SEL § 107", "SEL § 108"]
    ).distinct():
        tariff = (
            Tariff.objects.filter(offer=offer, year=YEAR, status="published")
            .order_by("-version")
            .first()
        )
        if tariff:
            rows[offer.name] = tariff
    return rows


def test_takstoversigt_pdf_holds_every_matching_offer_with_its_change(client, catalogue):
    response = order(client, paragraf=["SEL § 107", "SEL § 108"])
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.DONE, job.error
    assert job.kind == "takstoversigt" and job.result_name == f"takstoversigt-{YEAR}.pdf"
    assert job.params["paragraphs"] == ["SEL § 107", "SEL § 108"]
    assert job.progress_done == job.progress_total == 4  # one step per offer

    # Flat: the takstoversigt's columns have fixed widths (issue 17), so a phrase may wrap.
    text = pdf_text(job.result_file.path, flat=True)
    expected = expected_rows()
    assert set(expected) == {
        "Bostedet Åløkke",
        "Botilbuddet Kildebakken",
        "Huset ved Fjorden",
        "Egebo Døgntilbud",
    }
    for name, tariff in expected.items():
        assert name in text
        change = tariff.change_from_previous()
        if change is not None:
            assert signed_pct(change) in text, (name, signed_pct(change))
    assert "+4,5 %" in text  # 2.000 → 2.090 kr. pr. døgn
    assert "+2,0 %" in text  # 30.000 → 30.600 kr. pr. måned
    assert "+2,0 %" in text and "2.550,00 kr." in text  # the correction, not version 1
    assert "2.700,00 kr." not in text
    assert "Ekstra støtte 1:1: 465,00 kr. pr. time" in text
    assert "Over PL" in text  # +4,5 % > 2,4 %
    for absent in ("Støttecentret Lyset", "Kladdehuset", "Uden Takst"):
        assert absent not in text
    # Placed once: the offer with § 107 and § 108 stands under § 107 with "Også".
    assert text.count("Huset ved Fjorden") == 1
    assert "Også: SEL § 108" in text


def test_takstoversigt_pdf_is_tagged_danish_pdf_ua_in_landscape(client, catalogue):
    order(client, paragraf=["SEL § 107", "SEL § 108"])
    job = Job.objects.get()
    reader = PdfReader(job.result_file.path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert reader.metadata.title == f"Takstoversigt {YEAR}"
    assert reader.metadata.author == "KKR Sjælland"
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    pages = len(reader.pages)
    assert f"Side {pages} af {pages}" in reader.pages[-1].extract_text()
    # The tables' column headers are tagged as headers (TH), the headings as H1-H3.
    kinds = _struct_kinds(root["/StructTreeRoot"])
    assert {"TH", "TD", "H1", "H2", "H3", "Table"} <= kinds, kinds


def _struct_kinds(node, seen=None) -> set[str]:
    """The structure types (/S) in a PDF's structure tree."""
    seen = set() if seen is None else seen
    node = node.get_object()
    if isinstance(node, dict) or hasattr(node, "keys"):
        if "/S" in node:
            seen.add(str(node["/S"]).lstrip("/"))
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in kids if isinstance(kids, list) else [kids]:
                if hasattr(kid, "get_object") and not isinstance(kid, int):
                    _struct_kinds(kid, seen)
    return seen


def test_an_offers_own_text_is_shown_as_written_in_the_pdf(client, catalogue):
    """The typst document is filled with data, never markup: characters typst gives a
    meaning (#, *, _, $, [, ], <, @, \\) in a name or an add-on are shown as typed."""
    tricky = "Bo #strong[x] *fed* _skrå_ $x$ <a> @b \\ ]"
    offer = make_offer(name=tricky, paragraphs=["SEL § 107"], target_groups=["sindslidelse"])
    publish(offer, YEAR, "1000", addons=[("#panic() [1:1]", Decimal("10.00"), "hour")])
    order(client, paragraf=["SEL § 107"])
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.error
    text = pdf_text(job.result_file.path, flat=True)
    assert tricky in text
    assert "#panic() [1:1]: 10,00 kr. pr. time" in text


def test_takstoversigt_xlsx_values_equal_the_database(client, catalogue):
    order(client, paragraf=["SEL § 107", "SEL § 108"], format="xlsx")
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.error
    assert job.result_name == f"takstoversigt-{YEAR}.xlsx"
    wb = load_workbook(job.result_file.path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    col = {name: i for i, name in enumerate(header)}
    rows = {r[col["Tilbud"]].value: r for r in ws.iter_rows(min_row=2)}
    expected = expected_rows()
    assert set(rows) == set(expected)
    for name, tariff in expected.items():
        row = rows[name]
        price = row[col["Takst (kr.)"]]
        monthly = row[col["Månedspris (kr.)"]]
        change = row[col["Ændring fra sidste år (%)"]]
        assert isinstance(price.value, (int, float))  # numbers as numbers
        assert Decimal(str(price.value)) == tariff.price
        assert Decimal(str(monthly.value)).quantize(Decimal("0.01")) == monthly_price(
            tariff.price, tariff.unit
        )
        expected_change = tariff.change_from_previous()
        if expected_change is None:
            assert change.value is None
        else:
            assert Decimal(str(change.value)) == expected_change
        assert price.number_format == '#,##0.00 "kr."'
        assert row[col["Over PL-satsen"]].value == ("Ja" if tariff.exceeds_regulation() else "Nej")
        assert row[col["Leverandør"]].value == tariff.offer.provider.name
    assert rows["Bostedet Åløkke"][col["Lovgrundlag"]].value == "SEL § 107"
    assert "Kørsel: 3,51 kr. pr. km" in rows["Bostedet Åløkke"][col["Tillægsydelser"]].value


def test_filters_that_match_nothing_give_an_honest_empty_report(client, catalogue):
    response = order(client, paragraf=["SEL § 109"])
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.DONE
    assert "Ingen tilbud matcher filtrene" in pdf_text(job.result_file.path)

    order(client, paragraf=["SEL § 109"], format="xlsx")
    job = Job.objects.latest("pk")
    ws = load_workbook(job.result_file.path).worksheets[0]
    assert ws.cell(row=2, column=1).value == "Ingen tilbud matcher filtrene"


def test_filters_by_provider_ownership_municipality_and_branch(client, catalogue, demo):
    other = make_offer(
        name="Solsikkehuset",
        paragraphs=["SEL § 108"],
        target_groups=["autisme"],
        provider_slug="fonden-solsikken",
        municipality_slug="naestved",
    )
    publish(other, YEAR, "2100")
    for data, names in [
        ({"leverandoer": "Fonden Solsikken"}, {"Solsikkehuset"}),
        ({"leverandoer": "12354991"}, {"Solsikkehuset"}),
        ({"ejerform": "fond"}, {"Solsikkehuset"}),
        ({"kommune": "naestved"}, {"Solsikkehuset"}),
        ({"branche": "selveje-danmark"}, {"Solsikkehuset"}),
        (
            {"branche": "los", "maalgruppe": ["sindslidelse"]},
            {"Bostedet Åløkke", "Huset ved Fjorden", "Støttecentret Lyset"},
        ),
    ]:
        Job.objects.all().delete()
        order(client, format="xlsx", **data)
        ws = load_workbook(Job.objects.get().result_file.path).worksheets[0]
        assert {r[2].value for r in ws.iter_rows(min_row=2)} == names, data


@pytest.mark.parametrize(
    "data, message",
    [
        ({"aar": "1999"}, "Vælg et år mellem 2000 og 2100."),
        ({"aar": "i år"}, "Skriv året med fire cifre"),
        ({"aar": str(YEAR + 5)}, f"Der er ingen offentliggjorte takster for {YEAR + 5}"),
        ({"paragraf": ["SEL § 999"]}, "Ukendt lovgrundlag: SEL § 999"),
        ({"maalgruppe": ["findes-ikke"]}, "Ukendt målgruppe: findes-ikke"),
        ({"kommune": "atlantis"}, "Ukendt kommune: atlantis"),
        ({"ejerform": "kooperativ"}, "Ukendt ejerform: kooperativ"),
        ({"leverandoer": "Findes Ikke ApS"}, "Ingen leverandør har navnet"),
        ({"branche": "ukendt"}, "Ukendt brancheorganisation: ukendt"),
        ({"format": "docx"}, "Vælg PDF eller regneark (XLSX)."),
    ],
)
def test_bad_input_is_explained_on_the_form_and_nothing_is_queued(client, catalogue, data, message):
    response = order(client, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_queue_down_shows_the_message_and_leaves_no_job(client, catalogue, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(jobs.run_job, "apply_async", refuse)
    response = order(client, paragraf=["SEL § 108"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "Baggrundskøen kan ikke nås" in page
    assert re.search(r'<input[^>]*value="SEL § 108"[^>]*checked', page)  # the choice stays
    assert not Job.objects.exists()

    client.force_login(demo_user(CASEWORKER))
    response = client.post(reverse("offers:tariff_development"), {"fra": YEAR - 2, "til": YEAR})
    assert "Baggrundskøen kan ikke nås" in response.content.decode()
    assert not Job.objects.exists()


# --- Takstudvikling ------------------------------------------------------------------------


def test_takstudvikling_medians_against_the_pl_path(catalogue):
    from offers.reports.development import tariff_development

    dev = tariff_development(YEAR - 1, YEAR)
    p108 = next(d for d in dev.paragraphs if d.paragraph.code == "SEL § 108")
    by_year = {s.year: s for s in p108.years}
    # § 108 last year: Kildebakken 30.000 and Egebo 2.500 × 365/12 = 76.041,67 per month.
    egebo_last = monthly_price(Decimal("2500"), "day")
    assert by_year[YEAR - 1].median == ((Decimal(30000) + egebo_last) / 2).quantize(Decimal("0.01"))
    assert by_year[YEAR - 1].count == 2
    assert by_year[YEAR].count == 3  # + Huset ved Fjorden (in § 107 and § 108)
    assert p108.pl_path[0] == (YEAR - 1, by_year[YEAR - 1].median)
    assert p108.pl_path[1][1] == (by_year[YEAR - 1].median * Decimal("1.024")).quantize(
        Decimal("0.01")
    )
    assert dev.allowed_percent == Decimal("2.4")
    p107 = next(d for d in dev.paragraphs if d.paragraph.code == "SEL § 107")
    assert [r.name for r in p107.above] == ["Bostedet Åløkke"]  # +4,5 % > 2,4 %
    assert p107.above[0].change_percent == Decimal("4.5")
    assert [r.name for r in p108.above] == []  # +2,0 % and the corrected 2,0 %
    svg = render_to_string("offers/reports/_chart.html", {"chart": p107.chart})
    assert 'role="img"' in svg and "<title" in svg


def test_takstudvikling_page_and_pdf_show_the_same_charts(client, catalogue):
    client.force_login(demo_user(CASEWORKER))
    url = reverse("offers:tariff_development")
    page = client.get(url, {"fra": YEAR - 1, "til": YEAR}).content.decode()
    assert "<svg" in page and "Bostedet Åløkke" in page and "+4,5 %" in page
    response = client.post(url, {"fra": YEAR - 1, "til": YEAR, "paragraf": ["SEL § 107"]})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.DONE, job.error
    text = pdf_text(job.result_file.path)
    assert "SEL § 107" in text and "Bostedet Åløkke" in text and "+4,5 %" in text
    assert "SEL § 108 –" not in text  # filtered to § 107
    reader = PdfReader(job.result_file.path)
    assert reader.trailer["/Root"]["/Lang"] == "da"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"fra": YEAR, "til": YEAR - 1}, "forkert rækkefølge"),
        ({"fra": YEAR, "til": YEAR}, "mindst to år"),
        ({"fra": YEAR - 5, "til": YEAR}, f"ingen offentliggjorte takster for {YEAR - 5}"),
        ({"fra": YEAR - 1, "til": YEAR, "paragraf": ["SEL § 0"]}, "Ukendt lovgrundlag"),
    ],
)
def test_takstudvikling_bad_input_is_explained_and_nothing_queued(client, catalogue, data, message):
    client.force_login(demo_user(CASEWORKER))
    response = client.post(reverse("offers:tariff_development"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Job.objects.exists()


# --- Library -------------------------------------------------------------------------------


def test_published_report_can_be_downloaded_by_any_member(client, catalogue):
    order(client, email=SECRETARIAT, paragraf=["SEL § 107"])
    job = Job.objects.get()
    caseworker = demo_user(CASEWORKER)
    client.force_login(caseworker)
    assert client.get(reverse("partnership:job_download", args=[job.pk])).status_code == 404
    assert client.post(reverse("offers:library_publish"), {"job": job.pk}).status_code == 403

    client.force_login(demo_user(SECRETARIAT))
    page = client.get(reverse("offers:library")).content.decode()
    assert job.title in page  # offered for publishing
    response = client.post(reverse("offers:library_publish"), {"job": job.pk, "title": ""})
    assert response.status_code == 302
    report = PublishedReport.objects.get()
    assert (report.job, report.year, report.title) == (job, YEAR, job.title)

    for email in (CASEWORKER, PROVIDER):
        client.force_login(demo_user(email))
        page = client.get(reverse("offers:library")).content.decode()
        assert job.title in page and str(YEAR) in page
        response = client.get(reverse("offers:library_download", args=[report.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "Bostedet Åløkke" in pdf_text(b"".join(response.streaming_content))


def test_a_job_is_published_once_and_only_finished_report_jobs(client, catalogue):
    from django.core.exceptions import ValidationError

    from offers.reports.library import publish_report

    order(client, email=SECRETARIAT, paragraf=["SEL § 107"])
    job = Job.objects.get()
    secretariat = demo_user(SECRETARIAT)
    publish_report(job=job, by=secretariat)
    with pytest.raises(ValidationError):
        publish_report(job=job, by=secretariat)
    client.force_login(secretariat)
    response = client.post(reverse("offers:library_publish"), {"job": job.pk})
    assert response.status_code == 200 and PublishedReport.objects.count() == 1


# --- Scheduled -----------------------------------------------------------------------------


def test_secretariat_schedules_a_takstoversigt_and_the_task_orders_it_once(client, catalogue):
    from offers.reports.tasks import order_scheduled_reports

    client.force_login(demo_user(CASEWORKER))
    assert client.get(reverse("offers:scheduled_reports")).status_code == 403
    client.force_login(demo_user(SECRETARIAT))
    today = timezone.localdate()
    response = client.post(
        reverse("offers:scheduled_reports"),
        {"run_on": today.isoformat(), "year": YEAR, "format": "xlsx"},
    )
    assert response.status_code == 302
    later = ScheduledReport.objects.create(
        run_on=today + timedelta(days=30),
        year=YEAR + 1,
        format="pdf",
        ordered_by=demo_user(SECRETARIAT),
    )

    order_scheduled_reports.delay()
    order_scheduled_reports.delay()

    job = Job.objects.get()  # once
    assert job.kind == "takstoversigt" and job.status == JobStatus.DONE
    assert job.params["year"] == YEAR and job.params["format"] == "xlsx"
    planned = ScheduledReport.objects.get(year=YEAR)
    assert planned.done_at and planned.job == job
    later.refresh_from_db()
    assert later.done_at is None


def test_scheduled_run_with_the_queue_down_orders_nothing_and_tries_again(catalogue, monkeypatch):
    from offers.reports.library import order_due_scheduled_reports

    planned = ScheduledReport.objects.create(
        run_on=timezone.localdate(), year=YEAR, format="pdf", ordered_by=demo_user(SECRETARIAT)
    )

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(jobs.run_job, "apply_async", refuse)
    assert order_due_scheduled_reports() == []
    planned.refresh_from_db()
    assert planned.done_at is None and not Job.objects.exists()
    monkeypatch.undo()
    assert len(order_due_scheduled_reports()) == 1


def test_report_pages_and_navigation(client, catalogue):
    client.force_login(demo_user(PROVIDER))
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert reverse("offers:report_index") in page
    assert reverse("offers:capacity") not in page
    for name in ("report_index", "tariff_overview_order", "tariff_development", "library"):
        assert client.get(reverse(f"offers:{name}")).status_code == 200
    assert client.get(reverse("offers:capacity")).status_code == 403


# --- With a real worker --------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_takstoversigt_is_rendered_by_a_worker_process(catalogue, celery_worker_process):
    job = jobs.order_job(
        kind="takstoversigt",
        title=f"Takstoversigt {YEAR}",
        params={"year": YEAR, "paragraphs": ["SEL § 107", "SEL § 108"], "format": "pdf"},
        by=demo_user(CASEWORKER),
    )
    assert job.status == JobStatus.QUEUED
    wait_for_job(job)
    assert job.status == JobStatus.DONE, job.error
    assert job.progress_done == job.progress_total == 4
    text = pdf_text(job.result_file.path)
    assert "Bostedet Åløkke" in text and "+4,5 %" in text
