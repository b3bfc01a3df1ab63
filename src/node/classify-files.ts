/**
 * classifyFiles(): a packed ONNX model over files and folders in Node, with
 * the page's manifest handling, input checks, preprocessing (file-tensor.ts)
 * and postprocessing (activation over every output, then `labelOffset`, then
 * the top K with the manifest's threshold, as PageClassifier does). `concurrency` files are read,
 * decoded (sharp, on its own threads) and preprocessed (JS, on this thread) at a time while
 * onnxruntime-node runs the ones before them; results come out in file order.
 * A bad file gives an error result and never stops the run. With `out`, each
 * result is one appended JSON line and a rerun resumes (jsonl.ts).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type ClassifierErrorCode, describeError, isClassifierError } from '../errors.js';
import { DEFAULT_TOP_K, DEFAULTS, type InputLimits, type ResolvedRemote } from '../options.js';
import { applyActivation, topK as pickTop } from '../postprocess/scores.js';
import type { Category } from '../types.js';
import { type FileTensor, fileToTensor, parseBackground, requireSharp } from './file-tensor.js';
import { LineWriter, readResume } from './jsonl.js';
import { type ModelOnDisk, type NodeSession, openSession, readModel } from './node-model.js';
import { listFiles } from './walk.js';

/** Per-stage milliseconds of one file. */
export interface FileTimings {
  /** Reading, sniffing and decoding (sharp) to RGBA. */
  decodeMs: number;
  /** Alpha, resampling and normalisation into the tensor (the page's JS code). */
  preprocessMs: number;
  /** onnxruntime-node's run (not the wait for the session). */
  inferenceMs: number;
}

/** A classified file: one JSON line of the results file. */
export interface FileClassified {
  /** The path as found (relative when the path given was). */
  file: string;
  /** Best classes first: `{ label, index, score }`, score after the manifest's activation. */
  top: Category[];
  timings: FileTimings;
  /** Present when not empty: the page's non-fatal observations (a truncated JPEG, a tiny image). */
  warnings?: string[];
}

/** A file that could not be classified: one JSON line of the results file. */
export interface FileFailed {
  file: string;
  error: {
    /** The library's error code: UNSUPPORTED_INPUT (not an image, or unreadable), INPUT_TOO_LARGE, DECODE_FAILED, PREPROCESS_FAILED, INFERENCE_FAILED. */
    code: ClassifierErrorCode;
    message: string;
  };
}

export type FileResult = FileClassified | FileFailed;

/** True for a classified file's result. */
export function isClassified(result: FileResult): result is FileClassified {
  return 'top' in result;
}

/** Where a run stands, after each result. */
export interface ClassifyProgress {
  /** Files with a result in this run. */
  done: number;
  /** Files this run has to do (found, minus those already in `out`). */
  total: number;
  ok: number;
  failed: number;
  /** Files skipped because `out` already has them. */
  skipped: number;
  elapsedMs: number;
  /** Files per second in this run so far. */
  imagesPerSecond: number;
  /** Estimated milliseconds left (undefined before the first result). */
  etaMs: number | undefined;
}

/** How a run went. */
export interface ClassifySummary {
  /** The model's `name@version`. */
  model: string;
  /** Files found under the paths given. */
  found: number;
  /** Files already in `out`, not done again. */
  skipped: number;
  /** Of `skipped`, those whose line in `out` is an error (so the results file as a whole has failures). */
  skippedFailed: number;
  ok: number;
  failed: number;
  /** Failed files by error code. */
  failedByCode: Partial<Record<ClassifierErrorCode, number>>;
  /** True when `signal` stopped the run early (the files in flight were finished and written). */
  aborted: boolean;
  /** The whole run, model loading included. */
  seconds: number;
  /** Files per second once the model was ready. */
  imagesPerSecond: number;
  /** Bytes of an unfinished last line cut off `out` before resuming (a run killed mid-write). */
  truncatedBytes: number;
}

