"""What a login says about the person, read the same way from a SAML assertion (OIOSAML 3
attribute names) and from a broker's OpenID Connect claims (NemLog-in's `nemlogin.*`).

allauth keeps a SAML login's attributes in SocialAccount.extra_data as {name: [values]}
and an OIDC login's as {"userinfo": {...}, "id_token": {...}}."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from partnership.models import Role

OIO = "https://data.gov.dk/model/core/eid/"
A_CVR = OIO + "professional/cvr"
A_ORG_NAME = OIO + "professional/orgName"
A_UUID = OIO + "professional/uuid/persistent"
A_EMAIL = OIO + "email"
A_FIRST_NAME = OIO + "firstName"
A_LAST_NAME = OIO + "lastName"
A_PRIVILEGES = OIO + "privilegesIntermediate"
A_LOA = "https://data.gov.dk/concept/core/nsis/loa"
A_SPEC_VERSION = "https://data.gov.dk/model/core/specVersion"

# allauth's attribute mapping for the SAML provider: the persistent professional UUID is
# the uid (NemLog-in's stable identifier for the person in the organisation).
SAML_ATTRIBUTE_MAPPING = {
    "uid": A_UUID,
    "email": A_EMAIL,
    "first_name": A_FIRST_NAME,
    "last_name": A_LAST_NAME,
}

# A broker's claims (OS2 / Keycloak in front of NemLog-in)
C_CVR = "nemlogin.cvr"
C_UUID = "nemlogin.persistent_professional_id"
C_ORG_NAME = "nemlogin.org_name"
C_LOA = "nemlogin.loa"
C_PRIVILEGES = "nemlogin.privileges"

# The portal's privileges, in the Basic Privilege Profile or as FK Adgangsstyring
# job-function roles: urn:dk:partnerskabsportalen:rolle:<role> or …/jobrole/<role>[/<version>]
# (<role> as partnership.models.Role's values: caseworker, procurement, org_admin …).
PRIVILEGE = re.compile(r"(?:rolle:|/jobrole/)(?P<role>[a-z_]+)(?:/\d+)?$")
CVR_SCOPE = re.compile(r"cvrNumberIdentifier:(?P<cvr>\d{8})$")


@dataclass
class Identity:
    uid: str
    cvr: str | None
    email: str
    first_name: str = ""
    last_name: str = ""
    org_name: str = ""
    loa: str | None = None
    # None: the login said nothing about roles (the portal's own roles stand); a list
    # (maybe empty): the roles the identity provider grants in the CVR's organisation.
    roles: list[str] | None = field(default=None)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _first(values: Any) -> str:
    if isinstance(values, list):
        values = values[0] if values else ""
    return str(values or "").strip()


def roles_from_privileges(encoded: str, cvr: str | None) -> list[str]:
    """The portal's roles in the organisation `cvr` from a Basic Privilege Profile
    (base64 XML): privileges in a group scoped to another CVR are not this login's.
    A document that cannot be read grants nothing."""
    try:
        root = etree.fromstring(
            base64.b64decode(encoded, validate=False),
            parser=etree.XMLParser(resolve_entities=False, no_network=True),
        )
    except (binascii.Error, ValueError, etree.XMLSyntaxError):
        return []
    roles: list[str] = []
    for group in root.iter("{*}PrivilegeGroup", "PrivilegeGroup"):
        scope = CVR_SCOPE.search(group.get("Scope", ""))
        if scope is None or scope["cvr"] != cvr:
            continue
        for privilege in group.iter("{*}Privilege", "Privilege"):
            match = PRIVILEGE.search((privilege.text or "").strip())
            if match and match["role"] in Role.values and match["role"] not in roles:
                roles.append(match["role"])
    return roles


def privileges_document(cvr: str, roles: list[str]) -> str:
    """A Basic Privilege Profile granting `roles` in `cvr`, base64 (for the demo and test
    identity providers, and for tests)."""
    privileges = "".join(
        f"<Privilege>urn:dk:partnerskabsportalen:rolle:{r}</Privilege>" for r in roles
    )
    xml = (
        '<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
        f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">{privileges}'
        "</PrivilegeGroup></bpp:PrivilegeList>"
    )
    return base64.b64encode(xml.encode()).decode()


def identity_of(uid: str, extra_data: dict[str, Any]) -> Identity:
    if "userinfo" in extra_data or "id_token" in extra_data:
        claims = {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}
        cvr = _first(claims.get(C_CVR)) or None
        privileges = claims.get(C_PRIVILEGES)
        name = _first(claims.get("name"))
        first, _sep, last = name.partition(" ")
        return Identity(
            uid=uid,
            cvr=cvr,
            email=_first(claims.get("email")).lower(),
            first_name=_first(claims.get("given_name")) or first,
            last_name=_first(claims.get("family_name")) or last,
            org_name=_first(claims.get(C_ORG_NAME)),
            loa=_first(claims.get(C_LOA)) or None,
            roles=None if privileges is None else roles_from_privileges(_first(privileges), cvr),
        )
    cvr = _first(extra_data.get(A_CVR)) or None
    privileges = extra_data.get(A_PRIVILEGES)
    return Identity(
        uid=uid,
        cvr=cvr,
        email=_first(extra_data.get(A_EMAIL)).lower(),
        first_name=_first(extra_data.get(A_FIRST_NAME)),
        last_name=_first(extra_data.get(A_LAST_NAME)),
        org_name=_first(extra_data.get(A_ORG_NAME)),
        loa=_first(extra_data.get(A_LOA)) or None,
        roles=None if privileges is None else roles_from_privileges(_first(privileges), cvr),
    )
