"""The comparison, included by offers/urls.py at "sammenlign/" (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.compare, name="compare"),
    path("tilfoej/", views.compare_add, name="compare_add"),
    path("fjern/", views.compare_remove, name="compare_remove"),
    path("xlsx/", views.compare_xlsx, name="compare_xlsx"),
    path("gem/", views.compare_adopt, name="compare_adopt"),
]
