/**
 * A GPU lost at run time: the WebGL context (WEBGL_lose_context) or the
 * WebGPU device (destroy()) behind the classifier is taken away from outside,
 * as a driver reset or a backgrounded tab would. The next call — and a call
 * already in flight — still resolve with the right answer on the next
 * backend, and a `backendchange` event says what happened. Both engines.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { BackendName } from '../src/types.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, SKIP_NO_DATA } from './helpers/data.js';

/** Records every WebGL context and WebGPU device the page creates, so the test can lose them. */
const RECORD_GPU_OBJECTS = `
  window.__gl = []; window.__gpu = [];
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
      return device;
    };
  }
`;

const MODELS = { tfjs: '/models/nsfw-mobilenet-v2/manifest.json', ort: '/models/nsfw-mobilenet-v2-onnx/manifest.json' };

describe.skipIf(!hasSharedData)(`backend lost at run time (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession({ initScript: RECORD_GPU_OBJECTS });
  // A lost context/device also breaks the runtime's page-wide GPU state: each test starts on a fresh page.
  beforeEach(async () => {
    await demo().page.reload();
    await demo().page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
  });

  for (const engine of ['tfjs', 'ort'] as const) {
    for (const gpu of ['webgl', 'webgpu'] as const) {
      test(`${engine}: ${gpu} lost between and during calls → wasm, same answer, one backendchange event`, async () => {
        const out = await demo().page.evaluate(async ({ model, gpu }) => {
          const w = window as unknown as { __gl: WebGLRenderingContext[]; __gpu: { destroy(): void }[] };
          const clf = await window.inpageClassifier.createClassifier({ model, backends: [gpu as BackendName, 'wasm'], cache: false, rememberBackend: false });
          const changes: unknown[] = [];
          clf.addEventListener('backendchange', (e) => changes.push((e as CustomEvent).detail));
          const photo = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob();
          const before = await clf.classify(photo);
          const lose = () => {
            if (gpu === 'webgl') for (const gl of w.__gl) gl.getExtension('WEBGL_lose_context')?.loseContext();
            else for (const d of w.__gpu) d.destroy();
          };
          // In flight: the call starts on the GPU, the GPU goes away under it.
          const inFlight = clf.classify(photo);
          lose();
          const during = await inFlight;
          const after = await clf.classify(photo);
          const result = {
            backends: [before.backend, during.backend, after.backend, clf.backend],
            top1: [before.top[0]!.label, during.top[0]!.label, after.top[0]!.label],
            scoreDiff: Math.abs(before.scores[before.top[0]!.index]! - after.scores[before.top[0]!.index]!),
            changes,
            fallbacks: clf.fallbacks.map((f) => f.backend),
          };
          await clf.dispose();
          return result;
        }, { model: MODELS[engine], gpu });
        expect(out.backends[0]).toBe(gpu);
        expect(out.backends.slice(1)).toEqual(['wasm', 'wasm', 'wasm']);
        expect(out.top1).toEqual(['Neutral', 'Neutral', 'Neutral']);
        expect(out.scoreDiff).toBeLessThan(1e-3);
        expect(out.changes).toEqual([{ from: gpu, to: 'wasm', reason: expect.stringMatching(/lost|destroyed/i) }]);
        expect(out.fallbacks).toContain(gpu);
      });
    }
  }

  test('no backend left: BACKEND_LOST, and the classifier does not hang', async () => {
    const code = await demo().page.evaluate(async (model) => {
      const w = window as unknown as { __gl: WebGLRenderingContext[] };
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['webgl'], cache: false, rememberBackend: false });
      for (const gl of w.__gl) gl.getExtension('WEBGL_lose_context')?.loseContext();
      return clf.classifyTensor(new Float32Array(224 * 224 * 3)).then(() => 'resolved', (e: { code?: string }) => e.code);
    }, MODELS.ort);
    expect(code).toBe('BACKEND_LOST');
  });
});
