/**
 * Debian Chromium via Playwright, shared by the e2e tests, the parity harness
 * and benchmarks. Every request that is not to localhost is blocked and
 * recorded, which proves nothing is fetched from a CDN or hub.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright';

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('Chromium not found: run `node scripts/ensure-browser.mjs` (npm test does) or set CHROMIUM_PATH');
  return found;
}

const LOCAL = /^(https?|wss?):\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

export interface LocalBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Non-localhost URLs the page tried to load (all blocked). */
  blocked: string[];
  close(): Promise<void>;
}

/**
 * @param webgpu - pass --enable-unsafe-webgpu (WebGPU through SwiftShader when headless)
 * @param extraArgs - more Chromium flags (e.g. --js-flags=--expose-gc for memory tests)
 */
export async function launchLocalBrowser(webgpu = true, extraArgs: string[] = []): Promise<LocalBrowser> {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', ...extraArgs];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args });
  const context = await browser.newContext();
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (LOCAL.test(url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return { browser, context, blocked, close: () => browser.close() };
}
