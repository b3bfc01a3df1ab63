/**
 * The public surface every classifier has, whether it runs in the page or in
 * a Web Worker (`createClassifier({ worker: true })`): what
 * `createClassifier` resolves with. Type-only module; both implementations
 * (classifier.ts, worker/client.ts) are internal.
 */
import type {
  AdapterInfo, BackendCapability, BackendFallback, BackendName, BackendSelection, ClassificationResult, ClassifierStats, ClassifyBatchOptions, ClassifyOptions, EngineName, FrameStream, FrameStreamOptions, FrameStreamSource, ImageInput, ModelManifest, PreprocessOptions, WorkerPlacement,
} from './types.js';

/**
 * A loaded model on a working backend, as `createClassifier` resolves it.
 * Dispatches `backendchange` (a CustomEvent whose `detail` is
 * `{ from, to, reason }`) when a lost GPU moves it to another backend.
 *
 * @example
 * ```ts
 * const clf: Classifier = await createClassifier({ worker: true });
 * clf.addEventListener('backendchange', (e) => console.warn((e as CustomEvent).detail));
 * const { top } = await clf.classify(file);
 * ```
 */
export interface Classifier extends EventTarget {
  /** The backend actually running the model (changes if a GPU is lost at run time). */
  readonly backend: BackendName;
  readonly engine: EngineName;
  /** Backends not in use, with the reason each was skipped (or lost at run time). */
  readonly fallbacks: readonly BackendFallback[];
  /** What the probes found for each backend (hardware or emulated GPU, WASM SIMD/threads in effect). */
  readonly capabilities: readonly BackendCapability[];
  /** The WebGPU adapter, if there is one (`isFallbackAdapter` true for SwiftShader). */
  readonly adapter: AdapterInfo | null;
  /** How the backend was chosen: every candidate with its class, status, measured ms or reason. */
  readonly selection: BackendSelection;
  /** In a Web Worker or in the page, and why (with `worker: 'auto'`: what kept it in the page, if anything). */
  readonly worker: WorkerPlacement;
  /** The validated manifest (defaults filled in). */
  readonly manifest: Readonly<ModelManifest>;
  readonly labels: readonly string[];
  /**
   * Classifies one image. Calls may overlap: they are queued (at most
   * `calls.maxQueue`) and each gets its own result; identical images in
   * flight are computed once.
   * @throws ClassifierError UNSUPPORTED_INPUT, INPUT_TOO_LARGE, DECODE_FAILED, QUEUE_FULL, ABORTED, TIMEOUT, BACKEND_LOST, INFERENCE_FAILED, WORKER_FAILED, DISPOSED
   */
  classify(input: ImageInput, options?: ClassifyOptions): Promise<ClassificationResult>;
  /**
   * Classifies several images, up to `batchSize` per inference run; results
   * in input order. All or nothing: the first bad input rejects the call with
   * its own error code and its position in `details.index`.
   * @example
   * ```ts
   * const results = await clf.classifyBatch([...fileInput.files], { batchSize: 8 });
   * results.forEach((r, i) => console.log(fileInput.files[i].name, r.top[0].label));
   * ```
   */
  classifyBatch(inputs: readonly ImageInput[], options?: ClassifyBatchOptions): Promise<ClassificationResult[]>;
  /** Classifies a model-ready tensor (batch 1), skipping decoding, preprocessing and the cache. */
  classifyTensor(tensor: Float32Array, options?: ClassifyOptions): Promise<ClassificationResult>;
  /**
   * Classifies a video's frames as they are presented: at most one in
   * flight, frames arriving meanwhile dropped (counted), results carrying the
   * frame's media time. Ends on `stop()`, the signal, `dispose()` or the end
   * of the video/stream. Frames bypass the result cache unless `cache: true`.
   * @throws TypeError for a source that is not a video element, MediaStream or ReadableStream, or a bad option
   * @example
   * ```ts
   * const stream = clf.classifyStream(video, { maxFps: 10, signal });
   * for await (const r of stream) show(r.top[0], r.mediaTime);
   * ```
   */
  classifyStream(source: FrameStreamSource, options?: FrameStreamOptions): FrameStream;
  /** The exact tensor `classify` would feed the model for this input (for parity checks). */
  preprocess(input: ImageInput, options?: PreprocessOptions): Promise<Float32Array>;
  /** Cache, run and backend counters (in a worker: as of the last call that settled). */
  stats(): ClassifierStats;
  /** Frees the engine's memory (and ends the worker). Later calls reject with DISPOSED. Idempotent. */
  dispose(): Promise<void>;
}
