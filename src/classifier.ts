/**
 * createClassifier wires the stages: input → decode → preprocess → cache
 * lookup → engine → postprocess → result. Each stage lives in its own module;
 * this file only connects them, queues calls and owns the lifecycle.
 */
import { type BackendChange, ResilientEngine } from './backends/failover.js';
import { ResultCache } from './cache/result-cache.js';
import { throwIfAborted, withDeadline } from './call-control.js';
import type { Engine } from './engines/engine.js';
import { concatFloats } from './bytes.js';
import { ClassifierError } from './errors.js';
import type { ImageClassifier } from './image-classifier.js';
import { atInputIndex, checkImageList, decodeEncoded, describeValue, isBlob, readBlob, toDrawable } from './input/decode.js';
import type { LoadedModel } from './manifest/load.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_TOP_K, positiveInteger, type ResolvedOptions } from './options.js';
import { CanvasPreprocessor } from './preprocess/canvas.js';
import { pixelsToTensor } from './preprocess/tensor.js';
import { applyActivation, topK } from './postprocess/scores.js';
import { SerialQueue } from './queue.js';
import type {
  AdapterInfo, BackendCapability, BackendFallback, BackendName, BackendSelection, ClassificationResult, ClassifyBatchOptions, ClassifierStats, ClassifyOptions, EngineName, ImageInput, ModelManifest, TierSelection,
} from './types.js';

const now = () => performance.now();

/** What the queued work produces; each caller turns it into its own result (its topK). */
interface Computed {
  scores: Float32Array;
  cached: boolean;
  warnings: string[];
  timings: Omit<ClassificationResult['timings'], 'totalMs'>;
}
const NO_TIMINGS = { decodeMs: 0, preprocessMs: 0, inferenceMs: 0 };

/** One input decoded and preprocessed: its tensor, or its cached scores. */
type Prepared = { key: string | null; warnings: string[]; decodeMs: number; preprocessMs: number } & ({ tensor: Float32Array; hit?: undefined } | { hit: Float32Array; tensor?: undefined });

/**
 * A loaded model on a working backend. Create with {@link createClassifier}.
 * Dispatches `backendchange` (a CustomEvent whose `detail` is
 * `{ from, to, reason }`) when a lost GPU moves it to another backend.
 */
export class Classifier extends EventTarget implements ImageClassifier {
  readonly #model: LoadedModel;
  readonly #engine: ResilientEngine;
  readonly #options: ResolvedOptions;
  readonly #cache: ResultCache | null;
  readonly #canvas: CanvasPreprocessor;
  readonly #queue = new SerialQueue();
  /**
   * Encoded inputs being computed, by cache key: identical concurrent calls share one
   * computation; it is skipped (if not started) only when every caller sharing it aborted.
   */
  readonly #inflight = new Map<string, { work: Promise<Computed>; signals: (AbortSignal | undefined)[] }>();
  #runs = 0;
  #tiers: TierSelection | null = null;
  #disposed = false;

  readonly #fallbacks: BackendFallback[];
  /** What the probes found for each backend (hardware or emulated GPU, WASM SIMD/threads). */
  readonly capabilities: readonly BackendCapability[];
  /** The WebGPU adapter, if there is one (`isFallbackAdapter` true for SwiftShader). */
  readonly adapter: AdapterInfo | null;
  /** How the backend was chosen: every candidate with its class, status, measured ms or reason. */
  readonly selection: BackendSelection;

  /** @internal use createClassifier */
  constructor(init: {
    model: LoadedModel; engine: Engine; restart: (exclude: BackendName[]) => Promise<Engine>; options: ResolvedOptions;
    fallbacks: BackendFallback[]; capabilities: BackendCapability[]; adapter: AdapterInfo | null; selection: BackendSelection;
  }) {
    super();
    this.#model = init.model;
    this.#engine = new ResilientEngine(init.engine, init.restart, (change) => this.#backendChanged(change));
    this.#options = init.options;
    this.#cache = init.options.cacheEntries > 0 ? new ResultCache(init.options.cacheEntries, init.options.cacheTtlMs) : null;
    this.#canvas = new CanvasPreprocessor(init.model.manifest.input, init.options.background, init.options.resampling);
    this.#fallbacks = [...init.fallbacks];
    this.capabilities = Object.freeze([...init.capabilities]);
    this.adapter = init.adapter;
    this.selection = init.selection;
  }

