// One complete login in headless Chromium, as a citizen would click it:
// demo home → chooser → demo IdP form → consent → the demo service.
// Usage: node journey.mjs BASE_URL SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, outDir] = process.argv.slice(2);
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
  for (let i = 0; i < 6 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = (await page.evaluate(() => document.activeElement?.textContent || '')).includes('impots.gouv.fr');
  }
  check(reached, 'IdP button reachable by keyboard');
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