export interface ClassifyFilesOptions {
  /** A packed ONNX model: its folder or its manifest.json (what `inpage-classifier pack` writes). */
  model: string;
  /**
   * Files read, decoded and preprocessed at a time while the model runs (one onnxruntime-node session
   * runs them one after another, each on all cores).
   * @defaultValue the CPUs, at least 4, at most libuv's thread pool (UV_THREADPOOL_SIZE, 4 by default): {@link CLASSIFY_DEFAULTS}
   */
  concurrency?: number | undefined;
  /** Classes per file, best first. @defaultValue 5 (the page's default) */
  topK?: number | undefined;
  /**
   * A JSON Lines file the results are appended to, one line per file. When it exists, the files it
   * lists (ok or failed) are skipped: a killed or aborted run resumes where it stopped.
   */
  out?: string | undefined;
  /** Stops taking new files; the ones in flight are finished (and written), then the summary says `aborted`. */
  signal?: AbortSignal | undefined;
  /** Each result, in file order, after it is written to `out`. */
  onResult?: ((result: FileResult) => void) | undefined;
  /** After each result. */
  onProgress?: ((progress: ClassifyProgress) => void) | undefined;
  /** The page's input limits. @defaultValue 20 MiB, 50 megapixels (`DEFAULT_LIMITS`) */
  limits?: Partial<InputLimits> | undefined;
  /** What transparent areas are composited on: `#rgb`, `#rrggbb`, `white`, `black`. @defaultValue `'#ffffff'` */
  background?: string | undefined;
  /**
   * Run the model on an inference server (a cluster) instead of onnxruntime-node: the same
   * preprocessing here, the tensor posted by the page's remote engine (Open Inference Protocol V2 or
   * TF Serving REST; README "Remote inference"), `concurrency` requests in flight.
   */
  remote?: { url: string; protocol?: 'v2' | 'tfserving'; model?: string; version?: string; headers?: Record<string, string>; timeoutMs?: number; retries?: number } | undefined;
}

/** Sessions that post to the inference server: one per file in flight. */
async function remoteSessions(model: ModelOnDisk, remote: NonNullable<ClassifyFilesOptions['remote']>, count: number): Promise<NodeSession[]> {
  const { createRemoteEngine } = await import('../engines/remote.js');
  const resolved: ResolvedRemote = {
    url: remote.url, protocol: remote.protocol ?? 'v2', upload: 'raw', response: 'auto', model: remote.model ?? model.manifest.name, version: remote.version,
    headers: remote.headers ?? {}, timeoutMs: remote.timeoutMs ?? DEFAULTS.remote.timeoutMs, retries: remote.retries ?? DEFAULTS.remote.retries, maxBatch: 1, maxConcurrent: count, fallback: 'none',
  };
  // Checked against the server once (metadata + warm-up); the engine itself keeps no state between runs.
  const engine = await createRemoteEngine({ manifest: model.manifest, labels: model.labels, files: new Map(), id: model.id }, resolved);
  return Array.from({ length: count }, () => ({ run: (tensor: Float32Array) => engine.run(tensor, 1), release: async () => {} }));
}

/** libuv's thread pool, which runs the file reads and sharp's decodes (UV_THREADPOOL_SIZE, 4 unless set). */
const threadPool = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/** The defaults of {@link ClassifyFilesOptions}, in one place. */
export const CLASSIFY_DEFAULTS = Object.freeze({
  /**
   * The CPUs, at least 4 and at most libuv's thread pool (4 unless UV_THREADPOOL_SIZE is set): more files in
   * flight than decoding threads only queue. Measured on 2 cores (docs/node.md): 4 beat 1 and 2, 8 did not beat 4.
   */
  concurrency: Math.max(Math.min(availableParallelism(), threadPool), Math.min(4, threadPool)),
  topK: DEFAULT_TOP_K,
  /** The most `concurrency` accepts: each file in flight holds its full-size RGBA (up to 200 MB at the 50 MP limit). */
  maxConcurrency: 64,
});

