import { describe, expect, it, vi } from 'vitest';
import { probeWasm } from '../src/backends/probe.js';
import { DEFAULT_LIMITS, DEFAULT_ONNX_MODEL_PATH, DEFAULTS, type ClassifierOptions } from '../src/options.js';
import { resolveOptions } from '../src/resolve-options.js';

const MODEL = 'https://example.com/models/m/manifest.json';

/** Calls resolveOptions with deliberately invalid options and returns the TypeError. */
function typeError(options: unknown): TypeError {
  try {
    resolveOptions(options as ClassifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error('expected resolveOptions to throw');
}

describe('default model and assetBase', () => {
  it('no options: the default model and wasm below the site root', () => {
    const r = resolveOptions();
    expect(r.model).toBe('http://localhost/models/nsfw-mobilenet-v2/manifest.json');
    expect(r.wasm.paths).toEqual({ ort: 'http://localhost/wasm/ort/', tfjs: 'http://localhost/wasm/tfjs/' });
  });

  it('the entry point chooses the default model (the ONNX twin for inpage-classifier/onnx)', () => {
    expect(resolveOptions({}, DEFAULT_ONNX_MODEL_PATH).model).toBe('http://localhost/models/nsfw-mobilenet-v2-onnx/manifest.json');
  });

  it('assetBase moves the default model and the wasm folders; explicit wasmPaths still win', () => {
    const r = resolveOptions({ assetBase: '/app/', wasmPaths: { tfjs: '/cdn-free/tfjs/' } });
    expect(r.model).toBe('http://localhost/app/models/nsfw-mobilenet-v2/manifest.json');
    expect(r.wasm.paths).toEqual({ ort: 'http://localhost/app/wasm/ort/', tfjs: 'http://localhost/cdn-free/tfjs/' });
  });

  it('an explicit model is not moved by assetBase', () => {
    expect(resolveOptions({ assetBase: '/app/', model: MODEL }).model).toBe(MODEL);
  });
});

describe('resolveOptions defaults', () => {
  const r = resolveOptions({ model: MODEL });

  it('backends auto, cache 500 entries, limits 20 MB / 50 Mpx', () => {
    expect(r.model).toBe(MODEL);
    expect(r.backends).toBe('auto');
    expect(r.cache.maxEntries).toBe(500);
    expect(DEFAULTS.cache.maxEntries).toBe(500);
    expect(r.limits).toEqual({ maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 });
    expect(r.preprocessing.background).toBe('#ffffff');
    expect(r.modelCache).not.toBeNull();
    expect(r.modelCache?.name).toBe('inpage-classifier-models-v1');
  });

  it('resolves the wasm paths to absolute URLs (Node: against http://localhost/)', () => {
    expect(r.wasm.paths).toEqual({ ort: 'http://localhost/wasm/ort/', tfjs: 'http://localhost/wasm/tfjs/' });
    expect(r.baseUrl).toBe('http://localhost/');
  });

  it('wasmThreads defaults to exactly min(4, navigator.hardwareConcurrency), and 1 where nothing says how many cores', () => {
    // Node 20 has no navigator, Node 21+ has one: stub it so each case is the documented value, not a range.
    try {
      for (const cores of [1, 2, 3, 4, 5, 8, 64]) {
        vi.stubGlobal('navigator', { hardwareConcurrency: cores });
        expect(resolveOptions({ model: MODEL }).wasm.threads, `${cores} cores`).toBe(Math.min(4, cores));
      }
      for (const nav of [{ hardwareConcurrency: 0 }, {}, undefined]) {
        vi.stubGlobal('navigator', nav);
        expect(resolveOptions({ model: MODEL }).wasm.threads, JSON.stringify(nav) ?? 'no navigator').toBe(1);
      }
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('onProgress defaults to a no-op function', () => {
    expect(typeof r.onProgress).toBe('function');
    expect(() => r.onProgress({ phase: 'ready', loaded: 0, total: 0 })).not.toThrow();
  });

  it('does not share the default limits object', () => {
    expect(r.limits).not.toBe(DEFAULT_LIMITS);
  });
});

describe('the default wasmThreads is what ORT gets when the page is cross-origin isolated, else 1 with the reason', () => {
  // probeWasm is the step between resolveOptions and the engine (create.ts passes probed.threads on).
  const probe = (isolated: boolean, engine: 'ort' | 'tfjs' = 'ort') => {
    try {
      vi.stubGlobal('navigator', { hardwareConcurrency: 8 });
      vi.stubGlobal('crossOriginIsolated', isolated);
      return probeWasm(resolveOptions({ model: MODEL }).wasm.threads, engine);
    } finally {
      vi.unstubAllGlobals();
    }
  };

  it('isolated: ORT runs min(4, cores) threads', () => {
    const { threads, capability } = probe(true);
    expect(threads).toBe(4);
    expect(capability).toMatchObject({ backend: 'wasm', available: true, threads: 4 });
    expect(capability.description).toMatch(/, 4 threads$/);
  });

  it('not isolated: 1 thread, and the description says why (README "Host headers")', () => {
    const { threads, capability } = probe(false);
    expect(threads).toBe(1);
    expect(capability.threads).toBe(1);
    expect(capability.description).toContain('1 thread (not cross-origin isolated: serve COOP/COEP headers for threads)');
  });

  it('tfjs: 1 thread even when isolated, with its reason', () => {
    const { threads, capability } = probe(true, 'tfjs');
    expect(threads).toBe(1);
    expect(capability.description).toContain('(tfjs runs its wasm backend on one thread: tensorflow/tfjs#8513)');
  });
});

describe('resolveOptions overrides', () => {
  it('cache: false gives 0 entries', () => {
    expect(resolveOptions({ model: MODEL, cache: false }).cache.maxEntries).toBe(0);
  });

  it('cache.maxEntries is used', () => {
    expect(resolveOptions({ model: MODEL, cache: { maxEntries: 3 } }).cache.maxEntries).toBe(3);
  });

  it('an explicit backend list is kept in order', () => {
    expect(resolveOptions({ model: MODEL, backends: ['wasm', 'webgpu'] }).backends).toEqual(['wasm', 'webgpu']);
  });

  it('partial limits merge with the defaults', () => {
    expect(resolveOptions({ model: MODEL, limits: { maxBytes: 1000 } }).limits).toEqual({ maxBytes: 1000, maxPixels: 50_000_000 });
  });

  it('a URL model becomes its href; a manifest object is kept as is', () => {
    expect(resolveOptions({ model: new URL(MODEL) }).model).toBe(MODEL);
    const manifest = { name: 'x' } as unknown as ClassifierOptions['model'];
    expect(resolveOptions({ model: manifest }).model).toBe(manifest);
  });

  it('relative wasmPaths and baseUrl are resolved against the document base', () => {
    const r = resolveOptions({ model: MODEL, wasmPaths: { ort: 'static/ort/' }, baseUrl: '/assets/models/' });
    expect(r.wasm.paths.ort).toBe('http://localhost/static/ort/');
    expect(r.wasm.paths.tfjs).toBe('http://localhost/wasm/tfjs/');
    expect(r.baseUrl).toBe('http://localhost/assets/models/');
  });

  it('absolute wasmPaths are kept', () => {
    expect(resolveOptions({ model: MODEL, wasmPaths: { tfjs: 'https://cdn.test/tfjs/' } }).wasm.paths.tfjs).toBe('https://cdn.test/tfjs/');
  });

  it('wasmThreads is used', () => {
    expect(resolveOptions({ model: MODEL, wasmThreads: 2 }).wasm.threads).toBe(2);
  });
});

describe('resolveOptions rejects bad options with a TypeError naming the option', () => {
  it('backends: []', () => {
    expect(typeError({ model: MODEL, backends: [] }).message).toContain('options.backends');
  });

  it("backends: ['cuda']", () => {
    const err = typeError({ model: MODEL, backends: ['cuda'] });
    expect(err.message).toContain('options.backends');
    expect(err.message).toContain('cuda');
  });

  it("backends: 'webgpu' (a string that is not 'auto')", () => {
    expect(typeError({ model: MODEL, backends: 'webgpu' }).message).toContain('options.backends');
  });

  it('cache.maxEntries: 0', () => {
    expect(typeError({ model: MODEL, cache: { maxEntries: 0 } }).message).toContain('options.cache.maxEntries');
  });

  it('limits.maxPixels: -1', () => {
    expect(typeError({ model: MODEL, limits: { maxPixels: -1 } }).message).toContain('options.limits.maxPixels');
  });

  it('limits.maxBytes: NaN', () => {
    expect(typeError({ model: MODEL, limits: { maxBytes: Number.NaN } }).message).toContain('options.limits.maxBytes');
  });

  it('cache.maxEntries: 1.5 (not an integer)', () => {
    expect(typeError({ model: MODEL, cache: { maxEntries: 1.5 } }).message).toContain('options.cache.maxEntries');
  });

  it('wasmThreads: 0.5 (not an integer)', () => {
    expect(typeError({ model: MODEL, wasmThreads: 0.5 }).message).toContain('options.wasm.threads');
  });

  it('wasmThreads: 0', () => {
    expect(typeError({ model: MODEL, wasmThreads: 0 }).message).toContain('options.wasm.threads');
  });

  it('model null or not a URL/manifest', () => {
    expect(typeError({ model: null }).message).toContain('options.model');
    expect(typeError({ model: 42 }).message).toContain('options.model');
  });

  it('options not an object', () => {
    expect(typeError(null).message).toContain('options');
    expect(typeError('https://x/manifest.json').message).toContain('model');
  });

  it('assetBase that is not a folder', () => {
    expect(typeError({ assetBase: '/app' }).message).toContain('options.assetBase');
  });
});

describe('grouped options', () => {
  it('each group fills its defaults', () => {
    const r = resolveOptions({ model: MODEL });
    expect(r.selection).toEqual({ measure: 'auto', budgetMs: 1500, initTimeoutMs: 60_000, remember: true });
    expect(r.cache).toEqual({ maxEntries: 500, ttlMs: undefined, fallbackToCache: false });
    expect(r.calls).toEqual({ maxQueue: 1000, timeoutMs: undefined });
    expect(r.preprocessing).toEqual({ background: '#ffffff', resampling: 'antialiased', custom: null });
    expect(r.modelCache).toEqual({ name: 'inpage-classifier-models-v1' });
    expect(r.tiers).toBeNull();
    expect(r.worker).toBe('auto');
  });

  it("worker is true, false or 'auto'; anything else is a TypeError naming the three", () => {
    for (const worker of [true, false, 'auto'] as const) expect(resolveOptions({ worker }).worker).toBe(worker);
    expect(() => resolveOptions({ worker: 'yes' as never })).toThrow(/options.worker must be true, false or 'auto', got yes/);
    expect(() => resolveOptions({ worker: 1 as never })).toThrow(TypeError);
  });

  it('grouped values are used', () => {
    const r = resolveOptions({
      model: MODEL, selection: { measure: 'never', budgetMs: 10, initTimeoutMs: 20, remember: false }, cache: { maxEntries: 3, ttlMs: 9, fallbackToCache: true },
      calls: { maxQueue: 4, timeoutMs: 50 }, preprocessing: { background: '#000', resampling: 'canvas' }, wasm: { threads: 2, paths: { ort: '/o/' } }, modelCache: false,
    });
    expect(r.selection).toEqual({ measure: 'never', budgetMs: 10, initTimeoutMs: 20, remember: false });
    expect(r.cache).toEqual({ maxEntries: 3, ttlMs: 9, fallbackToCache: true });
    expect(r.calls).toEqual({ maxQueue: 4, timeoutMs: 50 });
    expect(r.preprocessing).toEqual({ background: '#000', resampling: 'canvas', custom: null });
    expect(r.wasm).toEqual({ threads: 2, paths: { ort: 'http://localhost/o/', tfjs: 'http://localhost/wasm/tfjs/' } });
    expect(r.modelCache).toBeNull();
  });

  it('tiers: models resolved against baseUrl, the budget defaulted', () => {
    const r = resolveOptions({ tiers: { models: ['big/manifest.json', MODEL] }, baseUrl: '/m/' });
    expect(r.tiers).toEqual({ models: ['http://localhost/m/big/manifest.json', MODEL], latencyBudgetMs: 100 });
  });

  it('bad grouped values are TypeErrors naming the field', () => {
    expect(typeError({ selection: { measure: 'sometimes' } }).message).toContain('options.selection.measure');
    expect(typeError({ calls: { maxQueue: 0 } }).message).toContain('options.calls.maxQueue');
    expect(typeError({ preprocessing: { resampling: 'cubic' } }).message).toContain('options.preprocessing.resampling');
    expect(typeError({ tiers: { models: [] } }).message).toContain('options.tiers.models');
    expect(typeError({ tiers: { models: [MODEL], latencyBudgetMs: -1 } }).message).toContain('options.tiers.latencyBudgetMs');
    expect(typeError({ selection: 'never' }).message).toContain('options.selection');
    expect(typeError({ modelCache: { name: '' } }).message).toContain('options.modelCache.name');
  });
});

describe('deprecated flat names (0.1) still work, mapped onto their groups', () => {
  it('every flat name lands in its group', () => {
    const r = resolveOptions({
      model: MODEL, measureBackends: 'always', selectionBudgetMs: 11, initTimeoutMs: 22, rememberBackend: false, maxQueue: 7, timeoutMs: 33,
      fallbackToCache: true, background: '#123', resampling: 'canvas', wasmPaths: { ort: '/x/' }, wasmThreads: 3, modelCacheName: 'mine',
    });
    expect(r.selection).toEqual({ measure: 'always', budgetMs: 11, initTimeoutMs: 22, remember: false });
    expect(r.calls).toEqual({ maxQueue: 7, timeoutMs: 33 });
    expect(r.cache.fallbackToCache).toBe(true);
    expect(r.preprocessing).toEqual({ background: '#123', resampling: 'canvas', custom: null });
    expect(r.wasm).toEqual({ threads: 3, paths: { ort: 'http://localhost/x/', tfjs: 'http://localhost/wasm/tfjs/' } });
    expect(r.modelCache).toEqual({ name: 'mine' });
    expect(resolveOptions({ persistModel: false }).modelCache).toBeNull();
  });

  it('a model list is tiers, with latencyBudgetMs', () => {
    expect(resolveOptions({ model: [MODEL, MODEL], latencyBudgetMs: 40 }).tiers).toEqual({ models: [MODEL, MODEL], latencyBudgetMs: 40 });
  });

  it('where both are given, the grouped value wins', () => {
    expect(resolveOptions({ wasmThreads: 1, wasm: { threads: 2 } }).wasm.threads).toBe(2);
    expect(resolveOptions({ maxQueue: 1, calls: { maxQueue: 9 } }).calls.maxQueue).toBe(9);
    expect(resolveOptions({ fallbackToCache: true, cache: { maxEntries: 2, fallbackToCache: false } }).cache.fallbackToCache).toBe(false);
  });
});

describe('preprocessing.custom', () => {
  const run = () => new Float32Array(64 * 64);
  it('is kept as given, and checked: a function, a batch-1 shape of positive integers, a channel count of 1, 3 or 4', () => {
    const custom = { shape: [1, 64, 64, 1] as const, layout: 'NHWC' as const, run };
    expect(resolveOptions({ preprocessing: { custom } }).preprocessing.custom).toBe(custom);
    expect(() => resolveOptions({ preprocessing: { custom: { ...custom, run: 'no' as never } } })).toThrow(/custom\.run must be a function/);
    expect(() => resolveOptions({ preprocessing: { custom: { ...custom, shape: [2, 64, 64, 1] as never } } })).toThrow(/custom\.shape must be \[1, C, H, W\]/);
    expect(() => resolveOptions({ preprocessing: { custom: { ...custom, shape: [1, 64, 64, 2] } } })).toThrow(/channel count 1, 3 or 4/);
  });
  it('cannot go to a worker: a TypeError that says why', () => {
    expect(() => resolveOptions({ worker: true, preprocessing: { custom: { shape: [1, 3, 8, 8], layout: 'NCHW', run } } })).toThrow(/cannot run in a worker/);
  });
});
