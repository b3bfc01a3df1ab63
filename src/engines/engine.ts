/**
 * The one interface every inference runtime hides behind. Adding an engine
 * touches one file plus one line in `loadEngineFactory`.
 */
import type { BackendName, EngineName } from '../types.js';
import type { LoadedModel } from '../manifest/load.js';

export interface Engine {
  readonly engine: EngineName;
  readonly backend: BackendName;
  /** One model-ready input tensor (batch 1) in, raw model output out. */
  run(input: Float32Array): Promise<Float32Array>;
  /** Frees the session/model and its GPU/WASM memory. Idempotent. */
  dispose(): Promise<void>;
  /** Resolves with a reason if the GPU device/context behind this engine is lost (absent for WASM). */
  readonly lost?: Promise<string>;
  /**
   * Synchronous check (WebGL: isContextLost()). `lost` fires a task later, so a
   * call made right after the loss would otherwise read a dead context.
   */
  isLost?(): string | null;
  /** Live tensors/bytes the runtime holds, where it can tell (tfjs); for leak checks. */
  memory?(): { numTensors: number; numBytes: number };
}

export interface EngineContext {
  model: LoadedModel;
  backend: BackendName;
  wasmPaths: { ort: string; tfjs: string };
  /** Threads for WASM (1 when the page is not cross-origin isolated). */
  wasmThreads: number;
}

export type EngineFactory = (ctx: EngineContext) => Promise<Engine>;

/** Engines are imported lazily, so an ONNX-only app never downloads tfjs and vice versa. */
export async function loadEngineFactory(format: LoadedModel['manifest']['format']): Promise<EngineFactory> {
  if (format === 'onnx') return (await import('./ort.js')).createOrtEngine;
  return (await import('./tfjs.js')).createTfjsEngine;
}

/** An error that no other backend can fix (the model itself is wrong): stop falling back. */
export class ModelMismatchError extends Error {
  override readonly name = 'ModelMismatchError';
}
