/**
 * The contract every inference runtime hides behind (types only, plus the
 * one error engines throw for a model that cannot fit its manifest). The
 * engines (ort.ts, tfjs.ts) implement it; registry.ts says which engine runs
 * which format and how each is loaded.
 */
import type { BackendName, EngineName, LocalBackendName } from '../types.js';
import type { LoadedModel } from '../manifest/load.js';

export interface Engine {
  readonly engine: EngineName;
  readonly backend: BackendName;
  /**
   * Model-ready input tensors in (`batch` images concatenated, default 1), raw
   * model output out (`batch` rows concatenated).
   */
  run(input: Float32Array, batch?: number): Promise<Float32Array>;
  /** Most images one `run` takes: 1 when the model's batch dimension is fixed (or pinned, ORT WebGL). */
  readonly maxBatch: number;
  /**
   * Runs that may be in flight at once: an inference server takes several
   * requests (`remote.maxConcurrent`); absent (1) for a local runtime, which is
   * not re-entrant.
   */
  readonly maxConcurrent?: number;
  /** Frees the session/model and its GPU/WASM memory. Idempotent. */
  dispose(): Promise<void>;
  /** Resolves with a reason if the GPU device/context behind this engine is lost (absent for WASM). */
  readonly lost?: Promise<string>;
  /**
   * Synchronous check (WebGL: isContextLost()). `lost` fires a task later, so a
   * call made right after the loss would otherwise read a dead context.
   */
  isLost?(): string | null;
  /**
   * The WASM runtime as it really runs (not as asked): its threads, and a note
   * when an earlier classifier's settings apply instead of this one's.
   */
  readonly wasm?: { threads: number; note?: string };
  /**
   * An engine that takes the encoded image instead of a tensor (an image-bytes
   * endpoint, `remote.protocol: 'image'`): the server decodes and preprocesses.
   * @returns the final score per label (no activation applied afterwards)
   */
  runEncoded?(image: Blob): Promise<Float32Array>;
  /** Live tensors/bytes the runtime holds, where it can tell (tfjs); for leak checks. */
  memory?(): { numTensors: number; numBytes: number };
}

export interface EngineContext {
  model: LoadedModel;
  backend: LocalBackendName;
  wasmPaths: { ort: string; tfjs: string };
  /** Threads for WASM (1 when the page is not cross-origin isolated). */
  wasmThreads: number;
}

export type EngineFactory = (ctx: EngineContext) => Promise<Engine>;

/** An error that no other backend can fix (the model itself is wrong): stop falling back. */
export class ModelMismatchError extends Error {
  override readonly name = 'ModelMismatchError';
}
