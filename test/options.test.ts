import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_ENTRIES, DEFAULT_LIMITS, DEFAULT_ONNX_MODEL_PATH, resolveOptions, type ClassifierOptions } from '../src/options.js';

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
    expect(r.wasmPaths).toEqual({ ort: 'http://localhost/wasm/ort/', tfjs: 'http://localhost/wasm/tfjs/' });
  });

  it('the entry point chooses the default model (the ONNX twin for inpage-classifier/onnx)', () => {
    expect(resolveOptions({}, DEFAULT_ONNX_MODEL_PATH).model).toBe('http://localhost/models/nsfw-mobilenet-v2-onnx/manifest.json');
  });

  it('assetBase moves the default model and the wasm folders; explicit wasmPaths still win', () => {
    const r = resolveOptions({ assetBase: '/app/', wasmPaths: { tfjs: '/cdn-free/tfjs/' } });
    expect(r.model).toBe('http://localhost/app/models/nsfw-mobilenet-v2/manifest.json');
    expect(r.wasmPaths).toEqual({ ort: 'http://localhost/app/wasm/ort/', tfjs: 'http://localhost/cdn-free/tfjs/' });
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
    expect(r.cacheEntries).toBe(500);
    expect(DEFAULT_CACHE_ENTRIES).toBe(500);
    expect(r.limits).toEqual({ maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 });
    expect(r.background).toBe('#ffffff');
    expect(r.persistModel).toBe(true);
    expect(r.modelCacheName).toBe('inpage-classifier-models-v1');
  });

  it('resolves the wasm paths to absolute URLs (Node: against http://localhost/)', () => {
    expect(r.wasmPaths).toEqual({ ort: 'http://localhost/wasm/ort/', tfjs: 'http://localhost/wasm/tfjs/' });
    expect(r.baseUrl).toBe('http://localhost/');
  });

  it('wasmThreads is a whole number between 1 and 4', () => {
    expect(Number.isInteger(r.wasmThreads)).toBe(true);
    expect(r.wasmThreads).toBeGreaterThanOrEqual(1);
    expect(r.wasmThreads).toBeLessThanOrEqual(4);
  });

  it('onProgress defaults to a no-op function', () => {
    expect(typeof r.onProgress).toBe('function');
    expect(() => r.onProgress({ phase: 'ready', loaded: 0, total: 0 })).not.toThrow();
  });

  it('does not share the default limits object', () => {
    expect(r.limits).not.toBe(DEFAULT_LIMITS);
  });
});

describe('resolveOptions overrides', () => {
  it('cache: false gives 0 entries', () => {
    expect(resolveOptions({ model: MODEL, cache: false }).cacheEntries).toBe(0);
  });

  it('cache.maxEntries is used', () => {
    expect(resolveOptions({ model: MODEL, cache: { maxEntries: 3 } }).cacheEntries).toBe(3);
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
    expect(r.wasmPaths.ort).toBe('http://localhost/static/ort/');
    expect(r.wasmPaths.tfjs).toBe('http://localhost/wasm/tfjs/');
    expect(r.baseUrl).toBe('http://localhost/assets/models/');
  });

  it('absolute wasmPaths are kept', () => {
    expect(resolveOptions({ model: MODEL, wasmPaths: { tfjs: 'https://cdn.test/tfjs/' } }).wasmPaths.tfjs).toBe('https://cdn.test/tfjs/');
  });

  it('wasmThreads is used', () => {
    expect(resolveOptions({ model: MODEL, wasmThreads: 2 }).wasmThreads).toBe(2);
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
    expect(typeError({ model: MODEL, wasmThreads: 0.5 }).message).toContain('options.wasmThreads');
  });

  it('wasmThreads: 0', () => {
    expect(typeError({ model: MODEL, wasmThreads: 0 }).message).toContain('options.wasmThreads');
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
