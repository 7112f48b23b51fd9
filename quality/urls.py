from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("kvalitet/", views.overview, name="overview"),
    path("kvalitet/rammer/", views.frameworks, name="frameworks"),
    path("kvalitet/rammer/<int:pk>/", views.framework_edit, name="framework_edit"),
    path(
        "kvalitet/rammer/<int:pk>/ikrafttraeden/",
        views.framework_activate,
        name="framework_activate",
    ),
    path("kvalitet/rammer/<int:pk>/temaer/ny/", views.theme_edit, name="theme_create"),
    path("kvalitet/rammer/<int:pk>/temaer/<int:theme_pk>/", views.theme_edit, name="theme_edit"),
    path(
        "kvalitet/rammer/<int:pk>/temaer/<int:theme_pk>/kriterier/ny/",
        views.criterion_edit,
        name="criterion_create",
    ),
    path(
        "kvalitet/rammer/<int:pk>/temaer/<int:theme_pk>/kriterier/<int:criterion_pk>/",
        views.criterion_edit,
        name="criterion_edit",
    ),
    path("kvalitet/dialoger/ny/", views.dialogue_create, name="dialogue_create"),
    path("kvalitet/dialoger/<int:pk>/", views.dialogue_detail, name="dialogue_detail"),
    path("kvalitet/dialoger/<int:pk>/rediger/", views.dialogue_edit, name="dialogue_edit"),
    path("kvalitet/dialoger/<int:pk>/temaer/", views.notes_edit, name="notes_edit"),
    path("kvalitet/dialoger/<int:pk>/pdf/", views.dialogue_pdf, name="dialogue_pdf"),
    path(
        "kvalitet/dialoger/<int:pk>/dokumenter/ny/", views.document_upload, name="document_upload"
    ),
    path(
        "kvalitet/dialoger/<int:pk>/dokumenter/<int:doc_pk>/",
        views.document_download,
        name="document_download",
    ),
    path("kvalitet/dialoger/<int:pk>/handlinger/ny/", views.action_create, name="action_create"),
    path(
        "kvalitet/dialoger/<int:pk>/handlinger/<int:action_pk>/",
        views.action_edit,
        name="action_edit",
    ),
    path(
        "kvalitet/tilbud/<int:offer_pk>/vurderinger/ny/",
        views.assessment_create,
        name="assessment_create",
    ),
]
