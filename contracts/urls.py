from django.urls import include, path

from . import views

app_name = "contracts"

urlpatterns = [
    path("kontrakter/", views.contract_list, name="contract_list"),
    path("kontrakter/ny/", views.contract_create, name="contract_create"),
    path("kontrakter/maaltal/", views.measures, name="measures"),
    path("kontrakter/standardkontrakter/", include("contracts.standards.urls")),
    path("kontrakter/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("kontrakter/<int:pk>/vilkaar/", views.contract_edit, name="contract_edit"),
    path("kontrakter/<int:pk>/punkter/<int:clause_pk>/", views.clause_edit, name="clause_edit"),
    path(
        "kontrakter/<int:pk>/individuel-pris/",
        views.contract_price_item,
        name="contract_price_item",
    ),
    path("kontrakter/<int:pk>/send/", views.contract_send, name="contract_send"),
    path("kontrakter/<int:pk>/accepter/", views.contract_accept, name="contract_accept"),
    path("kontrakter/<int:pk>/kommentar/", views.contract_comment, name="contract_comment"),
    path("kontrakter/<int:pk>/opsig/", views.contract_terminate, name="contract_terminate"),
    path(
        "kontrakter/<int:pk>/genforhandl/", views.contract_renegotiate, name="contract_renegotiate"
    ),
    path("kontrakter/<int:pk>/pdf/", views.contract_pdf, name="contract_pdf"),
]
