from django.urls import include, path

from . import reference, views

app_name = "offers"

urlpatterns = [
    path("tilbud/", views.search, name="search"),
    path("tilbud/vores/", views.own_offers, name="own_offers"),
    path("tilbud/nyt/", views.offer_edit, name="offer_create"),
    path("tilbud/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("tilbud/<int:pk>/rediger/", views.offer_edit, name="offer_edit"),
    path("tilbud/<int:pk>/status/", views.offer_status, name="offer_status"),
    path("tilbud/<int:pk>/deklaration/", views.declaration_edit, name="declaration_edit"),
    path("tilbud/<int:pk>/ledige-pladser/", views.vacancy_report, name="vacancy_report"),
    path("tilbud/<int:pk>/billeder/", views.photo_upload, name="photo_upload"),
    path("tilbud/<int:pk>/dokumenter/", views.document_upload, name="document_upload"),
    path(
        "tilbud/<int:pk>/dokumenter/<int:doc_pk>/",
        views.document_download,
        name="document_download",
    ),
    path("tilbud/<int:pk>/billeder/<int:photo_pk>/", views.photo_file, name="photo_file"),
    path("tilbud/<int:pk>/foelg/", views.follow_toggle, name="follow_toggle"),
    path("tilbud/<int:pk>/takster/ny/", views.tariff_edit, name="tariff_create"),
    path("tilbud/<int:pk>/takster/<int:tariff_pk>/", views.tariff_edit, name="tariff_edit"),
    path(
        "tilbud/<int:pk>/takster/<int:tariff_pk>/offentliggoer/",
        views.tariff_publish,
        name="tariff_publish",
    ),
    path(
        "tilbud/<int:pk>/takster/<int:tariff_pk>/ret/", views.tariff_correct, name="tariff_correct"
    ),
    path("sammenlign/", views.compare, name="compare"),
    path("sammenlign/tilfoej/", views.compare_add, name="compare_add"),
    path("sammenlign/fjern/", views.compare_remove, name="compare_remove"),
    path("sammenlign/xlsx/", views.compare_xlsx, name="compare_xlsx"),
    path("aabne-data/tilbud.<str:fmt>", views.open_data, name="open_data"),
    path("takster/over-pl/", views.tariffs_above_pl, name="tariffs_above_pl"),
    path("referencedata/", reference.index, name="reference_index"),
    path("referencedata/pl-satser/", views.regulation_rates, name="regulation_rates"),
    path("referencedata/<str:kind>/", reference.edit, name="reference_list"),
    path("referencedata/<str:kind>/<int:pk>/", reference.edit, name="reference_edit"),
    path("takster/import/", include("offers.urls_import")),
    path("rapporter/", include("offers.urls_reports")),
]
