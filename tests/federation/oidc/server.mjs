// A local OpenID Connect provider for tests (panva's oidc-provider), standing in for a broker
// (Keycloak / an OS2 broker) that passes NemLog-in's attributes on as claims.
//   PORT=8090 CLIENT_REDIRECT=http://127.0.0.1:8000/accounts/oidc/broker/login/callback/ node server.mjs
// The built-in development login page takes any login name; the accounts below (or
// "cvr:12345678:email@x" typed as the login name) decide the claims.
import Provider from 'oidc-provider';

// The test suite's clock is not the real one (tests/conftest.py travels in time): the
// provider's tokens are stamped on the suite's clock, CLOCK_OFFSET_SECONDS from the real.
const OFFSET_MS = Number(process.env.CLOCK_OFFSET_SECONDS || 0) * 1000;
if (OFFSET_MS) {
  const realNow = Date.now;
  Date.now = () => realNow() + OFFSET_MS;
}

const PORT = Number(process.env.PORT || 8090);
const ISSUER = process.env.ISSUER || `http://127.0.0.1:${PORT}`;
const REDIRECT = process.env.CLIENT_REDIRECT
  || 'http://127.0.0.1:8000/accounts/oidc/broker/login/callback/';

const ACCOUNTS = {
  holbaek: { cvr: '29189803', email: 'medarbejder@holbaek.example', name: 'Test Medarbejder',
             id: '5f0a8a4e-0d3c-4a9b-9c1e-1a2b3c4d5e6f', loa: 'Substantial', org: 'Holbæk Kommune' },
  ukendt: { cvr: '99999999', email: 'x@ukendt.example', name: 'Ukendt CVR',
            id: '00000000-0000-4000-8000-000000000001', loa: 'Substantial', org: 'Ukendt' },
  lav: { cvr: '29189803', email: 'lav@holbaek.example', name: 'Lav LoA',
         id: '00000000-0000-4000-8000-000000000002', loa: 'Low', org: 'Holbæk Kommune' },
};

function lookup(id) {
  if (ACCOUNTS[id]) return ACCOUNTS[id];
  const m = /^cvr:(\d{8}):(.+)$/.exec(id);  // ad hoc: cvr:12345678:someone@example
  if (m) return { cvr: m[1], email: m[2], name: m[2], id: `adhoc-${m[1]}-${m[2]}`, loa: 'Substantial', org: '' };
  return ACCOUNTS.holbaek;
}

const configuration = {
  clients: [{
    client_id: 'partnerskabsportalen',
    client_secret: 'test-secret-not-secret',
    redirect_uris: [REDIRECT],
    post_logout_redirect_uris: [REDIRECT.replace(/accounts\/.*$/, '')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    nemlogin: ['nemlogin.cvr', 'nemlogin.persistent_professional_id', 'nemlogin.org_name',
               'nemlogin.loa'],
  },
  scopes: ['openid', 'email', 'profile', 'nemlogin'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  // no consent page for this first-party client: grant what it asks for
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile nemlogin');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const a = lookup(id);
    return {
      accountId: id,
      async claims() {
        return {
          sub: a.id,
          email: a.email,
          email_verified: true,
          name: a.name,
          'nemlogin.cvr': a.cvr,
          'nemlogin.persistent_professional_id': `urn:uuid:${a.id}`,
          'nemlogin.org_name': a.org,
          'nemlogin.loa': a.loa,
        };
      },
    };
  },
  cookies: { keys: ['test-cookie-key-not-secret'] },
  // The cookies' expiry is stamped on the shifted clock too: lifetimes of days keep them
  // alive in the browser's real time whatever the offset of a test day (up to a day back).
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 3 * 86400,
         Session: 3 * 86400, Grant: 3 * 86400 },
};

const provider = new Provider(ISSUER, configuration);
provider.proxy = true;
provider.listen(PORT, '127.0.0.1', () => {
  console.log(`oidc-provider ${ISSUER}/.well-known/openid-configuration`);
});
