"""*Tilbud jeg følger*, included by offers/urls.py (namespace offers)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tilbud/foelger/", views.followed_list, name="followed_list"),
    path("tilbud/<int:pk>/foelg-ikke/", views.unfollow, name="unfollow"),
    path("tilbud/<int:pk>/foelg/email/", views.follow_email, name="follow_email"),
]
