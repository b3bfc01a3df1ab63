/**
 * createClassifier options, with every default in one place and validated up
 * front (a bad option is a TypeError naming it, like lru-cache does).
 */
import type { ImageClassifier } from './image-classifier.js';
import type { BackendName, LoadProgress, ModelManifest } from './types.js';

export const ALL_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm'];

/**
 * Options of `createClassifier`. Every one is optional, with its default
 * below; a bad value is a `TypeError` naming the option.
 *
 * @example
 * ```ts
 * const clf = await createClassifier({
 *   model: '/models/my-model/manifest.json',
 *   backends: ['webgpu', 'wasm'],
 *   cache: { maxEntries: 200 },
 *   onProgress: (p) => bar.update(p.loaded / p.total),
 * });
 * ```
 */
export interface ClassifierOptions {
  /**
   * URL of a `manifest.json`, or the manifest object (then set `baseUrl` for its files).
   * @defaultValue the entry point's default model below `assetBase`:
   * `models/nsfw-mobilenet-v2/manifest.json` (tfjs), or its ONNX twin
   * `models/nsfw-mobilenet-v2-onnx/manifest.json` from `inpage-classifier/onnx`
   * @example { model: '/models/nsfw-mobilenet-v2-onnx/manifest.json' }
   *
   * A list is model tiers for the same task, largest first: the largest whose
   * inference fits `latencyBudgetMs` on this device is used (the smallest
   * whatever it measures); `stats().tiers` says what each measured.
   * @example { model: ['/models/nsfw-inception-v3/manifest.json', '/models/nsfw-mobilenet-v2/manifest.json'], latencyBudgetMs: 80 }
   */
  model?: string | URL | ModelManifest | readonly (string | URL | ModelManifest)[];
  /**
   * With `model` as a list of tiers: the most one inference may take (median
   * of timed runs after warm-up, in ms) for a tier to be chosen.
   * @defaultValue `100`
   * @example { model: [largeManifestUrl, smallManifestUrl], latencyBudgetMs: 50 }
   */
  latencyBudgetMs?: number;
  /**
   * Where the package's own files are served: `models/` and `wasm/` below it,
   * as the `inpage-classifier/vite` plugin and `npx inpage-classifier copy-assets`
   * lay them out. Set it when the app is not served from the site root.
   * @defaultValue `'/'`, resolved against the document
   * @example { assetBase: import.meta.env.BASE_URL }
   */
  assetBase?: string | URL;
  /**
   * Where a manifest object's files live (a manifest URL's files are relative to that URL).
   * @defaultValue the document's base URL
   * @example { model: manifestObject, baseUrl: '/models/custom/' }
   */
  baseUrl?: string | URL;
  /**
   * `'auto'`: hardware WebGPU → hardware WebGL → WASM → software (emulated) GPUs,
   * so an emulated GPU never wins over WASM. An explicit list is tried exactly
   * in the given order.
   * @defaultValue `'auto'`
   * @example { backends: ['webgl', 'wasm'] }
   */
  backends?: 'auto' | readonly BackendName[];
  /**
   * With 'auto': time the plausible backends against each other when the
   * probes cannot decide (an integrated or unrecognised GPU vs WASM).
   * 'always' times every available candidate; 'never' takes the first that works.
   * @defaultValue `'auto'`
   * @example { measureBackends: 'never' }
   */
  measureBackends?: 'auto' | 'always' | 'never';
  /**
   * Total time the measured choice may spend initialising candidates, in ms.
   * @defaultValue `1500`
   * @example { selectionBudgetMs: 3000 }
   */
  selectionBudgetMs?: number;
  /**
   * Longest one backend may take to initialise and pass its warm-up, in ms;
   * past it the backend counts as failed (with the reason) and the next is
   * tried, so a runtime stuck loading (a blocked wasm worker script, a GPU
   * driver that never answers) cannot hang createClassifier. Generous by
   * default: an emulated WebGPU compiles its shaders for 10–25 s.
   * @defaultValue `60000`
   * @example { initTimeoutMs: 20_000 }
   */
  initTimeoutMs?: number;
  /**
   * Remember the backend 'auto' chose for this device + model (localStorage)
   * and start there next time; see `clearSelectionCache()`.
   * @defaultValue `true`
   * @example { rememberBackend: false }
   */
  rememberBackend?: boolean;
  /**
   * Result cache; `false` disables it. `ttlMs`: entries older than this are
   * recomputed, but can still answer a timed-out call with `fallbackToCache`.
   * @defaultValue `{ maxEntries: 500 }` (no ttl)
   * @example { cache: { maxEntries: 100, ttlMs: 60_000 } }
   */
  cache?: false | { maxEntries: number; ttlMs?: number };
  /**
   * Most calls waiting or running at once; more reject with `QUEUE_FULL`.
   * @defaultValue `1000`
   * @example { maxQueue: 50 }
   */
  maxQueue?: number;
  /**
   * Default per-call deadline in ms (queue wait included); `TIMEOUT` after it.
   * A call's own `timeoutMs` overrides it.
   * @defaultValue none
   * @example { timeoutMs: 2000 }
   */
  timeoutMs?: number;
  /**
   * On `TIMEOUT`, answer with a cached (possibly expired) result for the same
   * file if there is one, marked `stale: true`.
   * @defaultValue `false`
   * @example { timeoutMs: 500, fallbackToCache: true }
   */
  fallbackToCache?: boolean;
  /**
   * Model download, verification and warm-up progress: phases
   * `manifest → download → verify → init → warmup → ready`, bytes while downloading.
   * @defaultValue none
   * @example { onProgress: ({ phase, loaded, total }) => console.log(phase, loaded, total) }
   */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Called when a lost GPU moved the classifier to another backend (also a `backendchange` event).
   * @defaultValue none
   * @example { onBackendChange: ({ from, to, reason }) => console.warn(from, '→', to, reason) }
   */
  onBackendChange?: (change: { from: BackendName; to: BackendName; reason: string }) => void;
  /**
   * Input limits, checked before decoding; larger inputs reject with `INPUT_TOO_LARGE`.
   * @defaultValue `{ maxBytes: 20 MiB, maxPixels: 50_000_000 }` ({@link DEFAULT_LIMITS})
   * @example { limits: { maxBytes: 5 * 1024 * 1024 } }
   */
  limits?: Partial<InputLimits>;
  /**
   * Colour transparent pixels are composited on (CSS colour).
   * @defaultValue `'#ffffff'`
   * @example { background: '#000' }
   */
  background?: string;
  /**
   * How images are resized to the model input. 'antialiased': a triangle
   * filter like PIL/torchvision (matches a Python server's preprocessing;
   * costs a few ms of JS per image); 'canvas': one drawImage (faster, drifts
   * from server results).
   * @defaultValue `'antialiased'`
   * @example { resampling: 'canvas' }
   */
  resampling?: 'antialiased' | 'canvas';
  /**
   * Folder URLs the wasm binaries are served from (the app's own files, never a
   * CDN), when they are not in `assetBase`'s `wasm/ort/` and `wasm/tfjs/`.
   * @defaultValue `{ ort: assetBase + 'wasm/ort/', tfjs: assetBase + 'wasm/tfjs/' }`
   * @example { wasmPaths: { ort: '/static/ort/' } }
   */
  wasmPaths?: { ort?: string; tfjs?: string };
  /**
   * onnxruntime-web WASM threads; used only when the page is cross-origin
   * isolated (tfjs's wasm backend always runs one). Measured on 2 cores
   * (docs/performance.md): 2 threads ran MobileNetV2 1.8x faster than 1 on
   * an idle machine but 1.9x slower than 1 while other processes kept both
   * cores busy; set 1 where the page shares the CPU with heavy work.
   * @defaultValue `min(4, navigator.hardwareConcurrency)`
   * @example { wasmThreads: 2 }
   */
  wasmThreads?: number;
  /**
   * Keep downloaded model files in the Cache API (checked against sha256 on
   * every load) so later loads work offline.
   * @defaultValue `true`
   * @example { persistModel: false }
   */
  persistModel?: boolean;
  /**
   * Cache API cache name for model files.
   * @defaultValue `'inpage-classifier-models-v1'`
   * @example { modelCacheName: 'my-app-models' }
   */
  modelCacheName?: string;
  /**
   * Run decoding, preprocessing and inference in a Web Worker, so the page's
   * main thread stays free (no long tasks while classifying). Same API and
   * results; the classifier is a proxy ({@link ImageClassifier}) whose calls
   * are posted to the worker. Bundlers must emit the worker as an ES module
   * (Vite: `worker.format: 'es'`, which the `inpage-classifier/vite` plugin
   * sets). See docs/worker.md.
   * @defaultValue `false`
   * @example { worker: true }
   */
  worker?: boolean;
}

