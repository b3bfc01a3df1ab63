/**
 * createClassifier wires the stages: input → decode → preprocess → cache
 * lookup → engine → postprocess → result. Each stage lives in its own module;
 * this file only connects them, queues calls and owns the lifecycle.
 */
import { type BackendChange, ResilientEngine } from './backends/failover.js';
import { ResultCache } from './cache/result-cache.js';
import { rememberKey } from './backends/remember.js';
import { probeAll, orderCandidates, selectBackend } from './backends/select.js';
import { loadEngineFactory, type Engine } from './engines/engine.js';
import { ClassifierError, describeError } from './errors.js';
import { toDrawable } from './input/decode.js';
import { loadModel, type LoadedModel } from './manifest/load.js';
import { type ClassifierOptions, DEFAULT_TOP_K, type ResolvedOptions, resolveOptions } from './options.js';
import { CanvasPreprocessor } from './preprocess/canvas.js';
import { pixelsToTensor } from './preprocess/tensor.js';
import { applyActivation, topK } from './postprocess/scores.js';
import { SerialQueue } from './queue.js';
import type {
  AdapterInfo, BackendCapability, BackendFallback, BackendName, BackendSelection, ClassificationResult, ClassifierStats, ClassifyOptions, EngineName, ImageInput, ModelManifest,
} from './types.js';

const now = () => performance.now();

/**
 * A loaded model on a working backend. Create with {@link createClassifier}.
 * Dispatches `backendchange` (a CustomEvent whose `detail` is
 * `{ from, to, reason }`) when a lost GPU moves it to another backend.
 */
export class Classifier extends EventTarget {
  readonly #model: LoadedModel;
  readonly #engine: ResilientEngine;
  readonly #options: ResolvedOptions;
  readonly #cache: ResultCache | null;
  readonly #canvas: CanvasPreprocessor;
  readonly #queue = new SerialQueue();
  #runs = 0;
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
    this.#cache = init.options.cacheEntries > 0 ? new ResultCache(init.options.cacheEntries) : null;
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

