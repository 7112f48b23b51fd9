"""Validate SP metadata against the OASIS SAML 2.0 metadata XSD, two independent ways:
1. python3-saml's shipped XSDs via lxml (what allauth's metadata view itself runs),
2. pysaml2's shipped XSDs via xmlschema (pure Python, also offline).
Usage: python validate_metadata.py FILE_OR_URL"""
import os
import sys

import requests
from lxml import etree

src = sys.argv[1]
xml = requests.get(src, timeout=10).text if src.startswith("http") else open(src).read()

from onelogin.saml2.xml_utils import OneLogin_Saml2_XML  # noqa: E402

r = OneLogin_Saml2_XML.validate_xml(xml, "saml-schema-metadata-2.0.xsd", debug=True)
print("python3-saml/lxml XSD:", "valid" if not isinstance(r, str) else f"INVALID ({r})")

import saml2  # noqa: E402
import xmlschema  # noqa: E402

schemas = os.path.join(os.path.dirname(saml2.__file__), "data", "schemas")
xs = xmlschema.XMLSchema(os.path.join(schemas, "saml-schema-metadata-2.0.xsd"))
errs = list(xs.iter_errors(xml))
print("xmlschema (pysaml2's XSDs):", "valid" if not errs else f"INVALID: {errs[0].reason} at {errs[0].path}")
