// The service of the side-by-side rig, as a town hall's developer would
// write it with openid-client (5.7.0, FranceConnect's version): discovery,
// FranceConnect's scopes, acr_values, state and nonce, RS256 ID token and
// RS256-signed userinfo, both checked against the broker's JWKS.
//   ISSUER=… PORT=9300 node service.cjs
// GET /         a page with a login link
// GET /login    → the broker
// GET /callback ← code: exchanged, ID token checked, userinfo read, "Bonjour …"
'use strict';
const http = require('node:http');
const { Issuer, generators } = require('openid-client');

const { ISSUER, PORT } = process.env;
const redirect_uri = `http://localhost:${PORT}/callback`;
const pending = new Map();
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

Issuer.discover(ISSUER).then((issuer) => {
  const client = new issuer.Client({
    client_id: 'service',
    client_secret: 'side-by-side-service-secret-0123456789',
    redirect_uris: [redirect_uri],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256',
  });
  http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://localhost:${PORT}`);
    try {
      if (url.pathname === '/login') {
        const state = generators.state();
        const nonce = generators.nonce();
        pending.set(state, nonce);
        res.writeHead(302, { location: client.authorizationUrl({
          scope: 'openid given_name family_name birthdate gender birthplace birthcountry email',
          acr_values: 'eidas1', state, nonce,
        }) });
        return res.end();
      }
      if (url.pathname === '/callback') {
        const params = client.callbackParams(req);
        const nonce = pending.get(params.state);
        pending.delete(params.state);
        const tokens = await client.callback(redirect_uri, params, { state: params.state, nonce });
        const info = await client.userinfo(tokens);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body><p id="hello">Bonjour ${esc(info.given_name)} ${esc(info.family_name)}</p><p id="sub">${esc(info.sub)}</p><p id="acr">${esc(tokens.claims().acr)}</p></body></html>`);
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body><a href="/login">Se connecter</a></body></html>');
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`error: ${e.error || e.name}: ${e.message}`);
    }
  }).listen(Number(PORT), '127.0.0.1', () => console.error(`service ready on ${PORT}`));
});
