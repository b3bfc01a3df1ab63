/**
 * Memory soak: many classifications per engine x backend keep the JS heap
 * and the engine's own memory flat after warm-up, and dispose + create
 * cycles do not grow either. `npm test` runs a short soak (SOAK_N, default
 * 200 per WASM run, SOAK_GPU_N 4 MobileNet calls and SOAK_GPU_SMALL_N 40
 * calls of a small CNN on the emulated GPUs); `npm run soak` runs 1,000 /
 * 25 / 1,000: MobileNetV2 takes 1–5 s a call on SwiftShader, the small CNN
 * tens of ms, so the GPU paths (tensors, textures, buffers, read-backs) get
 * their 1,000 calls with it. Figures are printed for docs/reliability.md.
 */
import type { Page } from 'playwright';
import { beforeEach, describe, expect, test } from 'vitest';
import type { BackendName, ModelManifest } from '../src/types.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SKIP_NO_DATA } from './helpers/data.js';
import { type GeneratedModel, serveModel, tinyModels } from './helpers/tiny-model.js';

const N_WASM = Number(process.env.SOAK_N ?? 200);
const N_GPU = Number(process.env.SOAK_GPU_N ?? 4);
const N_GPU_SMALL = Number(process.env.SOAK_GPU_SMALL_N ?? 40);
/** Allowed JS heap growth after warm-up (GC'd before both readings). Measured: < 0.5 MB per 200-1,000 calls. */
const HEAP_BOUND_BYTES = 8 * 1024 * 1024;
/**
 * Allowed growth over 20 dispose + create cycles. Measured: ORT +0.2 MB; tfjs +7 MB (~350 KB a
 * cycle of tfjs-layers' own JS bookkeeping per loaded model; its tensor count returns to the
 * same value every cycle, so no tensor/GPU/WASM memory is left behind).
 */
const CYCLE_BOUND_BYTES = 16 * 1024 * 1024;
const MODELS = { tfjs: '/models/nsfw-mobilenet-v2/manifest.json', ort: '/models/nsfw-mobilenet-v2-onnx/manifest.json' };

/**
 * window.settledHeap(): JS heap after several full GCs with pauses. Big per-call buffers (a
 * full-size pixel read-back) are swept concurrently, and one gc() alone reads tens of MB of
 * garbage as "used".
 */
const SETTLED_HEAP = `
  window.settledHeap = async () => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
    }
    return performance.memory.usedJSHeapSize;
  };
`;

interface SoakResult {
  n: number;
  heap0: number;
  heap1: number;
  tensors0?: number;
  tensors1?: number;
  backend: string;
}

