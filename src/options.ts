/**
 * createClassifier options, grouped by concern the way MediaPipe's task
 * options are (`selection`, `cache`, `calls`, `wasm`, `modelCache`, `tiers`
 * …), with every default in {@link DEFAULTS}. Validation and the mapping of
 * the deprecated flat names live in resolve-options.ts.
 */
import type { BackendName, LoadProgress, LocalBackendName, ModelManifest } from './types.js';

/** Every backend, in the order 'auto' would try hardware GPUs. */
export const ALL_BACKENDS: readonly LocalBackendName[] = ['webgpu', 'webgl', 'wasm'];

/** A model: the URL of its `manifest.json`, or the manifest object. */
export type ModelSource = string | URL | ModelManifest;

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
   * URL of a `manifest.json`, a model folder, or the manifest object (then set `baseUrl` for its files).
   * A folder URL (ending in `/`, or not ending in `.json`) loads `<folder>/manifest.json`; a folder
   * without one that holds a raw Hugging Face (`config.json` + `preprocessor_config.json` +
   * `onnx/model.onnx`) or Teachable Machine (`metadata.json` + `model.json`) download loads only
   * with `integrity: 'none'` (else `MANIFEST_INVALID` naming `npx inpage-classifier pack`). A bare
   * `.onnx` URL is refused (`MANIFEST_INVALID`): nothing says how to preprocess for it.
   * @defaultValue the entry point's default model below `assetBase`: the ONNX
   * twin `models/nsfw-mobilenet-v2-onnx/manifest.json` (main entry and
   * `inpage-classifier/onnx`; the fastest path measured), or the tfjs
   * `models/nsfw-mobilenet-v2/manifest.json` from `inpage-classifier/tfjs`
   * @example { model: '/models/nsfw-mobilenet-v2-onnx/manifest.json' }
   */
  model?: ModelSource | readonly ModelSource[];
  /**
   * `'sha256'`: every model file is checked against the manifest's SHA-256
   * before it runs (`MODEL_INTEGRITY` on a mismatch), and only verified files
   * are kept in the model cache. `'none'` opts out: files are downloaded
   * without any hash check and never written to the model cache, a manifest
   * may omit `sha256`, and a model folder without a manifest (a raw Hugging
   * Face or Teachable Machine download) loads through the same adapters as
   * `npx inpage-classifier pack`. The loaded manifest then says so in
   * `clf.manifest.unverified` (nothing is logged). HTML pages, Git LFS
   * pointers and empty files are refused either way (`MODEL_LOAD_FAILED`).
   * Prefer `pack`, which writes the hashes, for anything you ship.
   * @defaultValue `'sha256'`
   * @example { model: '/models/my-hf-download/', integrity: 'none' }
   */
  integrity?: 'sha256' | 'none';
  /**
   * Model tiers for the same task, largest first: the largest whose inference
   * fits `latencyBudgetMs` on this device is used (the smallest whatever it
   * measures); `stats().tiers` says what each measured. Replaces `model`.
   * @defaultValue none (one model)
   * @example { tiers: { models: ['/models/nsfw-inception-v3/manifest.json', '/models/nsfw-mobilenet-v2/manifest.json'], latencyBudgetMs: 80 } }
   */
  tiers?: TierOptions;
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
  backends?: 'auto' | readonly LocalBackendName[];
  /**
   * How `'auto'` chooses and remembers the backend, and how long one may take to start.
   * @defaultValue `{ measure: 'auto', budgetMs: 1500, initTimeoutMs: 60000, remember: true }`
   * @example { selection: { measure: 'never', remember: false } }
   */
  selection?: SelectionOptions;
  /**
   * Result cache (scores by image content + model version); `false` stores
   * nothing (identical images in flight are still computed once).
   * @defaultValue `{ maxEntries: 500, fallbackToCache: false }` (no ttl)
   * @example { cache: { maxEntries: 100, ttlMs: 60_000 } }
   */
  cache?: false | CacheOptions;
  /**
   * Queue bound and default deadline of every call.
   * @defaultValue `{ maxQueue: 1000 }` (no timeout)
   * @example { calls: { maxQueue: 50, timeoutMs: 2000 } }
   */
  calls?: CallOptions;
  /**
   * What `stats()` keeps for monitoring, and User Timing entries
   * (`inpage-classifier:decode`, `:preprocess`, `:inference`, `:classify`)
   * for the performance panel and RUM tools.
   * @defaultValue `{ window: 1000, userTiming: false }`
   * @example { metrics: { userTiming: true } }
   */
  metrics?: MetricsOptions;
  /**
   * Run the model on an inference server instead of in the page: the page
   * still decodes and preprocesses (so an answer equals a local one on the
   * same tensor) and posts the tensor. Nothing is sent anywhere unless this
   * is set. See docs/serving.md.
   * @defaultValue none (everything runs in the page)
   * @example { remote: { url: 'https://models.example.com', protocol: 'v2', fallback: 'local' } }
   */
  remote?: RemoteOptions;
  /**
   * Input limits, checked before decoding; larger inputs reject with `INPUT_TOO_LARGE`.
   * @defaultValue `{ maxBytes: 20 MiB, maxPixels: 50_000_000 }` ({@link DEFAULT_LIMITS})
   * @example { limits: { maxBytes: 5 * 1024 * 1024 } }
   */
  limits?: Partial<InputLimits>;
  /**
   * How images become model input beyond what the manifest fixes.
   * @defaultValue `{ background: '#ffffff', resampling: 'antialiased' }`
   * @example { preprocessing: { resampling: 'canvas' } }
   */
  preprocessing?: PreprocessingOptions;
  /**
   * The WASM runtimes: where their binaries are served and how many threads ORT uses.
   * @defaultValue `{ paths: { ort: assetBase + 'wasm/ort/', tfjs: assetBase + 'wasm/tfjs/' }, threads: min(4, cores) }`
   * @example { wasm: { paths: { ort: '/static/ort/' }, threads: 1 } }
   */
  wasm?: WasmOptions;
  /**
   * Keep downloaded model files in the Cache API (checked against sha256 on
   * every load) so later loads work offline; `false` downloads every time.
   * @defaultValue `{ name: 'inpage-classifier-models-v1' }`
   * @example { modelCache: { name: 'my-app-models' } }
   */
  modelCache?: false | ModelCacheOptions;
  /**
   * Run decoding, preprocessing and inference in a Web Worker, so the page's
   * main thread stays free (no long tasks while classifying). Same API and
   * results; the classifier is a proxy whose calls are posted to the worker.
   * 'auto': a worker where one can start (in a window, with no
   * `preprocessing.custom` function; a worker script that fails to load falls
   * back to the page), else the page; `classifier.worker` says which and why.
   * `true`: a worker or an error; `false`: the page. See docs/worker.md.
   * @defaultValue `'auto'`
   * @example { worker: 'auto' }
   */
  worker?: boolean | 'auto';
  /**
   * Model download, verification and warm-up progress: phases
   * `manifest → download → verify → init → warmup → ready`, bytes while downloading.
   * @defaultValue none
   * @example { onProgress: ({ phase, loaded, total }) => console.log(phase, loaded, total) }
   */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Gives up on creating the classifier: the promise rejects with `ABORTED` at
   * once, and a classifier that finishes starting anyway (a download or
   * warm-up cannot be cut short) is disposed as soon as it exists, worker
   * included. For an effect cleanup that runs while the model still loads
   * (React StrictMode runs every effect twice in dev).
   * @defaultValue none
   * @example
   * const controller = new AbortController();
   * createClassifier({ signal: controller.signal }).catch(() => {});
   * controller.abort(); // e.g. in the effect's cleanup
   */
  signal?: AbortSignal;
  /**
   * Called when a lost GPU moved the classifier to another backend (also a `backendchange` event).
   * @defaultValue none
   * @example { onBackendChange: ({ from, to, reason }) => console.warn(from, '→', to, reason) }
   */
  onBackendChange?: (change: { from: BackendName; to: BackendName; reason: string }) => void;

  /** @deprecated use `tiers.latencyBudgetMs` (removed in 0.3). @defaultValue `100` @example { tiers: { models, latencyBudgetMs: 50 } } */
  latencyBudgetMs?: number;
  /** @deprecated use `selection.measure` (removed in 0.3). @defaultValue `'auto'` @example { selection: { measure: 'never' } } */
  measureBackends?: 'auto' | 'always' | 'never';
  /** @deprecated use `selection.budgetMs` (removed in 0.3). @defaultValue `1500` @example { selection: { budgetMs: 3000 } } */
  selectionBudgetMs?: number;
  /** @deprecated use `selection.initTimeoutMs` (removed in 0.3). @defaultValue `60000` @example { selection: { initTimeoutMs: 20_000 } } */
  initTimeoutMs?: number;
  /** @deprecated use `selection.remember` (removed in 0.3). @defaultValue `true` @example { selection: { remember: false } } */
  rememberBackend?: boolean;
  /** @deprecated use `calls.maxQueue` (removed in 0.3). @defaultValue `1000` @example { calls: { maxQueue: 50 } } */
  maxQueue?: number;
  /** @deprecated use `calls.timeoutMs` (removed in 0.3). @defaultValue none @example { calls: { timeoutMs: 2000 } } */
  timeoutMs?: number;
  /** @deprecated use `cache.fallbackToCache` (removed in 0.3). @defaultValue `false` @example { cache: { fallbackToCache: true } } */
  fallbackToCache?: boolean;
  /** @deprecated use `preprocessing.background` (removed in 0.3). @defaultValue `'#ffffff'` @example { preprocessing: { background: '#000' } } */
  background?: string;
  /** @deprecated use `preprocessing.resampling` (removed in 0.3). @defaultValue `'antialiased'` @example { preprocessing: { resampling: 'canvas' } } */
  resampling?: Resampling;
  /** @deprecated use `wasm.paths` (removed in 0.3). @defaultValue below `assetBase` @example { wasm: { paths: { ort: '/static/ort/' } } } */
  wasmPaths?: { ort?: string; tfjs?: string };
  /** @deprecated use `wasm.threads` (removed in 0.3). @defaultValue `min(4, cores)` @example { wasm: { threads: 2 } } */
  wasmThreads?: number;
  /** @deprecated use `modelCache: false` (removed in 0.3). @defaultValue `true` @example { modelCache: false } */
  persistModel?: boolean;
  /** @deprecated use `modelCache.name` (removed in 0.3). @defaultValue `'inpage-classifier-models-v1'` @example { modelCache: { name: 'my-app-models' } } */
  modelCacheName?: string;
}

