/**
 * The library changes nothing global that the app owns, says what really runs, and gives each failure its own code.
 * - tfjs: `console.warn` is never replaced while a backend starts (the
 *   reason a backend fails is taken from its factory instead);
 * - onnxruntime-web: `ort.env` is configured once per page (ORT reads it at
 *   its first session only), the app's own `logLevel`/`proxy` stay, and a
 *   second classifier asking for other threads is told what it runs with;
 * - ENGINE_UNAVAILABLE for a format the entry point cannot run, WORKER_FAILED
 *   for a worker script that does not load (both were NO_BACKEND).
 */
import { describe, expect, test } from 'vitest';
import { importInPage } from '../tools/browser/harness.js';
import { DEFAULT_MODELS } from '../tools/browser/matrix.js';
import { useDemoSession } from './helpers/browser.js';

const TFJS_MODEL = DEFAULT_MODELS.tfjs;
const ONNX_MODEL = DEFAULT_MODELS.ort;

describe('no global side effects', () => {
  const demo = useDemoSession();

  test('tfjs: console.warn is never reassigned while its backends start, and the app keeps every warning it writes', async () => {
    const out = await demo().page.evaluate(async (model) => {
      const original = console.warn;
      let current = original;
      let assignments = 0;
      const written: string[] = [];
      // The app's own console.warn, and a trap that counts every assignment to it.
      current = (...args: unknown[]) => void written.push(args.join(' '));
      Object.defineProperty(console, 'warn', { configurable: true, get: () => current, set: (v) => { assignments++; current = v; } });
      assignments = 0;
      const ticker = setInterval(() => console.warn('app tick'), 2);
      try {
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['webgl', 'wasm'], selection: { remember: false } });
        const backend = clf.backend;
        await clf.dispose();
        const wasm = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false } });
        await wasm.dispose();
        return { backend, assignments, ticks: written.filter((w) => w === 'app tick').length };
      } finally {
        clearInterval(ticker);
        Object.defineProperty(console, 'warn', { configurable: true, writable: true, value: original });
      }
    }, TFJS_MODEL);
    expect(out.backend).toBe('webgl');
    expect(out.assignments).toBe(0);
    // The app's warnings during the starts all reached its own console.warn.
    expect(out.ticks).toBeGreaterThan(0);
  });

  test("onnxruntime-web: the app's ort.env.logLevel and proxy stay; threads are set once and what runs is reported", async () => {
    await importInPage(demo().page, 'e2e/fixtures/ort-wasm.ts', 'ortWasmFixture');
    const out = await demo().page.evaluate(async ({ model }) => {
      const { ort } = (window as unknown as { ortWasmFixture: { ort: typeof import('onnxruntime-web') } }).ortWasmFixture;
      ort.env.logLevel = 'fatal';
      ort.env.wasm.proxy = false;
      const wasmOf = (c: { capabilities: readonly { backend: string; threads?: number; description: string }[] }) => c.capabilities.find((x) => x.backend === 'wasm')!;
      // In the page (worker: false): this is about the page's own ort.env, which a worker does not touch.
      const first = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false }, worker: false });
      const second = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], selection: { remember: false }, wasm: { threads: 1 }, worker: false });
      const res = {
        isolated: crossOriginIsolated,
        expectedThreads: Math.min(4, navigator.hardwareConcurrency),
        logLevel: ort.env.logLevel,
        proxy: ort.env.wasm.proxy,
        envThreads: ort.env.wasm.numThreads,
        first: wasmOf(first),
        second: wasmOf(second),
        secondWorks: (await second.classifyTensor(new Float32Array(224 * 224 * 3))).top.length,
      };
      await first.dispose();
      await second.dispose();
      return res;
    }, { model: ONNX_MODEL });
    expect(out.isolated).toBe(true);
    expect(out.logLevel).toBe('fatal');
    expect(out.proxy).toBe(false);
    // The first classifier's request is what ORT runs with, and what both report.
    expect(out.envThreads).toBe(out.expectedThreads);
    expect(out.first.threads).toBe(out.expectedThreads);
    expect(out.second.threads).toBe(out.expectedThreads);
    expect(out.first.description).not.toContain('earlier classifier');
    expect(out.second.description).toContain(`an earlier classifier set them: runs with ${out.expectedThreads} thread`);
    expect(out.second.description).toContain('wasm.threads 1 asked for');
    expect(out.secondWorks).toBe(5);
  });
});

describe('error codes that say one thing each', () => {
  const demo = useDemoSession();

  test('a tfjs model through inpage-classifier/onnx: ENGINE_UNAVAILABLE naming the entry point to use', async () => {
    await importInPage(demo().page, 'src/onnx.ts', 'onnxEntry');
    const out = await demo().page.evaluate(async ({ model }) => {
      const onnx = (window as unknown as { onnxEntry: typeof import('../src/onnx.js') }).onnxEntry;
      return onnx.createClassifier({ model }).then(() => null, (e: { code?: string; message?: string; details?: Record<string, unknown> }) => ({ code: e.code, message: e.message, details: e.details }));
    }, { model: TFJS_MODEL });
    expect(out).toMatchObject({ code: 'ENGINE_UNAVAILABLE', details: { engine: 'tfjs', format: 'tfjs-layers' } });
    expect(out!.message).toContain("'inpage-classifier/tfjs'");
  });

  test('a worker script that does not load: WORKER_FAILED (not NO_BACKEND)', async () => {
    await importInPage(demo().page, 'src/worker/client.ts', 'workerClient');
    await importInPage(demo().page, 'src/resolve-options.ts', 'resolveOptionsModule');
    const out = await demo().page.evaluate(async ({ model }) => {
      const { startWorkerClassifier } = (window as unknown as { workerClient: typeof import('../src/worker/client.js') }).workerClient;
      const { resolveOptions } = (window as unknown as { resolveOptionsModule: typeof import('../src/resolve-options.js') }).resolveOptionsModule;
      const options = resolveOptions({ model, worker: true });
      return startWorkerClassifier(options, () => new Worker('/no-such-worker-script.js', { type: 'module' })).then(() => null, (e: { code?: string; details?: Record<string, unknown> }) => ({ code: e.code, details: e.details }));
    }, { model: ONNX_MODEL });
    expect(out).toEqual({ code: 'WORKER_FAILED', details: { worker: 'failed' } });
  });
});
