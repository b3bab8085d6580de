// The citizen space as a new user tries it, in headless Chromium, mouse-free
// where it matters: a login to the canteen (with the CAF's quotient), the
// space through SSO showing that connection and the CAF exchange, an IdP
// blocked and then refused at the next login, the history exported, the
// connection e-mail found, and nothing personal left behind the Back
// button after logout. Usage: node citizen.mjs BASE CANTEEN SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, canteen, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
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
  check(await page.locator('a[hreflang]').first().isVisible(), `${name}: the language switch is visible at 320 px`);
  await page.setViewportSize(size);
};

// Tab until the focused element's text matches, then press Enter.
async function tabTo(page, pattern, what) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => {
      const e = document.activeElement;
      return e ? `${e.textContent || ''} ${e.getAttribute('aria-label') || ''} ${e.id || ''}` : '';
    });
    if (pattern.test(text)) return;
  }
  throw new Error(`check failed: ${what} not reachable with Tab`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
async function canteenLogin(context, idp) {
  const p = await context.newPage();
  await p.goto(`${canteen}/`);
  await p.getByRole('link', { name: /S'identifier avec/ }).click();
  await p.waitForURL(/\/api\/v2\/interaction\//);
  // Keyboard only: the IdP button, the login form, the consent button.
  await tabTo(p, new RegExp(idp), `${idp} button`);
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/idp\/.*\/authorize/);
  await tabTo(p, /login/, 'login field');
  await p.keyboard.type('marie');
  await p.keyboard.press('Tab');
  await p.keyboard.type('123');
  await p.keyboard.press('Enter');
  await p.waitForLoadState();
  return p;
}

try {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const p = await canteenLogin(context, 'ameli');
  await p.waitForURL(/\/consent/);
  await tabTo(p, /Continuer sur/, 'consent button');
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/inscription/);
  check(await p.getByLabel('Quotient familial').inputValue() === '380', 'the CAF answered');

  // The space, through the federation (SSO: no second login).
  await p.goto(`${base}/espace`);
  await shot(p, 'space-1-welcome');
  await tabTo(p, /Se connecter à mon espace/, 'space login link');
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/espace$/);
  const history = await p.textContent('main');
  check(history.includes('avec ameli.fr (démo) (niveau eidas1). Informations transmises : Prénom(s)'), 'the canteen connection is listed, with its level and the claim names');
  check(history.includes("Caisse d'allocations familiales a transmis") && history.includes('Quotient familial'), 'the CAF exchange is listed');
  await shot(p, 'space-2-history');

  // Block La Poste, keyboard only.
  await tabTo(p, /idp-laposte/, 'La Poste checkbox');
  await p.keyboard.press('Space');
  await tabTo(p, /Enregistrer mes choix/, 'save button');
  await p.keyboard.press('Enter');
  await p.waitForURL(/saved=1/);
  check((await p.textContent('main')).includes('Vos choix sont enregistrés.'), 'choices saved');
  check(!(await p.isChecked('#idp-laposte')), 'La Poste blocked');

  // Export: JSON and CSV, with the browser's own cookies.
  const json = await context.request.get(`${base}/espace/export.json`);
  const doc = await json.json();
  check(doc.history.some((e) => e.kind === 'data_exchange' && e.shared.includes('cnaf_quotient_familial')), 'export has the CAF exchange');
  check(doc.pseudonymous_identifiers.length >= 1, 'export has the identifiers');
  const csv = await (await context.request.get(`${base}/espace/export.csv`)).text();
  check(csv.startsWith('time,kind,service'), 'CSV export');

  // The connection e-mail, as the demo's mail catcher received it.
  await p.goto(`${base}/demo/courriels`);
  const mails = await p.textContent('main');
  check(mails.includes('marie.leroy@example.fr') && mails.includes('Connexion à Inscription à la cantine scolaire'), 'connection e-mail received');
  await shot(p, 'space-3-mail');

  // Logout, then Back: nothing personal is shown again.
  await p.goto(`${base}/espace`);
  await p.getByRole('button', { name: 'Se déconnecter de mon espace' }).click();
  await p.waitForLoadState();
  await p.goBack();
  await p.waitForLoadState();
  const back = await p.textContent('body');
  check(!back.includes("Caisse d'allocations familiales a transmis") && !back.includes('marie'), 'Back shows nothing personal');

  // Next login with the blocked IdP: refused, with a way to another account.
  const again = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const r = await canteenLogin(again, 'La Poste');
  const refused = await r.textContent('main');
  check(refused.includes('Y100011') && refused.includes('Choisir un autre compte'), 'blocked IdP refused');
  await shot(r, 'space-4-refused');

  // English: the switch keeps the page; dates in English words.
  const en = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const e = await en.newPage();
  await e.goto(`${base}/espace`);
  await e.getByRole('link', { name: 'English' }).click();
  await e.waitForURL(/\/espace$/);
  check(await e.getAttribute('html', 'lang') === 'en' && (await e.textContent('h1')) === 'My Relais space', 'switch to English keeps the page');
  passed += 1;
} catch (err) {
  console.error(err);
  failed += 1;
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
