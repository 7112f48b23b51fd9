"""A provider's editing of its offers, included by offers/urls.py (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tilbud/vores/", views.own_offers, name="own_offers"),
    path("tilbud/nyt/", views.offer_edit, name="offer_create"),
    path("tilbud/<int:pk>/rediger/", views.offer_edit, name="offer_edit"),
    path("tilbud/<int:pk>/status/", views.offer_status, name="offer_status"),
    path("tilbud/<int:pk>/deklaration/", views.declaration_edit, name="declaration_edit"),
    path("tilbud/<int:pk>/ledige-pladser/", views.vacancy_report, name="vacancy_report"),
    path("tilbud/<int:pk>/billeder/", views.photo_upload, name="photo_upload"),
    path("tilbud/<int:pk>/dokumenter/", views.document_upload, name="document_upload"),
]
