/**
 * createClassifier options, with every default in one place and validated up
 * front (a bad option is a TypeError naming it, like lru-cache does).
 */
import type { BackendName, LoadProgress, ModelManifest } from './types.js';

export const ALL_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm'];

export interface ClassifierOptions {
  /** URL of a `manifest.json`, or the manifest object (then set `baseUrl` for its files). */
  model: string | URL | ModelManifest;
  /** Where a manifest object's files live. @defaultValue the document's base URL */
  baseUrl?: string | URL;
  /**
   * `'auto'`: hardware WebGPU → hardware WebGL → WASM → software (emulated) GPUs,
   * so an emulated GPU never wins over WASM. An explicit list is tried exactly
   * in the given order. @defaultValue 'auto'
   */
  backends?: 'auto' | readonly BackendName[];
  /**
   * With 'auto': time the plausible backends against each other when the
   * probes cannot decide (an integrated or unrecognised GPU vs WASM).
   * 'always' times every available candidate; 'never' takes the first that
   * works. @defaultValue 'auto'
   */
  measureBackends?: 'auto' | 'always' | 'never';
  /** Total time the measured choice may spend initialising candidates. @defaultValue 1500 */
  selectionBudgetMs?: number;
  /**
   * Remember the backend 'auto' chose for this device + model (localStorage)
   * and start there next time; see clearSelectionCache(). @defaultValue true
   */
  rememberBackend?: boolean;
  /**
   * Result cache; `false` disables it. `ttlMs`: entries older than this are
   * recomputed, but can still answer a timed-out call with `fallbackToCache`.
   * @defaultValue { maxEntries: 500 } (no ttl)
   */
  cache?: false | { maxEntries: number; ttlMs?: number };
  /** Most calls waiting or running at once; more reject with QUEUE_FULL. @defaultValue 1000 */
  maxQueue?: number;
  /** Default per-call deadline (queue wait included); TIMEOUT after it. @defaultValue none */
  timeoutMs?: number;
  /** On TIMEOUT, answer with a cached (possibly stale) result for the same file if there is one, marked `stale`. @defaultValue false */
  fallbackToCache?: boolean;
  /** Model download, verification and warm-up progress. */
  onProgress?: (progress: LoadProgress) => void;
  /** Called when a lost GPU moved the classifier to another backend (also a `backendchange` event). */
  onBackendChange?: (change: { from: BackendName; to: BackendName; reason: string }) => void;
  /** Input limits, checked before decoding. */
  limits?: Partial<InputLimits>;
  /** Colour transparent pixels are composited on (CSS colour). @defaultValue '#ffffff' */
  background?: string;
  /**
   * How images are resized to the model input. 'antialiased': a triangle
   * filter like PIL/torchvision (matches a Python server's preprocessing;
   * costs a few ms of JS per image); 'canvas': one drawImage (faster, drifts
   * from server results). @defaultValue 'antialiased'
   */
  resampling?: 'antialiased' | 'canvas';
  /**
   * Folder URLs the wasm binaries are served from (the app's own files, never a
   * CDN). `npm ci` copies them to `public/wasm/ort/` and `public/wasm/tfjs/`.
   * @defaultValue { ort: '/wasm/ort/', tfjs: '/wasm/tfjs/' } resolved against the document
   */
  wasmPaths?: { ort?: string; tfjs?: string };
  /** WASM threads; used only when the page is cross-origin isolated. @defaultValue min(4, hardwareConcurrency) */
  wasmThreads?: number;
  /**
   * Keep downloaded model files in the Cache API (checked against sha256 on
   * every load) so later loads work offline. @defaultValue true
   */
  persistModel?: boolean;
  /** Cache API cache name. @defaultValue 'inpage-classifier-models-v1' */
  modelCacheName?: string;
}

export interface InputLimits {
  /** Largest encoded input accepted, in bytes. @defaultValue 20 MB */
  maxBytes: number;
  /** Largest decoded image, in pixels (read from the header before decoding). @defaultValue 50 megapixels */
  maxPixels: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };
export const DEFAULT_CACHE_ENTRIES = 500;
export const DEFAULT_TOP_K = 5;
export const DEFAULT_MODEL_CACHE = 'inpage-classifier-models-v1';

/** Options with every default filled in. */
export interface ResolvedOptions {
  model: string | ModelManifest;
  baseUrl: string;
  backends: 'auto' | readonly BackendName[];
  measureBackends: 'auto' | 'always' | 'never';
  selectionBudgetMs: number;
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

function positiveInteger(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value as number;
}

function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(options: ClassifierOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createClassifier(options): options must be an object with at least `model`');
  }
  const { model } = options;
  if (typeof model !== 'string' && !(model instanceof URL) && (model === null || typeof model !== 'object')) {
    throw new TypeError('options.model must be a manifest URL or a manifest object');
  }
  const base = documentBase();
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
      ort: new URL(options.wasmPaths?.ort ?? '/wasm/ort/', base).href,
      tfjs: new URL(options.wasmPaths?.tfjs ?? '/wasm/tfjs/', base).href,
    },
    wasmThreads,
    persistModel: options.persistModel ?? true,
    modelCacheName: options.modelCacheName ?? DEFAULT_MODEL_CACHE,
  };
}