describe.skipIf(!hasSharedData)(`memory soak (${hasSharedData ? `${N_WASM} per WASM run, ${N_GPU} per emulated GPU` : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession({ args: ['--js-flags=--expose-gc', '--enable-precise-memory-info'], initScript: SETTLED_HEAP });
  beforeEach(async () => {
    await demo().page.reload();
    await demo().page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
  });
  const photos = photoNames().slice(0, 8);

  /** n classifications of the photos in turn after a warm-up; heap and tfjs tensors before and after. */
  function soak(page: Page, model: string | ModelManifest, baseUrl: string | undefined, backend: BackendName, n: number): Promise<SoakResult> {
    return page.evaluate(async ({ model, baseUrl, backend, photos, n }): Promise<SoakResult> => {
      const heap = (window as unknown as { settledHeap: () => Promise<number> }).settledHeap;
      const clf = await window.inpageClassifier.createClassifier({ model, ...(baseUrl ? { baseUrl } : {}), backends: [backend], cache: false, rememberBackend: false });
      const blobs = await Promise.all(photos.map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
      for (let i = 0; i < Math.min(8, n); i++) await clf.classify(blobs[i % blobs.length]!); // warm-up
      const heap0 = await heap();
      const tensors0 = clf.stats().engineMemory?.numTensors;
      for (let i = 0; i < n; i++) await clf.classify(blobs[i % blobs.length]!);
      const heap1 = await heap();
      const tensors1 = clf.stats().engineMemory?.numTensors;
      const used = clf.backend;
      await clf.dispose();
      return { n, heap0, heap1, tensors0, tensors1, backend: used };
    }, { model, baseUrl, backend, photos, n });
  }

  function check(label: string, engine: 'tfjs' | 'ort', backend: BackendName, r: SoakResult): void {
    console.log(`soak ${label}: ${r.n} calls, heap ${(r.heap0 / 1e6).toFixed(1)} → ${(r.heap1 / 1e6).toFixed(1)} MB${r.tensors0 === undefined ? '' : `, tensors ${r.tensors0} → ${r.tensors1}`}`);
    expect(r.backend).toBe(backend);
    expect(r.heap1 - r.heap0).toBeLessThan(HEAP_BOUND_BYTES);
    if (engine === 'tfjs') expect(r.tensors1).toBe(r.tensors0);
  }

  for (const engine of ['tfjs', 'ort'] as const) {
    for (const backend of ['wasm', 'webgl', 'webgpu'] as const) {
      const n = backend === 'wasm' ? N_WASM : N_GPU;
      test(`${engine}/${backend}: ${n} classifications keep heap and engine memory flat`, async () => {
        check(`${engine}/${backend}`, engine, backend, await soak(demo().page, MODELS[engine], undefined, backend, n));
        // Scaled with n: an emulated-GPU call takes ~5 s here, twice that on a busy machine.
      }, 120_000 + n * (backend === 'wasm' ? 500 : 15_000));
    }
  }

  describe('the emulated GPUs with a small CNN, so they get many calls', () => {
    let models: { tfjs: GeneratedModel; ort: GeneratedModel };
    beforeEach(async () => {
      models ??= await tinyModels();
      await serveModel(demo().page, models.tfjs);
      await serveModel(demo().page, models.ort);
    });
    for (const engine of ['tfjs', 'ort'] as const) {
      for (const backend of ['webgl', 'webgpu'] as const) {
        test(`${engine}/${backend}, small CNN: ${N_GPU_SMALL} classifications keep heap and engine memory flat`, async () => {
          const m = models[engine];
          check(`${engine}/${backend} small CNN`, engine, backend, await soak(demo().page, m.manifest, m.baseUrl, backend, N_GPU_SMALL));
          // Measured here: 25–90 ms a call (decoding the photos included); twice that on a busy machine.
        }, 120_000 + N_GPU_SMALL * 300);
      }
    }
  });

  test('dispose + createClassifier 20 times does not grow memory (both engines, wasm)', async () => {
    const out = await demo().page.evaluate(async (models) => {
      const heap = (window as unknown as { settledHeap: () => Promise<number> }).settledHeap;
      const blob = await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob();
      const cycle = async (model: string) => {
        const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], rememberBackend: false });
        await clf.classify(blob);
        const tensors = clf.stats().engineMemory?.numTensors;
        await clf.dispose();
        return tensors;
      };
      const res: Record<string, { heap0: number; heap1: number; tensors: (number | undefined)[] }> = {};
      for (const [engine, model] of Object.entries(models)) {
        await cycle(model); // first load: compiles wasm, fills the Cache API
        const heap0 = await heap();
        const tensors: (number | undefined)[] = [];
        for (let i = 0; i < 20; i++) tensors.push(await cycle(model));
        res[engine] = { heap0, heap1: await heap(), tensors };
      }
      return res;
    }, MODELS);
    for (const [engine, r] of Object.entries(out)) {
      console.log(`soak ${engine}: dispose/create x20, heap ${(r.heap0 / 1e6).toFixed(1)} → ${(r.heap1 / 1e6).toFixed(1)} MB`);
      expect(r.heap1 - r.heap0).toBeLessThan(CYCLE_BOUND_BYTES);
      if (engine === 'tfjs') expect(new Set(r.tensors).size).toBe(1); // the same count every cycle: nothing left behind
    }
  });
});