export interface InputLimits {
  /** Largest encoded input accepted, in bytes. @defaultValue 20 MiB */
  maxBytes: number;
  /** Largest decoded image, in pixels (read from the header before decoding). @defaultValue 50 megapixels */
  maxPixels: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };
export const DEFAULT_CACHE_ENTRIES = 500;
export const DEFAULT_TOP_K = 5;
/** Images per inference run in classifyBatch (measured: docs/benchmarks.md). */
export const DEFAULT_BATCH_SIZE = 8;
export const DEFAULT_MODEL_CACHE = 'inpage-classifier-models-v1';

/** Options with every default filled in. */
export interface ResolvedOptions {
  model: string | ModelManifest;
  baseUrl: string;
  backends: 'auto' | readonly BackendName[];
  measureBackends: 'auto' | 'always' | 'never';
  selectionBudgetMs: number;
  initTimeoutMs: number;
  rememberBackend: boolean;
  cacheEntries: number;
  cacheTtlMs: number | undefined;
  maxQueue: number;
  timeoutMs: number | undefined;
  fallbackToCache: boolean;
  onProgress: (progress: LoadProgress) => void;
  onBackendChange: (change: { from: BackendName; to: BackendName; reason: string }) => void;
  limits: InputLimits;
  background: string;
  resampling: 'antialiased' | 'canvas';
  wasmPaths: { ort: string; tfjs: string };
  wasmThreads: number;
  persistModel: boolean;
  modelCacheName: string;
}

