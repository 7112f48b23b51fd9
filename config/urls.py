from allauth import urls as allauth_urls
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from api.v1 import api, unknown_path
from federation import views as federation_views
from partnership import views as partnership_views

# allauth's pages, without its deprecated /social/… redirects to /3rdparty/… (the portal
# never had the old addresses).
ALLAUTH_PATTERNS = [p for p in allauth_urls.urlpatterns if not str(p.pattern).startswith("social/")]

admin.site.site_header = "Partnerskabsportalen – administration"
admin.site.site_title = "Partnerskabsportalen"
# The admin logs in through allauth too, so rate limits and two-factor authentication apply.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", partnership_views.home, name="home"),
    path("tilgaengelighed/", partnership_views.accessibility, name="accessibility"),
    path("healthz", partnership_views.healthz, name="healthz"),
    # Before allauth's own, with their names: a replayed SAML response, and an identity
    # provider that cannot be reached, are answered in Danish.
    path(
        "konto/saml/<str:organization_slug>/login/",
        federation_views.saml_login,
        name="saml_login",
    ),
    path(
        "konto/saml/<str:organization_slug>/acs/finish/",
        federation_views.saml_finish_acs,
        name="saml_finish_acs",
    ),
    path("konto/", include(ALLAUTH_PATTERNS)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_path, name="api_unknown_path"),
    path("", include("partnership.urls")),
    path("", include("offers.urls")),
    path("", include("contracts.urls")),
    path("", include("meetings.urls")),
    path("", include("quality.urls")),
    path("", include("federation.urls")),
]
