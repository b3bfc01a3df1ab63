/**
 * Public types: the manifest contract, options, results. Type-only module
 * (no runtime code), kept apart from behaviour.
 */

/** A backend an engine can run on; 'remote': an inference server (`createClassifier({ remote })`). */
export type BackendName = LocalBackendName | 'remote';
/** The backends in the page. */
export type LocalBackendName = 'webgpu' | 'webgl' | 'wasm';
/** The runtime behind the backend: onnxruntime-web, TensorFlow.js, or an inference server. */
export type EngineName = LocalEngineName | 'remote';
/** The runtimes in the page. */
export type LocalEngineName = 'ort' | 'tfjs';
export type ModelFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph';
export type ResizeMode = 'crop' | 'stretch' | 'letterbox' | 'fit-height';
/** Pillow's resampling filters (each antialiased: the filter widens when shrinking), as a PIL/torchvision server applies them. */
export type ResampleFilter = 'bilinear' | 'bicubic' | 'lanczos' | 'box' | 'hamming' | 'nearest';
/** Channel order of the model input: RGB/BGR (3), L = grayscale (1: 0.2989 R + 0.587 G + 0.114 B), RGBA (4). */
export type ChannelOrder = 'RGB' | 'BGR' | 'L' | 'RGBA';
export type TensorLayout = 'NCHW' | 'NHWC';
export type Activation = 'softmax' | 'sigmoid' | 'none';

/** The model manifest (`manifest.json`), validated on load. See README "Manifest". */
export interface ModelManifest {
  name: string;
  version: string;
  description?: string | undefined;
  format: ModelFormat;
  /** `model`: the ONNX file or tfjs `model.json`; `weights`: tfjs weight shards (optional: read from model.json). */
  files: { model: string; weights?: string[] | undefined };
  /** Hex SHA-256 of every file the model needs (model, shards, labels file). */
  sha256: Record<string, string>;
  /** Optional byte sizes, used for an accurate download progress total. */
  bytes?: Record<string, number> | undefined;
  input: InputSpec;
  output: OutputSpec;
  /** A labels file (one label per line) or the labels inline. */
  labels: string | string[];
  /**
   * Set by the loader, never read from a manifest file: present only when the
   * model was loaded with `integrity: 'none'`, saying that no file was checked
   * against a sha256 (and, for a raw Hugging Face / Teachable Machine folder,
   * how to give it a verified manifest). `clf.manifest.unverified`.
   */
  unverified?: string | undefined;
}

export interface InputSpec {
  /** Graph input name (ONNX); defaults to the model's first input. */
  name?: string | undefined;
  /** [height, width] the model takes (height first, like the tensor). */
  size: [number, number];
  layout: TensorLayout;
  resize: ResizeSpec;
  /** Multiplies 0..255 pixel values first. */
  scale: number;
  /**
   * One value per channel, in `channels` order; applied as (pixel * scale - mean) / std.
   * A single number in the manifest applies to every channel; after validation it is always an array.
   */
  mean: number[];
  std: number[];
  /** @defaultValue 'RGB' */
  channels: ChannelOrder;
  /**
   * An encoded image's embedded ICC colour profile: 'convert' to sRGB (what
   * browsers display, and what sharp/libvips servers do) or 'ignore' it (what
   * Pillow and so torchvision servers do: `Image.open(...).convert('RGB')`
   * reads the stored values). Matters only for images with a non-sRGB profile.
   * @defaultValue 'convert'
   */
  colorProfile?: 'convert' | 'ignore';
  /**
   * EXIF orientation of an encoded image: 'apply' it (as browsers display the
   * photo) or 'ignore' it (as `Image.open(...).convert('RGB')` does on a server
   * that never calls ImageOps.exif_transpose).
   * @defaultValue 'apply'
   */
  orientation?: 'apply' | 'ignore';
  /**
   * Transparent pixels: 'composite' them on `preprocessing.background` (like
   * a server that flattens), or 'drop' the alpha channel and keep the stored
   * colour (PIL's `convert('RGB')`). Browsers keep colour premultiplied, so a
   * fully transparent pixel's colour is lost either way: 'drop' reads it as black.
   * @defaultValue 'composite'
   */
  alpha?: 'composite' | 'drop';
}

