/**
 * classifyBatch: several photos through the model in one run give each
 * photo the result it gets alone, in input order; repeats and cache hits cost
 * no inference; a bad input rejects with its index and leaves the classifier
 * working; a backend that cannot batch (ORT WebGL pins the batch to 1) runs
 * the images one by one.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_MODELS as MODELS, ENGINES } from '../tools/browser/matrix.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SKIP_NO_DATA } from './helpers/data.js';
import { createInPage } from './helpers/page-api.js';

interface BatchOutcome {
  maxDiff: number;
  tops: [number, number][];
  stats: { runs: number; batches: number };
  repeatCached: boolean;
  bad: { code?: string; index?: unknown; message?: string };
  afterBad: number;
  emptyLength: number;
  badSize: string;
}

describe.skipIf(!hasSharedData)(`classifyBatch (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  for (const engine of ENGINES) {
    test(`${engine} on wasm: batches of 4 match single calls, in order, with runs counted`, async () => {
      await createInPage(demo().page, { model: MODELS[engine], backends: ['wasm'], cache: false });
      const names = photoNames().slice(0, 10);
      const out: BatchOutcome = await demo().page.evaluate(async (names) => {
        const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
        const blobs = await Promise.all(names.map(async (n) => (await fetch(`/shared-data/photos/${n}`)).blob()));
        const alone: import('../src/types.js').ClassificationResult[] = [];
        for (const b of blobs) alone.push(await clf.classify(b));
        const before = clf.stats();
        // The first photo again at the end: a repeat inside the batch.
        const batch = await clf.classifyBatch([...blobs, blobs[0]!], { batchSize: 4 });
        const after = clf.stats();
        let maxDiff = 0;
        alone.forEach((a, i) => a.scores.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - batch[i]!.scores[k]!)))));
        const bad = await clf.classifyBatch([blobs[0]!, blobs[1]!, new Blob(['not an image at all'])]).then(
          () => ({}),
          (e: { code?: string; details?: { index?: unknown }; message?: string }) => ({ code: e.code, index: e.details?.index, message: e.message }),
        );
        const afterBad = (await clf.classifyBatch(blobs.slice(0, 2))).length;
        const badSize = await clf.classifyBatch(blobs, { batchSize: 0 }).then(() => 'resolved', (e: Error) => `${e.name}: ${e.message}`);
        return {
          maxDiff,
          tops: batch.map((r, i) => [r.top[0]!.index, alone[i % alone.length]!.top[0]!.index] as [number, number]),
          stats: { runs: after.runs - before.runs, batches: after.batches - before.batches },
          repeatCached: batch[names.length]!.cached,
          bad,
          afterBad,
          emptyLength: (await clf.classifyBatch([])).length,
          badSize,
        };
      }, names);
      // Same model, same tensors: a batched convolution may sum in another order, nothing more.
      expect(out.maxDiff).toBeLessThan(1e-5);
      for (const [batched, single] of out.tops) expect(batched).toBe(single);
      // 10 distinct photos in batches of 4: 3 engine runs; the repeat ran on nothing.
      expect(out.stats).toEqual({ runs: 10, batches: 3 });
      expect(out.repeatCached).toBe(true);
      expect(out.bad.code).toBe('UNSUPPORTED_INPUT');
      expect(out.bad.index).toBe(2);
      expect(out.bad.message).toMatch(/^Input 2: /);
      expect(out.afterBad).toBe(2);
      expect(out.emptyLength).toBe(0);
      expect(out.badSize).toMatch(/^TypeError: .*batchSize must be a positive integer/);
    });
  }

  test('a batch hits the result cache and fills it', async () => {
    await createInPage(demo().page, { model: MODELS.ort, backends: ['wasm'] });
    const names = photoNames().slice(0, 3);
    const out = await demo().page.evaluate(async (names) => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const blobs = await Promise.all(names.map(async (n) => (await fetch(`/shared-data/photos/${n}`)).blob()));
      await clf.classify(blobs[0]!);
      const first = await clf.classifyBatch(blobs);
      const runsAfterFirst = clf.stats().runs;
      const second = await clf.classifyBatch(blobs);
      return { first: first.map((r) => r.cached), second: second.map((r) => r.cached), runsAfterFirst, runsAfterSecond: clf.stats().runs };
    }, names);
    expect(out.first).toEqual([true, false, false]);
    expect(out.second).toEqual([true, true, true]);
    expect(out.runsAfterFirst).toBe(3);
    expect(out.runsAfterSecond).toBe(3);
  });

  test('ORT WebGL (batch pinned to 1) runs a batch image by image with the same results', async () => {
    const info = await createInPage(demo().page, { model: MODELS.ort, backends: ['webgl'], cache: false });
    expect(info.backend).toBe('webgl');
    const names = photoNames().slice(0, 3);
    const out = await demo().page.evaluate(async (names) => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const blobs = await Promise.all(names.map(async (n) => (await fetch(`/shared-data/photos/${n}`)).blob()));
      const alone: number[] = [];
      for (const b of blobs) alone.push((await clf.classify(b)).top[0]!.index);
      const before = clf.stats();
      const batch = await clf.classifyBatch(blobs, { batchSize: 3 });
      const after = clf.stats();
      return { alone, batched: batch.map((r) => r.top[0]!.index), runs: after.runs - before.runs, batches: after.batches - before.batches };
    }, names);
    expect(out.batched).toEqual(out.alone);
    expect(out).toMatchObject({ runs: 3, batches: 3 });
  });
});