/** `tiers`: several models for one task, largest first. */
export interface TierOptions {
  /** Manifest URLs or objects, largest first (at least one). */
  models: readonly ModelSource[];
  /** The most one inference may take (median of timed runs after warm-up, in ms) for a tier to be chosen. @defaultValue 100 */
  latencyBudgetMs?: number;
}

/** `selection`: how the backend is chosen. */
export interface SelectionOptions {
  /**
   * With `backends: 'auto'`: time the plausible backends against each other when
   * the probes cannot decide (an integrated or unrecognised GPU vs WASM);
   * 'always' times every available candidate; 'never' takes the first that works.
   * @defaultValue 'auto'
   */
  measure?: 'auto' | 'always' | 'never';
  /** Total time the measured choice may spend initialising candidates, in ms. @defaultValue 1500 */
  budgetMs?: number;
  /**
   * Longest one backend may take to initialise and pass its warm-up, in ms;
   * past it the backend counts as failed (with the reason) and the next is
   * tried, so a runtime stuck loading (a blocked wasm or worker script, a GPU
   * driver that never answers) cannot hang createClassifier. Generous
   * because an emulated WebGPU compiles its shaders for 10–25 s.
   * @defaultValue 60000
   */
  initTimeoutMs?: number;
  /** Remember the backend 'auto' chose for this device + model (localStorage) and start there next time; see `clearSelectionCache()`. @defaultValue true */
  remember?: boolean;
}

