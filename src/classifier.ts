/**
 * The classifier in the page: wires the stages for each call — identify the
 * input (a Blob's bytes, or its drawn pixels) → the cache stage
 * (`ResultCache.fetch`: fresh hit, shared in-flight work or stale answer) →
 * on a miss, decode → preprocess → engine → postprocess — and owns the queue
 * and the lifecycle. Each stage lives in its own module; this file only
 * connects them. Created by `createClassifier` (create.ts); the worker mode
 * runs one of these inside its worker.
 */
import { type BackendChange, ResilientEngine } from './backends/failover.js';
import { type FetchSource, ResultCache, type Scored } from './cache/result-cache.js';
import { throwIfAborted, withDeadline } from './call-control.js';
import type { Engine } from './engines/engine.js';
import { concatFloats } from './bytes.js';
import { ClassifierError, describeError } from './errors.js';
import type { Classifier } from './classifier-api.js';
import { atInputIndex, checkImageList, type DecodeOptions, decodeEncoded, describeValue, type Drawable, isBlob, readBlob, toDrawable } from './input/decode.js';
import { checkRegion, cropRect, regionKey } from './input/region.js';
import type { LoadedModel } from './manifest/load.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_TOP_K, positiveInteger, type ResolvedOptions } from './options.js';
import { CanvasPreprocessor, type Pixels } from './preprocess/canvas.js';
import { pixelsToModelTensor } from './preprocess/pipeline.js';
import { applyActivation, topK } from './postprocess/scores.js';
import { TaskQueue, yieldToEventLoop } from './queue.js';
import { CallMetrics, type TimingDetail } from './metrics.js';
import { StreamRegistry } from './stream.js';
import { placementOf } from './placement.js';
import type {
  AdapterInfo, BackendCapability, BackendFallback, BackendName, BackendSelection, ClassificationResult, ClassifyBatchOptions, ClassifierStats, ClassifyOptions, EngineName, FrameStream, FrameStreamOptions, FrameStreamSource, ImageInput, ModelManifest, PreprocessOptions, Region, ResultEventDetail, TierSelection, BackendChangeRecord, WorkerPlacement,
} from './types.js';

const now = () => performance.now();

type StageTimings = Omit<ClassificationResult['timings'], 'totalMs'>;
const NO_TIMINGS: StageTimings = { decodeMs: 0, preprocessMs: 0, inferenceMs: 0 };

/** What one computation produces (and the cache keeps, less the timings). */
interface Computed extends Scored {
  timings: StageTimings;
}

/**
 * An input as the cache stage sees it: its key, and what the computation
 * needs on a miss — the encoded bytes (decoded only then), or the pixels
 * already drawn to key it (canvases, bitmaps, frames, ImageData).
 */
type Identified = { key: string | null; input: ImageInput; region: Required<Region> | undefined } & (
  /** `bytes` null: the Blob's key was known and cached, so it was not read (read on a miss only). */
  | { blob: Blob; bytes: Uint8Array | null; pixels?: undefined }
  | { blob?: undefined; pixels: Pixels; warnings: string[]; decodeMs: number; preprocessMs: number; start: number; width: number; height: number }
);

/** A miss's tensor and how it was made (stage times, and when they started, for User Timing). */
interface Prepared {
  tensor: Float32Array;
  warnings: string[];
  decodeMs: number;
  preprocessMs: number;
  start: number;
  width: number;
  height: number;
}

/** A call's `cache` option (a wrong type is a programming error: TypeError). */
function useCacheOption(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new TypeError(`options.cache must be true or false, got ${String(value)}`);
  return value;
}

/** What a PageClassifier starts from: a loaded model on a working engine, and how it was chosen. */
export interface PageClassifierInit {
  model: LoadedModel;
  engine: Engine;
  /** Starts the best remaining backend after a loss, never one in `exclude`. */
  restart: (exclude: BackendName[]) => Promise<Engine>;
  options: ResolvedOptions;
  fallbacks: BackendFallback[];
  capabilities: BackendCapability[];
  adapter: AdapterInfo | null;
  selection: BackendSelection;
}

