/**
 * createClassifier({ signal }) (issue 17 §6): an effect cleanup that runs
 * while the model still loads (React StrictMode's mount, cleanup, mount) gets
 * ABORTED at once, and the classifier that finishes starting anyway is
 * disposed as soon as it exists — its worker terminated — so the sequence
 * leaks nothing and the next create works.
 */
import { describe, expect, test } from 'vitest';
import { openDemo } from './helpers/browser.js';

const MODEL = '/models/nsfw-mobilenet-v2-onnx/manifest.json';

describe('createClassifier with a signal', () => {
  test('aborted before it starts: ABORTED, nothing fetched; not a signal: TypeError', async () => {
    const session = await openDemo();
    try {
      let manifests = 0;
      await session.page.route('**/nsfw-mobilenet-v2-onnx/manifest.json', (route) => { manifests++; return route.continue(); });
      const out = await session.page.evaluate(async (model) => {
        const code = (e: unknown) => (e as { code?: string }).code ?? (e as Error).name;
        const signal = AbortSignal.abort('unmounted');
        const aborted = await window.inpageClassifier.createClassifier({ model, signal }).then(() => 'resolved', code);
        const wrong = await window.inpageClassifier.createClassifier({ model, signal: {} as AbortSignal }).then(() => 'resolved', (e: Error) => `${e.name}: ${e.message}`);
        return { aborted, wrong };
      }, MODEL);
      expect(out.aborted).toBe('ABORTED');
      expect(out.wrong).toMatch(/^TypeError: options\.signal: expected an AbortSignal/);
      expect(manifests).toBe(0);
    } finally {
      await session.close();
    }
  });

  test('StrictMode sequence in worker mode: the first create is ABORTED at once, its worker is terminated when it is ready, the second classifies', async () => {
    const session = await openDemo();
    try {
      const out = await session.page.evaluate(async (model) => {
        // Count the library's workers and their terminations.
        const created: Worker[] = [];
        const terminated = new Set<Worker>();
        const Native = window.Worker;
        window.Worker = class extends Native {
          constructor(url: string | URL, options?: WorkerOptions) {
            super(url, options);
            if (options?.name?.startsWith('inpage-classifier')) created.push(this);
          }
          override terminate() {
            terminated.add(this);
            super.terminate();
          }
        };
        const events: string[] = [];
        try {
          const first = new AbortController();
          const creating = window.inpageClassifier.createClassifier({ model, worker: true, backends: ['wasm'], signal: first.signal, onProgress: (p) => { if (p.phase === 'ready') events.push('first ready'); } });
          first.abort(); // the effect's cleanup, while the model loads
          const outcome = await creating.then(() => 'resolved', (e: { code?: string }) => e.code);
          events.push(`first ${outcome}`);
          const second = await window.inpageClassifier.createClassifier({ model, worker: true, backends: ['wasm'] });
          const canvas = document.createElement('canvas');
          canvas.width = canvas.height = 64;
          const result = await second.classify(canvas);
          // The abandoned one finishes starting in the background, then is disposed: wait for its worker to end.
          const until = performance.now() + 60_000;
          while (terminated.size < 1 && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
          // Which worker is whose is not known by creation order: the abandoned create spawns its worker
          // after a dynamic import, so the second create's may come first. One worker is terminated now,
          // and the second classifier still classifies: so the terminated one was the abandoned one's.
          const terminatedBeforeDispose = terminated.size;
          const stillWorks = (await second.classify(canvas)).top.length > 0;
          const firstTerminated = terminatedBeforeDispose === 1 && stillWorks;
          const secondAlive = created.some((w) => !terminated.has(w));
          await second.dispose();
          return { events, workers: created.length, firstTerminated, secondAlive, top: result.top.length, secondTerminatedOnDispose: created.every((w) => terminated.has(w)) };
        } finally {
          window.Worker = Native;
        }
      }, MODEL);
      // ABORTED came before the abandoned classifier was ready: the caller was not kept waiting.
      expect(out.events[0]).toBe('first ABORTED');
      expect(out.workers).toBe(2);
      expect(out.firstTerminated).toBe(true);
      expect(out.secondAlive).toBe(true);
      expect(out.top).toBeGreaterThan(0);
      expect(out.secondTerminatedOnDispose).toBe(true);
    } finally {
      await session.close();
    }
  });

  test('page mode: abort while loading, then a normal create: ABORTED, and the next classifier works', async () => {
    const session = await openDemo();
    try {
      const out = await session.page.evaluate(async (model) => {
        const first = new AbortController();
        const creating = window.inpageClassifier.createClassifier({ model, backends: ['wasm'], signal: first.signal });
        queueMicrotask(() => first.abort());
        const outcome = await creating.then(() => 'resolved', (e: { code?: string }) => e.code);
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'] });
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 32;
        const top = (await clf.classify(canvas)).top.length;
        await clf.dispose();
        return { outcome, top };
      }, MODEL);
      expect(out).toEqual({ outcome: 'ABORTED', top: expect.any(Number) });
      expect(out.top).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });
});
