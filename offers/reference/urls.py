"""Reference data, included by offers/urls.py at "referencedata/" (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="reference_index"),
    # Before "<str:kind>/", which would take "pl-satser" for a kind.
    path("pl-satser/", views.regulation_rates, name="regulation_rates"),
    path("<str:kind>/", views.edit, name="reference_list"),
    path("<str:kind>/<int:pk>/", views.edit, name="reference_edit"),
]
