/**
 * Issue 6: `npm run build` emits the demo as an installable PWA. Served by
 * `npm run preview` (COOP/COEP), the page registers its service worker, which
 * precaches the app shell, the default model and the wasm binaries; after that
 * one online visit, the page reloads with the network off and still loads the
 * model and classifies dropped photos like the server model.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchLocalBrowser, type LocalBrowser } from '../tools/browser/launch.js';
import { startVitePreview } from '../tools/browser/vite-preview.js';
import { hasSharedData, SKIP_NO_DATA } from './helpers/data.js';
import { clearlyLabelledImages, type LabelledImage } from './helpers/server-labels.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Picks the files in the demo's file input and returns each card's top-1 label or error code. */
async function classifyInDemo(page: Page, images: LabelledImage[]): Promise<Record<string, string>> {
  await page.setInputFiles('#file', images.map((i) => i.path));
  await page.waitForFunction((n) => document.querySelectorAll('.card[data-top1], .card[data-error]').length >= n, images.length, { timeout: 120_000 });
  return page.$$eval('.card', (cards) => Object.fromEntries(cards.map((c) => [(c as HTMLElement).dataset.file, (c as HTMLElement).dataset.top1 ?? `error ${(c as HTMLElement).dataset.error}`])));
}

describe.skipIf(!hasSharedData)(`demo as an offline PWA (${hasSharedData ? 'built + vite preview' : SKIP_NO_DATA})`, () => {
  let preview: { url: string; stop(): void };
  let local: LocalBrowser;
  let images: LabelledImage[];

  beforeAll(async () => {
    images = await clearlyLabelledImages();
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    preview = await startVitePreview(ROOT);
    local = await launchLocalBrowser(false);
  }, 300_000);

  afterAll(async () => {
    expect(local?.blocked, 'non-localhost requests').toEqual([]);
    await local?.close();
    preview?.stop();
  });

  it('is installable: a web app manifest with 192/512 px icons, standalone display', async () => {
    const page = await local.context.newPage();
    await page.goto(preview.url);
    const href = await page.getAttribute('link[rel="manifest"]', 'href');
    const manifest = await page.evaluate(async (url) => (await fetch(url)).json(), href!) as { name: string; display: string; start_url: string; icons: { sizes: string; type: string; src: string }[] };
    expect(manifest.display).toBe('standalone');
    expect(manifest.name).toContain('inpage-classifier');
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons) {
      const status = await page.evaluate(async (src) => (await fetch(src)).status, icon.src);
      expect(status, icon.src).toBe(200);
    }
    await page.close();
  });

  it('after one online visit, reloads and classifies with the network off', async () => {
    const page = await local.context.newPage();
    await page.goto(preview.url);
    // Online: the service worker installs (precaching) and takes control; the default model loads.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    });
    await expect.poll(() => page.textContent('#badge'), { timeout: 120_000 }).toMatch(/^tfjs · /);
    const precached = await page.evaluate(async () => {
      const names = await caches.keys();
      const urls: string[] = [];
      for (const name of names) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(precached).toEqual(expect.arrayContaining(['/index.html', '/models/nsfw-mobilenet-v2/model.json', '/wasm/tfjs/tfjs-backend-wasm-simd.wasm']));

    await local.context.setOffline(true);
    try {
      expect(await page.evaluate(() => fetch('/definitely-not-cached').then(() => 'online', () => 'offline'))).toBe('offline');
      await page.reload();
      await expect.poll(() => page.textContent('#badge'), { timeout: 120_000 }).toMatch(/^tfjs · wasm/);
      expect(await classifyInDemo(page, images)).toEqual(Object.fromEntries(images.map((i) => [i.name, i.label])));
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    } finally {
      await local.context.setOffline(false);
      await page.close();
    }
  });
});
