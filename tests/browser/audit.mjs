// Every page a citizen sees, audited in headless Chromium: axe-core
// (WCAG 2.1 A/AA rules) with zero violations, in French and English, on a
// desktop and at 320 px (RGAA 10.11 / WCAG 1.4.10 reflow: no horizontal
// scrolling), with the viewport meta tag and 44 px touch targets.
// Screenshots of each page land in SCREENSHOT_DIR.
// Usage: node audit.mjs BASE_URL SCREENSHOT_DIR CANTEEN_URL LETTER_URL [OPERATOR_TOKEN]
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [base, outDir, canteen, letter, operatorToken] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});

const sizes = { desktop: { width: 1280, height: 900 }, mobile: { width: 320, height: 640 } };
const results = [];
let failures = 0;

// How to reach each page: a function that leaves `page` on it.
const pages = {
  'demo-home': async (p) => p.goto(`${base}/`),
  'chooser': async (p) => { await p.goto(`${base}/`); await p.locator('a.primary[href*="/authorize"]').click(); await p.waitForURL(/\/interaction\//); },
  'idp-login': async (p) => { await pages.chooser(p); await p.locator('button[value="impots"]').click(); await p.waitForURL(/\/authorize/); },
  'consent': async (p) => {
    await pages['idp-login'](p);
    await p.locator('#login').fill('angela'); await p.locator('#password').fill('123');
    await p.locator('button.primary').click(); await p.waitForURL(/\/consent/);
  },
  'error-404': async (p) => p.goto(`${base}/nowhere`),
  'error-bad-request': async (p) => p.goto(`${base}/api/v2/authorize?client_id=unknown`),
  'logged-out': async (p) => p.goto(`${base}/api/v2/logged-out`),
  'accessibility': async (p) => p.goto(`${base}/accessibilite`),
  'legal-notices': async (p) => p.goto(`${base}/mentions-legales`),
  'personal-data': async (p) => p.goto(`${base}/donnees-personnelles`),
  'space-welcome': async (p) => p.goto(`${base}/espace`),
  'space': async (p) => {
    await pages.consent(p);
    await p.locator('button.primary').click(); await p.waitForURL(/\/demo\/callback/);
    await p.goto(`${base}/espace/connexion`); await p.waitForURL(/\/espace$/);
  },
  'mailbox': async (p) => p.goto(`${base}/demo/courriels`),
  'demo-service': async (p) => {
    await pages.consent(p);
    await p.locator('button.primary').click(); await p.waitForURL(/\/demo\/callback/);
  },
  'demo-logged-out': async (p) => p.goto(`${base}/demo/logged-out`),
  'canteen-home': async (p) => p.goto(`${canteen}/`),
  'canteen-404': async (p) => p.goto(`${canteen}/nowhere`),
  'letter-home': async (p) => p.goto(`${letter}/`),
  'partner-signin': async (p) => p.goto(`${base}/partenaires`),
  'partner-sent': async (p) => { await partnerLink(p); await p.goto(`${base}/partenaires`); await p.locator('#email').fill('audit@mairie.example'); await p.locator('button.primary').click(); await p.waitForLoadState(); },
  'partner-confirm': async (p) => p.goto(await partnerLink(p)),
  'partner-organisation': async (p) => { await partnerSignIn(p); },
  'partner-services': async (p) => { await partnerWithOrg(p); },
  'partner-form': async (p) => { await partnerWithOrg(p); await p.goto(`${base}/partenaires/services/nouveau`); },
  'partner-service': async (p) => {
    await partnerWithOrg(p);
    await p.goto(`${base}/partenaires/services/nouveau`);
    await p.locator('#name').fill(`Service audit ${Math.random().toString(36).slice(2, 8)}`);
    await p.locator('#redirect_uris').fill('http://localhost:3000/callback');
    await p.locator('#scope-identite_pivot').check();
    await p.locator('#why-identite_pivot').fill("pré-remplir l'inscription");
    await p.locator('form button.primary').click();
    await p.waitForSelector('#sandbox-client-id');
  },
  'operator-signin': async (p) => p.goto(`${base}/operateur`),
};
if (operatorToken) {
  pages['operator-dashboard'] = async (p) => {
    await p.goto(`${base}/operateur`);
    await p.locator('#token').fill(operatorToken);
    await p.locator('form button.primary').click();
    await p.waitForSelector('svg.chart');
  };
}

// A fresh partner's sign-in link (asked for, then read in the mailbox).
async function partnerLink(p) {
  const email = `audit-${Math.random().toString(36).slice(2, 10)}@mairie.example`;
  await p.goto(`${base}/partenaires`);
  await p.locator('#email').fill(email);
  await p.locator('button.primary').click();
  await p.waitForLoadState();
  for (let i = 0; i < 50; i++) {
    await p.goto(`${base}/demo/courriels`);
    const text = await p.textContent('main');
    const at = text.indexOf(email);
    const m = at >= 0 && text.slice(at).match(/https?:\/\/\S+\/partenaires\/lien\/[A-Za-z0-9_-]+/);
    if (m) return m[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no sign-in e-mail');
}
async function partnerSignIn(p) {
  await p.goto(await partnerLink(p));
  await p.locator('form button.primary').click();
  await p.waitForURL(/\/partenaires\/organisation/);
}
async function partnerWithOrg(p) {
  await partnerSignIn(p);
  await p.locator('#org-name').fill('Commune auditée');
  await p.locator('form button.primary').click();
  await p.waitForURL(/\/partenaires\/services$/);
}

async function audit(page, name) {
  await page.addScriptTag({ content: axeSource });
  const axe = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const layout = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    viewport: !!document.querySelector('meta[name=viewport]'),
    lang: document.documentElement.lang,
    small: [...document.querySelectorAll('button, input:not([type=hidden]), select, a.primary, a.idp-button')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ h: e.getBoundingClientRect().height, f: parseFloat(getComputedStyle(e).fontSize), t: (e.textContent || e.id || e.name || '').trim().slice(0, 30) }))
      .filter((s) => s.h < 44 || s.f < 16),
  }));
  return { axe, layout };
}

