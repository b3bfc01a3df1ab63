/**
 * Overload and call control in Chromium: 200 overlapping calls on distinct
 * and repeated photos all resolve with their own image's result and repeated
 * files are computed once (in-flight de-duplication, cache off); maxQueue
 * bounds the backlog with QUEUE_FULL; AbortSignal, timeoutMs and
 * fallbackToCache behave as documented, and the queue keeps moving.
 */
import { describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SKIP_NO_DATA } from './helpers/data.js';

const MODEL = '/models/nsfw-mobilenet-v2-onnx/manifest.json';

describe.skipIf(!hasSharedData)(`overload, abort, timeouts (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  test('200 overlapping calls: each its own result, repeated files computed once', async () => {
    const photos = photoNames().slice(0, 20);
    const out = await demo().page.evaluate(async ({ model, photos }) => {
      // In the page (worker: false): in a worker, a call is keyed only when the worker's thread is free
      // between runs, so fewer duplicates overlap an identical call in flight (docs/worker.md).
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], cache: false, rememberBackend: false, worker: false });
      const blobs = await Promise.all(photos.map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
      const alone = new Map<number, string>();
      for (const [i, b] of blobs.entries()) alone.set(i, Array.from((await clf.classify(b)).scores).join(','));
      const runsBefore = clf.stats().runs;
      // 200 calls over the 20 photos, interleaved, each with a fresh Blob object of the same bytes.
      const calls = Array.from({ length: 200 }, (_, n) => n % 20);
      const results = await Promise.all(calls.map(async (i) => {
        const r = await clf.classify(new Blob([await blobs[i]!.arrayBuffer()]));
        return { i, scores: Array.from(r.scores).join(',') };
      }));
      const wrong = results.filter((r) => r.scores !== alone.get(r.i)).length;
      const out = { resolved: results.length, wrong, runs: clf.stats().runs - runsBefore };
      await clf.dispose();
      return out;
    }, { model: MODEL, photos });
    expect(out).toEqual({ resolved: 200, wrong: 0, runs: 20 });
  });

  test('maxQueue: calls beyond it reject with QUEUE_FULL, the admitted ones resolve, later calls work', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], cache: false, rememberBackend: false, maxQueue: 4, worker: false });
      const t = () => new Float32Array(224 * 224 * 3).fill(Math.random());
      const settled = await Promise.allSettled(Array.from({ length: 10 }, () => clf.classifyTensor(t())));
      const codes = settled.map((s) => (s.status === 'fulfilled' ? 'ok' : (s.reason as { code: string }).code));
      const after = (await clf.classifyTensor(t())).top.length;
      await clf.dispose();
      return { codes, after };
    }, MODEL);
    expect(out.codes).toEqual(['ok', 'ok', 'ok', 'ok', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL']);
    expect(out.after).toBe(5);
  });

  test('AbortSignal rejects ABORTED and the queue moves on; timeoutMs rejects TIMEOUT', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], cache: false, rememberBackend: false });
      const t = (v: number) => new Float32Array(224 * 224 * 3).fill(v);
      const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'untyped');
      const pre = new AbortController();
      pre.abort();
      const alreadyAborted = await code(clf.classifyTensor(t(0), { signal: pre.signal }));
      // Abort a call waiting behind three others: it rejects at once, they all still resolve.
      const c = new AbortController();
      const ahead = [0.1, 0.2, 0.3].map((v) => code(clf.classifyTensor(t(v))));
      const aborted = code(clf.classifyTensor(t(0.4), { signal: c.signal }));
      const behind = code(clf.classifyTensor(t(0.5)));
      c.abort('user navigated away');
      const runsBeforeTimeout = clf.stats().runs;
      const timedOut = await code(clf.classifyTensor(t(0.6), { timeoutMs: 1 }));
      const results = { alreadyAborted, aborted: await aborted, ahead: await Promise.all(ahead), behind: await behind, timedOut, skipped: runsBeforeTimeout };
      await clf.dispose();
      return results;
    }, MODEL);
    expect(out).toMatchObject({ alreadyAborted: 'ABORTED', aborted: 'ABORTED', ahead: ['ok', 'ok', 'ok'], behind: 'ok', timedOut: 'TIMEOUT' });
  });

  test('fallbackToCache: a timed-out call is answered by the expired cache entry, marked stale', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], rememberBackend: false, cache: { maxEntries: 10, ttlMs: 20 } });
      const photo = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob();
      const first = await clf.classify(photo);
      await new Promise((r) => setTimeout(r, 50)); // the entry expires
      const busy = clf.classifyTensor(new Float32Array(224 * 224 * 3)); // something ahead in the queue
      const degraded = await clf.classify(photo, { timeoutMs: 1, fallbackToCache: true });
      const strict = await clf.classify(photo, { timeoutMs: 1 }).then(() => 'ok', (e: { code?: string }) => e.code);
      await busy;
      const res = { same: Array.from(degraded.scores).join() === Array.from(first.scores).join(), stale: degraded.stale, cached: degraded.cached, firstStale: first.stale, strict };
      await clf.dispose();
      return res;
    }, MODEL);
    expect(out).toEqual({ same: true, stale: true, cached: true, firstStale: false, strict: 'TIMEOUT' });
  });

  test('identical files share one computation: skipped only when every caller sharing it aborted', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], cache: false, rememberBackend: false });
      const bytes = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).arrayBuffer();
      const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'untyped');
      const busy = () => [0.1, 0.2, 0.3].map((v) => clf.classifyTensor(new Float32Array(224 * 224 * 3).fill(v)));
      // One of two callers aborts: the other still gets its result, computed once.
      let ahead = busy();
      let runs = clf.stats().runs + ahead.length;
      const a = new AbortController();
      const leader = code(clf.classify(new Blob([bytes]), { signal: a.signal }));
      const follower = code(clf.classify(new Blob([bytes])));
      await new Promise((r) => setTimeout(r, 0));
      a.abort();
      const one = { leader: await leader, follower: await follower };
      await Promise.all(ahead);
      const oneRuns = clf.stats().runs - runs;
      // Both abort: the shared work is skipped.
      ahead = busy();
      runs = clf.stats().runs + ahead.length;
      const b1 = new AbortController();
      const b2 = new AbortController();
      const p1 = code(clf.classify(new Blob([bytes]), { signal: b1.signal }));
      const p2 = code(clf.classify(new Blob([bytes]), { signal: b2.signal }));
      await new Promise((r) => setTimeout(r, 0));
      b1.abort();
      b2.abort();
      const both = [await p1, await p2];
      await Promise.all(ahead);
      await clf.classifyTensor(new Float32Array(224 * 224 * 3)); // drain: the skipped task has passed
      const bothRuns = clf.stats().runs - runs - 1;
      await clf.dispose();
      return { one, oneRuns, both, bothRuns };
    }, MODEL);
    expect(out).toEqual({ one: { leader: 'ABORTED', follower: 'ok' }, oneRuns: 1, both: ['ABORTED', 'ABORTED'], bothRuns: 0 });
  });
});

