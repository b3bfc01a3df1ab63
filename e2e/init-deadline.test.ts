/**
 * A runtime whose init never settles cannot hang createClassifier (issue 7):
 * ORT's threaded WASM waits forever for a worker whose script never loads
 * (seen when COEP blocked it). Here the worker's copy of ORT's glue script is
 * held unanswered; after `initTimeoutMs` the WASM backend counts as failed,
 * with the reason, and the next backend in the list runs.
 */
import { describe, expect, test } from 'vitest';
import { openDemo } from './helpers/browser.js';

describe('init deadline', () => {
  test('ORT WASM stuck on a blocked worker script: failed after initTimeoutMs, WebGL takes over', async () => {
    const session = await openDemo();
    try {
      let loads = 0;
      // The page's own import of the glue goes through; the thread worker's copy never arrives.
      await session.page.context().route('**/wasm/ort/ort-wasm-simd-threaded.mjs', async (route) => {
        if (++loads === 1) await route.continue();
      });
      const out = await session.page.evaluate(async () => {
        const t0 = performance.now();
        // In the page (worker: false): the route counts the page's import and its thread worker's;
        // a classifier worker's nested thread workers are not routed the same way by Playwright.
        const clf = await window.inpageClassifier.createClassifier({
          model: '/models/nsfw-mobilenet-v2-onnx/manifest.json', backends: ['wasm', 'webgl'], initTimeoutMs: 4000, rememberBackend: false, wasmThreads: 2, worker: false,
        });
        return { backend: clf.backend, threads: clf.capabilities.find((c) => c.backend === 'wasm')?.threads, fallbacks: [...clf.fallbacks], ms: performance.now() - t0 };
      });
      expect(out.threads).toBe(2);
      expect(loads).toBeGreaterThan(1); // the worker did ask for its script
      expect(out.backend).toBe('webgl');
      expect(out.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/did not start within 4000 ms \(option selection.initTimeoutMs\)/) }]);
      expect(out.ms).toBeGreaterThanOrEqual(4000);
    } finally {
      await session.close();
    }
  });
});
