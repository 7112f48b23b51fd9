"""Many offers and a tariff file for all of them, for the tests of the import at scale (the
job, the queries per batch, gunicorn): a provider's whole year, one row per tariff."""

from __future__ import annotations

import copy

from offers.imports import importer
from offers.models import Offer
from tests.factories import make_offer


def many_offers(n: int, provider_slug: str = "bostedet-egelund", prefix: str = "Botilbud"):
    """n offers of one provider, written with one INSERT (the first made by the factory)."""
    first = make_offer(provider_slug=provider_slug, name=f"{prefix} 00000")
    copies = []
    for i in range(1, n):
        offer = copy.copy(first)
        offer.pk = None
        offer._state.adding = True
        offer.name = f"{prefix} {i:05d}"
        copies.append(offer)
    Offer.objects.bulk_create(copies)
    return [first, *Offer.objects.filter(name__startswith=f"{prefix} ").exclude(pk=first.pk)]


def tariff_file(offers, year: int, *, addons_per_offer: int = 1, **cells) -> bytes:
    """A CSV file as Danish Excel saves it: per offer one row with the tariff and its first
    add-on, and a row for each further add-on."""
    lines = [";".join(importer.COLUMNS)]
    for i, offer in enumerate(offers):
        row = dict.fromkeys(importer.COLUMNS, "")
        row.update(
            {
                importer.COL_OFFER_ID: str(offer.pk),
                importer.COL_OFFER: offer.name,
                importer.COL_YEAR: str(year),
                importer.COL_PRICE: f"{2000 + i % 900},50",
                importer.COL_UNIT: "døgn",
                importer.COL_OCCUPANCY: "95",
                importer.COL_VAT: "nej" if i % 3 else "ja",
                importer.COL_OVERHEAD: "150,00",
                **cells,
            }
        )
        for a in range(addons_per_offer):
            if a:
                row = dict.fromkeys(importer.COLUMNS, "")
                row.update(
                    {
                        importer.COL_OFFER_ID: str(offer.pk),
                        importer.COL_YEAR: str(year),
                    }
                )
            row.update(
                {
                    importer.COL_ADDON_NAME: f"Tillæg {a + 1}",
                    importer.COL_ADDON_PRICE: "450,00",
                    importer.COL_ADDON_UNIT: "time",
                }
            )
            lines.append(";".join(row[c] for c in importer.COLUMNS))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
