/**
 * Model loading: byte progress for a progress bar, and a second load that
 * works with the network off (files from the Cache API, re-verified).
 */
import { describe, expect, test } from 'vitest';
import type { LoadProgress } from '../src/types.js';
import { useDemoSession } from './helpers/browser.js';

const MODEL = '/models/nsfw-mobilenet-v2/manifest.json';

describe('model loading', () => {
  const demo = useDemoSession();

  test('reports download progress in bytes up to the total, then warm-up and ready', async () => {
    const events = await demo().page.evaluate(async (model) => {
      const seen: LoadProgress[] = [];
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], onProgress: (p) => seen.push({ ...p }) });
      await clf.dispose();
      return seen;
    }, MODEL);
    const downloads = events.filter((e) => e.phase === 'download');
    expect(downloads.length).toBeGreaterThan(1);
    const last = downloads.at(-1)!;
    // The manifest lists every file's size: model.json + shard + labels.
    expect(last.total).toBeGreaterThan(2_500_000);
    expect(last.loaded).toBe(last.total);
    for (let i = 1; i < downloads.length; i++) expect(downloads[i]!.loaded).toBeGreaterThanOrEqual(downloads[i - 1]!.loaded);
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['manifest', 'download', 'verify', 'init', 'warmup', 'ready']);
  });

  test('a second load works offline from the Cache API', async () => {
    await demo().page.evaluate(async (model) => {
      await (await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], worker: false })).dispose();
    }, MODEL);
    // The wasm binary is already compiled in this page (worker: false: a new worker would fetch its
    // scripts again; the offline worker is pwa.test's, behind the service worker); the model files must come from the cache.
    await demo().page.context().setOffline(true);
    try {
      const result = await demo().page.evaluate(async (model) => {
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], worker: false });
        const r = await clf.classifyTensor(new Float32Array(224 * 224 * 3).fill(0.5));
        await clf.dispose();
        return { labels: r.top.map((t) => t.label).sort(), cached: await caches.keys() };
      }, MODEL);
      expect(result.labels).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
      expect(result.cached).toContain('inpage-classifier-models-v1');
    } finally {
      await demo().page.context().setOffline(false);
    }
  });

  test('a tampered cached file is not used: it is dropped and fetched again', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const cache = await caches.open('inpage-classifier-models-v1');
      const shardUrl = new URL('/models/nsfw-mobilenet-v2/group1-shard1of1.bin', location.href).href;
      await cache.put(shardUrl, new Response(new Uint8Array([1, 2, 3])));
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'] });
      const healed = (await (await cache.match(shardUrl))!.arrayBuffer()).byteLength;
      await clf.dispose();
      return healed;
    }, MODEL);
    expect(out).toBeGreaterThan(2_000_000);
  });

  test('network errors and 5xx mid-load are retried with backoff; 404 fails at once naming the file; nothing partial is cached', async () => {
    const page = demo().page;
    const shard = '**/models/nsfw-mobilenet-v2/group1-shard1of1.bin';
    let attempts = 0;
    await page.route(shard, async (route) => {
      attempts++;
      if (attempts === 1) return route.abort('connectionreset');
      if (attempts === 2) return route.fulfill({ status: 503, body: 'busy' });
      return route.continue();
    });
    try {
      const ok = await page.evaluate(async (model) => {
        await caches.delete('inpage-classifier-models-v1');
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'] });
        const n = clf.labels.length;
        await clf.dispose();
        return n;
      }, MODEL);
      expect(ok).toBe(5);
      expect(attempts).toBe(3);
    } finally {
      await page.unroute(shard);
    }

    let notFound = 0;
    await page.route(shard, (route) => {
      notFound++;
      return route.fulfill({ status: 404, body: 'not here' });
    });
    try {
      const failure = await page.evaluate(async (model) => {
        await caches.delete('inpage-classifier-models-v1');
        const error = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'] }).then(() => null, (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }));
        const cache = await caches.open('inpage-classifier-models-v1');
        const cachedShard = await cache.match(new URL('/models/nsfw-mobilenet-v2/group1-shard1of1.bin', location.href).href);
        return { error, cachedShard: Boolean(cachedShard) };
      }, MODEL);
      expect(failure.error?.code).toBe('MODEL_LOAD_FAILED');
      expect(failure.error?.message).toMatch(/group1-shard1of1\.bin: HTTP 404/);
      expect(failure.cachedShard).toBe(false);
      expect(notFound).toBe(1);
    } finally {
      await page.unroute(shard);
    }
  });
});