/** `cache`: the result cache. */
export interface CacheOptions {
  /** Most results kept; the least recently used is evicted first. @defaultValue 500 */
  maxEntries?: number;
  /** Entries older than this are recomputed, but can still answer a timed-out call with `fallbackToCache`. @defaultValue none */
  ttlMs?: number;
  /** On `TIMEOUT`, answer with a cached (possibly expired) result for the same image, marked `stale: true`. A call's own option overrides it. @defaultValue false */
  fallbackToCache?: boolean;
}

/** `calls`: limits of every classify call. */
export interface CallOptions {
  /** Most calls waiting or running at once; more reject with `QUEUE_FULL`. @defaultValue 1000 */
  maxQueue?: number;
  /** Default per-call deadline in ms (queue wait included); `TIMEOUT` after it. A call's own `timeoutMs` overrides it. @defaultValue none */
  timeoutMs?: number;
}

/** `remote`: where the inference server is and how to talk to it. */
export interface RemoteOptions {
  /** The server's base URL (e.g. `http://127.0.0.1:8787`, or KServe's `https://host/`). */
  url: string;
  /**
   * 'v2': Open Inference Protocol V2 (KServe, Triton, MLServer, OpenVINO); 'tfserving': TF Serving REST
   * (both: the page preprocesses and posts the tensor); 'image': an image-bytes endpoint such as a
   * FastAPI `/predict` (`url` is the endpoint; the file is posted, the server preprocesses).
   */
  protocol: 'v2' | 'tfserving' | 'image';
  /** 'image' only: the body is the file itself ('raw') or `multipart/form-data` with it in field `file`. @defaultValue 'raw' */
  upload?: 'raw' | 'multipart';
  /**
   * 'image' only: the answer's shape. 'auto' recognises `{ scores: [...] }`, `{ top: [{ index | label, score }] }`,
   * `[{ label, score }]` and `{ class_id, confidence }`; or pass one of those names.
   * @defaultValue 'auto'
   */
  response?: 'auto' | 'scores' | 'top' | 'labels' | 'class-confidence';
  /** The model's name on the server. @defaultValue the manifest's `name` */
  model?: string;
  /** A model version on the server. @defaultValue the server's default */
  version?: string;
  /** Sent with every request (e.g. `{ authorization: 'Bearer …' }`). */
  headers?: Record<string, string>;
  /** Per request. @defaultValue 30000 */
  timeoutMs?: number;
  /** Further attempts on 5xx, 429 and network failures (backoff 200 ms, 400 ms, … or Retry-After). @defaultValue 2 */
  retries?: number;
  /** Most images per request (classifyBatch). @defaultValue 16 */
  maxBatch?: number;
  /**
   * Requests in flight at once: overlapping `classify` calls and a batch's
   * requests (`maxBatch` images each) go out side by side instead of one after
   * another; the page still decodes and preprocesses one image at a time. A
   * local backend that takes over after a fallback runs one call at a time.
   * @defaultValue 4
   */
  maxConcurrent?: number;
  /**
   * 'local': when the server cannot be reached (at start, or later after the
   * retries), run in the page instead, as after a lost GPU (the model files
   * are downloaded for it); 'none': REMOTE_FAILED. @defaultValue 'none'
   */
  fallback?: 'local' | 'none';
}