function documentBase(): string {
  return typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href ?? 'http://localhost/';
}

export function positiveInteger(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value as number;
}

export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** The default model of the main and `/tfjs` entry points, below `assetBase`. */
export const DEFAULT_MODEL_PATH = 'models/nsfw-mobilenet-v2/manifest.json';
/** The default model of `inpage-classifier/onnx`: the ONNX twin of the same model. */
export const DEFAULT_ONNX_MODEL_PATH = 'models/nsfw-mobilenet-v2-onnx/manifest.json';

export function resolveOptions(options: ClassifierOptions = {}, defaultModel = DEFAULT_MODEL_PATH): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createClassifier(options): options must be an object (or nothing, for the default model)');
  }
  if (options.worker !== undefined && typeof options.worker !== 'boolean') throw new TypeError(`options.worker must be true or false, got ${String(options.worker)}`);
  const base = documentBase();
  const assetBase = new URL(String(options.assetBase ?? '/'), base).href;
  if (!assetBase.endsWith('/')) throw new TypeError(`options.assetBase must be a folder URL ending in "/", got ${String(options.assetBase)}`);
  const given = options.model === undefined ? new URL(defaultModel, assetBase).href : options.model;
  // Array.isArray does not narrow readonly arrays.
  if (Array.isArray(given)) throw new TypeError('options.model: a list of model tiers is chosen from by createClassifier, one model at a time');
  const model = given as string | URL | ModelManifest;
  if (typeof model !== 'string' && !(model instanceof URL) && (model === null || typeof model !== 'object')) {
    throw new TypeError('options.model must be a manifest URL or a manifest object');
  }
  if (options.resampling !== undefined && options.resampling !== 'antialiased' && options.resampling !== 'canvas') {
    throw new TypeError(`options.resampling must be 'antialiased' or 'canvas', got ${String(options.resampling)}`);
  }
  const backends = options.backends ?? 'auto';
  if (backends !== 'auto') {
    if (!Array.isArray(backends) || backends.length === 0) {
      throw new TypeError(`options.backends must be 'auto' or a non-empty list of ${ALL_BACKENDS.join(', ')}`);
    }
    for (const b of backends) {
      if (!ALL_BACKENDS.includes(b)) {
        throw new TypeError(`options.backends: unknown backend "${String(b)}"; use ${ALL_BACKENDS.join(', ')}`);
      }
    }
  }
  let cacheEntries = DEFAULT_CACHE_ENTRIES;
  let cacheTtlMs: number | undefined;
  if (options.cache === false) cacheEntries = 0;
  else if (options.cache !== undefined) {
    cacheEntries = positiveInteger('options.cache.maxEntries', options.cache.maxEntries);
    if (options.cache.ttlMs !== undefined) cacheTtlMs = positiveNumber('options.cache.ttlMs', options.cache.ttlMs);
  }

  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  positiveNumber('options.limits.maxBytes', limits.maxBytes);
  positiveNumber('options.limits.maxPixels', limits.maxPixels);

  const hardware = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  const wasmThreads = options.wasmThreads ?? Math.min(4, hardware);
  positiveInteger('options.wasmThreads', wasmThreads);

  const measureBackends = options.measureBackends ?? 'auto';
  if (!['auto', 'always', 'never'].includes(measureBackends)) {
    throw new TypeError(`options.measureBackends must be 'auto', 'always' or 'never', got ${String(measureBackends)}`);
  }
  return {
    model: model instanceof URL ? model.href : model,
    measureBackends,
    selectionBudgetMs: positiveNumber('options.selectionBudgetMs', options.selectionBudgetMs ?? 1500),
    initTimeoutMs: positiveNumber('options.initTimeoutMs', options.initTimeoutMs ?? 60_000),
    rememberBackend: options.rememberBackend ?? true,
    cacheTtlMs,
    maxQueue: positiveInteger('options.maxQueue', options.maxQueue ?? 1000),
    timeoutMs: options.timeoutMs === undefined ? undefined : positiveNumber('options.timeoutMs', options.timeoutMs),
    fallbackToCache: options.fallbackToCache ?? false,
    baseUrl: new URL(String(options.baseUrl ?? base), base).href,
    backends,
    cacheEntries,
    onProgress: options.onProgress ?? (() => {}),
    onBackendChange: options.onBackendChange ?? (() => {}),
    limits,
    background: options.background ?? '#ffffff',
    resampling: options.resampling ?? 'antialiased',
    wasmPaths: {
      ort: new URL(options.wasmPaths?.ort ?? 'wasm/ort/', options.wasmPaths?.ort ? base : assetBase).href,
      tfjs: new URL(options.wasmPaths?.tfjs ?? 'wasm/tfjs/', options.wasmPaths?.tfjs ? base : assetBase).href,
    },
    wasmThreads,
    persistModel: options.persistModel ?? true,
    modelCacheName: options.modelCacheName ?? DEFAULT_MODEL_CACHE,
  };
}
