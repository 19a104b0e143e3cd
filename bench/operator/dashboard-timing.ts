// The dashboard as a person opens it, in Debian's chromium (test/dashboard/browser.ts): how long until the
// fleet is painted, and how long a change of verdict takes to reach an open appliance view.
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../../test/dashboard/browser.js';

export interface FirstPaint {
  /** The browser's first-contentful-paint, ms after navigation began. */
  firstContentfulPaintMs: number;
  /** Until the first appliance row is shown (the fleet's data has arrived and been rendered). */
  rowsShownMs: number;
}

export class DashboardPage {
  private constructor(
    private readonly launched: LaunchedBrowser,
    private readonly page: Page,
    private readonly base: string,
  ) {}

  static async open(port: number): Promise<DashboardPage> {
    const launched = await launchChromium();
    try {
      const context = await launched.browser.newContext({ viewport: { width: 1600, height: 900 } });
      return new DashboardPage(launched, await context.newPage(), `http://127.0.0.1:${port}/`);
    } catch (error) {
      await launched.close();
      throw error;
    }
  }

  async firstPaint(): Promise<FirstPaint> {
    const started = Date.now();
    await this.page.goto(this.base);
    await this.page.waitForSelector('tr[data-appliance]', { timeout: 60_000 });
    const rowsShownMs = Date.now() - started;
    const firstContentfulPaintMs = await this.page.evaluate<number>(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1`);
    return { firstContentfulPaintMs: Math.round(firstContentfulPaintMs), rowsShownMs };
  }

  /** Opens one appliance's view and waits for its pod rows. */
  async openAppliance(namespace: string, name: string, pods: number): Promise<void> {
    await this.page.goto(`${this.base}#/appliances/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
    // A locator, not waitForFunction: the page's CSP (script-src 'self') refuses a predicate evaluated in it.
    await this.page.locator('tr[data-pod]').nth(pods - 1).waitFor({ timeout: 60_000 });
  }

  /** When (Date.now()) the open view first shows the pod's row with this text. */
  async rowShows(pod: string, text: string, timeoutMs: number): Promise<number> {
    await this.page.locator(`tr[data-pod="${pod}"]`, { hasText: text }).waitFor({ timeout: timeoutMs });
    return Date.now();
  }

  close(): Promise<void> {
    return this.launched.close();
  }
}
