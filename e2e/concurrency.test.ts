/**
 * Overlapping calls are queued, none is lost or mixed up: eight photos fired
 * at once (plus a bad file and a tensor call in the middle) each get exactly
 * the result they get alone.
 */
import { describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, photoNames, SKIP_NO_DATA } from './helpers/data.js';
import { createInPage } from './helpers/page-api.js';

describe.skipIf(!hasSharedData)(`concurrency (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  test('overlapping classify calls each get their own result', async () => {
    await createInPage(demo().page, { model: imagenetManifest(), backends: ['wasm'], baseUrl: '/shared-data/models/', cache: false });
    const photos = photoNames().slice(0, 8);
    const out = await demo().page.evaluate(async (names) => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const blobs = await Promise.all(names.map(async (n) => (await fetch(`/shared-data/photos/${n}`)).blob()));
      const alone: string[] = [];
      for (const b of blobs) {
        const r = await clf.classify(b);
        alone.push(`${r.top[0]!.index}:${r.scores[r.top[0]!.index]}`);
      }
      const bad = clf.classify(new Blob(['nope'])).then(() => 'resolved', (e: { code?: string }) => e.code);
      const tensor = clf.classifyTensor(new Float32Array(3 * 224 * 224)).then((r) => r.top.length);
      const together = await Promise.all(blobs.map((b) => clf.classify(b).then((r) => `${r.top[0]!.index}:${r.scores[r.top[0]!.index]}`)));
      return { alone, together, bad: await bad, tensor: await tensor, runs: clf.stats().runs };
    }, photos);
    expect(out.together).toEqual(out.alone);
    expect(out.bad).toBe('UNSUPPORTED_INPUT');
    expect(out.tensor).toBe(5);
    expect(out.runs).toBe(photos.length * 2 + 1);
  });
});
