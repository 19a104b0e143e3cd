// The dashboard page in a real browser (Debian's chromium), served by the real dashboard server
// (operator/dashboard/server.ts) from the real bundle (dist/dashboard, built by `npm run build:ts`), fed by
// SyntheticFleet: a stand-in for the operator's watches at a scale the harness cannot run (100 appliances,
// 1,000 pods). Figures (first paint, update latency) are printed, not asserted beyond generous bounds: the
// targets belong to benchmarks.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY, type DashboardServer, startDashboardServer } from '../../operator/dashboard/server.js';
import { createLogger } from '../../operator/log.js';
import { repoRoot } from '../support/repo-paths.js';
import { axeViolations, type LaunchedBrowser, launchChromium, screenshot } from './browser.js';
import { startFreezableProxy } from './freezable-proxy.js';
import { SyntheticFleet } from './synthetic-source.js';

const assetsDir = join(repoRoot, 'dist', 'dashboard');
const HEARTBEAT_SECONDS = 1;
const quiet = createLogger('error', {}, () => undefined);

let chromium: LaunchedBrowser;
const servers = new Set<DashboardServer>();
const contexts = new Set<BrowserContext>();
const tempDirs: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(assetsDir, 'app.js'))) throw new Error(`${assetsDir}/app.js is missing: run npm run build:ts first`);
  chromium = await launchChromium();
});

