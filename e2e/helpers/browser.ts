/**
 * Debian Chromium driven by Playwright. Every request that is not to
 * localhost is blocked and recorded: tests assert the list stays empty, which
 * proves nothing is fetched from a CDN or hub.
 */
import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright';
import { inject } from 'vitest';

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('Chromium not found: run `npm test` (its pretest installs it) or set CHROMIUM_PATH');
  return found;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Non-localhost URLs the page tried to load (all blocked). */
  blocked: string[];
  /** Console errors and uncaught page errors, for diagnosing failures. */
  logs: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Launch with --enable-unsafe-webgpu (WebGPU via SwiftShader headless). @defaultValue true */
  webgpu?: boolean;
  /** Query string for the demo page. @defaultValue '?autoload=0' */
  query?: string;
}

const LOCAL = /^(https?|wss?):\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

export async function openDemo(options: LaunchOptions = {}): Promise<BrowserSession> {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
  if (options.webgpu ?? true) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args });
  const context = await browser.newContext();
  const blocked: string[] = [];
  const logs: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (LOCAL.test(url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') logs.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(new URL(options.query ?? '?autoload=0', inject('baseUrl')).href);
  await page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
  return { browser, page, blocked, logs, close: () => browser.close() };
}
