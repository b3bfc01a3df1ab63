/**
 * Every way a call can be answered — computed,
 * a cache hit, shared in-flight work, a stale entry, a batch, the worker —
 * goes through the one cache stage (ResultCache.fetch), so each honours the
 * call's signal and options the same way. Before that stage existed, an
 * aborted call resolved when its image was cached, classifyBatch ignored
 * fallbackToCache, and a cache hit lost the warnings of the first call.
 */
import { describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { DEFAULT_MODELS } from '../tools/browser/matrix.js';
import { hasSharedData, SKIP_NO_DATA } from './helpers/data.js';
import type { ImageClassifier } from '../src/index.js';

const MODEL = DEFAULT_MODELS.ort;

describe.skipIf(!hasSharedData)(`one cache stage: abort, stale and warnings on every path (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  for (const worker of [false, true]) {
    test(`${worker ? 'worker' : 'page'}: an aborted call rejects ABORTED on a cache hit, on shared in-flight work and in a batch`, async () => {
      const out = await demo().page.evaluate(async ({ model, worker }) => {
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false }, worker });
        const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'untyped');
        const photo = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob();
        const other = await (await fetch('/shared-data/photos/cat_chelsea.png')).blob();
        await clf.classify(photo); // now cached
        // Cache hit: abort right after the call, before it could read the blob.
        const hitAbort = new AbortController();
        const hit = code(clf.classify(photo, { signal: hitAbort.signal }));
        hitAbort.abort();
        // The same call unaborted is a hit: the entry was not touched by the aborted one.
        const hitAfter = (await clf.classify(photo)).cached;
        // Shared in-flight work: the second caller aborts once both are waiting on one computation.
        // Eight inferences ahead in the queue (well over 100 ms) keep that computation pending past the
        // abort, however fast the machine; a follower still reading when the abort comes is rejected too.
        const busy = Array.from({ length: 8 }, (_, i) => clf.classifyTensor(new Float32Array(224 * 224 * 3).fill(i / 10)));
        const leader = code(clf.classify(other));
        const sharedAbort = new AbortController();
        const follower = code(clf.classify(new Blob([await other.arrayBuffer()]), { signal: sharedAbort.signal }));
        await new Promise((r) => setTimeout(r, 20));
        sharedAbort.abort();
        const shared = { leader: await leader, follower: await follower };
        await Promise.all(busy);
        // A batch made only of cache hits, aborted right after the call.
        const batchAbort = new AbortController();
        const batch = code(clf.classifyBatch([photo, other], { signal: batchAbort.signal }));
        batchAbort.abort();
        const out = { hit: await hit, hitAfter, shared, batch: await batch, after: (await clf.classify(photo)).cached };
        await clf.dispose();
        return out;
      }, { model: MODEL, worker });
      expect(out).toEqual({ hit: 'ABORTED', hitAfter: true, shared: { leader: 'ok', follower: 'ABORTED' }, batch: 'ABORTED', after: true });
    });
  }

  test('classifyBatch honours fallbackToCache: a timed-out batch is answered from expired entries, marked stale', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false }, cache: { maxEntries: 10, ttlMs: 20 } });
      const photos = await Promise.all(['dog_samoyed.jpg', 'apple_red.jpg'].map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
      const first = await clf.classifyBatch(photos);
      await new Promise((r) => setTimeout(r, 50)); // both entries expire
      const busy = clf.classifyTensor(new Float32Array(224 * 224 * 3)); // something ahead in the queue
      const degraded = await clf.classifyBatch(photos, { timeoutMs: 1, fallbackToCache: true });
      const strict = await clf.classifyBatch(photos, { timeoutMs: 1 }).then(() => 'ok', (e: { code?: string }) => e.code);
      await busy;
      const res = {
        same: degraded.map((r, i) => Array.from(r.scores).join() === Array.from(first[i]!.scores).join()),
        stale: degraded.map((r) => r.stale),
        strict,
      };
      await clf.dispose();
      return res;
    }, MODEL);
    expect(out).toEqual({ same: [true, true], stale: [true, true], strict: 'TIMEOUT' });
  });

  test('a cache hit keeps the warnings the first call had (page and batch)', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false } });
      const tiny = await (await fetch('/shared-data/bad/tiny_1x1.png')).blob();
      const first = await clf.classify(tiny);
      const again = await clf.classify(tiny);
      const [inBatch] = await clf.classifyBatch([tiny]);
      const res = { first: first.warnings, again: again.warnings, againCached: again.cached, batch: inBatch!.warnings, batchCached: inBatch!.cached };
      await clf.dispose();
      return res;
    }, MODEL);
    expect(out.first.join(' ')).toMatch(/only 1x1 px/);
    expect(out).toMatchObject({ againCached: true, batchCached: true });
    expect(out.again).toEqual(out.first);
    expect(out.batch).toEqual(out.first);
  });

  test('pixel inputs (canvas) are keyed by their pixels in the same stage: a repeat is a hit, an abort after it rejects', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false } });
      const bitmap = await createImageBitmap(await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob());
      const canvas = Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height });
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const first = await clf.classify(canvas);
      const second = await clf.classify(canvas);
      const batch = await clf.classifyBatch([canvas, canvas]);
      const controller = new AbortController();
      const aborted = clf.classify(canvas, { signal: controller.signal }).then(() => 'ok', (e: { code?: string }) => e.code);
      controller.abort();
      const res = { first: first.cached, second: second.cached, same: Array.from(second.scores).join() === Array.from(first.scores).join(), batch: batch.map((r) => r.cached), aborted: await aborted, runs: clf.stats().runs };
      await clf.dispose();
      return res;
    }, MODEL);
    expect(out).toEqual({ first: false, second: true, same: true, batch: [true, true], aborted: 'ABORTED', runs: 1 });
  });

  test('a canvas waiting in the queue behind long work times out while it waits (it is drawn in the queue to be keyed)', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false }, cache: false });
      const photos = await Promise.all(['dog_samoyed.jpg', 'cat_chelsea.png', 'horses_field.jpg', 'apple_red.jpg'].map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
      const bitmap = await createImageBitmap(photos[0]!);
      const canvas = Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height });
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      // 8 inferences ahead of it in the queue (new Blob objects: no cache, no sharing).
      const ahead = Array.from({ length: 8 }, (_, i) => clf.classify(new Blob([photos[i % 4]!])));
      const t0 = performance.now();
      const waiting = await clf.classify(canvas, { timeoutMs: 20 }).then(() => 'ok', (e: { code?: string }) => e.code);
      const waitedMs = performance.now() - t0;
      await Promise.allSettled(ahead);
      const after = await clf.classify(canvas).then((r) => r.top.length > 0);
      await clf.dispose();
      return { waiting, quick: waitedMs < 8 * 15, after };
    }, MODEL);
    // It rejected before the 8 runs ahead of it (each well over 15 ms here) could have finished; the next call works.
    expect(out).toEqual({ waiting: 'TIMEOUT', quick: true, after: true });
  });

  // Page and the default ('auto': a worker). In a worker the posted Blob is a new object every
  // time, so the page remembers its key and sends it along; the reads are counted where they happen.
  for (const worker of [false, 'auto'] as const) {
    test(`${worker ? 'default (a worker)' : 'page'}: a Blob classified again (the same object) is a cache lookup: not read again; equal bytes in a new Blob still hit`, async () => {
      const { page } = demo();
      const countReads = () => {
        const read = Blob.prototype.arrayBuffer;
        const g = globalThis as unknown as { blobReads: number };
        g.blobReads = 0;
        Blob.prototype.arrayBuffer = function (this: Blob) {
          g.blobReads++;
          return read.call(this);
        };
      };
      const workersBefore = new Set(page.workers());
      await page.evaluate(async ({ model, worker }) => {
        (window as unknown as { sameBlob: unknown }).sameBlob = {
          clf: await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false }, worker }),
          photo: await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob(),
        };
      }, { model: MODEL, worker });
      const where = await page.evaluate(() => (window as unknown as { sameBlob: { clf: { worker: { used: boolean } } } }).sameBlob.clf.worker.used);
      expect(where).toBe(worker === 'auto');
      // The realm that reads the Blob: this page, or the classifier's new worker.
      const inWorker = worker ? page.workers().find((w) => !workersBefore.has(w) && /worker\/entry/.test(w.url())) : undefined;
      if (worker) expect(inWorker, "the classifier's worker").toBeDefined();
      const inReader = <R>(fn: () => R): Promise<R> => (inWorker ? inWorker.evaluate(fn) : page.evaluate(fn));
      await inReader(countReads);
      const reads = () => inReader(() => (globalThis as unknown as { blobReads: number }).blobReads);
      const call = (fresh: boolean) => page.evaluate(async (fresh) => {
        const { clf, photo } = (window as unknown as { sameBlob: { clf: ImageClassifier; photo: Blob } }).sameBlob;
        const r = await clf.classify(fresh ? new Blob([await new Response(photo).arrayBuffer()]) : photo);
        return { cached: r.cached, scores: Array.from(r.scores).join() };
      }, fresh);
      const first = await call(false);
      const readsFirst = await reads();
      const again = await call(false);
      const readsAgain = (await reads()) - readsFirst;
      const copy = await call(true);
      const readsCopy = (await reads()) - readsFirst - readsAgain;
      await page.evaluate(() => (window as unknown as { sameBlob: { clf: ImageClassifier } }).sameBlob.clf.dispose());
      expect({ first: first.cached, readsFirst, again: again.cached, readsAgain, copy: copy.cached, readsCopy, same: again.scores === first.scores }).toEqual({ first: false, readsFirst: 1, again: true, readsAgain: 0, copy: true, readsCopy: 1, same: true });
    });
  }
});
