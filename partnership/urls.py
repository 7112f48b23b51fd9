from django.urls import path

from . import views

app_name = "partnership"

urlpatterns = [
    path("overblik/", views.dashboard, name="dashboard"),
    path("overblik/notitser/laest/", views.notices_read, name="notices_read"),
    path("organisationer/", views.organisation_list, name="organisation_list"),
    path("organisationer/ny/", views.organisation_edit, name="organisation_create"),
    path("organisationer/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("organisationer/<slug:slug>/rediger/", views.organisation_edit, name="organisation_edit"),
    path("organisationer/<slug:slug>/medlemmer/", views.members, name="members"),
    path(
        "organisationer/<slug:slug>/medlemmer/<int:pk>/rolle/",
        views.membership_change_role,
        name="membership_change_role",
    ),
    path(
        "organisationer/<slug:slug>/medlemmer/<int:pk>/deaktiver/",
        views.membership_deactivate,
        name="membership_deactivate",
    ),
    path("organisationer/<slug:slug>/api-noegler/", views.api_tokens, name="api_tokens"),
    path(
        "organisationer/<slug:slug>/api-noegler/<int:pk>/tilbagekald/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path(
        "organisationer/<slug:slug>/invitationer/<int:pk>/annuller/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("profil/", views.profile, name="profile"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/hent/", views.job_download, name="job_download"),
    path("jobs/<int:pk>/proev-igen/", views.job_retry, name="job_retry"),
    path("medlemsliste/", views.member_list_order, name="member_list_order"),
    path("sekretariat/cpr-numre/", views.cpr_findings, name="cpr_findings"),
    path("sekretariat/cpr-numre/fjern/", views.cpr_redact, name="cpr_redact"),
]
