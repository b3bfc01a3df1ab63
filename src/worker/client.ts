/**
 * The page side of `createClassifier({ worker: true })`: a proxy with the
 * {@link Classifier} surface whose calls run in a Web Worker (decode,
 * preprocessing, cache, inference), so the page's main thread only posts
 * inputs and receives results. Loaded with a dynamic import: apps that never
 * ask for a worker do not download it. Decisions: docs/worker.md.
 */
import * as Comlink from 'comlink';
import type { BackendChange } from '../backends/failover.js';
import { adoptRemembered, rememberedEntries } from '../backends/remember-sync.js';
import { throwIfAborted, withDeadline } from '../call-control.js';
import { ClassifierError, describeError } from '../errors.js';
import type { Classifier } from '../classifier-api.js';
import { atInputIndex, checkImageList, isBlob, toDrawable } from '../input/decode.js';
import { checkRegion } from '../input/region.js';
import { CallMetrics, errorKey } from '../metrics.js';
import { StreamRegistry } from '../stream.js';
import { placementOf } from '../placement.js';
import type { InputLimits, ResolvedOptions } from '../options.js';
import type {
  AdapterInfo, BackendCapability, BackendFallback, BackendName, BackendSelection, ClassificationResult, ClassifierStats, ClassifyBatchOptions, ClassifyOptions, EngineName, FrameStream, FrameStreamOptions, FrameStreamSource, ImageInput, ModelManifest, PreprocessOptions, ResultEventDetail, WorkerPlacement,
} from '../types.js';
import { fromWireError, type Reply, type WireCallOptions, type WireInfo, type WireInput, type WireOptions, type WireState, type WorkerApi, type WorkerCallbacks } from './protocol.js';

const now = () => performance.now();

const disposedError = () => new ClassifierError('DISPOSED', 'This classifier was disposed; create a new one with createClassifier().');

/** A page-only input as something the worker can take: the same checks as in the page, then an ImageBitmap (transferred). */
async function toWire(input: ImageInput, limits: InputLimits): Promise<{ value: WireInput; transfer: Transferable[] }> {
  // Bytes and pixel arrays are checked, sniffed and decoded in the worker, exactly as in the page.
  if (isBlob(input) || (typeof ImageData !== 'undefined' && input instanceof ImageData)) return { value: input, transfer: [] };
  // Size limits, <img> decoding, <video> readiness, unsupported types: the page-mode checks and errors.
  const drawable = await toDrawable(input, limits);
  // The caller's own bitmap or frame is copied, not transferred: it stays usable, as in page mode.
  if (input instanceof ImageBitmap || (typeof VideoFrame !== 'undefined' && input instanceof VideoFrame)) return { value: input, transfer: [] };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(drawable.source);
  } catch (error) {
    throw new ClassifierError('DECODE_FAILED', `The input could not be copied into an ImageBitmap for the worker: ${describeError(error)}`, { cause: error });
  }
  return { value: bitmap, transfer: [bitmap] };
}

/** A call the page could not even post (e.g. an object that cannot be cloned). */
function notPosted(error: unknown): unknown {
  if (error instanceof DOMException && error.name === 'DataCloneError') {
    return new ClassifierError('UNSUPPORTED_INPUT', `Cannot send this input to the classifier's worker: ${error.message}`, { cause: error });
  }
  return error;
}

/** See the module docs; created by {@link startWorkerClassifier}. */
export class WorkerClassifier extends EventTarget implements Classifier {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<WorkerApi>;
  readonly #limits: InputLimits;
  readonly #info: WireInfo;
  #state: WireState;
  #nextId = 1;
  /** Calls waiting for the worker: rejected if it dies or is terminated. */
  readonly #pending = new Set<(error: Error) => void>();
  #disposed = false;
  #dead: Error | null = null;
  /** Errors the worker never saw (refused in the page, or its death), added to the worker's counts in stats(). */
  readonly #pageErrors: Record<string, number> = {};
  /** Errors that came out of a posted call: the worker counted those itself. */
  readonly #seenByWorker = new WeakSet<object>();
  /**
   * The worker's content key per Blob object of this page: a posted Blob is a new object in the
   * worker every time, so only the page can tell that a File is classified again (issue 16 §3).
   */
  readonly #blobKeys = new WeakMap<Blob, string>();
  readonly #timing: CallMetrics;
  readonly #streams = new StreamRegistry();
  readonly capabilities: readonly BackendCapability[];
  readonly adapter: AdapterInfo | null;
  readonly selection: BackendSelection;