/** How the image becomes `size`. */
export interface ResizeSpec {
  /**
   * crop: scale the shorter side to `shorterSide` (default: the crop's shorter side), then center-crop (torchvision Resize + CenterCrop);
   * stretch: to `size`, ignoring aspect; letterbox: fit inside `size` keeping aspect, padded;
   * fit-height: height to `size[0]`, width in proportion (rounded up) but at most `size[1]`, padded on the right (PaddleOCR's text-line resize).
   */
  mode: ResizeMode;
  shorterSide?: number | undefined;
  /** Pillow filter used to resize. @defaultValue 'bilinear' */
  filter?: ResampleFilter;
  /** Where a letterboxed image sits: 'center', or 'left' (against the left edge, vertically centred). fit-height is always 'left'. @defaultValue 'center' */
  anchor?: 'center' | 'left';
  /**
   * The tensor value of padded areas (letterbox, fit-height), after normalisation (Paddle pads with 0 after
   * normalising). Absent: padding is `preprocessing.background`, normalised like any pixel.
   */
  padValue?: number | undefined;
  /**
   * How the crop's offset is rounded when the margin is odd: 'round' (torchvision's CenterCrop: Python round) or
   * 'floor' (Hugging Face image processors: `(h - crop) // 2`). @defaultValue 'round'
   */
  cropOffset?: 'round' | 'floor';
}

export interface OutputSpec {
  /** Which graph output to read (ONNX, tfjs graph models with several outputs); defaults to the first. */
  name?: string | undefined;
  activation: Activation;
  /**
   * Outputs before the first class: 1 for a 1001-way head whose output 0 is "background". The activation
   * runs over all outputs; the first `labelOffset` are then dropped, so scores and labels line up.
   * @defaultValue 0
   */
  labelOffset?: number | undefined;
  /**
   * Multi-label models (sigmoid): `top` lists only classes scoring at least this (still at most topK).
   * `scores` keeps every class.
   */
  threshold?: number | undefined;
}

/** Progress of model download and warm-up, for a progress bar. */
export interface LoadProgress {
  phase: 'manifest' | 'download' | 'verify' | 'init' | 'warmup' | 'ready';
  /** Bytes downloaded so far over all files (download phase); otherwise equal to total. */
  loaded: number;
  /** Total bytes when known (from the manifest's `bytes` or Content-Length), else 0. */
  total: number;
  /** File being downloaded, or the backend being initialised. */
  detail?: string;
}

/** A backend that was tried and not used, and why. */
export interface BackendFallback {
  backend: BackendName;
  reason: string;
}

/** What the probes found out about a backend before it was tried. */
export interface BackendCapability {
  backend: LocalBackendName;
  available: boolean;
  /** `software` when the GPU is emulated (SwiftShader, llvmpipe, a WebGPU fallback adapter). */
  kind: 'hardware' | 'software' | 'cpu' | 'unknown';
  /** GPUs only: discrete / integrated (both 'hardware'), software, or unknown. */
  gpuClass?: 'discrete' | 'integrated' | 'software' | 'unknown';
  /** Human-readable: adapter/renderer description, SIMD/threads for wasm. */
  description: string;
  /**
   * WASM only: threads the runtime will use. 1 when the page is not
   * cross-origin isolated (no COOP/COEP headers), and `description` says so.
   */
  threads?: number;
  /** Why it is unavailable, when it is. */
  reason?: string;
}

/** WebGPU adapter facts (reported so a software fallback adapter is never a surprise). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** One backend as the selection saw it. */
export interface SelectionCandidate {
  backend: LocalBackendName;
  kind: BackendCapability['kind'];
  /**
   * selected: in use; measured: timed but slower; failed: init or warm-up failed;
   * abandoned: not initialised within its share of `selectionBudgetMs`;
   * unavailable: the probe found no such backend; not-tried: ranked below the winner.
   */
  status: 'selected' | 'measured' | 'failed' | 'abandoned' | 'unavailable' | 'not-tried';
  /** Median inference time of the measurement runs (measured candidates only). */
  ms?: number;
  reason?: string;
}

/** How the backend was chosen (`clf.selection`). */
/** Where a classifier runs (`classifier.worker`), and why. */
export interface WorkerPlacement {
  /** True: decoding, preprocessing, the cache and inference run in a Web Worker (the classifier is its proxy). */
  used: boolean;
  /** Why: the option as given, or (with `worker: 'auto'`) what kept it in the page. */
  reason: string;
}

export interface BackendSelection {
  mode: 'auto' | 'explicit';
  /** True when candidates were timed against each other. */
  measured: boolean;
  /** True when a remembered decision for this device + model was reused (nothing measured). */
  fromCache: boolean;
  candidates: SelectionCandidate[];
}

