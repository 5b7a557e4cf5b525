// The web app's budgets (issue 12), measured on the built app (dist/web):
//   1. the JavaScript of the first page: at most 150 KB gzipped (every script index.html loads or
//      preloads; the chunks of other screens load on first use);
//   2. the sign-in page interactive within 1 s: from navigation start until its "Sign in" button is
//      on the screen, enabled and focusable, in headless Chromium, cold cache, median of 7 loads.
// The app is served by the gateway's own code for it (dist/apps/gateway/src/web/web-app.js, on a
// bare Fastify: precompressed files, cache headers) on loopback; the sign-in page asks the API for
// nothing, so no platform is needed. Also reported, not judged: the same load with the CPU slowed
// 4 times (a mid-range phone).
//
//   bash bench/run-web.sh        # (npm run bench:web) builds the web app and the gateway, ~30 s
//   node bench/web-budget.js     # on what dist/ holds
//
// Exit code 1 when a budget is exceeded. Writes bench/results/web-<date>.json.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const root = path.join(__dirname, '..');
const WEB = path.join(root, 'dist/web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BUDGET_FIRST_PAGE_JS_GZIP = 150 * 1024;
const BUDGET_SIGN_IN_INTERACTIVE_MS = 1000;
const LOADS = 7;

function firstPageScripts() {
  const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
  const urls = new Set();
  for (const match of html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)) urls.add(match[1]);
  for (const match of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)) {
    urls.add(match[1]);
  }
  return [...urls].map((url) => {
    const data = fs.readFileSync(path.join(WEB, url));
    return { url, bytes: data.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
  });
}

async function serve() {
  const Fastify = require('fastify');
  const { registerWebApp } = require(path.join(root, 'dist/apps/gateway/src/web/web-app.js'));
  const app = Fastify({ logger: false });
  await registerWebApp(app, { root: WEB });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${app.server.address().port}` };
}

/** In the page: resolves with performance.now() (from the navigation's start) once "Sign in" works. */
const SIGN_IN_READY = `new Promise((resolve) => {
  const ready = () => {
    const button = [...document.querySelectorAll('button')].find(
      (b) => b.textContent === 'Sign in' && !b.disabled,
    );
    if (button) {
      button.focus();
      if (document.activeElement === button) return resolve(performance.now());
    }
    requestAnimationFrame(ready);
  };
  ready();
})`;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function signInInteractive(browser, url, cpuSlowdown) {
  const samples = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    if (cpuSlowdown > 1) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown });
    }
    await page.goto(`${url}/sign-in`, { waitUntil: 'commit' });
    // Measured in the page: performance.now() counts from the navigation's start.
    const ms = await page.evaluate(SIGN_IN_READY);
    samples.push(Math.round(ms));
    await context.close();
  }
  return { median: median(samples), samples };
}

async function main() {
  if (!fs.existsSync(path.join(WEB, 'index.html'))) {
    throw new Error('dist/web is missing: run "npm run build:web" (bench/run-web.sh does)');
  }
  const scripts = firstPageScripts();
  const firstPageGzip = scripts.reduce((sum, s) => sum + s.gzip, 0);

  const { chromium } = require('playwright-core');
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  let interactive;
  let slowCpu;
  try {
    interactive = await signInInteractive(browser, server.url, 1);
    slowCpu = await signInInteractive(browser, server.url, 4);
  } finally {
    await browser.close();
    await server.app.close();
  }

  const results = {
    date: new Date().toISOString(),
    firstPageJs: { scripts, gzipBytes: firstPageGzip, budgetBytes: BUDGET_FIRST_PAGE_JS_GZIP },
    signInInteractiveMs: { ...interactive, budget: BUDGET_SIGN_IN_INTERACTIVE_MS },
    signInInteractiveMsCpu4x: slowCpu,
  };
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const over = [];
  console.log(
    `first page JS: ${kb(firstPageGzip)} gzipped (budget ${kb(BUDGET_FIRST_PAGE_JS_GZIP)})`,
  );
  for (const s of scripts) console.log(`  ${s.url}: ${kb(s.bytes)}, ${kb(s.gzip)} gzipped`);
  if (firstPageGzip > BUDGET_FIRST_PAGE_JS_GZIP) over.push('first page JS');
  console.log(
    `sign-in interactive: median ${interactive.median} ms (budget ${BUDGET_SIGN_IN_INTERACTIVE_MS} ms; ${interactive.samples.join(', ')})`,
  );
  console.log(
    `  with the CPU 4x slower: median ${slowCpu.median} ms (${slowCpu.samples.join(', ')})`,
  );
  if (interactive.median > BUDGET_SIGN_IN_INTERACTIVE_MS) over.push('sign-in interactive');

  const stamp = results.date.slice(0, 16).replace(':', '-');
  const out = path.join(__dirname, 'results', `web-${stamp}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${path.relative(root, out)}`);
  if (over.length > 0) {
    console.error(`over budget: ${over.join(', ')}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
