"""Federated login's own pages (namespace federation); allauth's SAML and OIDC pages are
under /konto/ (config/urls.py)."""

from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("organisationer/<slug:slug>/foederede-logins/", views.pending, name="pending"),
    path(
        "organisationer/<slug:slug>/foederede-logins/<int:pk>/godkend/",
        views.approve,
        name="approve",
    ),
    path(
        "organisationer/<slug:slug>/foederede-logins/<int:pk>/afvis/",
        views.refuse,
        name="refuse",
    ),
]