export interface Category {
  label: string;
  index: number;
  /** 0..1 after the manifest's activation. */
  score: number;
}

export interface StageTimings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  totalMs: number;
}

export interface ClassificationResult {
  /** Best classes first. */
  top: Category[];
  /** Every class's probability (after activation), index order of the labels. */
  scores: Float32Array;
  backend: BackendName;
  engine: EngineName;
  /** True when no inference ran for this call: a cache hit, or an identical call in flight answered it. */
  cached: boolean;
  /** True only for a timed-out call answered from an expired cache entry (`fallbackToCache`). */
  stale: boolean;
  timings: StageTimings;
  /** Non-fatal observations (e.g. an image far smaller than the model input). */
  warnings: string[];
}

export interface ClassifyOptions {
  /** How many classes in `top`. @defaultValue 5 */
  topK?: number;
  /** Aborting rejects the call with ABORTED; a call not started yet is skipped. */
  signal?: AbortSignal;
  /** Deadline for this call (queue wait included); overrides the classifier's `timeoutMs`. */
  timeoutMs?: number;
  /** Overrides the classifier's `fallbackToCache` for this call. */
  fallbackToCache?: boolean;
  /**
   * Classify only this part of the image: it is cut out before the model's
   * resize mode, as if the file had been cropped (part of the cache key). An
   * empty or out-of-bounds region rejects with INVALID_REGION.
   */
  region?: Region;
  /**
   * `false`: this call neither looks the image up in the result cache nor
   * stores its answer (video frames: no two are the same file).
   * @defaultValue true
   */
  cache?: boolean;
}

/** What `classifyStream` reads frames from. */
export type FrameStreamSource = HTMLVideoElement | MediaStream | ReadableStream<VideoFrame>;

/** Options of `classifyStream`. */
export interface FrameStreamOptions {
  /** Classify at most this many frames per second of media time (the others are `skipped`). @defaultValue as fast as the model goes */
  maxFps?: number;
  /** Aborting ends the loop (`reason: 'aborted'`); the frame in flight is abandoned. */
  signal?: AbortSignal;
  /** @defaultValue 5 */
  topK?: number;
  /** A region of interest for every frame (see {@link ClassifyOptions.region}). */
  region?: Region;
  /** Look frames up in and store them into the result cache. @defaultValue false */
  cache?: boolean;
  /** Called with each result, in media-time order (or iterate the stream). */
  onResult?: (result: FrameResult) => void;
  /** Called for a frame that failed (e.g. DECODE_FAILED); the loop goes on. Errors that leave nothing to classify with (DISPOSED, WORKER_FAILED, BACKEND_LOST) end it instead. */
  onError?: (error: unknown) => void;
}

/** A frame's result: the classification, and which frame it was. */
export interface FrameResult extends ClassificationResult {
  /** Media time of the classified frame in seconds (`video.currentTime`'s clock; a VideoFrame's `timestamp` / 1e6). */
  mediaTime: number;
  /** Which presented frame this was (1 = the first the loop saw). */
  frame: number;
  /** Frames dropped so far because the model was still busy. */
  dropped: number;
}

export interface FrameStreamCounts {
  /** Frames presented while the loop ran. */
  frames: number;
  classified: number;
  /** Arrived while the model was busy (released at once, never queued), or abandoned in flight when the loop was stopped. */
  dropped: number;
  /** Left out by `maxFps`. */
  skipped: number;
  /** Frames whose classification failed (the loop went on). */
  errors: number;
}

/** How a frame loop ended. */
export interface FrameStreamSummary extends FrameStreamCounts {
  reason: 'ended' | 'aborted' | 'stopped' | 'disposed' | 'failed';
  /** The error that ended it, for 'failed' (and 'disposed' when a call saw it first). */
  error?: unknown;
}

/**
 * A running frame loop. Iterate it for results in media-time order (a
 * `break` stops it), or pass `onResult`.
 * @example
 * ```ts
 * const stream = clf.classifyStream(videoElement, { maxFps: 10 });
 * for await (const r of stream) label.textContent = `${r.top[0].label} at ${r.mediaTime.toFixed(2)} s`;
 * console.log(await stream.done); // { frames, classified, dropped, skipped, errors, reason: 'ended' }
 * ```
 */
export interface FrameStream extends AsyncIterable<FrameResult> {
  /** Ends the loop (`reason: 'stopped'`). Idempotent. */
  stop(): void;
  /** Resolves when the loop has ended and its last frame settled. Never rejects. */
  readonly done: Promise<FrameStreamSummary>;
  counts(): FrameStreamCounts;
}

