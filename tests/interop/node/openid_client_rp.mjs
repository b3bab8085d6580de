// A service written the way openid-client's README shows (v5, defaults
// untouched: discovery, client_secret_basic, RS256 ID tokens, PKCE without
// nonce or state, JSON userinfo). Used by the `oidc` profile tests.
//
// Two steps, one process each, what the service keeps between them passed
// through the test:
//   start   stdin {issuer, client_id, client_secret, redirect_uri, scope, params}
//           -> {authorize_url, saved}
//   finish  stdin {..., saved, callback_url}
//           -> {id_token_claims, userinfo, expires_in} or {error, detail}
import { Issuer, generators } from 'openid-client';

const read = async () => {
  let s = '';
  for await (const chunk of process.stdin) s += chunk;
  return JSON.parse(s);
};

const cfg = await read();
const issuer = await Issuer.discover(cfg.issuer);
const client = new issuer.Client({
  client_id: cfg.client_id,
  client_secret: cfg.client_secret,
  redirect_uris: [cfg.redirect_uri],
  response_types: ['code'],
});

if (process.argv[2] === 'start') {
  const code_verifier = generators.codeVerifier();
  const params = cfg.params || {};
  const authorize_url = client.authorizationUrl({
    scope: cfg.scope,
    code_challenge: generators.codeChallenge(code_verifier),
    code_challenge_method: 'S256',
    ...params,
  });
  const saved = { code_verifier };
  if (params.max_age !== undefined) saved.max_age = Number(params.max_age);
  if (params.state !== undefined) saved.state = params.state;
  console.log(JSON.stringify({ authorize_url, saved }));
} else {
  try {
    const params = client.callbackParams(cfg.callback_url);
    const tokenSet = await client.callback(cfg.redirect_uri, params, cfg.saved);
    const userinfo = await client.userinfo(tokenSet);
    console.log(JSON.stringify({
      id_token_claims: tokenSet.claims(),
      userinfo,
      expires_in: tokenSet.expires_in,
      token_type: tokenSet.token_type,
    }));
  } catch (e) {
    console.log(JSON.stringify({ error: e.error || e.name, detail: e.message }));
  }
}
