"""allauth's saml_finish_acs, with a replayed / unsolicited response (allauth raises
PermissionDenied when no login is pending for the response's InResponseTo) answered in
Danish and logged."""
import logging

from allauth.socialaccount.providers.saml.views import finish_acs
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

log = logging.getLogger("spapp")


def portal_finish_acs(request, organization_slug):
    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        log.warning("SAML response refused: no pending login for it (replayed?) org=%s ip=%s",
                    organization_slug, request.META.get("REMOTE_ADDR"))
        return render(request, "federation_refused.html",
                      {"message": "Login-svaret er allerede brugt eller hører ikke til et login, "
                                  "du har startet. Start forfra."}, status=403)
