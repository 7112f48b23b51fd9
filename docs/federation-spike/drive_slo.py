"""IdP-initiated single logout: log in through SAML, then have the IdP (pysaml2) send a signed
LogoutRequest (HTTP-Redirect) to allauth's /sls/ endpoint in the same browser session."""
import sys
import requests
from saml2 import BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.xmldsig import SIG_RSA_SHA256

sys.argv = ["idp"]
import idp as idpmod
import drive_saml as d

s = requests.Session()
page = d.start(s)
uid = "11111111-2222-4333-8444-555555555555"
auto = d.idp_login(s, page, "ok", uuid=uid, email="slo@holbaek.example", encrypt="1")
r, _, _ = d.post_to_acs(s, auto)
print("login:", "/landing/" in r.url)
print("landing before SLO:", s.get(d.SP + "/landing/", allow_redirects=False).status_code)

app = idpmod.IdP("http://127.0.0.1:8070", d.SP + "/accounts/saml/demo/metadata/", None,
                 "keys/idp.key", "keys/idp.crt", None, None)
srv = app.server()
sp_entity = d.SP + "/accounts/saml/demo/metadata/"
name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, sp_name_qualifier=sp_entity,
                 name_qualifier="http://127.0.0.1:8070/metadata",
                 text="https://data.gov.dk/model/core/eid/professional/uuid/persistent/" + uid)
sls = d.SP + "/accounts/saml/demo/sls/"
req_id, req = srv.create_logout_request(sls, sp_entity, name_id=name_id, sign=False)
http = srv.apply_binding(BINDING_HTTP_REDIRECT, str(req), sls, "", sign=True, sigalg=SIG_RSA_SHA256)
loc = dict(http["headers"])["Location"]
r = s.get(loc, allow_redirects=False)
print("SLS:", r.status_code, r.headers.get("Location", "")[:120], r.text[:200])
print("landing after SLO:", s.get(d.SP + "/landing/", allow_redirects=False).status_code)
