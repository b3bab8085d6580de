// A town hall's web application as its developer would write it with
// openid-client at its defaults: discovery, PKCE, client_secret_basic,
// RS256 ID token, JSON userinfo. Used by the partner-space browser test.
//   ISSUER=… CLIENT_ID=… CLIENT_SECRET=… PORT=… node rp_server.mjs
// GET /         a page with a login link
// GET /login    to the federation
// GET /callback back: code exchanged, ID token checked, userinfo read,
//               "Bonjour <given_name>" shown
import http from 'node:http';
import { Issuer, generators } from 'openid-client';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, PORT } = process.env;
const redirect_uri = `http://localhost:${PORT}/callback`;
const issuer = await Issuer.discover(ISSUER);
const client = new issuer.Client({
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  redirect_uris: [redirect_uri],
  response_types: ['code'],
});
const pending = new Map();
const page = (title, body) => `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><style>p{overflow-wrap:anywhere}</style><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://localhost:${PORT}`);
  try {
    if (url.pathname === '/login') {
      const code_verifier = generators.codeVerifier();
      const state = generators.state();
      pending.set(state, code_verifier);
      res.writeHead(302, { location: client.authorizationUrl({
        scope: 'openid identite_pivot email', state,
        code_challenge: generators.codeChallenge(code_verifier), code_challenge_method: 'S256',
      }) });
      return res.end();
    }
    if (url.pathname === '/callback') {
      const params = client.callbackParams(req);
      const code_verifier = pending.get(params.state);
      pending.delete(params.state);
      const tokens = await client.callback(redirect_uri, params, { state: params.state, code_verifier });
      const info = await client.userinfo(tokens);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page('Mairie de Belleville', `<p id="hello">Bonjour ${esc(info.given_name)} ${esc(info.family_name)}</p><p id="sub">${esc(info.sub)}</p><p>${esc(CLIENT_ID)}</p>`));
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Mairie de Belleville', '<p><a href="/login">Se connecter</a></p>'));
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Erreur', `<p id="error">${esc(e.error || e.name)}: ${esc(e.message)}</p>`));
  }
}).listen(Number(PORT), () => console.log(`rp listening on ${PORT}`));
