from tests.federation.servers import (  # noqa: F401  (fixtures)
    oidc_broker,
    oidc_process,
    saml_idp,
    saml_idp_process,
)
