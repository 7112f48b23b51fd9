"""Tariff and capacity reports (issue 6), included by offers/urls.py."""

from django.urls import path

urlpatterns: list = []