  get worker(): WorkerPlacement {
    return placementOf(this);
  }

  constructor(init: { worker: Worker; api: Comlink.Remote<WorkerApi>; limits: InputLimits; userTiming: boolean; info: WireInfo; state: WireState }) {
    super();
    // The stages are measured in the worker's timeline; the call as the page saw it, here.
    this.#timing = new CallMetrics(1, init.userTiming);
    this.#worker = init.worker;
    this.#api = init.api;
    this.#limits = init.limits;
    this.#info = init.info;
    this.#state = init.state;
    this.capabilities = Object.freeze([...init.info.capabilities]);
    this.adapter = init.info.adapter;
    this.selection = init.info.selection;
  }

  get backend(): BackendName {
    return this.#state.backend;
  }

  get engine(): EngineName {
    return this.#state.engine;
  }

  get fallbacks(): readonly BackendFallback[] {
    return Object.freeze([...this.#state.fallbacks]);
  }

  get manifest(): Readonly<ModelManifest> {
    return this.#info.manifest;
  }

  get labels(): readonly string[] {
    return this.#info.labels;
  }

  /** The worker reports a backend change (page side of `backendchange`); called by startWorkerClassifier only. */
  backendChanged(change: BackendChange, state: WireState, onBackendChange: ResolvedOptions['onBackendChange']): void {
    this.#state = state;
    onBackendChange(change);
    this.dispatchEvent(new CustomEvent<BackendChange>('backendchange', { detail: change }));
  }

  /** A reply could not be read: every call fails from now on (called by startWorkerClassifier only). */
  crashed(reason: string): void {
    if (this.#dead || this.#disposed) return;
    this.#dead = new ClassifierError('WORKER_FAILED', `The classifier's worker stopped: ${reason}. Create a new classifier.`, { details: { worker: 'crashed' } });
    for (const reject of this.#pending) reject(this.#dead);
    this.#pending.clear();
    this.#worker.terminate();
  }

  #assertLive(): void {
    if (this.#disposed) throw disposedError();
    if (this.#dead) throw this.#dead;
  }

  /**
   * Posts one call: the worker's reply (result or error record) settles it;
   * the caller's signal rejects it at once with ABORTED and tells the worker
   * to drop the work; a dead worker rejects it.
   */
  async #call<T>(signal: AbortSignal | undefined, send: (id: number) => Promise<Reply<T>>, inputs: readonly ImageInput[] = []): Promise<T> {
    const id = this.#nextId++;
    let reject!: (error: Error) => void;
    const died = new Promise<never>((_, r) => (reject = r));
    this.#pending.add(reject);
    const reply = Promise.race([send(id).catch((error: unknown) => Promise.reject(notPosted(error))), died]).then((r) => {
      if (r.state) this.#state = r.state;
      if (!r.ok) throw fromWireError(r.error);
      r.contentKeys?.forEach((key, i) => {
        const input = inputs[i];
        if (key && isBlob(input)) this.#blobKeys.set(input, key);
      });
      return r.value;
    });
    const onAbort = () => void this.#api.abort(id).catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await withDeadline(reply, { signal });
    } catch (error) {
      if (typeof error === 'object' && error !== null && error !== this.#dead) this.#seenByWorker.add(error);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#pending.delete(reject);
    }
  }

  /** The content keys this page remembers for these Blob objects (see WireCallOptions). */
  #withKeys(options: WireCallOptions, inputs: readonly ImageInput[]): WireCallOptions {
    const keys = inputs.map((input) => (isBlob(input) ? this.#blobKeys.get(input) ?? null : null));
    return keys.some((k) => k !== null) ? { ...options, contentKeys: keys } : options;
  }

  #callOptions(options: ClassifyBatchOptions): WireCallOptions {
    const { signal, region, ...rest } = options ?? {};
    // Checked here so a bad region fails before the image is posted; sent as plain data.
    const checked = checkRegion(region);
    const wire: WireCallOptions = checked ? { ...rest, region: checked } : rest;
    return signal ? { ...wire, aborts: true } : wire;
  }

  /** totalMs as the caller sees it: from this call to its result, the hop to the worker included; then the page-side `result` event. */
  #timed(result: ClassificationResult, start: number, call: ResultEventDetail['call']): ClassificationResult {
    const end = now();
    result.timings.totalMs = end - start;
    this.#timing.measureCall(start, end, { backend: result.backend, model: `${this.#info.manifest.name}@${this.#info.manifest.version}`, cached: result.cached });
    this.dispatchEvent(new CustomEvent<ResultEventDetail>('result', { detail: { call, result } }));
    return result;
  }

  #failed(error: unknown): never {
    if (!(typeof error === 'object' && error !== null && this.#seenByWorker.has(error))) {
      const key = errorKey(error);
      this.#pageErrors[key] = (this.#pageErrors[key] ?? 0) + 1;
    }
    throw error;
  }

  classify(input: ImageInput, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    return this.#classifyOne(input, options).catch((error: unknown) => this.#failed(error));
  }

  classifyBatch(inputs: readonly ImageInput[], options: ClassifyBatchOptions = {}): Promise<ClassificationResult[]> {
    return this.#classifyMany(inputs, options).catch((error: unknown) => this.#failed(error));
  }

  classifyTensor(tensor: Float32Array, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    return this.#classifyTensorCall(tensor, options).catch((error: unknown) => this.#failed(error));
  }

  async #classifyOne(input: ImageInput, options: ClassifyOptions): Promise<ClassificationResult> {
    this.#assertLive();
    const start = now();
    throwIfAborted(options?.signal);
    const callOptions = this.#callOptions(options);
    const wire = await toWire(input, this.#limits);
    this.#assertLive();
    throwIfAborted(options?.signal);
    const result = await this.#call(options?.signal, (id) => this.#api.classify(id, Comlink.transfer(wire.value, wire.transfer), this.#withKeys(callOptions, [input])), [input]);
    return this.#timed(result, start, 'classify');
  }

  async #classifyMany(inputs: readonly ImageInput[], options: ClassifyBatchOptions): Promise<ClassificationResult[]> {
    this.#assertLive();
    const start = now();
    throwIfAborted(options?.signal);
    checkImageList(inputs);
    const callOptions = this.#callOptions(options);
    const transfer: Transferable[] = [];
    const values = await Promise.all(inputs.map(async (input: ImageInput, index) => {
      try {
        const wire = await toWire(input, this.#limits);
        transfer.push(...wire.transfer);
        return wire.value;
      } catch (error) {
        throw atInputIndex(error, index);
      }
    }));
    this.#assertLive();
    throwIfAborted(options?.signal);
    const results = await this.#call(options?.signal, (id) => this.#api.classifyBatch(id, Comlink.transfer(values, transfer), this.#withKeys(callOptions, inputs)), inputs);
    return results.map((r) => this.#timed(r, start, 'classifyBatch'));
  }

  async #classifyTensorCall(tensor: Float32Array, options: ClassifyOptions): Promise<ClassificationResult> {
    this.#assertLive();
    const start = now();
    throwIfAborted(options?.signal);
    // Copied, not transferred: the caller's array stays usable.
    const result = await this.#call(options?.signal, (id) => this.#api.classifyTensor(id, tensor, this.#callOptions(options)));
    return this.#timed(result, start, 'classifyTensor');
  }

  async preprocess(input: ImageInput, options: PreprocessOptions = {}): Promise<Float32Array> {
    this.#assertLive();
    const region = checkRegion(options.region);
    const wire = await toWire(input, this.#limits);
    this.#assertLive();
    return this.#call(undefined, (id) => this.#api.preprocess(id, Comlink.transfer(wire.value, wire.transfer), region ? { region } : {}));
  }

  classifyStream(source: FrameStreamSource, options?: FrameStreamOptions): FrameStream {
    this.#assertLive();
    // The loop runs in the page (frames are presented here) and posts each frame it classifies.
    return this.#streams.start(this, source, options);
  }

  /** As of the last call that settled (the worker sends its counters with every reply). */
  stats(): ClassifierStats {
    const stats = structuredClone(this.#state.stats);
    for (const [key, n] of Object.entries(this.#pageErrors)) stats.errors[key] = (stats.errors[key] ?? 0) + n;
    return stats;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#streams.disposeAll();
    try {
      // Queued calls settle first (with DISPOSED), as in page mode; then the worker ends.
      if (!this.#dead) await this.#api.dispose();
    } finally {
      for (const reject of this.#pending) reject(disposedError());
      this.#pending.clear();
      this.#api[Comlink.releaseProxy]();
      this.#worker.terminate();
    }
  }
}

/**
 * Starts the worker, creates the classifier in it and resolves with its
 * page-side proxy. `options` were validated and resolved in the page by
 * createClassifier, as for page mode (the same TypeErrors).
 */
export async function startWorkerClassifier(options: ResolvedOptions, spawn: () => Worker): Promise<Classifier> {
  if (typeof Worker === 'undefined') {
    throw new ClassifierError('UNSUPPORTED_ENVIRONMENT', 'options.worker is true but this context has no Worker; create the classifier without worker: true.', { details: { environment: 'no-worker' } });
  }
  // Resolved in the page: every URL is absolute already (in the worker a relative one would resolve against the worker script).
  const { onProgress, onBackendChange, ...wire } = options;
  let worker: Worker;
  try {
    worker = spawn();
  } catch (error) {
    throw new ClassifierError('WORKER_FAILED', `The classifier's Web Worker could not be started: ${describeError(error)}`, { cause: error, details: { worker: 'failed' } });
  }
  let proxy: WorkerClassifier | undefined;
  let failStart: (error: Error) => void = () => {};
  const startFailed = new Promise<never>((_, reject) => (failStart = reject));
  const onError = (event: ErrorEvent | MessageEvent) => {
    const reason = event instanceof ErrorEvent ? event.message || 'the worker script failed to load or threw' : 'a message from the worker could not be read';
    // Once running, an uncaught error in the worker (a library's stray throw) is not fatal and stays
    // in the console; an unreadable reply is, since the call it answered would never settle.
    if (proxy) {
      if (!(event instanceof ErrorEvent)) proxy.crashed(reason);
    } else {
      failStart(new ClassifierError('WORKER_FAILED', `The classifier's Web Worker failed: ${reason}. Check that your bundler emits the worker script as an ES module (Vite: worker.format 'es', which the inpage-classifier/vite plugin sets) and that a Content-Security-Policy allows it (worker-src).`, { details: { worker: 'failed' } }));
    }
  };
  worker.addEventListener('error', onError);
  worker.addEventListener('messageerror', onError);
  const api = Comlink.wrap<WorkerApi>(worker);
  const callbacks: WorkerCallbacks = {
    progress: (p) => onProgress(p),
    backendChange: (change, state) => proxy?.backendChanged(change, state, onBackendChange),
  };
  try {
    const reply = await Promise.race([api.create(wire satisfies WireOptions, Comlink.proxy(callbacks), rememberedEntries()), startFailed]);
    if (!reply.ok) throw fromWireError(reply.error);
    adoptRemembered(reply.value.remembered);
    proxy = new WorkerClassifier({ worker, api, limits: options.limits, userTiming: options.metrics.userTiming, info: reply.value.info, state: reply.state! });
    return proxy;
  } catch (error) {
    api[Comlink.releaseProxy]();
    worker.terminate();
    throw error;
  }
}
