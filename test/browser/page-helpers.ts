/** Small polling helpers over a Playwright page (playwright-core has no expect()). */
import type { Page } from 'playwright-core';

export const DEFAULT_WAIT_MS = 15_000;
const POLL_MS = 100;

/** Resolves when cond() holds; on timeout throws naming what was awaited. */
export async function waitUntil(page: Page, cond: () => Promise<boolean>, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try { ok = await cond(); } catch { ok = false; }
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await page.waitForTimeout(POLL_MS);
  }
}

export async function attr(page: Page, selector: string, name: string): Promise<string | null> {
  const loc = page.locator(selector).first();
  return (await loc.count()) === 0 ? null : loc.getAttribute(name, { timeout: 1_000 });
}

export async function text(page: Page, selector: string): Promise<string> {
  const loc = page.locator(selector).first();
  return (await loc.count()) === 0 ? '' : ((await loc.textContent({ timeout: 1_000 })) ?? '').trim();
}

export function count(page: Page, selector: string): Promise<number> {
  return page.locator(selector).count();
}

export async function waitForAttr(page: Page, selector: string, name: string, value: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  let last: string | null = null;
  try {
    await waitUntil(page, async () => (last = await attr(page, selector, name)) === value, `${selector} ${name}=${value}`, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last seen: ${String(last)})`);
  }
}

export async function waitForText(page: Page, selector: string, contains: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  let last = '';
  try {
    await waitUntil(page, async () => (last = await text(page, selector)).includes(contains), `${selector} containing "${contains}"`, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last seen: "${last.slice(0, 300)}")`);
  }
}
