"""The report pages as a person uses them (issue 6): order a takstoversigt from the form,
follow the job, read the takstudvikling and the capacity overview, publish to the library
and download from it. axe-core finds no WCAG 2.1 A/AA violation on any of them."""

from playwright.sync_api import expect

from offers.models import PublishedReport
from offers.selectors import current_year
from partnership.models import Job, JobStatus
from tests.browser.conftest import assert_accessible, log_in

YEAR = current_year()


def test_order_follow_publish_and_read_reports(portal_with_offers, new_page):
    portal = portal_with_offers
    page = new_page()
    log_in(page, portal, "sekretariat@portal.example")

    page.get_by_role("link", name="Rapporter").first.click()
    page.get_by_role("link", name="Takstoversigt", exact=True).click()
    assert_accessible(page)
    # Bad input: an unknown provider is explained on the form, nothing is ordered.
    page.get_by_label("Leverandør (navn eller CVR)").fill("Findes Ikke ApS")
    page.get_by_role("button", name="Bestil takstoversigt").click()
    expect(page.get_by_text("Ingen leverandør har navnet").first).to_be_visible()
    assert_accessible(page)
    assert not Job.objects.exists()

    page.get_by_label("Leverandør (navn eller CVR)").fill("")
    page.get_by_label("SEL § 107").check()
    page.get_by_label("SEL § 108").check()
    page.get_by_label("Regneark (XLSX)").check()
    page.get_by_role("button", name="Bestil takstoversigt").click()
    expect(page.get_by_role("heading", name=f"Takstoversigt {YEAR}")).to_be_visible()
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.error
    expect(page.get_by_role("link", name=f"Hent takstoversigt-{YEAR}.xlsx")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{portal}/rapporter/takstudvikling/")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Kapacitet").first.click()
    expect(page.get_by_role("heading", name="Kapacitetsoverblik")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{portal}/rapporter/bibliotek/")
    assert_accessible(page)
    page.get_by_label("Færdig rapport").select_option(str(job.pk))
    page.get_by_role("button", name="Offentliggør for alle medlemmer").click()
    expect(page.get_by_text("er lagt i rapportbiblioteket")).to_be_visible()
    assert PublishedReport.objects.filter(job=job).exists()
    assert_accessible(page)

    reader = new_page()
    log_in(reader, portal, "sagsbehandler.naestved@portal.example")
    reader.goto(f"{portal}/rapporter/bibliotek/")
    assert_accessible(reader)
    with reader.expect_download() as download:
        reader.get_by_role("link", name=f"Hent takstoversigt-{YEAR}.xlsx").click()
    assert download.value.suggested_filename == f"takstoversigt-{YEAR}.xlsx"
