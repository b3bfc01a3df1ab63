/**
 * Validates createClassifier options and fills in every default: a bad
 * option is a TypeError naming it (like lru-cache does), thrown before
 * anything is downloaded. The deprecated flat option names (0.1) are mapped
 * onto their groups here and nowhere else; where both are given, the grouped
 * one wins.
 */
import {
  ALL_BACKENDS, type CacheOptions, type ClassifierOptions, type CustomPreprocess, DEFAULT_LIMITS, DEFAULT_MODEL_PATH, DEFAULTS, type ModelSource, positiveInteger, positiveNumber, type ResolvedOptions, type ResolvedRemote,
} from './options.js';
import type { ModelManifest } from './types.js';

function documentBase(): string {
  return typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href ?? 'http://localhost/';
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new TypeError(`${name} must be ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  return value as T;
}

function object(name: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object')) throw new TypeError(`${name} must be an object, got ${String(value)}`);
}

/** A manifest (or model folder) URL made absolute, or the manifest object as it is. */
function modelRef(name: string, model: unknown, base: string): string | ModelManifest {
  if (typeof model === 'string' || model instanceof URL) return new URL(String(model), base).href;
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw new TypeError(`${name} must be a manifest URL, a model folder URL or a manifest object`);
  return model as ModelManifest;
}

/** The 0.1 flat names, moved into their groups (grouped values win). */
function upgradeLegacy(o: ClassifierOptions): ClassifierOptions {
  const listed = Array.isArray(o.model) ? (o.model as readonly ModelSource[]) : null;
  // Only the legacy names actually given; a group's own values win over them.
  const merge = <T extends object>(group: T | undefined, legacy: Partial<T>): T | undefined => {
    const given = Object.fromEntries(Object.entries(legacy).filter(([, v]) => v !== undefined));
    return Object.keys(given).length ? ({ ...given, ...group } as T) : group;
  };
  return {
    ...o,
    model: listed ? undefined : o.model,
    tiers: o.tiers ?? (listed ? { models: listed, ...(o.latencyBudgetMs !== undefined ? { latencyBudgetMs: o.latencyBudgetMs } : {}) } : undefined),
    selection: merge(o.selection, { measure: o.measureBackends, budgetMs: o.selectionBudgetMs, initTimeoutMs: o.initTimeoutMs, remember: o.rememberBackend }),
    calls: merge(o.calls, { maxQueue: o.maxQueue, timeoutMs: o.timeoutMs }),
    preprocessing: merge(o.preprocessing, { background: o.background, resampling: o.resampling }),
    wasm: merge(o.wasm, { paths: o.wasmPaths, threads: o.wasmThreads }),
    modelCache: o.modelCache ?? (o.persistModel === false ? false : merge(undefined, { name: o.modelCacheName })),
    cache: o.cache === false ? false : merge(o.cache, { fallbackToCache: o.fallbackToCache }),
  };
}

/** `preprocessing.custom`: a function, a batch-1 shape and a channel count the engines can feed; never for a worker. */
function checkCustom(custom: CustomPreprocess, inWorker: boolean): CustomPreprocess {
  if (typeof custom.run !== 'function') throw new TypeError('options.preprocessing.custom.run must be a function ({ data, width, height }) => Float32Array');
  if (inWorker) throw new TypeError('options.preprocessing.custom cannot run in a worker (a function cannot be sent there): drop worker: true, or express the preprocessing in the manifest');
  const [n, ...dims] = custom.shape ?? [];
  if (n !== 1 || dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`options.preprocessing.custom.shape must be [1, C, H, W] or [1, H, W, C] with positive integers, got ${JSON.stringify(custom.shape)}`);
  }
  const channels = custom.layout === 'NCHW' ? dims[0]! : custom.layout === 'NHWC' ? dims[2]! : Number.NaN;
  if (![1, 3, 4].includes(channels)) throw new TypeError(`options.preprocessing.custom: layout must be 'NCHW' or 'NHWC' and the channel count 1, 3 or 4 (shape ${JSON.stringify(custom.shape)}, layout ${String(custom.layout)})`);
  return custom;
}

/**
 * @param defaultModel - the entry point's default model, below `assetBase`
 * @throws TypeError naming the option
 */
export function resolveOptions(options: ClassifierOptions = {}, defaultModel = DEFAULT_MODEL_PATH): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createClassifier(options): options must be an object (or nothing, for the default model)');
  }
  const o = upgradeLegacy(options);
  for (const group of ['tiers', 'selection', 'cache', 'calls', 'metrics', 'remote', 'limits', 'preprocessing', 'wasm', 'modelCache'] as const) {
    if (o[group] !== false) object(`options.${group}`, o[group]);
  }
  if (o.worker !== undefined && typeof o.worker !== 'boolean' && o.worker !== 'auto') throw new TypeError(`options.worker must be true, false or 'auto', got ${String(o.worker)}`);
  const base = documentBase();
  const assetBase = new URL(String(o.assetBase ?? '/'), base).href;
  if (!assetBase.endsWith('/')) throw new TypeError(`options.assetBase must be a folder URL ending in "/", got ${String(o.assetBase)}`);
  const baseUrl = new URL(String(o.baseUrl ?? base), base).href;

  let tiers: ResolvedOptions['tiers'] = null;
  if (o.tiers) {
    if (!Array.isArray(o.tiers.models) || o.tiers.models.length === 0) {
      throw new TypeError('options.tiers.models must list at least one manifest URL or object (largest first)');
    }
    tiers = {
      // Relative manifest URLs resolve against baseUrl, as a single model's do.
      models: o.tiers.models.map((m, i) => modelRef(`options.tiers.models[${i}]`, m, baseUrl)),
      latencyBudgetMs: positiveNumber('options.tiers.latencyBudgetMs', o.tiers.latencyBudgetMs ?? DEFAULTS.latencyBudgetMs),
    };
  }
  const model = o.model === undefined ? new URL(defaultModel, assetBase).href : modelRef('options.model', o.model, baseUrl);

  const backends = o.backends ?? 'auto';
  if (backends !== 'auto') {
    if (!Array.isArray(backends) || backends.length === 0) {
      throw new TypeError(`options.backends must be 'auto' or a non-empty list of ${ALL_BACKENDS.join(', ')}`);
    }
    for (const b of backends) {
      if (!ALL_BACKENDS.includes(b)) throw new TypeError(`options.backends: unknown backend "${String(b)}"; use ${ALL_BACKENDS.join(', ')}`);
    }
  }

  const s = o.selection ?? {};
  const c: CacheOptions = o.cache === false ? {} : o.cache ?? {};
  const calls = o.calls ?? {};
  const metrics = o.metrics ?? {};
  if (metrics.userTiming !== undefined && typeof metrics.userTiming !== 'boolean') throw new TypeError(`options.metrics.userTiming must be true or false, got ${String(metrics.userTiming)}`);
  const p = o.preprocessing ?? {};
  const w = o.wasm ?? {};
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  positiveNumber('options.limits.maxBytes', limits.maxBytes);
  positiveNumber('options.limits.maxPixels', limits.maxPixels);
  const hardware = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  if (p.background !== undefined && typeof p.background !== 'string') throw new TypeError(`options.preprocessing.background must be a CSS colour string, got ${String(p.background)}`);
  const modelCacheName = o.modelCache === false ? null : o.modelCache?.name ?? DEFAULTS.modelCacheName;
  if (modelCacheName !== null && (typeof modelCacheName !== 'string' || modelCacheName === '')) throw new TypeError(`options.modelCache.name must be a non-empty string, got ${String(modelCacheName)}`);

  return {
    model,
    tiers,
    integrity: oneOf('options.integrity', o.integrity ?? DEFAULTS.integrity, ['sha256', 'none'] as const),
    baseUrl,
    backends,
    selection: {
      measure: oneOf('options.selection.measure', s.measure ?? DEFAULTS.selection.measure, ['auto', 'always', 'never'] as const),
      budgetMs: positiveNumber('options.selection.budgetMs', s.budgetMs ?? DEFAULTS.selection.budgetMs),
      initTimeoutMs: positiveNumber('options.selection.initTimeoutMs', s.initTimeoutMs ?? DEFAULTS.selection.initTimeoutMs),
      remember: s.remember ?? DEFAULTS.selection.remember,
    },
    cache: {
      maxEntries: o.cache === false ? 0 : positiveInteger('options.cache.maxEntries', c.maxEntries ?? DEFAULTS.cache.maxEntries),
      ttlMs: c.ttlMs === undefined ? undefined : positiveNumber('options.cache.ttlMs', c.ttlMs),
      fallbackToCache: c.fallbackToCache ?? DEFAULTS.cache.fallbackToCache,
    },
    calls: {
      maxQueue: positiveInteger('options.calls.maxQueue', calls.maxQueue ?? DEFAULTS.calls.maxQueue),
      timeoutMs: calls.timeoutMs === undefined ? undefined : positiveNumber('options.calls.timeoutMs', calls.timeoutMs),
    },
    remote: resolveRemote(o.remote, base),
    metrics: {
      window: positiveInteger('options.metrics.window', metrics.window ?? DEFAULTS.metrics.window),
      userTiming: metrics.userTiming ?? DEFAULTS.metrics.userTiming,
    },
    limits,
    preprocessing: {
      background: p.background ?? DEFAULTS.preprocessing.background,
      resampling: oneOf('options.preprocessing.resampling', p.resampling ?? DEFAULTS.preprocessing.resampling, ['antialiased', 'canvas'] as const),
      custom: p.custom ? checkCustom(p.custom, o.worker === true) : null,
    },
    wasm: {
      paths: {
        ort: new URL(w.paths?.ort ?? 'wasm/ort/', w.paths?.ort ? base : assetBase).href,
        tfjs: new URL(w.paths?.tfjs ?? 'wasm/tfjs/', w.paths?.tfjs ? base : assetBase).href,
      },
      threads: positiveInteger('options.wasm.threads', w.threads ?? Math.min(DEFAULTS.maxWasmThreads, hardware)),
    },
    modelCache: modelCacheName === null ? null : { name: modelCacheName },
    worker: o.worker ?? DEFAULTS.worker,
    onProgress: o.onProgress ?? (() => {}),
    onBackendChange: o.onBackendChange ?? (() => {}),
  };
}

/** `remote`, checked: a URL, a known protocol, sane numbers. */
function resolveRemote(remote: ClassifierOptions['remote'], base: string): ResolvedRemote | null {
  if (remote === undefined) return null;
  object('options.remote', remote);
  if (typeof remote.url !== 'string' || remote.url === '') throw new TypeError('options.remote.url must be the inference server\'s URL, e.g. \'http://127.0.0.1:8787\'');
  const headers = remote.headers ?? {};
  object('options.remote.headers', headers);
  for (const [k, v] of Object.entries(headers)) if (typeof v !== 'string') throw new TypeError(`options.remote.headers["${k}"] must be a string`);
  if (remote.model !== undefined && (typeof remote.model !== 'string' || remote.model === '')) throw new TypeError('options.remote.model must be a non-empty string (the model\'s name on the server)');
  if (remote.version !== undefined && (typeof remote.version !== 'string' || remote.version === '')) throw new TypeError('options.remote.version must be a non-empty string');
  const retries = remote.retries ?? DEFAULTS.remote.retries;
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError(`options.remote.retries must be a whole number ≥ 0, got ${String(remote.retries)}`);
  return {
    url: new URL(remote.url, base).href,
    protocol: oneOf('options.remote.protocol', remote.protocol, ['v2', 'tfserving', 'image'] as const),
    upload: oneOf('options.remote.upload', remote.upload ?? 'raw', ['raw', 'multipart'] as const),
    response: oneOf('options.remote.response', remote.response ?? 'auto', ['auto', 'scores', 'top', 'labels', 'class-confidence'] as const),
    model: remote.model ?? '',
    version: remote.version,
    headers: { ...headers },
    timeoutMs: positiveNumber('options.remote.timeoutMs', remote.timeoutMs ?? DEFAULTS.remote.timeoutMs),
    retries,
    maxBatch: positiveInteger('options.remote.maxBatch', remote.maxBatch ?? DEFAULTS.remote.maxBatch),
    maxConcurrent: positiveInteger('options.remote.maxConcurrent', remote.maxConcurrent ?? DEFAULTS.remote.maxConcurrent),
    fallback: oneOf('options.remote.fallback', remote.fallback ?? 'none', ['local', 'none'] as const),
  };
}
