/**
 * `worker: 'auto'` and `classifier.worker`: where the classifier runs and why.
 * 'auto' runs in a worker where one can start; with a `preprocessing.custom`
 * function (which cannot be posted) it stays in the page and says so; when the
 * worker script cannot load (blocked here with a route, as a CSP or a bundler
 * that did not emit it would), 'auto' falls back to the page with the reason
 * while `worker: true` is WORKER_FAILED. The page and the worker answers agree.
 */
import { describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SKIP_NO_DATA } from './helpers/data.js';

const MODEL = 'models/nsfw-mobilenet-v2-onnx/manifest.json';

describe.skipIf(!hasSharedData)(`worker: 'auto' (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession({ webgpu: false });

  test("'auto' runs in a worker with the page's answer; false, true and the default say where and why; a custom function keeps 'auto' in the page", async () => {
    const out = await demo().page.evaluate(async ({ model, photo }) => {
      const { createClassifier } = window.inpageClassifier;
      const blob = await (await fetch(`/shared-data/photos/${photo}`)).blob();
      const base = { model, backends: ['wasm' as const], cache: false as const };
      // Workers started, counted at the constructor (the demo's own classifier may have loaded the script already).
      let started = 0;
      const Original = window.Worker;
      window.Worker = class extends Original {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          if (/worker\/entry/.test(String(url))) started++;
        }
      };
      const workers = () => started;
      const out: Record<string, { used: boolean; reason: string; scores: number[]; workerScripts: number }> = {};
      const [h, w] = [224, 224];
      const custom = { shape: [1, h, w, 3] as [1, number, number, number], layout: 'NHWC' as const, run: ({ data }: { data: Uint8ClampedArray }) => Float32Array.from({ length: h * w * 3 }, (_, i) => data[Math.floor(i / 3) * 4 + (i % 3)]! / 255) };
      for (const [name, options] of [['default', {}], ['false', { worker: false }], ['true', { worker: true }], ['auto', { worker: 'auto' }], ['autoCustom', { worker: 'auto', preprocessing: { custom } }]] as const) {
        const before = workers();
        const clf = await createClassifier({ ...base, ...options });
        const r = await clf.classify(blob);
        out[name] = { ...clf.worker, scores: Array.from(r.scores), workerScripts: workers() - before };
        await clf.dispose();
      }
      window.Worker = Original;
      return out;
    }, { model: MODEL, photo: photoNames()[0]! });
    // The default is 'auto': a worker, wherever one can start.
    expect(out.default!.used).toBe(true);
    expect(out.default!.reason).toMatch(/^worker 'auto': decoding, preprocessing, the cache and inference run in a Web Worker/);
    expect(out.false).toMatchObject({ used: false, reason: 'options.worker is false' });
    expect(out.true).toMatchObject({ used: true, reason: 'options.worker is true' });
    expect(out.auto!.used).toBe(true);
    expect(out.auto!.reason).toMatch(/^worker 'auto': decoding, preprocessing, the cache and inference run in a Web Worker/);
    expect(out.autoCustom!.used).toBe(false);
    expect(out.autoCustom!.reason).toMatch(/preprocessing.custom is a function, which cannot be sent to a worker/);
    // Where it runs changes nothing in the answer.
    for (const name of ['default', 'true', 'auto'] as const) expect(out[name]!.scores, name).toEqual(out.false!.scores);
    // No worker script is loaded where no worker is said to be used.
    expect(out.false!.workerScripts).toBe(0);
    expect(out.autoCustom!.workerScripts).toBe(0);
    // And exactly one where one is.
    for (const name of ['default', 'true', 'auto'] as const) expect(out[name]!.workerScripts, name).toBe(1);
  });

  test("a worker script that cannot load: 'auto' runs in the page with the reason, true is WORKER_FAILED, and the page answer is the same", async () => {
    const { page } = demo();
    await page.route('**/worker/entry*', (route) => route.abort('blockedbyclient'));
    try {
      const out = await page.evaluate(async ({ model, photo }) => {
        const { createClassifier } = window.inpageClassifier;
        const blob = await (await fetch(`/shared-data/photos/${photo}`)).blob();
        const base = { model, backends: ['wasm' as const], cache: false as const };
        const auto = await createClassifier({ ...base, worker: 'auto' });
        const a = { ...auto.worker, backend: auto.backend, scores: Array.from((await auto.classify(blob)).scores) };
        await auto.dispose();
        const strict = await createClassifier({ ...base, worker: true }).then(() => null, (e: { code?: string }) => e.code);
        const plain = await createClassifier({ ...base, worker: false });
        const p = Array.from((await plain.classify(blob)).scores);
        await plain.dispose();
        return { a, strict, p };
      }, { model: MODEL, photo: photoNames()[1]! });
      expect(out.a.used).toBe(false);
      expect(out.a.reason).toMatch(/^worker 'auto': the Web Worker could not start \(.*\); running in the page$/);
      expect(out.a.backend).toBe('wasm');
      expect(out.a.scores).toEqual(out.p);
      expect(out.strict).toBe('WORKER_FAILED');
    } finally {
      await page.unroute('**/worker/entry*');
    }
  });
});
