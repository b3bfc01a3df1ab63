/**
 * A GPU lost at run time: the WebGL context (WEBGL_lose_context) or the
 * WebGPU device (destroy()) behind the classifier is taken away from outside,
 * as a driver reset or a backgrounded tab would. A call whose inference is
 * running on that GPU when it goes (the loss is triggered by the runtime's
 * own first GPU submission of the call) and the calls after it still
 * resolve with the right answer on the next backend, and a `backendchange`
 * event says what happened. Both engines. The classifiers run in the page
 * (`worker: false`): the wrappers that lose the GPU are installed in the page.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { LocalBackendName } from '../src/types.js';
import { DEFAULT_MODELS as MODELS, ENGINES, GPU_BACKENDS } from '../tools/browser/matrix.js';
import { reloadLibraryPage, useDemoSession } from './helpers/browser.js';
import { hasSharedData, SKIP_NO_DATA } from './helpers/data.js';

/**
 * Records every WebGL context and WebGPU device the page creates, so the test can lose them; and
 * window.__loss: once armed (armedAt set), the FIRST GPU submission the page makes — a WebGPU
 * queue submit, a WebGL draw or pixel read-back, i.e. the runtime executing the model — loses
 * that very device/context from inside the runtime's own call, and records when and from where.
 */
const RECORD_GPU_OBJECTS = `
  window.__gl = []; window.__gpu = [];
  const queues = new WeakMap(); // GPUQueue -> its GPUDevice
  for (const C of [globalThis.HTMLCanvasElement, globalThis.OffscreenCanvas]) {
    if (!C) continue;
    const get = C.prototype.getContext;
    C.prototype.getContext = function (type, ...rest) {
      const ctx = get.call(this, type, ...rest);
      if (ctx && /webgl/.test(type)) window.__gl.push(ctx);
      return ctx;
    };
  }
  if (globalThis.GPUAdapter) {
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (...args) {
      const device = await request.apply(this, args);
      window.__gpu.push(device);
      queues.set(device.queue, device);
      return device;
    };
  }
  window.__loss = { armedAt: null, fired: [], submissionsAfterArming: 0 };
  const submission = (what, lose) => {
    const l = window.__loss;
    if (l.armedAt === null) return;
    l.submissionsAfterArming++;
    if (l.fired.length > 0) return;
    l.fired.push({ what, at: performance.now(), stack: new Error().stack });
    lose();
  };
  if (globalThis.GPUQueue) {
    const submit = GPUQueue.prototype.submit;
    GPUQueue.prototype.submit = function (...args) {
      submission('GPUQueue.submit', () => queues.get(this).destroy());
      return submit.apply(this, args);
    };
  }
  for (const C of [globalThis.WebGLRenderingContext, globalThis.WebGL2RenderingContext]) {
    if (!C) continue;
    for (const name of ['drawArrays', 'drawElements', 'readPixels']) {
      const original = C.prototype[name];
      C.prototype[name] = function (...args) {
        submission(C.name + '.' + name, () => this.getExtension('WEBGL_lose_context').loseContext());
        return original.apply(this, args);
      };
    }
  }
`;

