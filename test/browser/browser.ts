/**
 * Headless Chromium from the system package (never a downloaded browser), driven by
 * playwright-core, with a fresh profile per launch. Tests skip when /usr/bin/chromium is missing.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
export const SKIP_REASON = `skipped: ${CHROMIUM_PATH} is missing (apt-get install -y chromium; .ci/run installs it when it can)`;
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Chromium logs every refused socket or fetch; while the gateway is down those are the point. */
const EXPECTED_CONSOLE_ERRORS = [/^WebSocket connection to '.*' failed/, /^Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET|CLOSED)/];

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors, so a test can assert the page ran clean. */
  readonly pageErrors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1440, height: 1000 }): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'tickgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH, headless: true, args: ARGS, viewport, deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => { if (msg.type() === 'error' && !EXPECTED_CONSOLE_ERRORS.some((re) => re.test(msg.text()))) pageErrors.push(msg.text()); });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    context, page, pageErrors,
    async screenshot(name) {
      const path = join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

if (!HAVE_CHROMIUM) console.warn(`[test/browser] ${SKIP_REASON}`);
