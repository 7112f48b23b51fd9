import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from offers.models import OfferDocument, OfferPhoto, VacancyReport
from tests.factories import make_offer


def png(width=3000, height=2000):
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buf, "PNG")
    return SimpleUploadedFile("stue.png", buf.getvalue(), content_type="image/png")


def test_photo_is_resized_and_needs_alt_text(as_provider):
    offer = make_offer()
    url = reverse("offers:photo_upload", args=[offer.pk])
    response = as_provider.post(url, {"image": png(), "alt_text": ""})
    assert "Dette felt er påkrævet" in response.content.decode()
    assert not OfferPhoto.objects.exists()
    as_provider.post(url, {"image": png(), "alt_text": "Fællesstuen med udsigt til haven"})
    photo = OfferPhoto.objects.get()
    assert max(Image.open(photo.image.path).size) == 1600
    page = as_provider.get(offer.get_absolute_url()).content.decode()
    assert 'alt="Fællesstuen med udsigt til haven"' in page
    assert (
        as_provider.get(reverse("offers:photo_file", args=[offer.pk, photo.pk]))["Content-Type"]
        == "image/png"
    )


def test_a_pdf_named_image_is_refused(as_provider):
    offer = make_offer()
    fake = SimpleUploadedFile("billede.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = as_provider.post(
        reverse("offers:photo_upload", args=[offer.pk]), {"image": fake, "alt_text": "x"}
    )
    assert response.status_code == 200
    assert not OfferPhoto.objects.exists()


def test_documents_are_checked_by_content_and_size(as_provider, settings):
    offer = make_offer()
    url = reverse("offers:document_upload", args=[offer.pk])
    fake = SimpleUploadedFile(
        "tilsyn.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf"
    )
    response = as_provider.post(url, {"kind": "tilsyn", "title": "Tilsynsrapport", "file": fake})
    assert "ikke en PDF" in response.content.decode()
    big = SimpleUploadedFile(
        "stor.pdf", b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024), content_type="application/pdf"
    )
    response = as_provider.post(url, {"kind": "tilsyn", "title": "Stor", "file": big})
    assert "højst fylde 20 MB" in response.content.decode()
    assert not OfferDocument.objects.exists()
    real = SimpleUploadedFile("tilsyn.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    as_provider.post(url, {"kind": "tilsyn", "title": "Tilsynsrapport", "file": real})
    doc = OfferDocument.objects.get()
    response = as_provider.get(reverse("offers:document_download", args=[offer.pk, doc.pk]))
    assert response["Content-Type"] == "application/pdf"


def test_vacancies_are_dated_and_kept(as_provider, today):
    offer = make_offer(places=10)
    url = reverse("offers:vacancy_report", args=[offer.pk])
    month_ago, yesterday = today - timedelta(days=30), today - timedelta(days=1)
    as_provider.post(url, {"vacant": "3", "reported_on": month_ago.isoformat()})
    as_provider.post(url, {"vacant": "1", "reported_on": yesterday.isoformat()})
    response = as_provider.post(url, {"vacant": "11", "reported_on": today.isoformat()})
    assert "flere ledige pladser (11) end pladser i alt (10)" in response.content.decode()
    assert list(VacancyReport.objects.values_list("vacant", flat=True)) == [1, 3]
    assert "1 ledige af 10 pladser" in as_provider.get(offer.get_absolute_url()).content.decode()


def test_declaration_extra_without_price_names_the_question(as_provider):
    from offers.models import DeclarationQuestion

    offer = make_offer()
    data = {}
    for q in DeclarationQuestion.objects.filter(is_active=True):
        data[f"q{q.pk}-answer"] = "included"
        if q.options.exists():
            data[f"q{q.pk}-option"] = str(q.options.first().pk)
    night = DeclarationQuestion.objects.get(key="nattevagt")
    data[f"q{night.pk}-answer"] = "extra"
    data[f"q{night.pk}-unit"] = "hour"
    response = as_provider.post(reverse("offers:declaration_edit", args=[offer.pk]), data)
    body = response.content.decode()
    assert "Angiv prisen for tilkøbet" in body
    assert offer.declaration_answers.count() == 0
    data[f"q{night.pk}-price"] = "350,00"
    as_provider.post(reverse("offers:declaration_edit", args=[offer.pk]), data)
    assert offer.declaration_answers.get(question=night).price == 350
