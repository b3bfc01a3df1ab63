/**
 * The one browser harness of the e2e tests and the tools (parity, bench):
 * the demo's Vite dev server (COOP/COEP, /shared-data/) on a free port,
 * Debian Chromium with every non-localhost request blocked (launch.ts) and a
 * page on that server, and the wait until the library is ready in it.
 *
 * It lives in tools/browser/, not e2e/helpers/, because the tools import it
 * and must not depend on vitest; e2e/helpers/browser.ts adds vitest's side
 * (the global setup's URL, beforeAll/afterAll) on top of it, and
 * e2e/setup/global-setup.ts starts the server with it.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { createServer, type InlineConfig } from 'vite';
import { launchLocalBrowser } from './launch.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface DevServer {
  /** `http://localhost:<port>/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the demo's dev server (vite.config.ts) on a free port, without HMR
 * or file watching. `options` go on top of the config file, e.g. the bench's
 * own optimizer cache. @defaultValue logLevel 'error'
 */
export async function startDevServer(options: Pick<InlineConfig, 'logLevel' | 'cacheDir' | 'optimizeDeps'> = {}): Promise<DevServer> {
  const server = await createServer({
    configFile: join(ROOT, 'vite.config.ts'),
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    logLevel: 'error',
    clearScreen: false,
    ...options,
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') {
    await server.close();
    throw new Error('vite did not report a port');
  }
  // "localhost" (not 127.0.0.1): a secure context, which WebGPU and crypto.subtle need.
  return { url: `http://localhost:${address.port}/`, close: () => server.close() };
}

export interface LibraryPage {
  browser: Browser;
  page: Page;
  /** Non-localhost URLs the page tried to load (all blocked). */
  blocked: string[];
  /** Console errors and uncaught page errors, for diagnosing failures. */
  logs: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Launch with --enable-unsafe-webgpu (WebGPU via SwiftShader headless). @defaultValue true */
  webgpu?: boolean;
  /** More Chromium flags. */
  args?: string[];
  /** Script run in the page before any of its own (page.addInitScript). */
  initScript?: string;
  /** How long to wait for the library; Playwright's default when absent. */
  readyTimeoutMs?: number;
}

/** Launches Chromium, opens `url` (a page of the dev server) and waits until the library is ready there. */
export async function openLibraryPage(url: string, options: OpenOptions = {}): Promise<LibraryPage> {
  const local = await launchLocalBrowser(options.webgpu ?? true, options.args);
  try {
    const page = await local.context.newPage();
    const logs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') logs.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    if (options.initScript) await page.addInitScript(options.initScript);
    await page.goto(url);
    await whenLibraryReady(page, options.readyTimeoutMs);
    return { browser: local.browser, page, blocked: local.blocked, logs, close: local.close };
  } catch (error) {
    await local.close();
    throw error;
  }
}

/**
 * Waits until the page has `window.inpageClassifier`, then gives it
 * `window.harness` (tools/browser/base64.ts) for page.evaluate callbacks.
 */
export async function whenLibraryReady(page: Page, timeoutMs?: number): Promise<void> {
  await page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function', null, timeoutMs === undefined ? {} : { timeout: timeoutMs });
  await importInPage(page, 'tools/browser/base64.ts', 'harness');
}

/**
 * Imports a module of this repository (`path` from its root) into a page of
 * the dev server, which serves it under /@fs/, as `window[name]`.
 */
export async function importInPage(page: Page, path: string, name: string): Promise<void> {
  const url = `/@fs${join(ROOT, path)}`;
  // A string, not a function: vitest rewrites import() in the functions it transforms, into a helper the page lacks.
  await page.evaluate(`import(${JSON.stringify(url)}).then((m) => { window[${JSON.stringify(name)}] = m; })`);
}

/** Reloads the page (a fresh one: the runtimes' page-wide state gone) and waits for the library again. */
export async function reloadLibraryPage(page: Page, timeoutMs?: number): Promise<void> {
  await page.reload();
  await whenLibraryReady(page, timeoutMs);
}
