// One complete login in headless Chromium, as a citizen would click it:
// demo home → chooser → demo IdP form → consent → the demo service.
// Usage: node journey.mjs BASE_URL SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, outDir, canteen, letter] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
let passed = 0;
let failed = 0;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function pageBasics(page, name) {
  await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
  const lang = await page.getAttribute('html', 'lang');
  check(lang === 'fr', `${name}: html lang=fr (got ${lang})`);
  check((await page.locator('h1').count()) === 1, `${name}: exactly one h1`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await pageBasics(page, '0-demo-home');
  await page.getByRole('link', { name: /Essayer une connexion/ }).click();

  await page.waitForURL(/\/api\/v2\/interaction\//);
  await pageBasics(page, '1-chooser');
  check(await page.getByRole('heading', { level: 1 }).textContent() === 'Choisissez un compte pour vous connecter', 'chooser title');
  await page.getByRole('button', { name: /impots\.gouv\.fr \(démo\)/ }).click();

  await page.waitForURL(/\/idp\/impots\/authorize/);
  await pageBasics(page, '2-idp-login');
  await page.getByLabel('Identifiant').fill('angela');
  await page.getByLabel('Mot de passe').fill('123');
  await page.getByRole('button', { name: 'Se connecter' }).click();

  await page.waitForURL(/\/consent/);
  await pageBasics(page, '3-consent');
  const consent = await page.textContent('main');
  check(consent.includes('Angela Claire Louise') && consent.includes('Paris 7e Arrondissement'), 'consent lists real values');
  await page.getByRole('button', { name: /Continuer sur/ }).click();

  await page.waitForURL(/\/demo\/callback/);
  await page.screenshot({ path: `${outDir}/4-service.png`, fullPage: true });
  const done = await page.textContent('main');
  check(done.includes('Jeton d\'identité vérifié') && done.includes('"family_name": "DUBOIS"'), 'service received a verified identity');

  // Keyboard-only: the chooser's first IdP button is reachable with Tab.
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: /Essayer une connexion/ }).click();
  await page.waitForURL(/\/api\/v2\/interaction\//);
  let reached = false;
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = (await page.evaluate(() => document.activeElement?.textContent || '')).includes('impots.gouv.fr');
  }
  check(reached, 'IdP button reachable by keyboard');

  // The canteen service: login through Relais, form pre-filled from the CAF.
  const citizen = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const c = await citizen.newPage();
  await c.goto(`${canteen}/`);
  await pageBasics(c, '5-canteen-home');
  await c.getByRole('link', { name: /S'identifier avec/ }).click();
  await c.waitForURL(/\/api\/v2\/interaction\//);
  await c.getByRole('button', { name: /ameli\.fr \(démo\)/ }).click();
  await c.waitForURL(/\/idp\/ameli\/authorize/);
  await c.getByLabel('Identifiant').fill('jean');
  await c.getByLabel('Mot de passe').fill('123');
  await c.getByRole('button', { name: 'Se connecter' }).click();
  await c.waitForURL(/\/consent/);
  await pageBasics(c, '6-canteen-consent');
  check((await c.textContent('main')).includes("Quotient familial — Caisse d'allocations familiales"), 'consent lists the CAF data');
  await c.getByRole('button', { name: /Continuer sur/ }).click();
  await c.waitForURL(/\/inscription/);
  await pageBasics(c, '7-canteen-form');
  check(await c.getByLabel('Quotient familial').inputValue() === '612', 'quotient pre-filled from the CAF');
  check((await c.textContent('main')).includes('fourni par la CAF via Relais'), 'source of the quotient shown');
  check((await c.textContent('.tarif')).includes('1,60 €'), 'price bracket computed');
  await c.getByLabel("Prénom de l'enfant").fill('Hugo');
  await c.getByLabel('École').selectOption('École primaire du Bourg');
  await c.getByLabel('lundi').check();
  await c.getByRole('button', { name: 'Inscrire mon enfant' }).click();
  await pageBasics(c, '8-canteen-done');
  check((await c.textContent('main')).includes('Hugo DUPONT'), 'registration confirmed');
  await c.getByRole('link', { name: 'Se déconnecter' }).click();
  await c.waitForURL(new RegExp(`^${canteen}/`));

  // The Plus platform: the registered-letter service, France Identité at
  // eidas2/eidas3, the consent box to tick, the level shown.
  const plus = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const l = await plus.newPage();
  await l.goto(`${letter}/`);
  await pageBasics(l, '9-letter-home');
  await l.getByRole('link', { name: /S'identifier avec Relais\+/ }).click();
  await l.waitForURL(/\/api\/v2\/interaction\//);
  await pageBasics(l, '10-plus-chooser');
  await l.getByRole('button', { name: /France Identité \(démo\)/ }).click();
  await l.waitForURL(/\/idp\/franceidentite\/authorize/);
  await l.getByLabel('Identifiant').fill('angela');
  await l.getByLabel('Mot de passe').fill('123');
  await l.getByRole('button', { name: 'Se connecter' }).click();
  await l.waitForURL(/\/consent/);
  await pageBasics(l, '11-plus-consent');
  await l.getByLabel(/J'accepte que ces informations soient transmises/).check();
  await l.getByRole('button', { name: /Continuer sur/ }).click();
  await l.waitForURL(new RegExp(`^${letter}/`));
  await pageBasics(l, '12-letter-verified');
  const verified = await l.textContent('main');
  check(verified.includes('Votre identité est vérifiée') && verified.includes('eidas2'), 'level reached shown');
  check(verified.includes('Angela Claire Louise'), 'identity decrypted by the service');

  // Logout by POST, cross-site: a page of another site (served here by the
  // test) posts the letter service's own logout form to Relais+. Chromium
  // sends the SameSite=Lax session cookie with no cross-site POST; Relais+
  // sends the parameters on to GET by a 303, a top-level navigation the
  // cookie travels with, so the logout finds its session.
  const form = l.locator('form[action$="/session/end"]');
  const action = await form.getAttribute('action');
  const fields = [];
  for (const input of await form.locator('input[type=hidden]').all()) {
    fields.push([await input.getAttribute('name'), await input.getAttribute('value')]);
  }
  check(fields.map(([n]) => n).join() === 'id_token_hint,post_logout_redirect_uri,state', 'logout form fields');
  const attr = (v) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  await l.route('http://service.example/**', (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!DOCTYPE html><html lang="fr"><title>Service</title><form method="post" action="${attr(action)}">`
      + fields.map(([n, v]) => `<input type="hidden" name="${attr(n)}" value="${attr(v)}">`).join('')
      + '<button type="submit">Se déconnecter</button></form></html>',
  }));
  await l.goto('http://service.example/');
  await l.getByRole('button', { name: 'Se déconnecter' }).click();
  await l.waitForURL(new RegExp(`^${letter}/\\?state=`));
  await pageBasics(l, '13-letter-logged-out');
  check((await l.textContent('main')).includes('Vous êtes déconnecté de ce service et de Relais+'), 'logged out by a cross-site POST');
  // Relais+'s session is gone: the next login shows the chooser again.
  await l.getByRole('link', { name: /S'identifier avec Relais\+/ }).click();
  await l.waitForURL(/\/api\/v2\/interaction\//);
  check(await l.getByRole('button', { name: /France Identité \(démo\)/ }).isVisible(), 'chooser after logout');
  passed += 1;
} catch (e) {
  console.error(e);
  failed += 1;
} finally {
  await browser.close();
}
console.log(`screenshots: ${outDir}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