  /** The backend actually running the model (changes if a GPU is lost at run time). */
  get backend(): BackendName {
    return this.#engine.current.backend;
  }

  get engine(): EngineName {
    return this.#engine.current.engine;
  }

  /** Backends not in use, with the reason each was skipped (or lost at run time). */
  get fallbacks(): readonly BackendFallback[] {
    return Object.freeze([...this.#fallbacks]);
  }

  #backendChanged(change: BackendChange): void {
    this.#fallbacks.push({ backend: change.from, reason: `lost at run time: ${change.reason}` });
    this.#options.onBackendChange(change);
    this.dispatchEvent(new CustomEvent<BackendChange>('backendchange', { detail: change }));
  }

  /** The validated manifest (defaults filled in). */
  get manifest(): Readonly<ModelManifest> {
    return this.#model.manifest;
  }

  get labels(): readonly string[] {
    return this.#model.labels;
  }

  #assertLive(): void {
    if (this.#disposed) throw new ClassifierError('DISPOSED', 'This classifier was disposed; create a new one with createClassifier().');
  }

  #result(done: Computed, options: ClassifyOptions, start: number, extra: { cached?: boolean; stale?: boolean } = {}): ClassificationResult {
    const k = options.topK ?? DEFAULT_TOP_K;
    const timings = { ...done.timings, totalMs: now() - start };
    return { top: topK(done.scores, this.#model.labels, k), scores: Float32Array.from(done.scores), backend: this.backend, engine: this.engine, cached: extra.cached ?? done.cached, stale: extra.stale ?? false, timings, warnings: done.warnings };
  }

  /** `batch` concatenated tensors in, one probability vector per image out. */
  async #infer(tensor: Float32Array, batch: number): Promise<Float32Array[]> {
    this.#runs += batch;
    const output = await this.#engine.run(tensor, batch);
    const perImage = output.length / batch;
    return Array.from({ length: batch }, (_, i) => applyActivation(output.subarray(i * perImage, (i + 1) * perImage), this.#model.manifest.output.activation));
  }

  /** Refuses work beyond `maxQueue` waiting tasks (`tasks` about to be queued). */
  #admit(tasks = 1): void {
    if (this.#queue.pending + tasks > this.#options.maxQueue) {
      throw new ClassifierError('QUEUE_FULL', `${this.#queue.pending} calls are already waiting (option maxQueue = ${this.#options.maxQueue}); retry later or raise maxQueue.`, {
        details: { pending: this.#queue.pending, maxQueue: this.#options.maxQueue },
      });
    }
  }

  /**
   * Decode and preprocess one input into the model's tensor, or find its
   * result in the cache where only the pixels can key it (canvases, bitmaps,
   * frames).
   */
  async #prepare(input: ImageInput, bytes: Uint8Array | null, key: string | null): Promise<Prepared> {
    const t0 = now();
    const drawable = bytes ? await decodeEncoded(bytes, this.#options.limits) : await toDrawable(input, this.#options.limits);
    try {
      const decoded = now();
      const pixels = this.#canvas.draw(drawable.source, drawable.width, drawable.height);
      let cacheKey = key;
      if (!cacheKey && this.#cache) {
        cacheKey = await ResultCache.key(this.#model.id, pixels.data);
        const hit = this.#cache.get(cacheKey);
        if (hit) return { hit, key: cacheKey, warnings: drawable.warnings, decodeMs: decoded - t0, preprocessMs: now() - decoded };
      }
      const tensor = pixelsToTensor(pixels.data, pixels.width, pixels.height, this.#model.manifest.input);
      return { tensor, key: cacheKey, warnings: drawable.warnings, decodeMs: decoded - t0, preprocessMs: now() - decoded };
    } finally {
      drawable.release();
    }
  }

  /** The queued part of classify: decode, preprocess, pixel-keyed cache, inference. */
  async #compute(input: ImageInput, bytes: Uint8Array | null, key: string | null, signals: readonly (AbortSignal | undefined)[]): Promise<Computed> {
    this.#assertLive();
    // Every caller aborted while waiting: skip the work.
    if (signals.every((s) => s?.aborted)) throwIfAborted(signals[0]);
    const [done] = await this.#run([await this.#prepare(input, bytes, key)]);
    return done!;
  }

  /** One inference run for every prepared tensor (cache hits pass through); results cached. */
  async #run(prepared: readonly Prepared[]): Promise<Computed[]> {
    const tensors = prepared.flatMap((p) => (p.tensor ? [p.tensor] : []));
    const t0 = now();
    const scores = tensors.length ? await this.#infer(tensors.length === 1 ? tensors[0]! : concatFloats(tensors), tensors.length) : [];
    // A batch's run time, shared out evenly between its images.
    const inferenceMs = (now() - t0) / Math.max(1, tensors.length);
    let next = 0;
    return prepared.map((p) => {
      const timings = { decodeMs: p.decodeMs, preprocessMs: p.preprocessMs };
      if (p.hit) return { scores: p.hit, cached: true, warnings: p.warnings, timings: { ...timings, inferenceMs: 0 } };
      const s = scores[next++]!;
      if (p.key) this.#cache?.set(p.key, s);
      return { scores: s, cached: false, warnings: p.warnings, timings: { ...timings, inferenceMs } };
    });
  }

  /** Encoded inputs are read and hashed before queueing: the key finds cache hits and repeats. */
  async #read(input: ImageInput): Promise<{ bytes: Uint8Array | null; key: string | null }> {
    const bytes = isBlob(input) ? await readBlob(input, this.#options.limits) : null;
    return { bytes, key: bytes ? await ResultCache.key(this.#model.id, bytes) : null };
  }

  /**
   * Classifies one image. Calls may overlap: they are queued (at most
   * `maxQueue`) and each gets its own result; identical files in flight are
   * computed once.
   * @throws ClassifierError UNSUPPORTED_INPUT, INPUT_TOO_LARGE, DECODE_FAILED, QUEUE_FULL, ABORTED, TIMEOUT, BACKEND_LOST, INFERENCE_FAILED, DISPOSED
   */
  async classify(input: ImageInput, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    this.#assertLive();
    const start = now();
    const { signal } = options;
    throwIfAborted(signal);
    const deadline = { signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs };
    // A fresh cache hit, or the same file already in flight, answers without queueing.
    const { bytes, key } = await this.#read(input);
    const fresh = key ? this.#cache?.get(key) : undefined;
    if (fresh) return this.#result({ scores: fresh, cached: true, warnings: [], timings: NO_TIMINGS }, options, start);
    const fallback = () => {
      const old = (options.fallbackToCache ?? this.#options.fallbackToCache) && key ? this.#cache?.getStale(key) : undefined;
      return old ? this.#result({ scores: old.scores, cached: true, warnings: [], timings: NO_TIMINGS }, options, start, { stale: true }) : undefined;
    };
    const shared = key ? this.#inflight.get(key) : undefined;
    if (shared) {
      shared.signals.push(signal);
      return withDeadline(shared.work.then((done) => this.#result(done, options, start, { cached: true })), deadline, fallback);
    }
    this.#admit();
    const signals = [signal];
    const work = this.#queue.run(() => this.#compute(input, bytes, key, signals));
    if (key) {
      this.#inflight.set(key, { work, signals });
      void work.then(() => this.#inflight.delete(key), () => this.#inflight.delete(key));
    }
    return withDeadline(work.then((done) => this.#result(done, options, start)), deadline, fallback);
  }

  /**
   * Classifies several images, running up to `batchSize` of them through the
   * model at once (faster per image where the backend gains from batching;
   * see docs/benchmarks.md). Results come back in input order. All or
   * nothing: the first bad input rejects the call with its own error code,
   * its position in `details.index`; classify each image for per-image errors.
   * Cache hits and repeated files in the batch cost no inference.
   * @throws ClassifierError as {@link Classifier.classify}, with `details.index`
   * @example
   * ```ts
   * const results = await clf.classifyBatch([...fileInput.files], { batchSize: 8 });
   * results.forEach((r, i) => console.log(fileInput.files[i].name, r.top[0].label));
   * ```
   */
  async classifyBatch(inputs: readonly ImageInput[], options: ClassifyBatchOptions = {}): Promise<ClassificationResult[]> {
    this.#assertLive();
    checkImageList(inputs);
    const batchSize = positiveInteger('classifyBatch options.batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
    const start = now();
    const { signal } = options;
    throwIfAborted(signal);
    const read = await Promise.all(inputs.map((input: ImageInput, index) => this.#read(input).catch((error: unknown) => Promise.reject(atInputIndex(error, index)))));
    const done: Computed[] = [];
    const todo: number[] = [];
    const firstOfKey = new Map<string, number>();
    read.forEach(({ key }, i) => {
      const fresh = key ? this.#cache?.get(key) : undefined;
      if (fresh) done[i] = { scores: fresh, cached: true, warnings: [], timings: NO_TIMINGS };
      else if (!key || !firstOfKey.has(key)) {
        if (key) firstOfKey.set(key, i);
        todo.push(i);
      }
    });
    const chunks = Array.from({ length: Math.ceil(todo.length / batchSize) }, (_, c) => todo.slice(c * batchSize, (c + 1) * batchSize));
    this.#admit(chunks.length);
    // One queued task per chunk, so other callers' work can run between chunks.
    const work = Promise.all(chunks.map((chunk) => this.#queue.run(async () => {
      this.#assertLive();
      throwIfAborted(signal);
      const prepared: Prepared[] = [];
      for (const i of chunk) prepared.push(await this.#prepare(inputs[i]!, read[i]!.bytes, read[i]!.key).catch((error: unknown) => Promise.reject(atInputIndex(error, i))));
      (await this.#run(prepared)).forEach((computed, k) => (done[chunk[k]!] = computed));
    }))).then(() => read.map(({ key }, i) => {
      // A repeat takes the result of the same file earlier in the batch.
      const own = done[i] ?? { ...done[firstOfKey.get(key!)!]!, cached: true };
      return this.#result(own, options, start);
    }));
    return withDeadline(work, { signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs });
  }

  /**
   * Classifies a model-ready tensor (the manifest's layout, size and
   * normalisation; batch 1), skipping decoding and preprocessing.
   */
  async classifyTensor(tensor: Float32Array, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    this.#assertLive();
    const [h, w] = this.#model.manifest.input.size;
    if (!(tensor instanceof Float32Array) || tensor.length !== h * w * 3) {
      const got = tensor instanceof Float32Array ? `a Float32Array of ${tensor.length}` : describeValue(tensor);
      throw new ClassifierError('UNSUPPORTED_INPUT', `classifyTensor needs a Float32Array of 3x${h}x${w} = ${3 * h * w} values (${this.#model.manifest.input.layout}); got ${got}.`);
    }
    const start = now();
    throwIfAborted(options.signal);
    this.#admit();
    const work = this.#queue.run(async (): Promise<Computed> => {
      this.#assertLive();
      throwIfAborted(options.signal);
      const t0 = now();
      const [scores] = await this.#infer(tensor, 1);
      return { scores: scores!, cached: false, warnings: [], timings: { decodeMs: 0, preprocessMs: 0, inferenceMs: now() - t0 } };
    });
    return withDeadline(work.then((done) => this.#result(done, options, start)), { signal: options.signal, timeoutMs: options.timeoutMs ?? this.#options.timeoutMs });
  }

  /**
   * The exact tensor `classify` would feed the model for this input (for
   * parity checks against a server's preprocessing).
   */
  async preprocess(input: ImageInput): Promise<Float32Array> {
    this.#assertLive();
    return this.#queue.run(async () => {
      const drawable = await toDrawable(input, this.#options.limits);
      try {
        const pixels = this.#canvas.draw(drawable.source, drawable.width, drawable.height);
        return pixelsToTensor(pixels.data, pixels.width, pixels.height, this.#model.manifest.input);
      } finally {
        drawable.release();
      }
    });
  }

  stats(): ClassifierStats {
    const memory = this.#engine.current.memory?.();
    return {
      cache: this.#cache?.stats() ?? null, runs: this.#runs, batches: this.#engine.runs, backend: this.backend, engine: this.engine,
      ...(this.#tiers ? { tiers: structuredClone(this.#tiers) } : {}),
      ...(memory ? { engineMemory: memory } : {}),
    };
  }

  /** @internal set by tier selection once this classifier's model is chosen */
  setTierSelection(tiers: TierSelection): void {
    this.#tiers = tiers;
  }

  /** Frees the engine's memory. Later calls reject with DISPOSED. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache?.clear();
    // Let queued calls settle (they reject with DISPOSED) before freeing the engine under them.
    await this.#queue.run(() => this.#engine.dispose());
  }
}
