// The upstream identity provider of the side-by-side rig: oidc-provider at
// the version FranceConnect's core pins, RS256, with an automatic login (each
// login is a new citizen, as in a real population) so the brokers are the
// only thing that differs between the two runs.
//   ISSUER=http://localhost:9100 PORT=9100 REDIRECT_URIS=a,b node idp.cjs
'use strict';
// Each start-up step says so on stderr, which the rig shows for a server
// that does not answer (servers.cjs): where a stalled start stopped.
console.error(`idp starting (pid ${process.pid}, node ${process.version})`);
const http = require('node:http');
const crypto = require('node:crypto');
const { Provider } = require('oidc-provider');

console.error('idp: oidc-provider loaded');
const { ISSUER, PORT, REDIRECT_URIS, POST_LOGOUT_URIS = '' } = process.env;
const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
console.error('idp: signing key made');
const jwk = { ...key.export({ format: 'jwk' }), kid: 'idp-rs256', use: 'sig', alg: 'RS256' };

const identity = {
  given_name: 'Angela Claire Louise', family_name: 'DUBOIS', birthdate: '1962-08-24',
  gender: 'female', birthplace: '75107', birthcountry: '99100', email: 'angela.dubois@example.fr',
};
const pivot = Object.keys(identity).concat(['preferred_username']);

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: 'broker',
    client_secret: 'side-by-side-idp-secret-0123456789',
    redirect_uris: REDIRECT_URIS.split(','),
    post_logout_redirect_uris: POST_LOGOUT_URIS.split(',').filter(Boolean),
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  acrValues: ['eidas1'],
  // FranceConnect's scopes are claim names.
  claims: Object.fromEntries([['openid', ['sub']], ...pivot.map((c) => [c, [c]]),
    ['profile', pivot], ['identite_pivot', pivot]]),
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, ...identity }) }),
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => false },
  cookies: { keys: ['side-by-side-idp-cookie-key-0123456789'] },
});
provider.on('server_error', (_ctx, err) => console.error('idp server_error', err));

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  if (!req.url.startsWith('/interaction/')) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    const accountId = crypto.randomUUID();
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, {
      login: { accountId, acr: 'eidas1', amr: ['pwd'] },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  } catch (e) {
    console.error('idp interaction', e);
    res.statusCode = 500;
    res.end('interaction failed');
  }
});
// Node closes a kept-alive connection idle this long (5 s by default);
// IDP_KEEP_ALIVE_MS shortens it, to see how a broker's connection pool
// copes with an IdP that closes idle connections.
if (process.env.IDP_KEEP_ALIVE_MS) server.keepAliveTimeout = Number(process.env.IDP_KEEP_ALIVE_MS);
server.listen(Number(PORT), '127.0.0.1', () => console.error(`idp ready on ${PORT}`));
