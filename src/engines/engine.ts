/**
 * The one interface every inference runtime hides behind. Adding an engine
 * touches one file plus one loader below.
 */
import type { BackendName, EngineName } from '../types.js';
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

/**
 * How an entry point reaches its engines. Each is a dynamic import, so an app
 * only downloads the engine its model needs; an entry point that leaves one
 * out (`inpage-classifier/onnx`, `/tfjs`) keeps it out of the app's bundle.
 */
export type EngineLoaders = Partial<Record<EngineName, () => Promise<EngineFactory>>>;

export const ortLoader = async (): Promise<EngineFactory> => (await import('./ort.js')).createOrtEngine;
export const tfjsLoader = async (): Promise<EngineFactory> => (await import('./tfjs.js')).createTfjsEngine;

/** The engine that runs a model format. */
export function engineFor(format: LoadedModel['manifest']['format']): EngineName {
  return format === 'onnx' ? 'ort' : 'tfjs';
}

/** Which entry point to import for an engine, for error messages. */
const ENTRY_FOR: Record<EngineName, string> = { ort: 'inpage-classifier/onnx', tfjs: 'inpage-classifier/tfjs' };

/** Null when the entry point has the engine; else why not (the caller wraps it in NO_BACKEND). */
export function missingEngine(format: LoadedModel['manifest']['format'], loaders: EngineLoaders): string | null {
  const engine = engineFor(format);
  if (loaders[engine]) return null;
  return `this entry point has no ${engine} engine for a ${format} model: import createClassifier from 'inpage-classifier' (both engines) or '${ENTRY_FOR[engine]}'`;
}

/** An error that no other backend can fix (the model itself is wrong): stop falling back. */
export class ModelMismatchError extends Error {
  override readonly name = 'ModelMismatchError';
}
