"""Federated login: SAML 2.0 (OIOSAML 3: NemLog-in / MitID Erhverv, FK Adgangsstyring's
Context Handler) and OpenID Connect (brokers) through django-allauth, mapped onto the
portal's organisations, people and roles."""