// Each test's pages go with it: a page left open in the background gets its timers throttled, and costs CPU.
afterEach(async () => {
  for (const context of contexts) await context.close();
  contexts.clear();
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await chromium?.close();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(source: SyntheticFleet, options: { port?: number; tokenFile?: string } = {}): Promise<DashboardServer> {
  const server = await startDashboardServer({ host: '127.0.0.1', port: options.port ?? 0, source, assetsDir, log: quiet, heartbeatSeconds: HEARTBEAT_SECONDS, ...(options.tokenFile && { tokenFile: options.tokenFile }) });
  servers.add(server);
  return server;
}

async function stop(server: DashboardServer): Promise<void> {
  servers.delete(server);
  await server.close();
}

interface Watched {
  page: Page;
  /** CSP violations the page reported, console errors, and every request that was not a GET. */
  problems(): Promise<{ csp: string[]; consoleErrors: string[]; nonGet: string[] }>;
}

/** A fresh page that records what must never happen: CSP violations, console errors, anything but GET. */
async function openPage(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Watched> {
  const context = await chromium.browser.newContext({ colorScheme: options.colorScheme ?? 'light', viewport: { width: 1400, height: 900 } });
  contexts.add(context);
  // Evaluated by the DevTools protocol before the page's own scripts: not subject to its policy.
  // (In-page code is given as strings throughout: the tests compile without the DOM's types.)
  await context.addInitScript(`window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const nonGet: string[] = [];
  page.on('console', (message) => {
    // The browser logs every failed fetch: the dropped streams, the 503s and the 401s the tests cause on purpose.
    if (message.type() === 'error' && !/ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_EMPTY_RESPONSE|status of (401|503)/.test(message.text())) consoleErrors.push(message.text());
  });
  page.on('request', (request) => {
    if (request.method() !== 'GET') nonGet.push(`${request.method()} ${request.url()}`);
  });
  return {
    page,
    problems: async () => ({ csp: await page.evaluate<string[]>('window.cspViolations'), consoleErrors, nonGet }),
  };
}

const expectNoProblems = async (watched: Watched) => expect(await watched.problems()).toEqual({ csp: [], consoleErrors: [], nonGet: [] });
const liveText = (page: Page) => page.locator('[role=status]').innerText();
const rowsInDom = (page: Page) => page.locator('tr[data-pod]').count();
/**
 * Records in the page when (Date.now(), the same clock as the test's) the text of `selector` first matches
 * `pattern`: exact to the DOM change, where playwright's polling would add up to half a second.
 */
async function markWhen(page: Page, name: string, selector: string, pattern: RegExp): Promise<void> {
  await page.evaluate(`(() => {
    const matches = () => new RegExp(${JSON.stringify(pattern.source)}).test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '');
    window.marks ??= {};
    const observer = new MutationObserver(() => {
      if (matches()) { window.marks[${JSON.stringify(name)}] = Date.now(); observer.disconnect(); }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
}
const markedAt = async (page: Page, name: string) => (await page.evaluate<number | undefined>(`window.marks?.[${JSON.stringify(name)}]`)) as number;

/** Pod row `pod`, once its text matches. (Locators, not waitForFunction: that evaluates strings, which the page's CSP forbids.) */
const podRow = (page: Page, pod: string, text: RegExp) => page.locator(`tr[data-pod="${pod}"]`, { hasText: text });

describe('a fleet of 100 appliances × 10 pods', () => {
  const source = new SyntheticFleet({ appliances: 100, podsPerAppliance: 10 });
  // Not all trusted, so the screenshot shows every state's look.
  source.setVerdict('team-c', 'appliance-002', 'appliance-002-0004', { verdict: 'Cordoned', reason: 'ImageDigestMismatch' });
  source.setVerdict('team-a', 'appliance-004', 'appliance-004-0001', { verdict: 'Pending', reason: 'AwaitingFirstProbe' });
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${(await serve(source)).port}/`;
  });

  test('first paint: every appliance listed, with the CSP header and no violation of it', async () => {
    const watched = await openPage();
    const { page } = watched;
    const started = Date.now();
    const response = await page.goto(base);
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await page.locator('tr[data-appliance]').nth(99).waitFor();
    const rowsMs = Date.now() - started;
    const paint = await page.evaluate<{ fcp?: number; rowsSinceNavigation: number }>(
      "({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime, rowsSinceNavigation: performance.now() })",
    );
    console.log(`fleet 100 appliances: first-contentful-paint ${paint.fcp?.toFixed(0)} ms, rows in the DOM ${paint.rowsSinceNavigation.toFixed(0)} ms after navigation (${rowsMs} ms from goto)`);
    expect(paint.fcp).toBeLessThan(5000);
    expect(paint.rowsSinceNavigation).toBeLessThan(5000);
    await expect(liveText(page)).resolves.toBe('Live');
    await expect(page.locator('.replica').innerText()).resolves.toBe('Served by r4-operator-synthetic-0 (leader)');
    await screenshot(page, 'fleet.png');
    await expectNoProblems(watched);
  });

  test('live: a pod turned Cordoned/HashMismatch shows on the open page without a reload', async () => {
    const watched = await openPage();
    const { page } = watched;
    await page.goto(`${base}#/appliances/team-b/appliance-001`);
    await page.locator('tr[data-pod="appliance-001-0003"]').waitFor();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await markWhen(page, 'cordoned', 'tr[data-pod="appliance-001-0003"]', /Cordoned[\s\S]*HashMismatch/);
    const changed = Date.now();
    source.setVerdict('team-b', 'appliance-001', 'appliance-001-0003', { verdict: 'Cordoned', reason: 'HashMismatch', message: 'the core hash differs from the one in force', coreSha256: 'f'.repeat(64) });
    const row = page.locator('tr[data-pod="appliance-001-0003"]');
    await podRow(page, 'appliance-001-0003', /Cordoned[\s\S]*HashMismatch/).waitFor();
    console.log(`live update: from the change in the source to the DOM in ${(await markedAt(page, 'cordoned')) - changed} ms`);
    expect(navigations).toEqual([]);
    await expect(row.locator('.badge').allInnerTexts()).resolves.toEqual(['Cordoned', 'match', 'mismatch']);
    await expect(page.locator('.summary').innerText()).resolves.toContain('Degraded');
    await expect(page.locator('.timeline li').first().innerText()).resolves.toMatch(/appliance-001-0003.*Cordoned.*HashMismatch/s);
    await screenshot(page, 'appliance-cordoned.png');
    await expectNoProblems(watched);
  });

  test('keyboard: Tab reaches the filter, a sort button and an appliance link; Enter opens the appliance', async () => {
    const { page } = await openPage();
    await page.goto(base);
    await page.locator('tr[data-appliance]').first().waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 20 && !reached.some((r) => r.startsWith('link #/appliances/')); i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate<string>(`(() => {
          const e = document.activeElement;
          if (e instanceof HTMLAnchorElement) return 'link ' + e.getAttribute('href');
          if (e instanceof HTMLInputElement) return 'input ' + e.type;
          return e.tagName.toLowerCase() + ' ' + (e.textContent ?? '').trim();
        })()`),
      );
    }
    expect(reached[0]).toBe('link #main');
    expect(reached).toContain('input search');
    expect(reached.some((r) => r.startsWith('button Namespace'))).toBe(true);
    const link = reached.at(-1) as string;
    expect(link).toMatch(/^link #\/appliances\//);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.hash === link.slice('link '.length));
    await page.locator('tr[data-pod]').first().waitFor();
    // A sort button says how the table is sorted, to a screen reader too.
    await page.goto(base);
    const header = page.locator('th', { has: page.locator('button', { hasText: 'Attested' }) });
    await header.locator('button').focus();
    await page.keyboard.press('Enter');
    await expect(header.getAttribute('aria-sort')).resolves.toBe('ascending');
  });
});

test('1,000 pods in one appliance: rows shown at once, only a window of them in the DOM, the last one reachable', async () => {
  const source = new SyntheticFleet({ appliances: 1, podsPerAppliance: 1000 });
  const server = await serve(source);
  const watched = await openPage();
  const { page } = watched;
  const started = Date.now();
  await page.goto(`http://127.0.0.1:${server.port}/#/appliances/team-a/appliance-000`);
  await page.locator('tr[data-pod]').first().waitFor();
  const paint = await page.evaluate<{ fcp?: number; rows: number }>("({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime, rows: performance.now() })");
  const inDom = await rowsInDom(page);
  console.log(`appliance with 1,000 pods: first-contentful-paint ${paint.fcp?.toFixed(0)} ms, rows shown ${paint.rows.toFixed(0)} ms after navigation (${Date.now() - started} ms from goto), ${inDom} pod rows in the DOM (virtualized)`);
  expect(paint.rows).toBeLessThan(5000);
  expect(inDom).toBeLessThan(100);
  await expect(page.locator('.table-scroll.pods table').getAttribute('aria-rowcount')).resolves.toBe('1001');

  const scrolled = Date.now();
  await page.evaluate("(() => { const e = document.querySelector('.table-scroll.pods'); e.scrollTo(0, e.scrollHeight); })()");
  await page.locator('tr[data-pod="appliance-000-0999"]').waitFor();
  console.log(`scrolled to the last pod's row in ${Date.now() - scrolled} ms; ${await rowsInDom(page)} pod rows in the DOM`);
  expect(await rowsInDom(page)).toBeLessThan(100);
  await expect(page.locator('tr[data-pod="appliance-000-0000"]').count()).resolves.toBe(0);
  await expect(page.locator('tr[data-pod="appliance-000-0999"]').isVisible()).resolves.toBe(true);
  await expectNoProblems(watched);
});

test('stale and reconnect: a dropped stream says so within two heartbeats; the page retries through 503s and, reconnected, resyncs', async () => {
  const source = new SyntheticFleet({ appliances: 3, podsPerAppliance: 3 });
  let server = await serve(source);
  const port = server.port;
  const watched = await openPage();
  const { page } = watched;
  await page.goto(`http://127.0.0.1:${port}/#/appliances/team-b/appliance-001`);
  await page.locator('tr[data-pod="appliance-001-0002"]').waitFor();
  await expect(liveText(page)).resolves.toBe('Live');

  await markWhen(page, 'stale', '[role=status]', /Stale/);
  const dropped = Date.now();
  await stop(server);
  await page.locator('[role=status]', { hasText: 'Stale — reconnecting…' }).waitFor({ timeout: 2 * HEARTBEAT_SECONDS * 1000 + 500 });
  console.log(`stale shown ${(await markedAt(page, 'stale')) - dropped} ms after the stream dropped`);
  await expect(page.locator('[role=status]').getAttribute('aria-live')).resolves.toBe('polite');

  // Changed while the page cannot hear: only a resync after the reconnect can show it.
  source.setVerdict('team-b', 'appliance-001', 'appliance-001-0002', { verdict: 'Cordoned', reason: 'Unreachable' });
  expect(source.subscribers()).toBe(0);
  // Back, but its watches have not listed yet (503), as a restarted operator: the page keeps trying.
  source.setSynced(false);
  server = await serve(source, { port });
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/stream') && r.status() === 503, { timeout: 10_000 });
  await refused;
  await expect(liveText(page)).resolves.toBe('Stale — reconnecting…');
  const synced = Date.now();
  source.setSynced(true);
  await podRow(page, 'appliance-001-0002', /Cordoned[\s\S]*Unreachable/).waitFor({ timeout: 10_000 });
  console.log(`reconnected and resynced ${Date.now() - synced} ms after the server was synced again`);
  await expect(liveText(page)).resolves.toBe('Live');
  await page.locator('a', { hasText: '← Fleet' }).click();
  await expect(page.locator('tr[data-appliance="team-b/appliance-001"]').innerText()).resolves.toMatch(/Degraded/);
  await expectNoProblems(watched);
});

test('silence: a connection that stays open but carries nothing is shown stale within two heartbeats, then dropped, reopened and resynced', async () => {
  const source = new SyntheticFleet({ appliances: 2, podsPerAppliance: 3 });
  const server = await serve(source);
  const proxy = await startFreezableProxy(server.port);
  try {
    const watched = await openPage();
    const { page } = watched;
    await page.goto(`http://127.0.0.1:${proxy.port}/#/appliances/team-b/appliance-001`);
    await page.locator('tr[data-pod="appliance-001-0001"]').waitFor();
    await page.locator('[role=status]', { hasText: 'Live' }).waitFor();

    await markWhen(page, 'stale', '[role=status]', /Stale/);
    const frozen = Date.now();
    proxy.freeze();
    source.setVerdict('team-b', 'appliance-001', 'appliance-001-0001', { verdict: 'Cordoned', reason: 'SelfTestFailed' });
    // Stale once the last message is more than two heartbeats old (checked twice a second); the freeze came up to one heartbeat after it.
    await page.locator('[role=status]', { hasText: 'Stale — reconnecting…' }).waitFor({ timeout: 2 * HEARTBEAT_SECONDS * 1000 + 1000 });
    const staleAfter = (await markedAt(page, 'stale')) - frozen;
    console.log(`silent connection shown stale ${staleAfter} ms after the freeze (heartbeat ${HEARTBEAT_SECONDS} s)`);
    expect(staleAfter).toBeLessThanOrEqual(2 * HEARTBEAT_SECONDS * 1000 + 1000);
    await expect(podRow(page, 'appliance-001-0001', /Attested/).count()).resolves.toBe(1);

    const thawed = Date.now();
    proxy.thaw();
    await podRow(page, 'appliance-001-0001', /Cordoned[\s\S]*SelfTestFailed/).waitFor({ timeout: 10_000 });
    await page.locator('[role=status]', { hasText: 'Live' }).waitFor();
    console.log(`live again ${Date.now() - thawed} ms after the thaw`);
    await expectNoProblems(watched);
  } finally {
    await proxy.close();
  }
});

describe('axe-core finds no serious or critical violation', () => {
  const source = new SyntheticFleet({ appliances: 12, podsPerAppliance: 5 });
  source.setVerdict('team-a', 'appliance-000', 'appliance-000-0001', { verdict: 'Cordoned', reason: 'HashMismatch', coreSha256: 'e'.repeat(64) });
  source.setVerdict('team-a', 'appliance-000', 'appliance-000-0002', { verdict: 'Pending', reason: 'AwaitingFirstProbe' });
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${(await serve(source)).port}/`;
  });

  test.each([
    ['fleet', 'light', ''],
    ['fleet', 'dark', ''],
    ['appliance', 'light', '#/appliances/team-a/appliance-000'],
    ['appliance', 'dark', '#/appliances/team-a/appliance-000'],
  ] as const)('%s view, %s theme', async (view, colorScheme, hash) => {
    const watched = await openPage({ colorScheme });
    const { page } = watched;
    await page.goto(base + hash);
    await page.locator(view === 'fleet' ? 'tr[data-appliance]' : 'tr[data-pod]').first().waitFor();
    await expect(page.evaluate(`matchMedia('(prefers-color-scheme: dark)').matches`)).resolves.toBe(colorScheme === 'dark');
    expect(await axeViolations(page)).toEqual([]);
    await expectNoProblems(watched);
  });
});

test('token: the page asks for it, refuses a wrong one, and shows the fleet with the right one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r4-dashboard-token-'));
  tempDirs.push(dir);
  const token = 'dashboard-token-0123456789abcdef';
  writeFileSync(join(dir, 'token'), `${token}\n`);
  const server = await serve(new SyntheticFleet({ appliances: 2, podsPerAppliance: 2 }), { tokenFile: join(dir, 'token') });
  const watched = await openPage();
  const { page } = watched;
  await page.goto(`http://127.0.0.1:${server.port}/`);
  const input = page.getByLabel('Token', { exact: true });
  await input.waitFor();
  await expect(input.getAttribute('type')).resolves.toBe('password');
  await expect(page.locator('tr[data-appliance]').count()).resolves.toBe(0);

  await input.fill('not-the-token');
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  await page.getByRole('alert').filter({ hasText: 'The token was refused' }).waitFor();
  await expect(page.getByLabel('Token', { exact: true }).isVisible()).resolves.toBe(true);

  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  await page.locator('tr[data-appliance]').first().waitFor();
  await expect(page.locator('tr[data-appliance]').count()).resolves.toBe(2);
  // Kept for the tab: a reload needs no second typing.
  await page.reload();
  await page.locator('tr[data-appliance]').first().waitFor();
  await expectNoProblems(watched);
});