/** Tier selection's record for a classifier it chose: kept here, out of the public surface. */
const tierSelections = new WeakMap<PageClassifier, TierSelection>();

/** Called by tiers.ts once this classifier's model is chosen (`stats().tiers`). */
export function recordTierSelection(clf: PageClassifier, tiers: TierSelection): void {
  tierSelections.set(clf, tiers);
}

/**
 * The content keys a classifier remembers per Blob object. Not public API: the worker's
 * server uses it to carry the page's Blob identity across the hop (a posted Blob arrives
 * as a new object each time), see src/worker/serve.ts.
 */
export let blobKeysOf: (clf: PageClassifier) => WeakMap<Blob, string>;

/**
 * A loaded model on a working backend (the {@link Classifier} interface, in
 * the page). Dispatches `backendchange` (a CustomEvent whose `detail` is
 * `{ from, to, reason }`) when a lost GPU moves it to another backend.
 */
export class PageClassifier extends EventTarget implements Classifier {
  static {
    blobKeysOf = (clf) => clf.#blobKeys;
  }

  readonly #model: LoadedModel;
  readonly #engine: ResilientEngine;
  readonly #options: ResolvedOptions;
  readonly #cache: ResultCache;
  readonly #canvas: CanvasPreprocessor;
  readonly #decode: DecodeOptions;
  /** One task at a time, or the engine's `maxConcurrent` (an inference server's requests in flight). */
  readonly #queue = new TaskQueue(() => this.#engine.current.maxConcurrent ?? 1);
  /**
   * Content keys of the Blobs already read. A Blob's bytes never change, so a
   * File classified again (the same object) is a lookup, not a read and a
   * hash; another object with the same bytes still hits the cache by content.
   */
  readonly #blobKeys = new WeakMap<Blob, string>();
  #runs = 0;
  #results = 0;
  #disposed = false;
  readonly #metrics: CallMetrics;
  readonly #backendChanges: BackendChangeRecord[] = [];
  readonly #streams = new StreamRegistry();

  readonly #fallbacks: BackendFallback[];
  readonly capabilities: readonly BackendCapability[];
  readonly adapter: AdapterInfo | null;
  readonly selection: BackendSelection;

  constructor(init: PageClassifierInit) {
    super();
    this.#model = init.model;
    this.#engine = new ResilientEngine(init.engine, init.restart, (change) => this.#backendChanged(change));
    this.#options = init.options;
    // With the cache off it stores nothing but still shares identical files in flight.
    this.#cache = new ResultCache(init.options.cache.maxEntries, init.options.cache.ttlMs);
    this.#canvas = new CanvasPreprocessor(init.model.manifest.input, init.options.preprocessing.background, init.options.preprocessing.resampling);
    const { input } = init.model.manifest;
    this.#decode = { colorSpaceConversion: input.colorProfile === 'ignore' ? 'none' : 'default', imageOrientation: input.orientation === 'ignore' ? 'none' : 'from-image', premultiplyAlpha: input.alpha === 'drop' ? 'none' : 'default' };
    this.#metrics = new CallMetrics(init.options.metrics.window, init.options.metrics.userTiming);
    this.#fallbacks = [...init.fallbacks];
    this.capabilities = Object.freeze([...init.capabilities]);
    this.adapter = init.adapter;
    this.selection = init.selection;
  }

  get worker(): WorkerPlacement {
    return placementOf(this);
  }

  get backend(): BackendName {
    return this.#engine.current.backend;
  }

  get engine(): EngineName {
    return this.#engine.current.engine;
  }