describe.skipIf(!hasSharedData)(`backend lost at run time (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession({ initScript: RECORD_GPU_OBJECTS });
  // A lost context/device also breaks the runtime's page-wide GPU state: each test starts on a fresh page.
  beforeEach(async () => {
    await reloadLibraryPage(demo().page);
  });

  for (const engine of ENGINES) {
    for (const gpu of GPU_BACKENDS) {
      test(`${engine}: ${gpu} lost while the engine is running an inference → that call and the next resolve on wasm, same answer, one backendchange event`, async () => {
        const out = await demo().page.evaluate(async ({ model, gpu }) => {
          type Fired = { what: string; at: number; stack: string };
          const w = window as unknown as { __loss: { armedAt: number | null; fired: Fired[]; submissionsAfterArming: number } };
          const clf = await window.inpageClassifier.createClassifier({ model, backends: [gpu as LocalBackendName, 'wasm'], cache: false, rememberBackend: false, worker: false });
          const changes: unknown[] = [];
          clf.addEventListener('backendchange', (e) => changes.push((e as CustomEvent).detail));
          const photo = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob();
          const before = await clf.classify(photo);
          // In flight: arm the wrapper once the call has started. The call first reads, decodes
          // and resizes the photo (no WebGL/WebGPU calls), so the first GPU submission after this
          // point is the engine running the model, and that submission loses the GPU under it.
          const startedAt = performance.now();
          const inFlight = clf.classify(photo);
          w.__loss.armedAt = performance.now();
          const during = await inFlight;
          const resolvedAt = performance.now();
          const firedDuringCall = w.__loss.fired.map((f) => ({ ...f, inCall: f.at > w.__loss.armedAt! && f.at < resolvedAt }));
          const after = await clf.classify(photo);
          const result = {
            startedAt, armedAt: w.__loss.armedAt, fired: firedDuringCall,
            backends: [before.backend, during.backend, after.backend, clf.backend],
            top1: [before.top[0]!.label, during.top[0]!.label, after.top[0]!.label],
            scoreDiff: Math.max(...[during, after].map((r) => Math.abs(before.scores[before.top[0]!.index]! - r.scores[before.top[0]!.index]!))),
            changes,
            fallbacks: clf.fallbacks.map((f) => f.backend),
          };
          await clf.dispose();
          return result;
        }, { model: MODELS[engine], gpu });
        // The loss really happened inside the engine's run: exactly one triggered, after the call
        // started and the wrapper was armed, before the call resolved, from a GPU submission made
        // by the runtime's own code (its module is on the stack: tfjs or onnxruntime-web).
        // Had the call failed over before reaching the engine (or run on wasm from the start),
        // nothing would have fired.
        expect(out.armedAt).toBeGreaterThanOrEqual(out.startedAt);
        expect(out.fired).toHaveLength(1);
        expect(out.fired[0]!.inCall).toBe(true);
        expect(out.fired[0]!.what).toMatch(gpu === 'webgpu' ? /^GPUQueue\.submit$/ : /^WebGL2?RenderingContext\.(drawArrays|drawElements|readPixels)$/);
        // (ORT's WebGPU EP submits from its wasm glue, served from wasm/ort/.)
        expect(out.fired[0]!.stack).toMatch(engine === 'tfjs' ? /tfjs/ : /onnxruntime-web|\/wasm\/ort\/ort-wasm/);
        // ...and the call it was lost under still resolved, on the next backend, with the same answer.
        expect(out.backends).toEqual([gpu, 'wasm', 'wasm', 'wasm']);
        expect(out.top1).toEqual(['Neutral', 'Neutral', 'Neutral']);
        expect(out.scoreDiff).toBeLessThan(1e-3);
        expect(out.changes).toEqual([{ from: gpu, to: 'wasm', reason: expect.stringMatching(/lost|destroyed/i) }]);
        expect(out.fallbacks).toContain(gpu);
      });
    }
  }

  // Lost while no call runs: the next call sees the loss (webglcontextlost / isContextLost) before
  // it reaches the engine. WebGL only: the WebGPU inits cost 15-20 s each on SwiftShader, and the
  // tests above already put both WebGPU engines through a loss.
  for (const engine of ENGINES) {
    test(`${engine}: webgl lost between calls → the next call resolves on wasm, one backendchange event`, async () => {
      const out = await demo().page.evaluate(async ({ model }) => {
        const w = window as unknown as { __gl: WebGLRenderingContext[] };
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['webgl', 'wasm'], cache: false, rememberBackend: false, worker: false });
        const changes: unknown[] = [];
        clf.addEventListener('backendchange', (e) => changes.push((e as CustomEvent).detail));
        const photo = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob();
        const before = await clf.classify(photo);
        for (const gl of w.__gl) gl.getExtension('WEBGL_lose_context')?.loseContext();
        await new Promise((r) => setTimeout(r, 100)); // the webglcontextlost event is dispatched as a task
        const after = await clf.classify(photo);
        const { backendChanges } = clf.stats();
        const result = { backends: [before.backend, after.backend], top1: [before.top[0]!.label, after.top[0]!.label], changes, backendChanges };
        await clf.dispose();
        return result;
      }, { model: MODELS[engine] });
      expect(out.backends).toEqual(['webgl', 'wasm']);
      expect(out.top1).toEqual(['Neutral', 'Neutral']);
      expect(out.changes).toEqual([{ from: 'webgl', to: 'wasm', reason: expect.stringMatching(/lost/i) }]);
      // stats() keeps the same change, with when it happened, for monitoring.
      expect(out.backendChanges).toEqual([{ ...(out.changes[0] as object), at: expect.any(Number) }]);
    });
  }

  test('no backend left: BACKEND_LOST, and the classifier does not hang', async () => {
    const code = await demo().page.evaluate(async (model) => {
      const w = window as unknown as { __gl: WebGLRenderingContext[] };
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['webgl'], cache: false, rememberBackend: false, worker: false });
      for (const gl of w.__gl) gl.getExtension('WEBGL_lose_context')?.loseContext();
      return clf.classifyTensor(new Float32Array(224 * 224 * 3)).then(() => 'resolved', (e: { code?: string }) => e.code);
    }, MODELS.ort);
    expect(code).toBe('BACKEND_LOST');
  });
});
