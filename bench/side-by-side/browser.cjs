// One citizen's browser for one login: a fresh cookie jar and fresh TCP
// connections (kept alive within the login, as a browser does), following
// redirects and submitting each page's form as a citizen would (hidden
// fields, the required boxes ticked, the first named button pressed).
// Knows nothing of either broker: the same code drives both.
'use strict';
const http = require('node:http');

function cookiesFor(jar, url) {
  return jar.filter((c) => c.origin === url.origin && url.pathname.startsWith(c.path))
    .map((c) => `${c.name}=${c.value}`).join('; ');
}

function absorb(jar, url, headers) {
  for (const line of [].concat(headers['set-cookie'] || [])) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = '/';
    let expired = value === '';
    for (const a of attrs) {
      const [k, v = ''] = a.trim().split('=');
      const key = k.toLowerCase();
      if (key === 'path') path = v;
      if (key === 'max-age' && Number(v) <= 0) expired = true;
      if (key === 'expires' && Date.parse(v) < Date.now()) expired = true;
    }
    const i = jar.findIndex((c) => c.origin === url.origin && c.name === name && c.path === path);
    if (i >= 0) jar.splice(i, 1);
    if (!expired) jar.push({ origin: url.origin, name, value, path });
  }
}

function request(agent, jar, method, url, body) {
  return new Promise((resolve, reject) => {
    const headers = { 'user-agent': 'side-by-side', accept: 'text/html', 'accept-language': 'fr' };
    const cookie = cookiesFor(jar, url);
    if (cookie) headers.cookie = cookie;
    if (body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        absorb(jar, url, res.headers);
        resolve({ status: res.statusCode, location: res.headers.location, body: Buffer.concat(chunks).toString() });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`timeout on ${url.pathname}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m && m[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#38;/g, '&').replace(/&#34;/g, '"');
};

/** The page's first form, filled as a citizen submits it. */
function fill(html, base) {
  const start = html.indexOf('<form');
  if (start < 0) return null;
  const end = html.indexOf('</form>', start);
  const form = html.slice(start, end < 0 ? html.length : end);
  const tag = form.slice(0, form.indexOf('>') + 1);
  const fields = new URLSearchParams();
  for (const input of form.match(/<input[^>]*>/g) || []) {
    const type = attr(input, 'type');
    const name = attr(input, 'name');
    if (!name) continue;
    if (type === 'hidden') fields.append(name, attr(input, 'value') || '');
    if (type === 'checkbox' && /\srequired[\s>]/.test(input)) fields.append(name, attr(input, 'value') || 'on');
  }
  const button = (form.match(/<button[^>]*>/g) || []).find((b) => attr(b, 'name') && attr(b, 'type') !== 'button');
  if (button) fields.append(attr(button, 'name'), attr(button, 'value') || '');
  return { method: (attr(tag, 'method') || 'get').toUpperCase(), url: new URL(attr(tag, 'action') || '', base), body: fields.toString() };
}

/** One complete login from the service's start page to its "Bonjour". */
async function login(start, expect) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const jar = [];
  let method = 'GET';
  let url = new URL(start);
  let body;
  try {
    for (let hop = 0; hop < 30; hop++) {
      const res = await request(agent, jar, method, url, body);
      if (res.status === 301 || res.status === 302 || res.status === 303) {
        url = new URL(res.location, url);
        method = 'GET';
        body = undefined;
        continue;
      }
      if (res.status !== 200) {
        // An error page names its code (Y…) and says what happened: keep that.
        const code = (res.body.match(/Y[0-9A-F]{6}/) || [''])[0];
        const text = res.body.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
        throw new Error(`HTTP ${res.status} on ${url.pathname}: ${code} ${text.slice(0, 300)}`);
      }
      if (res.body.includes('id="hello"')) {
        if (!res.body.includes(expect)) throw new Error(`unexpected landing page: ${res.body.slice(0, 300)}`);
        return hop + 1;
      }
      const form = fill(res.body, url);
      if (!form) throw new Error(`no form on ${url.pathname}: ${res.body.slice(0, 300)}`);
      ({ method, url, body } = form);
      if (method === 'GET') { url.search = body; body = undefined; }
    }
    throw new Error('too many hops');
  } finally {
    agent.destroy();
  }
}

module.exports = { login };
