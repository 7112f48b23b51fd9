"""The offer page, its files and following it, included by offers/urls.py (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tilbud/<int:pk>/", views.offer_detail, name="offer_detail"),
    path(
        "tilbud/<int:pk>/dokumenter/<int:doc_pk>/",
        views.document_download,
        name="document_download",
    ),
    path("tilbud/<int:pk>/billeder/<int:photo_pk>/", views.photo_file, name="photo_file"),
    path("tilbud/<int:pk>/foelg/", views.follow_toggle, name="follow_toggle"),
]
