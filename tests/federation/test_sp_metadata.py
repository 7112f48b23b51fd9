"""The portal's SAML service-provider metadata at its stable address validates against
the SAML 2.0 metadata schema (OASIS XSD, as python3-saml ships it), and says what an
OIOSAML 3 identity provider needs: signed requests, a persistent NameID, the ACS."""

from __future__ import annotations

import pytest
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_XML

from federation.models import IdentityProvider

pytestmark = pytest.mark.django_db

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


@pytest.fixture
def client(client):
    """A browser always sends Host (python3-saml reads it); Django's test client does not."""
    client.defaults["HTTP_HOST"] = "localhost"
    return client


@pytest.fixture
def idp(db):
    return IdentityProvider.objects.create(
        kind="saml",
        slug="nemlogin",
        name="MitID Erhverv",
        entity_id="https://idp.example/metadata",
        metadata_xml=METADATA,
        want_encrypted=True,
    )


METADATA = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
 entityID="https://idp.example/metadata"><md:IDPSSODescriptor WantAuthnRequestsSigned="true"
 protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
 <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
  Location="https://login.idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"""


def test_the_sp_metadata_is_valid_against_the_saml_metadata_schema(client, idp):
    r = client.get("/konto/saml/nemlogin/metadata/")
    assert r.status_code == 200
    xml = r.content
    assert not isinstance(OneLogin_Saml2_XML.validate_xml(xml, "saml-schema-metadata-2.0.xsd"), str)
    root = etree.fromstring(xml)
    assert root.get("entityID") == "http://testserver/konto/saml/nemlogin/metadata/" or root.get(
        "entityID"
    ).endswith("/konto/saml/nemlogin/metadata/")
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    assert sp.get("WantAssertionsSigned") == "true"
    assert (
        sp.findtext(f"{MD}NameIDFormat") == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    )
    assert {k.get("use") for k in sp.findall(f"{MD}KeyDescriptor")} == {"signing", "encryption"}
    assert (
        sp.find(f"{MD}AssertionConsumerService")
        .get("Location")
        .endswith("/konto/saml/nemlogin/acs/")
    )


def test_the_schema_check_fails_on_invalid_metadata(client, idp):
    xml = client.get("/konto/saml/nemlogin/metadata/").content.replace(
        b"</md:SPSSODescriptor>", b"<md:Bogus/></md:SPSSODescriptor>"
    )
    assert isinstance(OneLogin_Saml2_XML.validate_xml(xml, "saml-schema-metadata-2.0.xsd"), str)


def test_an_unreachable_identity_provider_is_said_in_danish(client, db):
    IdentityProvider.objects.create(
        kind="saml",
        slug="nede",
        name="Nede-IdP",
        entity_id="http://127.0.0.1:9/metadata",
        metadata_url="http://127.0.0.1:9/metadata",
    )
    page = client.get("/konto/saml/nede/login/")
    r = client.post(
        "/konto/saml/nede/login/",
        {
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value
            if "csrftoken" in page.cookies
            else ""
        },
    )
    assert r.status_code == 502
    assert "Identitetsudbyderen svarer ikke" in r.content.decode()
