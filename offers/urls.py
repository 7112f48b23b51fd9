"""The offers app's URLs (namespace "offers"): each feature's own, included here."""

from django.urls import include, path

app_name = "offers"

urlpatterns = [
    path("", include("offers.search.urls")),
    path("", include("offers.editing.urls")),
    path("", include("offers.detail.urls")),
    path("", include("offers.following.urls")),
    path("tilbud/gemte-soegninger/", include("offers.savedsearches.urls")),
    path("", include("offers.tariffs.urls")),
    path("sammenlign/", include("offers.compare.urls")),
    path("referencedata/", include("offers.reference.urls")),
    path("takster/import/", include("offers.imports.urls")),
    path("rapporter/", include("offers.reports.urls")),
]
