/**
 * Backend selection with fake engines (no runtime, no browser): ordering,
 * fallback with reasons, measured choice within the budget, abandonment,
 * remembered decisions. Timings are simulated with short real delays whose
 * ratios are large, so the assertions do not depend on machine speed.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { Engine } from '../src/engines/engine.js';
import { ModelMismatchError } from '../src/engines/engine.js';
import { clearSelectionCache } from '../src/backends/remember.js';
import { orderCandidates, type SelectRequest, selectBackend } from '../src/backends/select.js';
import type { LoadedModel } from '../src/manifest/load.js';
import type { BackendCapability, BackendName } from '../src/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const model = { id: 'm@1', labels: ['a', 'b'], manifest: { output: { activation: 'softmax' } }, files: new Map() } as unknown as LoadedModel;

interface Fake {
  initMs?: number;
  runMs?: number;
  fail?: string;
  output?: Float32Array;
}

function gpu(backend: 'webgpu' | 'webgl', gpuClass: BackendCapability['gpuClass']): BackendCapability {
  const kind = gpuClass === 'software' ? 'software' : gpuClass === 'unknown' ? 'unknown' : 'hardware';
  return { backend, available: true, kind, gpuClass, description: `${gpuClass} ${backend}` };
}
const wasm: BackendCapability = { backend: 'wasm', available: true, kind: 'cpu', description: 'SIMD, 4 threads' };

function request(capabilities: BackendCapability[], fakes: Partial<Record<BackendName, Fake>>, over: Partial<SelectRequest> = {}): SelectRequest & { started: BackendName[]; disposed: BackendName[] } {
  const started: BackendName[] = [];
  const disposed: BackendName[] = [];
  const createEngine = async (backend: BackendName): Promise<Engine> => {
    started.push(backend);
    const f = fakes[backend] ?? {};
    await sleep(f.initMs ?? 0);
    if (f.fail) throw new Error(f.fail);
    return {
      engine: 'ort',
      backend,
      maxBatch: 1,
      run: async () => {
        await sleep(f.runMs ?? 0);
        return f.output ?? new Float32Array([0.25, 0.75]);
      },
      dispose: async () => {
        disposed.push(backend);
      },
    };
  };
  const preference = over.preference ?? 'auto';
  return {
    model, preference, capabilities, createEngine, started, disposed,
    candidates: orderCandidates(preference, capabilities),
    warmupInput: new Float32Array(4), onProgress: () => {}, measure: 'auto', budgetMs: 600, initTimeoutMs: 10_000, memory: null,
    ...over,
  };
}

beforeEach(() => clearSelectionCache());

describe('orderCandidates', () => {
  test("'auto': discrete GPU first, integrated next, then WASM, emulated GPUs last (WebGL before WebGPU)", () => {
    expect(orderCandidates('auto', [gpu('webgpu', 'software'), gpu('webgl', 'software'), wasm])).toEqual(['wasm', 'webgl', 'webgpu']);
    expect(orderCandidates('auto', [gpu('webgpu', 'discrete'), gpu('webgl', 'discrete'), wasm])).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(orderCandidates('auto', [gpu('webgpu', 'software'), gpu('webgl', 'integrated'), wasm])).toEqual(['webgl', 'wasm', 'webgpu']);
    expect(orderCandidates('auto', [gpu('webgpu', 'unknown'), gpu('webgl', 'discrete'), wasm])).toEqual(['webgl', 'webgpu', 'wasm']);
  });

  test('an explicit list is kept exactly', () => {
    expect(orderCandidates(['webgpu', 'wasm'], [gpu('webgpu', 'software'), wasm])).toEqual(['webgpu', 'wasm']);
  });
});

describe('selectBackend', () => {
  test('emulated GPUs only: WASM, no GPU engine ever started, reasons for both GPUs', async () => {
    const req = request([gpu('webgpu', 'software'), gpu('webgl', 'software'), wasm], {});
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('wasm');
    expect(req.started).toEqual(['wasm']);
    expect(s.selection).toMatchObject({ mode: 'auto', measured: false, fromCache: false });
    expect(s.fallbacks.map((f) => f.backend)).toEqual(['webgl', 'webgpu']);
    expect(s.fallbacks[0]!.reason).toMatch(/emulated GPU/);
  });

  test('a failing backend falls through with its reason', async () => {
    const req = request([gpu('webgpu', 'discrete'), gpu('webgl', 'discrete'), wasm], { webgpu: { fail: 'device lost at init' } });
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('webgl');
    expect(s.fallbacks).toEqual([{ backend: 'webgpu', reason: 'device lost at init' }]);
  });

  test('non-finite warm-up output disqualifies a backend; a wrong output length is fatal', async () => {
    const nan = request([gpu('webgpu', 'discrete'), wasm], { webgpu: { output: new Float32Array([NaN, 1]) } });
    expect((await selectBackend(nan)).engine.backend).toBe('wasm');
    const wrong = request([gpu('webgpu', 'discrete'), wasm], { webgpu: { output: new Float32Array(10) } });
    await expect(selectBackend(wrong)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  });

  test('an integrated GPU vs WASM is measured and the faster wins; the loser is disposed', async () => {
    const req = request([gpu('webgpu', 'software'), gpu('webgl', 'integrated'), wasm], { webgl: { runMs: 60 }, wasm: { runMs: 5 } });
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('wasm');
    expect(s.selection.measured).toBe(true);
    const webgl = s.selection.candidates.find((c) => c.backend === 'webgl')!;
    expect(webgl.status).toBe('measured');
    expect(webgl.ms!).toBeGreaterThan(s.selection.candidates.find((c) => c.backend === 'wasm')!.ms!);
    expect(req.disposed).toContain('webgl');
    expect(req.started).not.toContain('webgpu'); // the emulated one is never timed
  });

  test('a candidate that does not initialise within its share is abandoned, then disposed', async () => {
    const req = request([gpu('webgpu', 'unknown'), gpu('webgl', 'software'), wasm], { webgpu: { initMs: 900 }, wasm: { runMs: 1 } }, { budgetMs: 400 });
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('wasm');
    expect(s.selection.candidates.find((c) => c.backend === 'webgpu')).toMatchObject({ status: 'abandoned' });
    await sleep(1000);
    expect(req.disposed).toContain('webgpu');
  });

  test("the decision is remembered per device signature and reused without measuring", async () => {
    const memory = { key: 'k', signature: 'ua|gpu' };
    const caps = [gpu('webgpu', 'integrated'), gpu('webgl', 'software'), wasm];
    const first = await selectBackend(request(caps, { webgpu: { runMs: 1 }, wasm: { runMs: 40 } }, { memory }));
    expect(first.engine.backend).toBe('webgpu');
    expect(first.selection.measured).toBe(true);
    const again = request(caps, { webgpu: { runMs: 1 }, wasm: { runMs: 40 } }, { memory });
    const second = await selectBackend(again);
    expect(second.selection).toMatchObject({ fromCache: true, measured: false });
    expect(again.started).toEqual(['webgpu']);
    // Another browser version or GPU: decided afresh.
    const other = await selectBackend(request(caps, { webgpu: { runMs: 1 }, wasm: { runMs: 40 } }, { memory: { key: 'k', signature: 'ua2|gpu' } }));
    expect(other.selection.fromCache).toBe(false);
  });

  test('a ModelMismatchError from an engine stops the chain', async () => {
    const req = request([gpu('webgpu', 'discrete'), wasm], {});
    req.createEngine = async () => {
      throw new ModelMismatchError('input shape [1,1,28,28]');
    };
    await expect(selectBackend(req)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  });

  test('nothing works: NO_BACKEND with every reason in details', async () => {
    const req = request([{ backend: 'webgpu', available: false, kind: 'unknown', description: '', reason: 'navigator.gpu unavailable' }, wasm], { wasm: { fail: 'no wasm' } }, { preference: ['webgpu', 'wasm'], candidates: ['webgpu', 'wasm'] });
    await expect(selectBackend(req)).rejects.toMatchObject({ code: 'NO_BACKEND', details: { fallbacks: [{ backend: 'webgpu', reason: 'navigator.gpu unavailable' }, { backend: 'wasm', reason: 'no wasm' }] } });
  });

  test("measureBackends 'always' does not reorder an explicit list: it is tried exactly in order", async () => {
    const req = request([gpu('webgpu', 'software'), wasm], { webgpu: { runMs: 50 }, wasm: { runMs: 1 } }, { preference: ['webgpu', 'wasm'], candidates: ['webgpu', 'wasm'], measure: 'always' });
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('webgpu');
    expect(s.selection.measured).toBe(false);
  });

  test('candidates abandoned while measuring get a second chance (no deadline) before NO_BACKEND; measured stays false', async () => {
    // Both plausible candidates need 300 ms to start; their share of the 100 ms budget is 50 ms each.
    const req = request([gpu('webgpu', 'unknown'), gpu('webgl', 'software'), wasm], { webgpu: { initMs: 300 }, wasm: { initMs: 300 } }, { budgetMs: 100, measure: 'auto' });
    const s = await selectBackend(req);
    // Measuring started both and abandoned both; then the first in order (webgpu) was started
    // AGAIN and, with no share deadline this time, its 300 ms init was waited for. Without the
    // second chance the only not-tried candidate, the emulated webgl, would have been started.
    expect(req.started).toEqual(['webgpu', 'wasm', 'webgpu']);
    expect(s.engine.backend).toBe('webgpu');
    expect(s.selection.measured).toBe(false);
    const status = Object.fromEntries(s.selection.candidates.map((c) => [c.backend, c]));
    // The selected one keeps the reason it was abandoned with the first time.
    expect(status.webgpu).toMatchObject({ status: 'selected', reason: 'did not initialise within its 50 ms share of selection.budgetMs' });
    expect(status.wasm).toMatchObject({ status: 'abandoned', reason: 'did not initialise within its 50 ms share of selection.budgetMs' });
    expect(status.webgl!.status).toBe('not-tried'); // the emulated GPU is still not needed
    // The abandoned first start of webgpu and the abandoned wasm are disposed once they finish; the second webgpu is kept.
    await sleep(400);
    expect(req.disposed.sort()).toEqual(['wasm', 'webgpu']);
  });

  test('a backend that starts but fails its timed runs counts as failed and is disposed', async () => {
    const caps = [gpu('webgpu', 'integrated'), gpu('webgl', 'software'), wasm];
    const req = request(caps, { wasm: { runMs: 2 } });
    let calls = 0;
    const inner = req.createEngine;
    req.createEngine = async (b) => {
      const e = await inner(b);
      if (b !== 'webgpu') return e;
      return { ...e, run: async (x: Float32Array) => (++calls > 1 ? Promise.reject(new Error('kernel failed')) : e.run(x)) };
    };
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('wasm');
    expect(s.selection.candidates.find((c) => c.backend === 'webgpu')).toMatchObject({ status: 'failed', reason: 'kernel failed' });
  });

  test('progress stops once the choice is made (an abandoned init finishing late stays quiet)', async () => {
    const phases: string[] = [];
    const req = request([gpu('webgpu', 'unknown'), gpu('webgl', 'software'), wasm], { webgpu: { initMs: 400 }, wasm: { runMs: 1 } }, { budgetMs: 200, onProgress: (p) => phases.push(`${p.phase}:${p.detail}`) });
    await selectBackend(req);
    const atChoice = phases.length;
    await sleep(600);
    expect(phases.length).toBe(atChoice);
  });

  test('a backend whose init never settles fails after initTimeoutMs, the next one runs, and a late start is disposed', async () => {
    const req = request([gpu('webgpu', 'discrete'), gpu('webgl', 'software'), wasm], { webgpu: { initMs: 500 } }, { preference: ['webgpu', 'wasm'], initTimeoutMs: 100 });
    const s = await selectBackend(req);
    expect(s.engine.backend).toBe('wasm');
    expect(s.selection.candidates.find((c) => c.backend === 'webgpu')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/did not start within 100 ms \(option selection.initTimeoutMs\)/) });
    await sleep(600);
    expect(req.disposed).toContain('webgpu');
  });
});
