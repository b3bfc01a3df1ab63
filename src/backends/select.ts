/**
 * The fallback chain. Orders candidates ('auto' puts emulated GPUs after
 * WASM), then tries one backend at a time: it counts only if the engine
 * initialises AND a warm-up inference returns finite output of the right
 * length. Every skipped backend is recorded with its reason.
 */
import { ClassifierError, describeError } from '../errors.js';
import { type Engine, type EngineFactory, ModelMismatchError } from '../engines/engine.js';
import type { LoadedModel } from '../manifest/load.js';
import { allFinite } from '../postprocess/scores.js';
import type { AdapterInfo, BackendCapability, BackendFallback, BackendName, LoadProgress } from '../types.js';
import { probeWasm, probeWebGL, probeWebGPU } from './probe.js';

export interface Probed {
  capabilities: BackendCapability[];
  adapter: AdapterInfo | null;
  wasmThreads: number;
}

export async function probeAll(requestedThreads: number): Promise<Probed> {
  const gpu = await probeWebGPU();
  const wasm = probeWasm(requestedThreads);
  return { capabilities: [gpu.capability, probeWebGL(), wasm.capability], adapter: gpu.adapter, wasmThreads: wasm.threads };
}

/** 'auto': hardware GPUs first (WebGPU, WebGL), then WASM, then emulated GPUs (WebGL before WebGPU: faster when emulated). */
export function orderCandidates(preference: 'auto' | readonly BackendName[], capabilities: readonly BackendCapability[]): BackendName[] {
  if (preference !== 'auto') return [...preference];
  const cap = (b: BackendName) => capabilities.find((c) => c.backend === b);
  const hw = (b: BackendName) => cap(b)?.kind !== 'software';
  const order: BackendName[] = [];
  for (const b of ['webgpu', 'webgl'] as const) if (hw(b)) order.push(b);
  order.push('wasm');
  for (const b of ['webgl', 'webgpu'] as const) if (!hw(b)) order.push(b);
  return order;
}

export interface SelectRequest {
  model: LoadedModel;
  /** 'auto' adds a note for each emulated GPU it ranked after the backend chosen. */
  preference: 'auto' | readonly BackendName[];
  candidates: BackendName[];
  capabilities: readonly BackendCapability[];
  createEngine: (backend: BackendName) => Promise<Engine>;
  warmupInput: Float32Array;
  onProgress: (p: LoadProgress) => void;
}

export interface Selection {
  engine: Engine;
  fallbacks: BackendFallback[];
}

/** Emulated GPUs that 'auto' put after the chosen backend: say why they were not used. */
function rankedBelow(order: readonly BackendName[], chosen: BackendName, capabilities: readonly BackendCapability[]): BackendFallback[] {
  return order.slice(order.indexOf(chosen) + 1).flatMap((backend) => {
    const cap = capabilities.find((c) => c.backend === backend);
    if (cap?.kind !== 'software') return [];
    return [{ backend, reason: `not tried: emulated GPU (${cap.description}); 'auto' ranks it after ${chosen}, which is faster on the CPU` }];
  });
}

async function warmUp(engine: Engine, input: Float32Array, labelCount: number): Promise<void> {
  const out = await engine.run(input);
  if (out.length !== labelCount) {
    throw new ModelMismatchError(`model output has ${out.length} values but the manifest has ${labelCount} labels`);
  }
  if (!allFinite(out)) throw new Error('warm-up inference returned non-finite values (NaN/Infinity)');
}

export async function selectBackend(req: SelectRequest): Promise<Selection> {
  const fallbacks: BackendFallback[] = [];
  for (const backend of req.candidates) {
    const cap = req.capabilities.find((c) => c.backend === backend);
    if (cap && !cap.available) {
      fallbacks.push({ backend, reason: cap.reason ?? 'unavailable' });
      continue;
    }
    req.onProgress({ phase: 'init', loaded: 0, total: 0, detail: backend });
    let engine: Engine | undefined;
    try {
      engine = await req.createEngine(backend);
      req.onProgress({ phase: 'warmup', loaded: 0, total: 0, detail: backend });
      await warmUp(engine, req.warmupInput, req.model.labels.length);
      if (req.preference === 'auto') fallbacks.push(...rankedBelow(req.candidates, backend, req.capabilities));
      return { engine, fallbacks };
    } catch (error) {
      await engine?.dispose().catch(() => undefined);
      if (error instanceof ModelMismatchError) {
        throw new ClassifierError('MODEL_LOAD_FAILED', `${req.model.id} does not fit its manifest: ${error.message}`, { cause: error });
      }
      if (error instanceof ClassifierError) throw error;
      fallbacks.push({ backend, reason: describeError(error) });
    }
  }
  const list = fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ');
  throw new ClassifierError('NO_BACKEND', `No backend could run ${req.model.id}. Tried ${req.candidates.join(', ')} — ${list}`, { details: { fallbacks } });
}