/** `remote` with every default filled in. */
export interface ResolvedRemote {
  url: string;
  protocol: 'v2' | 'tfserving' | 'image';
  upload: 'raw' | 'multipart';
  response: 'auto' | 'scores' | 'top' | 'labels' | 'class-confidence';
  /** '' until the manifest is known: then its name. */
  model: string;
  version: string | undefined;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  maxBatch: number;
  maxConcurrent: number;
  fallback: 'local' | 'none';
}

/** `metrics`: latency percentiles and User Timing. */
export interface MetricsOptions {
  /** Latest calls the latency percentiles of `stats()` are taken over. @defaultValue 1000 */
  window?: number;
  /**
   * `performance.measure` entries for each stage of each computed call and
   * for each call (details: backend, model, image size; cost measured in
   * docs/benchmarks.md). @defaultValue false
   */
  userTiming?: boolean;
}

export type Resampling = 'antialiased' | 'canvas';

/** `preprocessing`: what the manifest does not fix. */
export interface PreprocessingOptions {
  /** Colour transparent pixels are composited on (CSS colour). @defaultValue '#ffffff' */
  background?: string;
  /**
   * 'antialiased': a triangle filter like PIL/torchvision (matches a Python
   * server's preprocessing; costs a few ms of JS per image); 'canvas': one
   * drawImage (faster, drifts from server results).
   * @defaultValue 'antialiased'
   */
  resampling?: Resampling;
  /**
   * The escape hatch for what no manifest field covers: your own function
   * makes the model tensor from the decoded image (its own size, EXIF
   * orientation and alpha handled per the manifest), and `shape` says what it
   * returns. The manifest's size/layout/channels are then replaced by
   * `shape`'s; the rest of it (labels, output) still applies. Runs in the page
   * (functions cannot be sent to a worker: `worker: true` is a TypeError).
   * @defaultValue none
   * @example { preprocessing: { custom: { shape: [1, 64, 64, 1], layout: 'NHWC', run: ({ data, width, height }) => myGrayscale(data, width, height) } } }
   */
  custom?: CustomPreprocess;
}

