"""A small OIOSAML 3-flavoured SAML 2.0 identity provider for the tests and the local demo
(`make demo-idp`), built on pysaml2's server side (saml2.server.Server). Not for production:
it logs in whoever fills the form. It runs in a venv of its own (.venv-idp, see
requirements.txt) and needs the xmlsec1 program.

    .venv-idp/bin/python tests/federation/idp/idp.py --port 8070 \
        --sp-metadata-url http://127.0.0.1:8000/konto/saml/demo/metadata/

Its signing keys (and a second pair, for the "wrong_key" scenario) are made at start in
--keys-dir (a temporary folder unless given) with openssl.

Endpoints:
    GET  /metadata          the IdP's metadata (signing cert, SSO + SLO redirect endpoints)
    GET  /sso/redirect      HTTP-Redirect AuthnRequest -> login page (the request's signature
                            is checked against the SP metadata's cert)
    POST /sso/login         the login page's form -> auto-POST of a signed Response to the ACS
    GET  /slo/redirect      LogoutRequest -> LogoutResponse (HTTP-Redirect)
    GET  /slo/initiate?sp=<SP entity id>&uuid=<persistent id>
                            IdP-initiated logout: a signed LogoutRequest to the SP
    GET  /healthz           "ok"

The login form chooses the person's OIOSAML 3 attributes and a test "scenario":
    ok, expired, wrong_audience, tampered, unsigned, wrong_key, no_cvr, not_yet_valid.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import sys
import threading
import uuid
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

log = logging.getLogger("idp")

# OIOSAML 3 wants AES (pysaml2 encrypts with 3DES-CBC by default): AES-256-GCM for the data.
import functools  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

import saml2.entity  # noqa: E402
import saml2.sigver  # noqa: E402

AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
saml2.entity.pre_encryption_part = functools.partial(
    saml2.sigver.pre_encryption_part, msg_enc=AES256_GCM
)
HERE = os.path.dirname(os.path.abspath(__file__))

OIO = "https://data.gov.dk/model/core/eid/"
A_SPEC = "https://data.gov.dk/model/core/specVersion"
A_LOA = "https://data.gov.dk/concept/core/nsis/loa"
A_CVR = OIO + "professional/cvr"
A_ORGNAME = OIO + "professional/orgName"
A_UUID = OIO + "professional/uuid/persistent"
A_EMAIL = OIO + "email"
A_PRIVS = OIO + "privilegesIntermediate"
A_FIRST = OIO + "firstName"
A_LAST = OIO + "lastName"
LOA_PREFIX = "https://data.gov.dk/concept/core/nsis/loa/"

SCENARIOS = [
    "ok",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "tampered",
    "unsigned",
    "wrong_key",
    "no_cvr",
]


def _fields(encoded: str) -> dict[str, str]:
    """A query string or form body, one value per name. Blank values are kept: allauth signs
    an empty RelayState, and dropping it breaks the redirect binding's signature."""
    return {k: v[0] for k, v in parse_qs(encoded, keep_blank_values=True).items()}


class TestPolicy(Policy):
    """pysaml2's release policy with knobs for the negative tests: the audience written into
    the assertion's conditions, and the assertion's lifetime (negative = already expired)."""

    def __init__(self, *args, audience=None, lifetime=None, not_before_minutes=0, **kw):
        super().__init__(*args, **kw)
        self._audience = audience
        self._lifetime = lifetime
        self._nb = not_before_minutes

    def get_lifetime(self, sp_entity_id):
        return self._lifetime or {"minutes": 5}

    def conditions(self, sp_entity_id):
        conds = super().conditions(self._audience or sp_entity_id)
        if self._nb:
            from saml2.time_util import in_a_while

            conds.not_before = in_a_while(minutes=self._nb)
        return conds


