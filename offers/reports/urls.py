"""Tariff and capacity reports (issue 6), included by offers/urls.py."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.report_index, name="report_index"),
    path("takstoversigt/", views.tariff_overview_order, name="tariff_overview_order"),
    path("takstudvikling/", views.tariff_development, name="tariff_development"),
    path("kapacitet/", views.capacity, name="capacity"),
    path("bibliotek/", views.library, name="library"),
    path("bibliotek/offentliggoer/", views.library_publish, name="library_publish"),
    path("bibliotek/<int:pk>/hent/", views.library_download, name="library_download"),
    path("bibliotek/<int:pk>/fjern/", views.library_unpublish, name="library_unpublish"),
    path("planlagte/", views.scheduled, name="scheduled_reports"),
]