/**
 * A rectangle of the image as displayed (after EXIF orientation), from its
 * top-left corner. Normalised to [0, 1] of the width and height by default
 * (MediaPipe's `regionOfInterest` convention); `unit: 'pixels'` for pixels.
 * Edges are rounded to whole pixels.
 * @example
 * ```ts
 * await clf.classify(file, { region: { x: 0.5, y: 0, width: 0.5, height: 0.5 } }); // the top-right quarter
 * await clf.classify(file, { region: { x: 120, y: 40, width: 200, height: 160, unit: 'pixels' } });
 * ```
 */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
  /** @defaultValue 'normalized' */
  unit?: 'normalized' | 'pixels';
}

/** Options of `preprocess`: the parts of {@link ClassifyOptions} that change the tensor. */
export type PreprocessOptions = Pick<ClassifyOptions, 'region'>;

/** Options of `classifyBatch`: those of `classify`, for the whole batch, plus its size. */
export interface ClassifyBatchOptions extends ClassifyOptions {
  /**
   * Most images per inference run; more are run in several, one queued task
   * each. A model with a fixed batch dimension (or ORT WebGL, which pins it
   * to 1) runs them one by one whatever this says. @defaultValue 8
   */
  batchSize?: number;
}

/**
 * Anything the library can classify. Blobs are sniffed by content (never by
 * name); animated GIF/WebP use their first frame; video uses its current frame.
 */
export type ImageInput =
  | Blob
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageData
  | HTMLVideoElement
  | VideoFrame;

export interface CacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  hitRate: number;
  size: number;
  maxEntries: number;
}

/** Latency of one stage over the latest calls (`metrics.window`), in ms; nearest-rank percentiles. */
export interface LatencyStats {
  /** Samples in the window. */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Per-stage latencies. `total` covers every successful call (cache answers
 * included), from the call to its result; the stages cover the calls that
 * ran them (a cache answer ran none). In worker mode, as measured in the worker.
 */
export interface StageLatencies {
  decode: LatencyStats;
  preprocess: LatencyStats;
  inference: LatencyStats;
  total: LatencyStats;
}

/** One move to another backend at run time (a lost GPU), as `stats().backendChanges` keeps it. */
export interface BackendChangeRecord {
  from: BackendName;
  to: BackendName;
  reason: string;
  /** `performance.now()` of the change, in the realm that runs the model. */
  at: number;
}

/** The `detail` of the `result` event: one per result, as it is returned. */
export interface ResultEventDetail {
  call: 'classify' | 'classifyBatch' | 'classifyTensor';
  result: ClassificationResult;
}

/** One model tier as tier selection saw it (`model` given as a list). */
export interface TierCandidate {
  /** The manifest's name@version once loaded, else the URL given. */
  model: string;
  /**
   * selected: in use; over-budget: started and timed, slower than `latencyBudgetMs`;
   * failed: could not load or start (see reason); not-tried: a larger tier was selected.
   */
  status: 'selected' | 'over-budget' | 'failed' | 'not-tried';
  /** Median inference time measured after warm-up, in ms. */
  latencyMs?: number;
  reason?: string;
}

/** How the model tier was chosen (`stats().tiers`). */
export interface TierSelection {
  budgetMs: number;
  /** Index of the tier in use, in the order given (largest first). */
  selected: number;
  /** True when a remembered choice for this device let larger tiers be skipped without loading them. */
  fromCache: boolean;
  candidates: TierCandidate[];
}

export interface ClassifierStats {
  cache: CacheStats | null;
  /** Images the model actually ran on (cache hits and repeats excluded); a batch counts each of its images. */
  runs: number;
  /** Inference runs of the engine: fewer than `runs` when classifyBatch put several images in one. */
  batches: number;
  backend: BackendName;
  engine: EngineName;
  /** Present when `model` was a list of tiers: which one runs, and why the others do not. */
  tiers?: TierSelection;
  /** Tensors and bytes the runtime holds (tfjs: tf.memory(), page-wide); absent where the runtime cannot tell (ORT). */
  engineMemory?: { numTensors: number; numBytes: number };
  /** Latency percentiles per stage over the latest `metrics.window` calls. */
  latency: StageLatencies;
  /** Failed calls by error code (`ClassifierError`) or name (`TypeError`), since creation. */
  errors: Record<string, number>;
  /** Calls that returned results (a batch counts each image), since creation. */
  results: number;
  /** Every run-time move to another backend, oldest first. */
  backendChanges: BackendChangeRecord[];
}
