import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium as launchMachineChromium } from '@ajla/testing';
import { recordTokens } from './secrets';
import { REPO_ROOT } from './state';

// What the web app's e2e specs share: headless Chromium through playwright-core, axe-core,
// screenshots, and a watch on each page for script errors, CSP refusals and the tokens it is given.

const SCREENSHOTS = path.join(REPO_ROOT, 'tmp/screenshots');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Headless Chromium (`launchChromium` of `@ajla/testing`); screenshots go to tmp/screenshots. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return launchMachineChromium();
}

/**
 * Watches a page: the tokens it is given go into the log audit's list of secrets to look for;
 * script errors and CSP refusals (bugs of the app or of the gateway's headers) go into `problems`.
 */
export function watchPage(page: Page, problems: string[]): void {
  page.on('response', (response) => {
    if (/\/api\/v1\/auth\/(login|refresh)$/.test(new URL(response.url()).pathname)) {
      void response
        .json()
        .then(recordTokens)
        .catch(() => undefined);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE); // through the DevTools protocol: the page's CSP does not apply
  // A string, evaluated in the page (this project is compiled without the DOM's types).
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
  )) as { violations: AxeViolation[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
