import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; the test command installs it (hack/services/chromium.sh). Never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A headless Chromium with a fresh profile of its own. */
export interface TestBrowser {
  context: BrowserContext;
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run 'bash hack/services/chromium.sh' (Debian package chromium)`);
  const profile = await mkdtemp(join(tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    async open(url) {
      const page = await context.newPage();
      page.on('pageerror', (err) => console.error(`page error on ${url}: ${err.message}`));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What the tests read from a DOM element (the workspace compiles without the DOM library). */
export interface ElementAttributes {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}

/** One row of the board as the page shows it. */
export interface ShownOrder {
  status: string;
  version: number;
}

/** The board's rows, read from the DOM: order id → status and version. */
export async function shownOrders(page: Page): Promise<Map<string, ShownOrder>> {
  const rows = await page.$$eval('#orders tbody tr[data-order-id]', (trs) =>
    (trs as unknown as ElementAttributes[]).map((tr) => [tr.getAttribute('data-order-id') ?? '', tr.getAttribute('data-status') ?? '', Number(tr.getAttribute('data-version'))] as const),
  );
  return new Map(rows.map(([id, status, version]) => [id, { status, version }]));
}

/** The page's connection indicator: connecting, live or reconnecting. */
export async function connectionState(page: Page): Promise<string | undefined> {
  return page.$eval('#connection', (el) => (el as unknown as ElementAttributes).getAttribute('data-connection') ?? undefined);
}
