// A real browser for the dashboard's tests: Debian's chromium driven by playwright-core, optionally inside
// a network namespace (the cluster harness's pod network), plus axe-core and screenshots.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../support/repo-paths.js';

export interface LaunchOptions {
  /** Run chromium inside this network namespace (`ip netns exec`), to reach addresses only it can. */
  netns?: string;
}

export interface LaunchedBrowser {
  browser: Browser;
  /** Closes the browser (and with it every page and process) and removes the wrapper's directory. */
  close(): Promise<void>;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const chromiumPath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  let executablePath = chromiumPath;
  let wrapperDir: string | undefined;
  if (options.netns) {
    if (!/^[A-Za-z0-9_.-]+$/.test(options.netns)) throw new Error(`not a network namespace name: ${options.netns}`);
    // `exec` so the process playwright talks to (over its pipes) is chromium itself, in the namespace.
    wrapperDir = mkdtempSync(join(tmpdir(), 'r4-chromium-'));
    executablePath = join(wrapperDir, 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${options.netns} ${chromiumPath} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  try {
    const browser = await chromium.launch({ executablePath, args, timeout: 30_000 });
    return {
      browser,
      close: async () => {
        try {
          await browser.close();
        } finally {
          if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
    throw error;
  }
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

const axeSource = () => readFileSync(join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is. axe is evaluated through the DevTools
 * protocol (page.evaluate), which the page's Content-Security-Policy does not govern, so the page is
 * checked under its real policy; a <script> tag (page.addScriptTag) would be refused by `script-src 'self'`.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource());
  // A string, not a function: this file is compiled without the DOM's types.
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Where the dashboard's screenshots go: $R4_ARTIFACTS_DIR/dashboard, or test-artifacts/dashboard in the repository. */
export function artifactsDir(): string {
  const dir = join(process.env.R4_ARTIFACTS_DIR ?? join(repoRoot, 'test-artifacts'), 'dashboard');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(artifactsDir(), name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
