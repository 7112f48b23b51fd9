from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from api.v1 import api, unknown_path
from partnership import views as partnership_views

admin.site.site_header = "Partnerskabsportalen – administration"
admin.site.site_title = "Partnerskabsportalen"
# The admin logs in through allauth too, so rate limits and two-factor authentication apply.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", partnership_views.home, name="home"),
    path("tilgaengelighed/", partnership_views.accessibility, name="accessibility"),
    path("healthz", partnership_views.healthz, name="healthz"),
    path("konto/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_path, name="api_unknown_path"),
    path("", include("partnership.urls")),
    path("", include("offers.urls")),
    path("", include("contracts.urls")),
    path("", include("meetings.urls")),
    path("", include("quality.urls")),
]
