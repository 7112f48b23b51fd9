"""The tariff import, included by offers/urls.py at "takster/import/" (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_start, name="tariff_import"),
    path("skabelon.<str:fmt>", views.import_template, name="tariff_import_template"),
    path("<str:key>/", views.import_preview, name="tariff_import_preview"),
    path("<str:key>/gem/", views.import_confirm, name="tariff_import_confirm"),
]