try {
  for (const [lang, locale] of [['fr', 'fr-FR'], ['en', 'en-GB']]) {
    for (const [size, viewport] of Object.entries(sizes)) {
      for (const [name, reach] of Object.entries(pages)) {
        const context = await browser.newContext({ locale, viewport, bypassCSP: true });
        // The language the citizen picked with the switch.
        for (const url of [base, canteen, letter]) {
          await context.addCookies([{ name: 'relais_lang', value: lang, url }]);
        }
        const page = await context.newPage();
        const label = `${name}-${lang}-${size}`;
        try {
          await reach(page);
          const { axe, layout } = await audit(page, label);
          await page.screenshot({ path: `${outDir}/${label}.png`, fullPage: true });
          const problems = [];
          if (axe.length) problems.push(...axe.map((v) => `axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`));
          if (layout.scroll > layout.width) problems.push(`horizontal scroll: ${layout.scroll} > ${layout.width}`);
          if (!layout.viewport) problems.push('no viewport meta tag');
          if (layout.lang !== lang) problems.push(`html lang=${layout.lang}, expected ${lang}`);
          if (layout.small.length) problems.push(`small targets: ${JSON.stringify(layout.small)}`);
          const switchShown = await page.locator('a[hreflang]').first().isVisible().catch(() => false);
          if (!switchShown) problems.push('no visible language switch');
          results.push({ page: label, violations: axe.length, problems });
          if (problems.length) { failures++; console.log(`FAIL ${label}\n  ${problems.join('\n  ')}`); }
        } catch (e) {
          failures++;
          results.push({ page: label, error: String(e) });
          console.log(`FAIL ${label}: ${e}`);
        }
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
}
writeFileSync(`${outDir}/axe-report.json`, JSON.stringify(results, null, 2));
const audited = results.length;
const violations = results.reduce((n, r) => n + (r.violations || 0), 0);
console.log(`audit: ${audited} page views (fr/en × desktop/320 px), ${violations} axe violations, ${failures} failing`);
console.log(`browser: ${audited - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