function checkInteger(value: number | undefined, option: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${option} must be an integer, got ${String(value)}`);
  if (value < min || value > max) throw new RangeError(`${option} must be from ${min} to ${max}, got ${value}`);
}

function checkOptions(paths: readonly string[], o: ClassifyFilesOptions): void {
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new TypeError('classifyFiles(paths): paths must be an array of file or folder paths');
  if (typeof o.model !== 'string' || !o.model) throw new TypeError('options.model must be the path of a packed model folder or its manifest.json');
  checkInteger(o.concurrency, 'options.concurrency', 1, CLASSIFY_DEFAULTS.maxConcurrency);
  checkInteger(o.topK, 'options.topK', 1, Number.MAX_SAFE_INTEGER);
  if (o.background !== undefined) parseBackground(o.background);
}

const round = (ms: number) => Math.round(ms * 100) / 100;

function failure(file: string, error: unknown, stage: 'PREPROCESS_FAILED' | 'INFERENCE_FAILED'): FileFailed {
  const code = isClassifierError(error) ? error.code : stage;
  return { file, error: { code, message: describeError(error) } };
}

/** Sessions used one run at a time each; a run waits for a free one. */
class SessionPool {
  readonly #free: NodeSession[];
  readonly #waiting: ((session: NodeSession) => void)[] = [];
  readonly #all: NodeSession[];

  constructor(sessions: NodeSession[]) {
    this.#all = sessions;
    this.#free = [...sessions];
  }

  /** The raw output, and the milliseconds of the run itself (not the wait for a free session). */
  async run(tensor: Float32Array): Promise<{ output: Float32Array; ms: number }> {
    const session = this.#free.pop() ?? (await new Promise<NodeSession>((done) => this.#waiting.push(done)));
    try {
      const t0 = performance.now();
      const output = await session.run(tensor);
      return { output, ms: performance.now() - t0 };
    } finally {
      const next = this.#waiting.shift();
      if (next) next(session);
      else this.#free.push(session);
    }
  }

  async release(): Promise<void> {
    await Promise.all(this.#all.map((s) => s.release()));
  }
}

/**
 * Classifies every image file under `paths` (files, or folders walked recursively; sorted by path)
 * with a packed ONNX model, in Node: sharp decodes, the page's code preprocesses, onnxruntime-node
 * runs. Every file gets one result, in path order: classified, or an error with the library's code
 * (a file that is not an image is `UNSUPPORTED_INPUT`). Needs the optional peers onnxruntime-node and sharp.
 *
 * @example
 * ```ts
 * import { classifyFiles } from 'inpage-classifier/node';
 *
 * const summary = await classifyFiles(['photos/'], {
 *   model: 'public/models/nsfw-mobilenet-v2-onnx',
 *   out: 'results.jsonl', // appended; a rerun skips the files already in it
 *   onResult: (r) => { if ('top' in r) console.log(r.file, r.top[0]?.label); },
 * });
 * console.log(`${summary.ok} ok, ${summary.failed} failed in ${summary.seconds.toFixed(1)} s`);
 * ```
 * @returns the summary, once every file has its result (or `signal` stopped the run)
 * @throws TypeError / RangeError for a wrong option; ClassifierError before any file for a model that
 *   cannot be used (MODEL_LOAD_FAILED, MANIFEST_INVALID, MODEL_INTEGRITY, ENGINE_UNAVAILABLE: a tfjs
 *   model, or onnxruntime-node / sharp not installed) or a path that does not exist (UNSUPPORTED_INPUT)
 */
export async function classifyFiles(paths: readonly string[], options: ClassifyFilesOptions): Promise<ClassifySummary> {
  checkOptions(paths, options);
  return runClassify(paths, options, 1);
}

/** classifyFiles with the number of inference sessions (the bench compares them). @internal */
export async function runClassify(paths: readonly string[], options: ClassifyFilesOptions, sessions: number): Promise<ClassifySummary> {
  const start = performance.now();
  const concurrency = options.concurrency ?? CLASSIFY_DEFAULTS.concurrency;
  const k = options.topK ?? CLASSIFY_DEFAULTS.topK;
  const model = readModel(options.model);
  await requireSharp();
  const found = await listFiles(paths);
  const resume = options.out ? await readResume(options.out) : undefined;
  const todo = resume ? found.filter((f) => !resume.done.has(resolve(f))) : found;
  const summary: ClassifySummary = {
    model: model.id, found: found.length, skipped: found.length - todo.length, skippedFailed: resume ? found.filter((f) => resume.failed.has(resolve(f))).length : 0, ok: 0, failed: 0, failedByCode: {}, aborted: false, seconds: 0, imagesPerSecond: 0, truncatedBytes: resume?.truncatedBytes ?? 0,
  };
  const pool = new SessionPool(options.remote
    ? await remoteSessions(model, options.remote, concurrency)
    : await Promise.all(Array.from({ length: sessions }, () => openSession(model))));
  let writer: LineWriter | undefined;
  const { manifest, labels } = model;
  const { activation, labelOffset = 0, threshold } = manifest.output;
  const runStart = performance.now();

  const classifyOne = async (file: string): Promise<FileResult> => {
    let prepared: FileTensor;
    try {
      prepared = await fileToTensor(file, manifest, { limits: options.limits, background: options.background });
    } catch (error) {
      return failure(file, error, 'PREPROCESS_FAILED');
    }
    try {
      const { output, ms: inferenceMs } = await pool.run(prepared.tensor);
      // The activation sees every output (a background class takes its share of a softmax); then the offset drops it.
      const scores = applyActivation(output, activation).subarray(labelOffset);
      const result: FileClassified = {
        file, top: pickTop(scores, labels, k, threshold),
        timings: { decodeMs: round(prepared.timings.decodeMs), preprocessMs: round(prepared.timings.preprocessMs), inferenceMs: round(inferenceMs) },
      };
      if (prepared.warnings.length) result.warnings = prepared.warnings;
      return result;
    } catch (error) {
      return failure(file, error, 'INFERENCE_FAILED');
    }
  };

  // Results are emitted in file order: a finished file waits for the ones before it.
  const ready = new Map<number, FileResult>();
  let nextOut = 0;
  let emitting = Promise.resolve();
  const emit = async () => {
    for (let result = ready.get(nextOut); result; result = ready.get(nextOut)) {
      ready.delete(nextOut++);
      await writer?.write(result);
      if (isClassified(result)) summary.ok++;
      else {
        summary.failed++;
        summary.failedByCode[result.error.code] = (summary.failedByCode[result.error.code] ?? 0) + 1;
      }
      options.onResult?.(result);
      if (options.onProgress) {
        const done = summary.ok + summary.failed;
        const elapsedMs = performance.now() - runStart;
        const rate = done / (elapsedMs / 1000);
        options.onProgress({ done, total: todo.length, ok: summary.ok, failed: summary.failed, skipped: summary.skipped, elapsedMs, imagesPerSecond: rate, etaMs: rate > 0 ? ((todo.length - done) / rate) * 1000 : undefined });
      }
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < todo.length && !options.signal?.aborted) {
      const index = next++;
      ready.set(index, await classifyOne(todo[index]!));
      emitting = emitting.then(emit);
      await emitting;
    }
  };
  try {
    if (options.out) writer = await LineWriter.open(options.out);
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
    await emitting;
  } finally {
    await writer?.close();
    await pool.release();
  }
  summary.aborted = summary.ok + summary.failed < todo.length;
  const end = performance.now();
  summary.seconds = (end - start) / 1000;
  summary.imagesPerSecond = (summary.ok + summary.failed) / Math.max((end - runStart) / 1000, 1e-9);
  return summary;
}
