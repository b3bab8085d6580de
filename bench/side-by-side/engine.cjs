// FranceConnect's engine, as its core wires it, for the side-by-side rig:
// oidc-provider (7.14.3) faces the services, openid-client (5.7.0) faces
// the identity providers, and four interaction steps sit between them —
// the chooser, the redirect to the IdP, the IdP's callback (code exchange,
// ID token check, userinfo) and the consent page. Services get an RS256 ID
// token and an RS256-signed userinfo, and a `sub` of their own.
//
// What it leaves out is in its favour: sessions, grants and accounts stay in
// this process's memory (FranceConnect keeps them in Redis and MongoDB), and
// it writes no business events.
//   ISSUER=http://localhost:9201 PORT=9201 IDP=http://localhost:9100 \
//   SERVICE_REDIRECT_URI=… node engine.cjs
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const { Provider } = require('oidc-provider');
const { Issuer, generators } = require('openid-client');

const { ISSUER, PORT, IDP, SERVICE_REDIRECT_URI } = process.env;
const SCOPE = 'openid given_name family_name birthdate gender birthplace birthcountry email preferred_username';
const pivot = SCOPE.split(' ').slice(1);
const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const jwk = { ...key.export({ format: 'jwk' }), kid: 'engine-rs256', use: 'sig', alg: 'RS256' };

// Accounts by their federation id: the identity the IdP gave, kept once.
const accounts = new Map();
// Browser sessions: the interaction, the IdP request's state and nonce, the
// form token and, after the callback, the identity.
const sessions = new Map();

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: 'service',
    client_secret: 'side-by-side-service-secret-0123456789',
    redirect_uris: [SERVICE_REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  acrValues: ['eidas1'],
  claims: Object.fromEntries([['openid', ['sub']], ...pivot.map((c) => [c, [c]])]),
  findAccount: async (ctx, id) => {
    const identity = accounts.get(id);
    if (!identity) return undefined;
    return {
      accountId: id,
      // FranceConnect's sub: a hash of the identity and the service.
      claims: async () => ({ ...identity, sub: sha256(`${id}${ctx.oidc.client.clientId}`) }),
    };
  },
  features: { devInteractions: { enabled: false }, jwtUserinfo: { enabled: true } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => false },
  cookies: { keys: ['side-by-side-engine-cookie-key-0123456789'] },
  ttl: { Session: 1800, Interaction: 600 },
});
provider.on('server_error', (_ctx, err) => console.error('engine server_error', err));

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const page = (title, body) => `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
const cookie = (req, name) => (req.headers.cookie || '').split(/; */).map((c) => c.split('=')).find(([n]) => n === name)?.[1];
const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.on('data', (d) => { body += d; if (body.length > 4096) reject(new Error('body too large')); });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});
const send = (res, status, headers, body = '') => { res.writeHead(status, headers); res.end(body); };
const html = (res, body) => send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body);

let idpClient;
const callbackUri = `${ISSUER}/oidc-callback`;

async function interaction(req, res, url) {
  const [, , uid, step] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, {}, 'wrong interaction');
  if (!step && req.method === 'GET') {
    const sid = crypto.randomBytes(24).toString('base64url');
    const csrf = crypto.randomBytes(24).toString('base64url');
    sessions.set(sid, { uid, csrf });
    res.setHeader('set-cookie', `fc_session=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    return html(res, page('Je choisis un compte pour me connecter', `<form method="post" action="/interaction/${uid}/idp"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" name="idp" value="upstream">Mon fournisseur d'identité</button></form>`));
  }
  const session = sessions.get(cookie(req, 'fc_session'));
  if (!session || session.uid !== uid) return send(res, 400, {}, 'no session');
  if (step === 'idp' && req.method === 'POST') {
    const form = await readForm(req);
    if (form.get('csrf') !== session.csrf || form.get('idp') !== 'upstream') return send(res, 400, {}, 'bad form');
    session.state = generators.state();
    session.nonce = generators.nonce();
    return send(res, 302, { location: idpClient.authorizationUrl({ scope: SCOPE, acr_values: 'eidas1', state: session.state, nonce: session.nonce, redirect_uri: callbackUri }) });
  }
  if (step === 'consent' && req.method === 'GET' && session.identity) {
    session.csrf = crypto.randomBytes(24).toString('base64url');
    const rows = pivot.filter((c) => session.identity[c]).map((c) => `<li>${esc(c)} : ${esc(session.identity[c])}</li>`).join('');
    return html(res, page('Les informations transmises', `<ul>${rows}</ul><form method="post" action="/interaction/${uid}/login"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit">Continuer</button></form>`));
  }
  if (step === 'login' && req.method === 'POST' && session.identity) {
    const form = await readForm(req);
    if (form.get('csrf') !== session.csrf) return send(res, 400, {}, 'bad form');
    const accountId = sha256(JSON.stringify(pivot.map((c) => session.identity[c] || '')));
    accounts.set(accountId, session.identity);
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    sessions.delete(cookie(req, 'fc_session'));
    return provider.interactionFinished(req, res, {
      login: { accountId, acr: 'eidas1', amr: ['pwd'] },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, {}, 'not found');
}

async function idpCallback(req, res) {
  const sid = cookie(req, 'fc_session');
  const session = sessions.get(sid);
  if (!session || !session.state) return send(res, 400, {}, 'no session');
  const params = idpClient.callbackParams(req);
  const tokens = await idpClient.callback(callbackUri, params, { state: session.state, nonce: session.nonce });
  const info = await idpClient.userinfo(tokens);
  for (const c of ['given_name', 'family_name', 'birthdate', 'gender', 'birthcountry']) {
    if (typeof info[c] !== 'string' || !info[c]) return send(res, 400, {}, `missing ${c}`);
  }
  session.identity = Object.fromEntries(pivot.filter((c) => info[c]).map((c) => [c, info[c]]));
  delete session.state;
  return send(res, 302, { location: `/interaction/${session.uid}/consent` });
}

const callback = provider.callback();
Issuer.discover(IDP).then((issuer) => {
  idpClient = new issuer.Client({
    client_id: 'broker',
    client_secret: 'side-by-side-idp-secret-0123456789',
    redirect_uris: [callbackUri],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  });
  http.createServer(async (req, res) => {
    const url = new URL(req.url, ISSUER);
    try {
      if (url.pathname.startsWith('/interaction/')) return await interaction(req, res, url);
      if (url.pathname === '/oidc-callback') return await idpCallback(req, res);
      return callback(req, res);
    } catch (e) {
      console.error('engine', e.message);
      if (!res.headersSent) send(res, 500, {}, 'error');
    }
  }).listen(Number(PORT), '127.0.0.1', () => console.error(`engine ready on ${PORT}`));
});
