/**
 * What crosses the boundary between the page and the classifier's worker
 * (`createClassifier({ worker: true })`): the API the worker exposes through
 * comlink, and plain records for results and errors. Errors travel as records,
 * not thrown values, because comlink rebuilds a thrown error as a bare
 * `Error` and loses `code` and `details`.
 */
import type { BackendChange } from '../backends/failover.js';
import { ClassifierError, type ClassifierErrorCode } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type {
  AdapterInfo, BackendCapability, BackendFallback, BackendName, BackendSelection, ClassificationResult, ClassifierStats, ClassifyBatchOptions, EngineName, ImageInput, LoadProgress, ModelManifest, PreprocessOptions,
} from '../types.js';

/** An error as a structured-cloneable record. */
export interface WireError {
  name: string;
  message: string;
  code?: ClassifierErrorCode;
  details?: Record<string, unknown>;
  cause?: { name: string; message: string };
  stack?: string;
}

/** The parts of a classifier that change as it works, sent with every reply. */
export interface WireState {
  backend: BackendName;
  engine: EngineName;
  fallbacks: BackendFallback[];
  stats: ClassifierStats;
}

/** What never changes after creation. */
export interface WireInfo {
  capabilities: BackendCapability[];
  adapter: AdapterInfo | null;
  selection: BackendSelection;
  manifest: ModelManifest;
  labels: string[];
}

/**
 * `contentKeys`: for each posted input, the result-cache key of its bytes when it is a Blob the
 * worker keyed (else null), so the page can remember it per Blob object.
 */
export type Reply<T> = { ok: true; value: T; state: WireState | null; contentKeys?: (string | null)[] } | { ok: false; error: WireError; state: WireState | null };

/**
 * Per-call options without the AbortSignal (not cloneable): `aborts` says one exists.
 * `contentKeys`: the keys the page remembers for these Blob objects (a posted Blob is a new
 * object in the worker, so the worker cannot know it saw it): a hit is then a lookup, with no
 * read and no hash, as in the page. A key that is no longer cached is ignored (read, hashed).
 */
export type WireCallOptions = Omit<ClassifyBatchOptions, 'signal'> & { aborts?: boolean; contentKeys?: (string | null)[] };

/** Options as the worker gets them: resolved in the page (defaults filled, every URL absolute), callbacks removed. */
export type WireOptions = Omit<ResolvedOptions, 'onProgress' | 'onBackendChange'>;

/** Page-side functions the worker calls (passed with comlink.proxy). */
export interface WorkerCallbacks {
  progress(progress: LoadProgress): void;
  backendChange(change: BackendChange, state: WireState): void;
}

/** Inputs as they are posted: page-only objects are turned into ImageBitmaps first. */
export type WireInput = Exclude<ImageInput, HTMLImageElement | HTMLCanvasElement | HTMLVideoElement>;

/** The object the worker exposes. Every call has an id the page can abort by. */
export interface WorkerApi {
  /** `remembered`: the page's remembered backend decisions (a worker has no localStorage); the reply carries them back updated. */
  create(options: WireOptions, callbacks: WorkerCallbacks, remembered: Record<string, string>): Promise<Reply<{ info: WireInfo; remembered: Record<string, string> }>>;
  classify(id: number, input: WireInput, options: WireCallOptions): Promise<Reply<ClassificationResult>>;
  classifyBatch(id: number, inputs: readonly WireInput[], options: WireCallOptions): Promise<Reply<ClassificationResult[]>>;
  classifyTensor(id: number, tensor: Float32Array, options: WireCallOptions): Promise<Reply<ClassificationResult>>;
  preprocess(id: number, input: WireInput, options: PreprocessOptions): Promise<Reply<Float32Array>>;
  /** The page's signal fired: abort the call's work in the worker (skipped if not started). */
  abort(id: number): void;
  dispose(): Promise<void>;
}

/** Details are usually plain data; anything that cannot be cloned is reduced to JSON (or dropped). */
function cloneable(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return structuredClone({ ...details });
  } catch {
    try {
      return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message };
  if (error.stack) wire.stack = error.stack;
  if (error instanceof ClassifierError) {
    wire.code = error.code;
    wire.details = cloneable(error.details);
  }
  if (error.cause !== undefined) wire.cause = error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : { name: 'Error', message: String(error.cause) };
  return wire;
}

/** The error the page throws for a record: a real ClassifierError (same code, message, details) or the same built-in type. */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause ? Object.assign(new Error(wire.cause.message), { name: wire.cause.name }) : undefined;
  if (wire.code) return new ClassifierError(wire.code, wire.message, { details: wire.details ?? {}, ...(cause ? { cause } : {}) });
  const Ctor = wire.name === 'TypeError' ? TypeError : wire.name === 'RangeError' ? RangeError : Error;
  const error = new Ctor(wire.message, cause ? { cause } : undefined);
  if (error.name !== wire.name) error.name = wire.name;
  return error;
}
