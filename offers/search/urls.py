"""*Find tilbud* and its open data, included by offers/urls.py (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tilbud/", views.search, name="search"),
    path("aabne-data/tilbud.<str:fmt>", views.open_data, name="open_data"),
]
