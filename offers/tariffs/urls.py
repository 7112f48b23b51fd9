"""Tariffs, included by offers/urls.py (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tilbud/<int:pk>/takster/ny/", views.tariff_edit, name="tariff_create"),
    path("tilbud/<int:pk>/takster/<int:tariff_pk>/", views.tariff_edit, name="tariff_edit"),
    path(
        "tilbud/<int:pk>/takster/<int:tariff_pk>/offentliggoer/",
        views.tariff_publish,
        name="tariff_publish",
    ),
    path(
        "tilbud/<int:pk>/takster/<int:tariff_pk>/ret/", views.tariff_correct, name="tariff_correct"
    ),
    path("takster/over-pl/", views.tariffs_above_pl, name="tariffs_above_pl"),
]