class IdP:
    def __init__(
        self,
        base: str,
        sp_metadata_url: str | None,
        sp_metadata_file: str | None,
        key: str,
        cert: str,
        other_key: str | None,
        other_cert: str | None,
        person: dict | None = None,
    ):
        self.base = base.rstrip("/")
        self.person = person or {}
        self.sp_metadata_url = sp_metadata_url
        self.sp_metadata_file = sp_metadata_file
        self.key, self.cert = key, cert
        self.other_key, self.other_cert = other_key, other_cert
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._wrong_server: Server | None = None

    def config(self, key=None, cert=None, with_sp=True) -> IdPConfig:
        md = {}
        if with_sp:
            if self.sp_metadata_file:
                md = {"local": [self.sp_metadata_file]}
            elif self.sp_metadata_url:
                xml = requests.get(self.sp_metadata_url, timeout=10).text
                md = {"inline": [xml]}
        conf = {
            "entityid": self.base + "/metadata",
            "description": "Lokal test-IdP (OIOSAML 3)",
            "service": {
                "idp": {
                    "name": "Lokal test-IdP",
                    "endpoints": {
                        "single_sign_on_service": [
                            (self.base + "/sso/redirect", BINDING_HTTP_REDIRECT),
                        ],
                        "single_logout_service": [
                            (self.base + "/slo/redirect", BINDING_HTTP_REDIRECT),
                        ],
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": True,
                    "sign_response": False,
                    "sign_assertion": True,
                    "policy": {"default": {"name_form": NAME_FORMAT_URI}},
                },
            },
            "key_file": key or self.key,
            "cert_file": cert or self.cert,
            "encryption_keypairs": [{"key_file": key or self.key, "cert_file": cert or self.cert}],
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": md,
            "accepted_time_diff": 60,
        }
        c = IdPConfig()
        c.load(conf)
        return c

    def server(self, wrong_key=False) -> Server:
        """The SP's metadata is read on first use (the SP may start after the IdP);
        POST /reload drops it."""
        with self._lock:
            if self._server is None:
                self._server = Server(config=self.config())
                # pysaml2 hard-codes a 3DES session key ("des-192"): ask xmlsec1 for AES-256
                enc = self._server.sec.encrypt_assertion
                self._server.sec.encrypt_assertion = (
                    lambda st, ek, tpl, key_type=None, node_xpath=None: enc(
                        st, ek, tpl, key_type="aes-256", node_xpath=node_xpath
                    )
                )
            if wrong_key and self._wrong_server is None:
                self._wrong_server = Server(config=self.config(self.other_key, self.other_cert))
            return self._wrong_server if wrong_key else self._server

    def reload(self):
        with self._lock:
            self._server = self._wrong_server = None

    def metadata(self) -> str:
        return create_metadata_string(
            None, config=self.config(with_sp=False), valid=24 * 365, sign=False
        ).decode()

    # --- WSGI -----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/healthz":
                return self._send(start_response, "200 OK", "ok", "text/plain")
            if path == "/metadata":
                return self._send(
                    start_response, "200 OK", self.metadata(), "application/samlmetadata+xml"
                )
            if path == "/reload" and method == "POST":
                self.reload()
                return self._send(start_response, "200 OK", "reloaded", "text/plain")
            if path == "/sso/redirect":
                q = _fields(environ.get("QUERY_STRING", ""))
                return self.sso(q, start_response)
            if path == "/sso/login" and method == "POST":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                form = _fields(environ["wsgi.input"].read(size).decode())
                return self.login(form, start_response)
            if path == "/slo/initiate":
                q = _fields(environ.get("QUERY_STRING", ""))
                return self.initiate_logout(q, start_response)
            if path == "/slo/redirect":
                q = _fields(environ.get("QUERY_STRING", ""))
                return self.slo(q, start_response)
        except Exception as exc:  # a test IdP: say what went wrong
            log.exception("IdP error")
            return self._send(
                start_response, "400 Bad Request", f"IdP error: {exc!r}", "text/plain"
            )
        return self._send(start_response, "404 Not Found", "not found", "text/plain")

    @staticmethod
    def _send(start_response, status, body, ctype="text/html; charset=utf-8", headers=()):
        data = body.encode() if isinstance(body, str) else body
        start_response(
            status, [("Content-Type", ctype), ("Content-Length", str(len(data))), *headers]
        )
        return [data]

    def _parse(self, q):
        return self.server().parse_authn_request(
            q["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=q.get("RelayState"),
            sigalg=q.get("SigAlg"),
            signature=q.get("Signature"),
        )

    def sso(self, q, start_response):
        req = self._parse(q)  # raises if the signature is missing or wrong
        msg = req.message
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(q[k])}">'
            for k in ("SAMLRequest", "RelayState", "SigAlg", "Signature")
            if k in q
        )
        opts = "".join(f'<option value="{s}">{s}</option>' for s in SCENARIOS)
        loas = "".join(
            f'<option value="{s}"{" selected" if s == "Substantial" else ""}>{s}</option>'
            for s in ("Low", "Substantial", "High")
        )
        page = f"""<!doctype html><html lang="da"><head><meta charset="utf-8">
<title>Lokal test-IdP</title></head><body>
<h1>Lokal test-IdP (OIOSAML 3)</h1>
<p>Anmodning fra <code id="sp">{html.escape(msg.issuer.text)}</code></p>
<form method="post" action="/sso/login">{hidden}
<p>Udfyld, hvem du logger ind som. Felterne er OIOSAML 3-attributterne, som NemLog-in sender.</p>
<label>CVR <input name="cvr" value="{html.escape(self.person["cvr"])}"></label><br>
<label>Organisation <input name="org_name" value="{html.escape(self.person["org_name"])}"></label><br>
<label>E-mail <input name="email" value="{html.escape(self.person["email"])}"></label><br>
<label>Fornavn <input name="first_name" value="{html.escape(self.person["first_name"])}"></label><br>
<label>Efternavn <input name="last_name" value="{html.escape(self.person["last_name"])}"></label><br>
<label>Persistent UUID <input name="uuid" value="{self.person["uuid"] or uuid.uuid4()}"></label><br>
<label>NSIS-niveau <select name="loa">{loas}</select></label><br>
<label>Privilegier (base64, valgfri) <input name="privileges" value=""></label><br>
<label>Scenarie <select name="scenario">{opts}</select></label><br>
<button type="submit">Log ind</button>
</form></body></html>"""
        return self._send(start_response, "200 OK", page)

    def login(self, form, start_response):
        req = self._parse(form)
        msg = req.message
        scenario = form.get("scenario", "ok")
        sp_entity_id = msg.issuer.text
        args = self.server().response_args(msg, [BINDING_HTTP_POST])
        identity = {
            A_SPEC: ["OIO-SAML-3.0"],
            A_LOA: [form.get("loa", "Substantial")],
            A_CVR: [form.get("cvr", "")],
            A_ORGNAME: [form.get("org_name", "")],
            A_UUID: ["urn:uuid:" + form["uuid"]],
            A_EMAIL: [form.get("email", "")],
            A_FIRST: [form.get("first_name", "")],
            A_LAST: [form.get("last_name", "")],
        }
        if form.get("privileges"):
            identity[A_PRIVS] = [form["privileges"]]
        if scenario == "no_cvr":
            del identity[A_CVR]
        policy = TestPolicy(
            audience="https://forkert.example/sp" if scenario == "wrong_audience" else None,
            lifetime={"minutes": -30} if scenario == "expired" else None,
            not_before_minutes=30 if scenario == "not_yet_valid" else 0,
        )
        name_id = NameID(
            format=NAMEID_FORMAT_PERSISTENT,
            sp_name_qualifier=sp_entity_id,
            name_qualifier=self.base + "/metadata",
            text="https://data.gov.dk/model/core/eid/professional/uuid/persistent/" + form["uuid"],
        )
        server = self.server(wrong_key=scenario == "wrong_key")
        resp = server.create_authn_response(
            identity,
            in_response_to=args["in_response_to"],
            destination=args["destination"],
            sp_entity_id=sp_entity_id,
            name_id=name_id,
            authn={
                "class_ref": LOA_PREFIX + form.get("loa", "Substantial"),
                "authn_auth": self.base + "/metadata",
            },
            release_policy=policy,
            sign_assertion=scenario != "unsigned",
            sign_response=False,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            encrypt_assertion=form.get("encrypt") == "1",
            # pysaml2's default (True) renames the prefixes to encas0.. after signing, which
            # breaks the assertion's signature at the SP: keep the document's own prefixes
            encrypt_assertion_self_contained=form.get("self_contained") == "1",
        )
        xml = str(resp)
        if scenario == "tampered":
            # change a signed value after signing: the digest no longer matches
            assert form.get("cvr") and f">{form['cvr']}<" in xml
            xml = xml.replace(f">{form['cvr']}<", ">11111111<", 1)
        http_args = server.apply_binding(
            BINDING_HTTP_POST, xml, args["destination"], form.get("RelayState", ""), response=True
        )
        return self._send(start_response, "200 OK", http_args["data"])

    def initiate_logout(self, q, start_response):
        """IdP-initiated single logout: a signed LogoutRequest for the person with the
        persistent id `uuid` at the SP `sp` (its entity id), sent by redirect."""
        server = self.server()
        sp_entity_id = q["sp"]
        name_id = NameID(
            format=NAMEID_FORMAT_PERSISTENT,
            sp_name_qualifier=sp_entity_id,
            name_qualifier=self.base + "/metadata",
            text="https://data.gov.dk/model/core/eid/professional/uuid/persistent/" + q["uuid"],
        )
        _binding, destination = server.pick_binding(
            "single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", entity_id=sp_entity_id
        )
        _req_id, request = server.create_logout_request(
            destination, sp_entity_id, name_id=name_id, sign=False
        )
        http_args = server.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), destination, "", sign=True, sigalg=SIG_RSA_SHA256
        )
        return self._send(start_response, "302 Found", "", headers=http_args["headers"])

    def slo(self, q, start_response):
        server = self.server()
        req = server.parse_logout_request(
            q["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=q.get("RelayState"),
            sigalg=q.get("SigAlg"),
            signature=q.get("Signature"),
        )
        resp = server.create_logout_response(req.message, [BINDING_HTTP_REDIRECT])
        binding, destination = server.pick_binding(
            "single_logout_service",
            [BINDING_HTTP_REDIRECT],
            "spsso",
            entity_id=req.message.issuer.text,
        )
        http_args = server.apply_binding(
            binding,
            str(resp),
            destination,
            q.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return self._send(start_response, "302 Found", "", headers=http_args["headers"])


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, fmt, *args):
        log.info("%s %s", self.address_string(), fmt % args)


def make_key_pair(folder: str, name: str) -> None:
    key, cert = os.path.join(folder, f"{name}.key"), os.path.join(folder, f"{name}.crt")
    if os.path.exists(key) and os.path.exists(cert):
        return
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            "3650",
            "-subj",
            f"/CN=Lokal test-IdP ({name})",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8070)
    p.add_argument("--base", help="public base URL (default http://HOST:PORT)")
    p.add_argument("--sp-metadata-url")
    p.add_argument("--sp-metadata-file")
    p.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        help="seconds to add to the real clock (the test suite's clock is not the real one)",
    )
    p.add_argument("--keys-dir", help="where the key pairs are made (default: a temporary folder)")
    # Who the login form proposes (the demo: a provider editor of the demo data).
    p.add_argument("--cvr", default="12354495")
    p.add_argument("--org-name", default="Bostedet Egelund ApS")
    p.add_argument("--email", default="leverandoer.a@portal.example")
    p.add_argument("--first-name", default="Demo")
    p.add_argument("--last-name", default="Leverandør")
    p.add_argument("--uuid", default="", help="the persistent id (default: a new one per login)")
    a = p.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s idp %(levelname)s %(message)s"
    )
    base = a.base or f"http://{a.host}:{a.port}"
    if a.clock_offset:
        import datetime as dt

        import time_machine

        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=a.clock_offset)
        time_machine.travel(now, tick=True).start()
    keys = a.keys_dir or tempfile.mkdtemp(prefix="test-idp-keys-")
    os.makedirs(keys, exist_ok=True)
    for name in ("idp", "other"):
        make_key_pair(keys, name)
    person = {
        "cvr": a.cvr,
        "org_name": a.org_name,
        "email": a.email,
        "first_name": a.first_name,
        "last_name": a.last_name,
        "uuid": a.uuid,
    }
    app = IdP(
        base,
        a.sp_metadata_url,
        a.sp_metadata_file,
        os.path.join(keys, "idp.key"),
        os.path.join(keys, "idp.crt"),
        os.path.join(keys, "other.key"),
        os.path.join(keys, "other.crt"),
        person,
    )
    httpd = make_server(
        a.host, a.port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    log.info("IdP on %s (metadata %s/metadata)", base, base)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