  #result(scores: Float32Array, cached: boolean, timings: ClassificationResult['timings'], options: ClassifyOptions, warnings: string[]): ClassificationResult {
    const k = options.topK ?? DEFAULT_TOP_K;
    return { top: topK(scores, this.#model.labels, k), scores, backend: this.backend, engine: this.engine, cached, timings, warnings };
  }

  async #infer(tensor: Float32Array): Promise<Float32Array> {
    this.#runs++;
    const output = await this.#engine.run(tensor);
    return applyActivation(output, this.#model.manifest.output.activation);
  }

  /**
   * Classifies one image. Calls may overlap: they are queued and each gets
   * its own result.
   * @throws ClassifierError UNSUPPORTED_INPUT, INPUT_TOO_LARGE, DECODE_FAILED, DISPOSED
   */
  async classify(input: ImageInput, options: ClassifyOptions = {}): Promise<ClassificationResult> {
    this.#assertLive();
    return this.#queue.run(async () => {
      this.#assertLive();
      const start = now();
      const drawable = await toDrawable(input, this.#options.limits);
      try {
        // Encoded inputs: the key is the file's hash, so a hit skips decoding's cost too.
        let key = drawable.bytes && this.#cache ? await ResultCache.key(this.#model.id, drawable.bytes) : null;
        const hit = key ? this.#cache!.get(key) : undefined;
        if (hit) return this.#result(hit, true, { decodeMs: 0, preprocessMs: 0, inferenceMs: 0, totalMs: now() - start }, options, drawable.warnings);
        const decoded = now();
        const pixels = this.#canvas.draw(drawable.source, drawable.width, drawable.height);
        if (!key && this.#cache) {
          key = await ResultCache.key(this.#model.id, pixels.data);
          const pixelHit = this.#cache.get(key);
          if (pixelHit) return this.#result(pixelHit, true, { decodeMs: decoded - start, preprocessMs: now() - decoded, inferenceMs: 0, totalMs: now() - start }, options, drawable.warnings);
        }
        const tensor = pixelsToTensor(pixels.data, pixels.width, pixels.height, this.#model.manifest.input);
        const preprocessed = now();
        const scores = await this.#infer(tensor);
        const done = now();
        if (key) this.#cache!.set(key, scores);
        return this.#result(scores, false, { decodeMs: decoded - start, preprocessMs: preprocessed - decoded, inferenceMs: done - preprocessed, totalMs: done - start }, options, drawable.warnings);
      } finally {
        drawable.release();
      }
    });
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
    return this.#queue.run(async () => {
      this.#assertLive();
      const start = now();
      const scores = await this.#infer(tensor);
      const total = now() - start;
      return this.#result(scores, false, { decodeMs: 0, preprocessMs: 0, inferenceMs: total, totalMs: total }, options, []);
    });
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
    return { cache: this.#cache?.stats() ?? null, runs: this.#runs, backend: this.backend, engine: this.engine };
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

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? `a ${(value as object).constructor?.name ?? 'object'}` : `a ${typeof value}`;
}

/**
 * Loads the model (verified, cached for offline use), finds a backend that
 * initialises and passes a warm-up inference, and returns the classifier.
 * @throws ClassifierError MANIFEST_INVALID, MODEL_LOAD_FAILED, MODEL_INTEGRITY, NO_BACKEND
 */
export async function createClassifier(options: ClassifierOptions): Promise<Classifier> {
  if (typeof window === 'undefined' && typeof self === 'undefined') {
    throw new ClassifierError('NO_BACKEND', 'createClassifier runs in a browser (window or worker); this looks like Node/SSR. Call it from client-side code.');
  }
  const resolved = resolveOptions(options);
  const model = await loadModel(resolved.model, {
    baseUrl: resolved.baseUrl,
    cacheName: resolved.persistModel ? resolved.modelCacheName : null,
    onProgress: resolved.onProgress,
  });
  const probed = await probeAll(resolved.wasmThreads);
  const factory = await loadEngineFactory(model.manifest.format);
  const [h, w] = model.manifest.input.size;
  let selection;
  try {
    selection = await selectBackend({
      model,
      preference: resolved.backends,
      candidates: orderCandidates(resolved.backends, probed.capabilities),
      capabilities: probed.capabilities,
      createEngine: (backend) => factory({ model, backend, wasmPaths: resolved.wasmPaths, wasmThreads: probed.wasmThreads }),
      warmupInput: new Float32Array(h * w * 3),
      onProgress: resolved.onProgress,
      measure: resolved.measureBackends,
      budgetMs: resolved.selectionBudgetMs,
      memory: resolved.rememberBackend
        ? {
            key: rememberKey(model.id, model.manifest.sha256[model.manifest.files.model] ?? ''),
            // A browser update or another GPU changes this, and with it the decision.
            signature: [globalThis.navigator?.userAgent ?? '', ...probed.capabilities.map((c) => `${c.backend}:${c.available ? c.description : 'none'}`)].join('|'),
          }
        : null,
    });
  } catch (error) {
    if (error instanceof ClassifierError) throw error;
    throw new ClassifierError('MODEL_LOAD_FAILED', `Could not start ${model.id}: ${describeError(error)}`, { cause: error });
  }
  resolved.onProgress({ phase: 'ready', loaded: 1, total: 1, detail: selection.engine.backend });
  // After a run-time loss: the best backend left in the original order, no measuring, nothing remembered.
  const order = selection.selection.candidates.map((c) => c.backend);
  const restart = async (exclude: BackendName[]) =>
    (await selectBackend({
      model, preference: order.filter((b) => !exclude.includes(b)), candidates: order.filter((b) => !exclude.includes(b)), capabilities: probed.capabilities,
      createEngine: (backend) => factory({ model, backend, wasmPaths: resolved.wasmPaths, wasmThreads: probed.wasmThreads }),
      warmupInput: new Float32Array(h * w * 3), onProgress: () => {}, measure: 'never', budgetMs: 0, memory: null,
    })).engine;
  return new Classifier({ model, engine: selection.engine, restart, options: resolved, fallbacks: selection.fallbacks, capabilities: probed.capabilities, adapter: probed.adapter, selection: selection.selection });
}
