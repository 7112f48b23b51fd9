"""The tariff import, included by offers/urls.py at "takster/import/" (namespace offers)."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("", views_import.import_start, name="tariff_import"),
    path("skabelon.<str:fmt>", views_import.import_template, name="tariff_import_template"),
    path("<str:key>/", views_import.import_preview, name="tariff_import_preview"),
    path("<str:key>/gem/", views_import.import_confirm, name="tariff_import_confirm"),
]