  get fallbacks(): readonly BackendFallback[] {
    return Object.freeze([...this.#fallbacks]);
  }

  #backendChanged(change: BackendChange): void {
    this.#fallbacks.push({ backend: change.from, reason: `lost at run time: ${change.reason}` });
    this.#backendChanges.push({ ...change, at: now() });
    this.#options.onBackendChange(change);
    this.dispatchEvent(new CustomEvent<BackendChange>('backendchange', { detail: change }));
  }

  get manifest(): Readonly<ModelManifest> {
    return this.#model.manifest;
  }

  get labels(): readonly string[] {
    return this.#model.labels;
  }

  #assertLive(): void {
    if (this.#disposed) throw new ClassifierError('DISPOSED', 'This classifier was disposed; create a new one with createClassifier().');
  }

  #result(value: Computed | Scored, source: FetchSource, options: ClassifyOptions, start: number, call: ResultEventDetail['call']): ClassificationResult {
    const k = options.topK ?? DEFAULT_TOP_K;
    // Only work this call waited for has stage timings: a cache answer ran none.
    const stages = 'timings' in value && (source === 'computed' || source === 'shared') ? value.timings : NO_TIMINGS;
    const end = now();
    const result: ClassificationResult = {
      top: topK(value.scores, this.#model.labels, k, this.#model.manifest.output.threshold), scores: Float32Array.from(value.scores), backend: this.backend, engine: this.engine,
      cached: source !== 'computed', stale: source === 'stale', timings: { ...stages, totalMs: end - start }, warnings: [...value.warnings],
    };
    // Stage latencies once per computation (shared work is its computing call's), the total for every call.
    this.#results += 1;
    // A tensor call ran no decode or preprocessing: only its inference counts there.
    this.#metrics.result(result.timings.totalMs, source !== 'computed' ? null : call === 'classifyTensor' ? { inferenceMs: stages.inferenceMs } : stages);
    this.#metrics.measureCall(start, end, { ...this.#timingDetail(), cached: result.cached });
    if (this.#listensForResults) this.dispatchEvent(new CustomEvent<ResultEventDetail>('result', { detail: { call, result } }));
    return result;
  }

  #timingDetail(): TimingDetail {
    return { backend: this.backend, model: this.#model.id };
  }

  #listensForResults = false;

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    // A result event is built only once someone listens (its detail holds the result).
    if (type === 'result') this.#listensForResults = true;
    super.addEventListener(type, listener, options);
  }

  /** Counts a failed call under its code, and passes the error on. */
  #failed(error: unknown): never {
    this.#metrics.error(error);
    throw error;
  }

  /**
   * A decoded input → what the tensor is made from: model-sized pixels, or (custom preprocessing) the
   * image's own. The canvas read-back and the JS resampler are each up to tens of ms for a large photo;
   * a yield between them keeps either from joining the other in one long main-thread task.
   */
  async #draw(drawable: Drawable, region: Required<Region> | undefined): Promise<Pixels> {
    const crop = region ? cropRect(region, drawable.width, drawable.height) : undefined;
    const full = this.#options.preprocessing.custom || this.#canvas.twoStep;
    if (!full) return this.#canvas.draw(drawable.source, drawable.width, drawable.height, crop);
    const pixels = this.#canvas.fullSize(drawable.source, drawable.width, drawable.height, crop);
    if (this.#options.preprocessing.custom) return pixels;
    await yieldToEventLoop();
    return this.#canvas.resize(pixels);
  }

  #toTensor(pixels: Pixels): Float32Array {
    const custom = this.#options.preprocessing.custom;
    if (!custom) return pixelsToModelTensor(pixels, this.#model.manifest.input);
    let tensor: Float32Array;
    try {
      tensor = custom.run({ data: pixels.data, width: pixels.width, height: pixels.height });
    } catch (error) {
      throw new ClassifierError('PREPROCESS_FAILED', `options.preprocessing.custom.run threw: ${describeError(error)}`, { cause: error });
    }
    const expected = custom.shape.reduce((a, b) => a * b, 1);
    if (!(tensor instanceof Float32Array) || tensor.length !== expected) {
      const got = tensor instanceof Float32Array ? `${tensor.length} values` : describeValue(tensor);
      throw new ClassifierError('PREPROCESS_FAILED', `options.preprocessing.custom.run returned ${got}; shape [${custom.shape.join(', ')}] needs a Float32Array of ${expected}.`, { details: { expected } });
    }
    return tensor;
  }

