/**
 * Opens the demo page (served by the e2e global setup) in Debian Chromium
 * with every non-localhost request blocked (tools/browser/launch.ts).
 */
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { launchLocalBrowser } from '../../tools/browser/launch.js';

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
  /** Script run in the page before any of its own (page.addInitScript). */
  initScript?: string;
  /** More Chromium flags. */
  args?: string[];
}

export async function openDemo(options: LaunchOptions = {}): Promise<BrowserSession> {
  const local = await launchLocalBrowser(options.webgpu ?? true, options.args);
  const page = await local.context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') logs.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  if (options.initScript) await page.addInitScript(options.initScript);
  await page.goto(new URL(options.query ?? '?autoload=0', inject('baseUrl')).href);
  await page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
  return { browser: local.browser, page, blocked: local.blocked, logs, close: local.close };
}

/**
 * One demo page for a describe block: opened before its tests, closed after,
 * asserting that the page made no non-localhost request. Returns a getter.
 */
export function useDemoSession(options: LaunchOptions = {}): () => BrowserSession {
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    session = await openDemo(options);
  });
  afterAll(async () => {
    if (!session) return;
    expect(session.blocked, 'non-localhost requests').toEqual([]);
    await session.close();
  });
  return () => {
    if (!session) throw new Error('the demo session is not open (used outside its describe block?)');
    return session;
  };
}
