"""*Gemte søgninger*, included by offers/urls.py (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.saved_search_list, name="saved_search_list"),
    path("gem/", views.saved_search_create, name="saved_search_create"),
    path("<int:pk>/", views.saved_search_edit, name="saved_search_edit"),
    path("<int:pk>/slet/", views.saved_search_delete, name="saved_search_delete"),
]