  /** `batch` concatenated tensors in, one probability vector per image out. */
  async #infer(tensor: Float32Array, batch: number): Promise<Float32Array[]> {
    this.#runs += batch;
    const output = await this.#engine.run(tensor, batch);
    const perImage = output.length / batch;
    const { activation, labelOffset = 0 } = this.#model.manifest.output;
    // The activation sees every output (a background class takes its share of a softmax); then the offset drops it.
    return Array.from({ length: batch }, (_, i) => applyActivation(output.subarray(i * perImage, (i + 1) * perImage), activation).subarray(labelOffset));
  }

  /** Refuses work beyond `maxQueue` waiting tasks (`tasks` about to be queued). */
  #admit(tasks = 1): void {
    const { maxQueue } = this.#options.calls;
    if (this.#queue.pending + tasks > maxQueue) {
      throw new ClassifierError('QUEUE_FULL', `${this.#queue.pending} calls are already waiting (option calls.maxQueue = ${maxQueue}); retry later or raise calls.maxQueue.`, {
        details: { pending: this.#queue.pending, maxQueue },
      });
    }
  }

  /**
   * The cache key of an input. A Blob is keyed by its bytes (read and hashed
   * outside the queue, once per Blob object). Any other input is drawn first, in the queue (the
   * canvas is shared), and keyed by its pixels, which the computation then
   * reuses; with the cache off it needs no key.
   */
  async #identify(input: ImageInput, region: Required<Region> | undefined, useCache: boolean): Promise<Identified> {
    if (isBlob(input)) {
      // Not looked up, not stored: the bytes are read on the miss only.
      if (!useCache) return { input, region, blob: input, bytes: null, key: null };
      // The bytes' key, then the region's part: the same file cut differently is another answer.
      const known = this.#blobKeys.get(input);
      if (known && this.#cache.has(known + regionKey(region))) return { input, region, blob: input, bytes: null, key: known + regionKey(region) };
      const bytes = await readBlob(input, this.#options.limits);
      const key = await ResultCache.key(this.#model.id, bytes);
      this.#blobKeys.set(input, key);
      return { input, region, blob: input, bytes, key: key + regionKey(region) };
    }
    this.#admit();
    return this.#queue.run(async () => {
      this.#assertLive();
      const t0 = now();
      const drawable = await toDrawable(input, this.#options.limits, this.#decode);
      try {
        const decoded = now();
        // Keyed by the drawn (already cut) pixels, so the region is in the key as it is.
        const pixels = await this.#draw(drawable, region);
        const drawn = now();
        const key = this.#cache.enabled && useCache ? await ResultCache.key(this.#model.id, pixels.data) : null;
        return { input, region, pixels, key, warnings: drawable.warnings, decodeMs: decoded - t0, preprocessMs: drawn - decoded, start: t0, width: drawable.width, height: drawable.height };
      } finally {
        drawable.release();
      }
    });
  }

  /** On a miss: the model tensor of an identified input (decoding its bytes first). Runs in the queue. */
  async #tensorOf(id: Identified): Promise<Prepared> {
    if (id.pixels) {
      const t0 = now();
      const tensor = this.#toTensor(id.pixels);
      return { tensor, warnings: id.warnings, decodeMs: id.decodeMs, preprocessMs: id.preprocessMs + now() - t0, start: id.start, width: id.width, height: id.height };
    }
    const t0 = now();
    // Not read yet only if its cache entry was evicted or expired since it was identified.
    const bytes = id.bytes ?? (await readBlob(id.blob, this.#options.limits));
    const drawable = await decodeEncoded(bytes, this.#options.limits, this.#decode);
    try {
      const decoded = now();
      const pixels = await this.#draw(drawable, id.region);
      const tensor = this.#toTensor(pixels);
      return { tensor, warnings: drawable.warnings, decodeMs: decoded - t0, preprocessMs: now() - decoded, start: t0, width: drawable.width, height: drawable.height };
    } finally {
      drawable.release();
    }
  }

  /**
   * What an image-bytes endpoint is sent: a Blob as it is; a region or any
   * other input as a PNG of its full-size (cut) pixels, composited like the
   * page's own preprocessing.
   */
  async #encoded(id: Identified): Promise<Blob> {
    if (id.blob && !id.region) return id.blob;
    const drawable = await toDrawable(id.input, this.#options.limits, this.#decode);
    try {
      const crop = id.region ? cropRect(id.region, drawable.width, drawable.height) : undefined;
      const pixels = this.#canvas.fullSize(drawable.source, drawable.width, drawable.height, crop);
      const canvas = new OffscreenCanvas(pixels.width, pixels.height);
      canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
      return await canvas.convertToBlob({ type: 'image/png' });
    } finally {
      drawable.release();
    }
  }

  /** An image-bytes endpoint: each image posted as a file, the server's scores as they are; null once it failed over to a tensor engine. */
  async #computeEncoded(ids: readonly Identified[], indexes?: readonly number[]): Promise<Computed[] | null> {
    const out: Computed[] = [];
    for (const [k, id] of ids.entries()) {
      const t0 = now();
      const image = await this.#encoded(id).catch((error: unknown) => Promise.reject(indexes ? atInputIndex(error, indexes[k]!) : error));
      const t1 = now();
      const scores = await this.#engine.runEncoded(image);
      if (!scores) return null;
      this.#runs += 1;
      out.push({ scores, warnings: [], timings: { decodeMs: 0, preprocessMs: t1 - t0, inferenceMs: now() - t1 } });
    }
    return out;
  }

  /** One inference run for several identified inputs; results in their order. Runs in the queue. */
  async #computeAll(ids: readonly Identified[], indexes?: readonly number[]): Promise<Computed[]> {
    if (this.#engine.current.runEncoded) {
      const answered = await this.#computeEncoded(ids, indexes);
      if (answered) return answered;
    }
    const prepared = [];
    for (const [k, id] of ids.entries()) {
      prepared.push(await this.#tensorOf(id).catch((error: unknown) => Promise.reject(indexes ? atInputIndex(error, indexes[k]!) : error)));
    }
    // Preprocessing (canvas read-back, resample) and inference are each a task's worth of work on
    // the main thread; without a yield between them they run as one long task (> 50 ms under load).
    await yieldToEventLoop();
    const t0 = now();
    const tensors = prepared.map((p) => p.tensor);
    const scores = await this.#infer(tensors.length === 1 ? tensors[0]! : concatFloats(tensors), tensors.length);
    // A batch's run time, shared out evenly between its images.
    const end = now();
    const inferenceMs = (end - t0) / tensors.length;
    for (const p of prepared) {
      const preprocessed = p.start + p.decodeMs;
      this.#metrics.measure([
        { stage: 'decode', start: p.start, end: preprocessed },
        { stage: 'preprocess', start: preprocessed, end: preprocessed + p.preprocessMs },
        { stage: 'inference', start: t0, end },
      ], { ...this.#timingDetail(), width: p.width, height: p.height });
    }
    return prepared.map((p, k) => ({ scores: scores[k]!, warnings: p.warnings, timings: { decodeMs: p.decodeMs, preprocessMs: p.preprocessMs, inferenceMs } }));
  }

  #deadline(options: ClassifyOptions, start: number): { signal: AbortSignal | undefined; timeoutMs: number | undefined; allowStale: boolean } {
    const timeoutMs = options.timeoutMs ?? this.#options.calls.timeoutMs;
    return {
      signal: options.signal,
      // The deadline counts from the call, so reading and hashing are inside it.
      timeoutMs: timeoutMs === undefined ? undefined : Math.max(0, timeoutMs - (now() - start)),
      allowStale: options.fallbackToCache ?? this.#options.cache.fallbackToCache,
    };
  }

  /**
   * The deadline of the identify step. A Blob is read and hashed outside the queue, and its key is
   * what a stale fallback needs, so only the signal races it (the call's timeout then applies to the
   * cache stage, which may answer stale). Any other input is drawn in the queue to be keyed: a call
   * waiting there behind long work must time out while it waits, not once it reaches the head.
   */
  #identifyDeadline(input: ImageInput, options: ClassifyOptions, start: number): { signal: AbortSignal | undefined; timeoutMs?: number | undefined } {
    return isBlob(input) ? { signal: options.signal } : { signal: options.signal, timeoutMs: this.#deadline(options, start).timeoutMs };
  }

  /**
   * Classifies one image. Calls may overlap: they are queued (at most
   * `calls.maxQueue`) and each gets its own result; identical images in
   * flight are computed once.
   * @throws ClassifierError UNSUPPORTED_INPUT, INPUT_TOO_LARGE, DECODE_FAILED, QUEUE_FULL, ABORTED, TIMEOUT, BACKEND_LOST, INFERENCE_FAILED, DISPOSED
   */
  classify(input: ImageInput, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    return this.#classifyOne(input, options).catch((error: unknown) => this.#failed(error));
  }

  async #classifyOne(input: ImageInput, options: ClassifyOptions): Promise<ClassificationResult> {
    this.#assertLive();
    const start = now();
    throwIfAborted(options.signal);
    const region = checkRegion(options.region);
    const id = await withDeadline(this.#identify(input, region, useCacheOption(options.cache)), this.#identifyDeadline(input, options, start));
    this.#assertLive();
    const { value, source } = await this.#cache.fetch(id.key, (signals) => {
      this.#admit();
      return this.#queue.run(async () => {
        this.#assertLive();
        // Every caller sharing this work aborted while it waited: skip it.
        if (signals.every((s) => s?.aborted)) throwIfAborted(signals[0]);
        return (await this.#computeAll([id]))[0]!;
      });
    }, this.#deadline(options, start));
    return this.#result(value, source, options, start, 'classify');
  }

  /**
   * Classifies several images, running up to `batchSize` of them through the
   * model at once (faster per image where the backend gains from batching;
   * see docs/benchmarks.md). Results come back in input order. All or
   * nothing: the first bad input rejects the call with its own error code,
   * its position in `details.index`; classify each image for per-image errors.
   * Cache hits, repeated images and images already in flight cost no inference.
   * @throws ClassifierError as {@link PageClassifier.classify}, with `details.index`
   */
  classifyBatch(inputs: readonly ImageInput[], options: ClassifyBatchOptions = {}): Promise<ClassificationResult[]> {
    return this.#classifyMany(inputs, options).catch((error: unknown) => this.#failed(error));
  }

  async #classifyMany(inputs: readonly ImageInput[], options: ClassifyBatchOptions): Promise<ClassificationResult[]> {
    this.#assertLive();
    checkImageList(inputs);
    const batchSize = positiveInteger('classifyBatch options.batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
    const start = now();
    const { signal } = options;
    throwIfAborted(signal);
    const region = checkRegion(options.region);
    const useCache = useCacheOption(options.cache);
    const ids = await withDeadline(Promise.all(inputs.map((input: ImageInput, index) => this.#identify(input, region, useCache).catch((error: unknown) => Promise.reject(atInputIndex(error, index))))), inputs.every(isBlob) ? { signal } : { signal, timeoutMs: this.#deadline(options, start).timeoutMs });
    this.#assertLive();
    // Each image through the cache stage; the misses it hands back are computed below, in chunks.
    const misses: { index: number; settle: (work: Promise<Computed>) => void }[] = [];
    const deadline = this.#deadline(options, start);
    const answers = ids.map((id, index) => this.#cache.fetch(id.key, () => new Promise<Computed>((resolve, reject) => {
      misses.push({ index, settle: (work) => void work.then(resolve, reject) });
    }), deadline));
    // No bigger than one engine run takes (a server's remote.maxBatch, a fixed batch dimension), so
    // with an engine that takes several runs at once (remote.maxConcurrent) the chunks go out together.
    const size = Math.min(batchSize, this.#engine.current.maxBatch);
    const chunks = Array.from({ length: Math.ceil(misses.length / size) }, (_, c) => misses.slice(c * size, (c + 1) * size));
    // One queued task per chunk, so other callers' work can run between chunks.
    const run = (chunk: typeof misses) => this.#queue.run(async () => {
      this.#assertLive();
      throwIfAborted(signal);
      return this.#computeAll(chunk.map((m) => ids[m.index]!), chunk.map((m) => m.index));
    });
    try {
      this.#admit(chunks.length);
      for (const chunk of chunks) {
        const work = run(chunk);
        chunk.forEach((m, k) => m.settle(work.then((computed) => computed[k]!)));
      }
    } catch (error) {
      for (const m of misses) m.settle(Promise.reject(error));
    }
    const done = await Promise.all(answers);
    return done.map(({ value, source }) => this.#result(value, source, options, start, 'classifyBatch'));
  }

  /**
   * Classifies a model-ready tensor (the manifest's layout, size and
   * normalisation; batch 1), skipping decoding, preprocessing and the cache.
   */
  classifyTensor(tensor: Float32Array, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    return this.#classifyTensorCall(tensor, options).catch((error: unknown) => this.#failed(error));
  }

  async #classifyTensorCall(tensor: Float32Array, options: ClassifyOptions): Promise<ClassificationResult> {
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
      return { scores: scores!, warnings: [], timings: { ...NO_TIMINGS, inferenceMs: now() - t0 } };
    });
    const { signal, timeoutMs } = this.#deadline(options, start);
    return this.#result(await withDeadline(work, { signal, timeoutMs }), 'computed', options, start, 'classifyTensor');
  }

  /**
   * The exact tensor `classify` would feed the model for this input (for
   * parity checks against a server's preprocessing).
   */
  async preprocess(input: ImageInput, options: PreprocessOptions = {}): Promise<Float32Array> {
    this.#assertLive();
    const region = checkRegion(options.region);
    return this.#queue.run(async () => {
      const drawable = await toDrawable(input, this.#options.limits, this.#decode);
      try {
        const pixels = await this.#draw(drawable, region);
        return this.#toTensor(pixels);
      } finally {
        drawable.release();
      }
    });
  }

  classifyStream(source: FrameStreamSource, options?: FrameStreamOptions): FrameStream {
    this.#assertLive();
    return this.#streams.start(this, source, options);
  }

  stats(): ClassifierStats {
    const memory = this.#engine.current.memory?.();
    const tiers = tierSelections.get(this);
    return {
      cache: this.#cache.enabled ? this.#cache.stats() : null, runs: this.#runs, batches: this.#engine.runs, backend: this.backend, engine: this.engine,
      ...(tiers ? { tiers: structuredClone(tiers) } : {}),
      ...(memory ? { engineMemory: memory } : {}),
      latency: this.#metrics.latency(), errors: this.#metrics.errors(), results: this.#results, backendChanges: this.#backendChanges.map((c) => ({ ...c })),
    };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#streams.disposeAll();
    this.#cache.clear();
    // Let queued calls settle (they reject with DISPOSED) before freeing the engine under them.
    await this.#queue.run(() => this.#engine.dispose(), { exclusive: true });
  }
}