/** {@link PreprocessingOptions.custom}: a tensor from the decoded image's RGBA. */
export interface CustomPreprocess {
  /** The tensor `run` returns, batch 1 first: [1, C, H, W] for NCHW, [1, H, W, C] for NHWC (C: 1, 3 or 4). */
  shape: readonly [1, number, number, number];
  layout: 'NCHW' | 'NHWC';
  /** Straight RGBA bytes at the image's own size (opaque unless the manifest's alpha is 'drop'); must return shape's element count. */
  run(image: { data: Uint8ClampedArray; width: number; height: number }): Float32Array;
}

/** `wasm`: the WASM runtimes. */
export interface WasmOptions {
  /** Folder URLs the wasm binaries are served from (the app's own files, never a CDN). @defaultValue below `assetBase`: `wasm/ort/`, `wasm/tfjs/` */
  paths?: { ort?: string; tfjs?: string };
  /**
   * onnxruntime-web WASM threads; used only when the page is cross-origin
   * isolated (tfjs's wasm backend always runs one). onnxruntime-web reads it
   * once per page, at its first session: a later classifier asking for
   * another number runs with the first one's, and `capabilities` says so.
   * Measured on 2 cores (docs/performance.md): 2 threads ran MobileNetV2 1.8x
   * faster than 1 on an idle machine but 1.9x slower than 1 while other
   * processes kept both cores busy; set 1 where the page shares the CPU.
   * @defaultValue min(4, navigator.hardwareConcurrency)
   */
  threads?: number;
}

/** `modelCache`: where downloaded model files are kept for offline use. */
export interface ModelCacheOptions {
  /** Cache API cache name. @defaultValue 'inpage-classifier-models-v1' */
  name?: string;
}

export interface InputLimits {
  /** Largest encoded input accepted, in bytes. @defaultValue 20 MiB */
  maxBytes: number;
  /** Largest decoded image, in pixels (read from the header before decoding). @defaultValue 50 megapixels */
  maxPixels: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };
export const DEFAULT_TOP_K = 5;
/** Images per inference run in classifyBatch (measured: docs/benchmarks.md). */
export const DEFAULT_BATCH_SIZE = 8;

/** Every default, in one place (the TSDoc above repeats them for readers). */
export const DEFAULTS = {
  latencyBudgetMs: 100,
  selection: { measure: 'auto', budgetMs: 1500, initTimeoutMs: 60_000, remember: true },
  cache: { maxEntries: 500, fallbackToCache: false },
  calls: { maxQueue: 1000 },
  metrics: { window: 1000, userTiming: false },
  remote: { timeoutMs: 30_000, retries: 2, maxBatch: 16, maxConcurrent: 4 },
  preprocessing: { background: '#ffffff', resampling: 'antialiased' },
  maxWasmThreads: 4,
  modelCacheName: 'inpage-classifier-models-v1',
  integrity: 'sha256',
  // A worker where one can start (issue 16 §4: no long task on the page's main thread).
  worker: 'auto',
} as const;

/** The default model of `inpage-classifier/tfjs`, below `assetBase`. */
export const DEFAULT_MODEL_PATH = 'models/nsfw-mobilenet-v2/manifest.json';
/** The default model of the main entry and `inpage-classifier/onnx`: the ONNX twin of the same model (faster: docs/performance.md). */
export const DEFAULT_ONNX_MODEL_PATH = 'models/nsfw-mobilenet-v2-onnx/manifest.json';

/**
 * Options with every default filled in and every URL absolute: plain data
 * (besides the two callbacks), so the worker mode can post it as it is.
 */
export interface ResolvedOptions {
  model: string | ModelManifest;
  tiers: { models: (string | ModelManifest)[]; latencyBudgetMs: number } | null;
  integrity: 'sha256' | 'none';
  baseUrl: string;
  backends: 'auto' | readonly LocalBackendName[];
  selection: Required<SelectionOptions>;
  /** maxEntries 0: the cache is off. */
  cache: { maxEntries: number; ttlMs: number | undefined; fallbackToCache: boolean };
  calls: { maxQueue: number; timeoutMs: number | undefined };
  metrics: Required<MetricsOptions>;
  remote: ResolvedRemote | null;
  limits: InputLimits;
  preprocessing: Required<Omit<PreprocessingOptions, 'custom'>> & { custom: CustomPreprocess | null };
  wasm: { paths: { ort: string; tfjs: string }; threads: number };
  /** null: model files are not kept. */
  modelCache: { name: string } | null;
  worker: boolean | 'auto';
  onProgress: (progress: LoadProgress) => void;
  onBackendChange: (change: { from: BackendName; to: BackendName; reason: string }) => void;
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
