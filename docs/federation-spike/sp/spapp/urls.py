import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def landing(request):
    accounts = [{"provider": a.provider, "uid": a.uid, "extra_data": a.extra_data}
                for a in request.user.socialaccount_set.all()]
    body = json.dumps({"email": request.user.email, "accounts": accounts}, indent=1)
    return HttpResponse(f"<h1>Mit overblik</h1><pre id='who'>{body}</pre>")


from spapp.finish_acs import portal_finish_acs

urlpatterns = [
    # before allauth's own, same name: reverse("saml_finish_acs") now points here
    path("accounts/saml/<str:organization_slug>/acs/finish/", portal_finish_acs,
         name="saml_finish_acs"),
    path("accounts/", include("allauth.urls")),
    path("landing/", landing),
]
