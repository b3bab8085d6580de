// The partner space as a town hall's developer tries it for the first
// time, in headless Chromium: sign-in link by e-mail (read in the demo's
// mailbox), the organisation, a new service, sandbox credentials, a real
// web application (openid-client at its defaults, tests/interop/node/
// rp_server.mjs) logging a test citizen in on the sandbox with them, the
// test trace, the production request; the operator approves it through
// the admin API; the production secret; the application logging in on
// production. Screenshots of every step; the time it all took.
// Usage: node partner.mjs BASE OPERATOR_TOKEN SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const [base, operatorToken, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const started = Date.now();
let passed = 0;
let failed = 0;
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}
const shot = async (page, name) => {
  await page.screenshot({ path: `${outDir}/${name}-desktop.png`, fullPage: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  await page.screenshot({ path: `${outDir}/${name}-320px.png`, fullPage: true });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 320, `${name}: no horizontal scrolling at 320 px (width ${wide})`);
  await page.setViewportSize(size);
};
const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const rpScript = fileURLToPath(new URL('../interop/node/rp_server.mjs', import.meta.url));
async function startRp(port, clientId, secret) {
  const child = spawn(process.execPath, [rpScript], {
    env: { ...process.env, ISSUER: `${base}/api/v2`, CLIENT_ID: clientId, CLIENT_SECRET: secret, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { if (String(d).includes('listening')) resolve(); });
    child.on('exit', (code) => reject(new Error(`rp exited ${code}`)));
  });
  return child;
}
// The citizen's side: the application's login link, a test citizen.
async function citizenLogin(context, rpPort) {
  const p = await context.newPage();
  await p.goto(`http://localhost:${rpPort}/`);
  await p.getByRole('link', { name: 'Se connecter' }).click();
  await p.waitForURL(/\/api\/v2\/interaction\//);
  await p.getByRole('button', { name: /impots\.gouv\.fr \(démo\)/ }).click();
  await p.getByLabel('Identifiant').fill('angela');
  await p.getByLabel('Mot de passe').fill('123');
  await p.getByRole('button', { name: 'Se connecter' }).click();
  await p.waitForLoadState();
  if (p.url().includes('/consent')) {
    await p.getByRole('button', { name: /Continuer sur/ }).click();
  }
  await p.waitForURL(new RegExp(`localhost:${rpPort}/callback`));
  return p;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
const children = [];
try {
  const dev = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const p = await dev.newPage();
  // 1. Sign in with a link sent by e-mail.
  await p.goto(`${base}/partenaires`);
  await shot(p, 'partner-1-signin');
  await p.getByLabel('Adresse électronique professionnelle').fill('dev@belleville.example');
  await p.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
  check((await p.textContent('main')).includes('Consultez votre messagerie'), 'link sent');
  let link;
  for (let i = 0; i < 50 && !link; i++) {
    await p.goto(`${base}/demo/courriels`);
    link = ((await p.textContent('main')).match(/https?:\/\/\S+\/partenaires\/lien\/[A-Za-z0-9_-]+/) || [])[0];
    if (!link) await new Promise((r) => setTimeout(r, 100));
  }
  check(link, 'the sign-in e-mail arrived');
  await p.goto(link);
  await p.getByRole('button', { name: 'Me connecter' }).click();
  // 2. The organisation, once.
  await p.waitForURL(/\/partenaires\/organisation/);
  await shot(p, 'partner-2-organisation');
  await p.getByLabel("Nom de l'organisation").fill('Commune de Belleville');
  await p.getByLabel('Commune', { exact: true }).check();
  await p.getByRole('button', { name: "Créer l'organisation" }).click();
  await p.waitForURL(/\/partenaires\/services$/);
  // 3. A new service.
  await p.getByRole('link', { name: 'Raccorder un nouveau service' }).click();
  const rpPort = await freePort();
  await p.getByLabel('Nom du service (affiché aux usagers)').fill('Inscriptions scolaires');
  await p.getByLabel(/Adresses de retour/).fill(`http://localhost:${rpPort}/callback`);
  await p.getByLabel(/Logiciel du marché/).check();
  await p.locator('#scope-identite_pivot').check();
  await p.locator('#why-identite_pivot').fill("pré-remplir l'inscription de l'enfant");
  await p.locator('#scope-email').check();
  await p.locator('#why-email').fill("envoyer l'accusé de réception");
  await shot(p, 'partner-3-form');
  await p.getByRole('button', { name: /Créer le service/ }).click();
  await p.waitForLoadState();
  const clientId = (await p.textContent('#sandbox-client-id')).trim();
  const secret = (await p.textContent('#new-secret')).trim();
  check(clientId.startsWith('sandbox-') && secret.length >= 32, 'sandbox credentials shown');
  await shot(p, 'partner-4-credentials');
  // 4. The application logs a test citizen in on the sandbox.
  children.push(await startRp(rpPort, clientId, secret));
  const citizen = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const done = await citizenLogin(citizen, rpPort);
  check((await done.textContent('#hello')).includes('Angela'), `sandbox login reached the application: ${await done.textContent('body')}`);
  await shot(done, 'partner-5-sandbox-login');
  // 5. The trace, then production requested.
  await p.goto(`${base}/partenaires/services/inscriptions-scolaires`);
  const trace = await p.textContent('#trace');
  check(trace.includes("votre service a lu l'identité") && trace.includes('JSON: given_name'), 'the trace shows what the service received');
  await shot(p, 'partner-6-trace');
  await p.getByRole('button', { name: 'Demander le passage en production' }).click();
  await p.waitForLoadState();
  check((await p.textContent('main')).includes("l'opérateur va l'examiner"), 'request sent');
  await shot(p, 'partner-7-requested');
  // 6. The operator approves through the API.
  const approve = await fetch(`${base}/api/admin/v1/production-requests/inscriptions-scolaires/approve`, {
    method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'Bienvenue en production' }),
  });
  check(approve.status === 200, `approved (${approve.status})`);
  // 7. The production secret; the application on production.
  await p.goto(`${base}/partenaires/services/inscriptions-scolaires`);
  await p.getByRole('button', { name: 'Générer le secret de production' }).click();
  await p.waitForLoadState();
  const prodId = (await p.textContent('#production-client-id')).trim();
  const prodSecret = (await p.textContent('#new-secret')).trim();
  await shot(p, 'partner-8-production');
  children.pop().kill();
  const prodPort = rpPort;
  children.push(await startRp(prodPort, prodId, prodSecret));
  const prodCitizen = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const prod = await citizenLogin(prodCitizen, prodPort);
  check((await prod.textContent('body')).includes(prodId) && (await prod.textContent('#hello')).includes('Angela'), 'production login works');
  await shot(prod, 'partner-9-production-login');
  passed += 1;
} catch (err) {
  console.error(err);
  failed += 1;
} finally {
  for (const c of children) c.kill();
  await browser.close();
}
console.log(`partner journey: ${((Date.now() - started) / 1000).toFixed(1)} s from the sign-in page to a production login`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
