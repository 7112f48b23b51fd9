"""The standard contracts, included by contracts/urls.py (namespace contracts)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("<int:pk>/", views.template_detail, name="template_detail"),
    path("<int:pk>/ny-version/", views.template_new_version, name="template_new_version"),
    path("<int:pk>/rediger/", views.template_edit, name="template_edit"),
    path(
        "<int:pk>/punkter/<int:clause_pk>/",
        views.template_clause_edit,
        name="template_clause_edit",
    ),
    path("<int:pk>/offentliggoer/", views.template_publish, name="template_publish"),
]
