/**
 * Chooses the backend. Order: 'auto' ranks discrete GPUs, then integrated or
 * unrecognised GPUs, then WASM, then emulated GPUs; an explicit list is kept
 * as given. A backend counts only if the engine initialises AND a warm-up
 * returns finite output of the right length. Where the probes cannot tell
 * (an integrated/unknown GPU leads), the plausible candidates are timed
 * within a budget. 'auto' remembers its decision per device + model.
 * Every backend not used is recorded with the reason.
 */
import { ClassifierError, describeError } from '../errors.js';
import { type Engine, ModelMismatchError } from '../engines/engine.js';
import type { LoadedModel } from '../manifest/load.js';
import { allFinite } from '../postprocess/scores.js';
import type { AdapterInfo, BackendCapability, BackendFallback, LocalBackendName, BackendSelection, EngineName, LoadProgress, SelectionCandidate } from '../types.js';
import { measureCandidates, raceInit } from './measure.js';
import { probeWasm, probeWebGL, probeWebGPU } from './probe.js';
import { recall, remember } from './remember.js';

export interface Probed {
  capabilities: BackendCapability[];
  adapter: AdapterInfo | null;
  wasmThreads: number;
}

export async function probeAll(requestedThreads: number, engine: EngineName): Promise<Probed> {
  const gpu = await probeWebGPU();
  const wasm = probeWasm(requestedThreads, engine);
  return { capabilities: [gpu.capability, probeWebGL(), wasm.capability], adapter: gpu.adapter, wasmThreads: wasm.threads };
}

const rank = (c: BackendCapability | undefined): number => {
  if (!c || c.backend === 'wasm') return 2;
  if (c.kind === 'software') return c.backend === 'webgl' ? 3 : 4; // emulated WebGL beats emulated WebGPU
  return c.gpuClass === 'discrete' ? 0 : 1;
};

/** 'auto': discrete GPUs (WebGPU first), integrated/unknown GPUs, WASM, emulated WebGL, emulated WebGPU. */
export function orderCandidates(preference: 'auto' | readonly LocalBackendName[], capabilities: readonly BackendCapability[]): LocalBackendName[] {
  if (preference !== 'auto') return [...preference];
  const cap = (b: LocalBackendName) => capabilities.find((c) => c.backend === b);
  return (['webgpu', 'webgl', 'wasm'] as const)
    .filter((b) => cap(b) !== undefined) // only what was probed
    .map((b, i) => ({ b, r: rank(cap(b)) * 10 + i }))
    .sort((x, y) => x.r - y.r)
    .map((x) => x.b);
}

export interface SelectRequest {
  model: LoadedModel;
  preference: 'auto' | readonly LocalBackendName[];
  candidates: LocalBackendName[];
  capabilities: readonly BackendCapability[];
  createEngine: (backend: LocalBackendName) => Promise<Engine>;
  warmupInput: Float32Array;
  onProgress: (p: LoadProgress) => void;
  /** 'auto': measure when an integrated/unknown GPU leads; 'always': time every available candidate; 'never'. */
  measure: 'auto' | 'always' | 'never';
  budgetMs: number;
  /** Longest one backend may take to initialise and warm up before it counts as failed. */
  initTimeoutMs: number;
  /** Where 'auto' remembers its decision; null to neither read nor write. */
  memory: { key: string; signature: string } | null;
}

export interface Selection {
  engine: Engine;
  fallbacks: BackendFallback[];
  selection: BackendSelection;
}

async function warmUp(engine: Engine, input: Float32Array, model: LoadedModel): Promise<void> {
  const out = await engine.run(input);
  const labelCount = model.labels.length;
  const offset = model.manifest.output.labelOffset ?? 0;
  if (out.length - offset !== labelCount) {
    const hint = out.length - labelCount === 1 && offset === 0 ? ' (a background class first? set output.labelOffset: 1)' : '';
    throw new ModelMismatchError(`model output has ${out.length} values${offset ? ` (${out.length - offset} after output.labelOffset ${offset})` : ''} but the manifest has ${labelCount} labels${hint}`);
  }
  if (!allFinite(out)) throw new Error('warm-up inference returned non-finite values (NaN/Infinity)');
}

function fatal(model: LoadedModel, error: unknown): ClassifierError | null {
  if (error instanceof ModelMismatchError) return new ClassifierError('MODEL_LOAD_FAILED', `${model.id} does not fit its manifest: ${error.message}`, { cause: error });
  return error instanceof ClassifierError ? error : null;
}

export async function selectBackend(req: SelectRequest): Promise<Selection> {
  const auto = req.preference === 'auto';
  const cap = (b: LocalBackendName) => req.capabilities.find((c) => c.backend === b);
  const table = new Map<LocalBackendName, SelectionCandidate>(req.candidates.map((b) => [b, { backend: b, kind: cap(b)?.kind ?? 'unknown', status: 'not-tried' }]));
  for (const c of table.values()) {
    const probe = cap(c.backend);
    if (probe && !probe.available) Object.assign(c, { status: 'unavailable', reason: probe.reason ?? 'unavailable' });
  }
  // An abandoned candidate may finish initialising after the choice is made: keep it quiet then.
  let chosen = false;
  const progress = (p: LoadProgress) => {
    if (!chosen) req.onProgress(p);
  };
  const start = async (backend: LocalBackendName): Promise<Engine> => {
    progress({ phase: 'init', loaded: 0, total: 0, detail: backend });
    const engine = await req.createEngine(backend);
    try {
      progress({ phase: 'warmup', loaded: 0, total: 0, detail: backend });
      await warmUp(engine, req.warmupInput, req.model);
      return engine;
    } catch (error) {
      await engine.dispose().catch(() => undefined);
      throw error;
    }
  };
  const attempt = async (backend: LocalBackendName): Promise<Engine | null> => {
    try {
      const engine = await raceInit(start(backend), req.initTimeoutMs);
      if (engine === 'timeout') {
        throw new Error(`did not start within ${req.initTimeoutMs} ms (option selection.initTimeoutMs); its runtime may be stuck, e.g. loading a blocked wasm or worker script`);
      }
      return engine;
    } catch (error) {
      const stop = fatal(req.model, error);
      if (stop) throw stop;
      Object.assign(table.get(backend)!, { status: 'failed', reason: describeError(error) });
      return null;
    }
  };
  const finish = (engine: Engine, measured: boolean, fromCache: boolean): Selection => {
    chosen = true;
    table.get(engine.backend as LocalBackendName)!.status = 'selected';
    if (auto && req.memory && !fromCache) remember(req.memory.key, req.memory.signature, engine.backend as LocalBackendName);
    const candidates = [...table.values()];
    for (const c of candidates) {
      if (auto && c.status === 'not-tried' && c.kind === 'software') {
        c.reason = `not tried: emulated GPU (${cap(c.backend)?.description}); 'auto' ranks it after ${engine.backend}, which is faster on the CPU`;
      }
    }
    const fallbacks = candidates.filter((c) => c.reason && c.status !== 'selected').map((c) => ({ backend: c.backend, reason: c.reason! }));
    return { engine, fallbacks, selection: { mode: auto ? 'auto' : 'explicit', measured, fromCache, candidates } };
  };
  const open = () => req.candidates.filter((b) => table.get(b)!.status === 'not-tried');

  // 1. A remembered decision for this device + model: start there, measure nothing.
  const remembered = auto && req.memory ? recall(req.memory.key, req.memory.signature) : null;
  if (remembered && open().includes(remembered)) {
    const engine = await attempt(remembered);
    if (engine) return finish(engine, false, true);
  }

  // 2. Measure when the probes cannot decide.
  const lead = cap(open()[0] ?? 'wasm');
  const uncertain = auto && lead?.backend !== 'wasm' && (lead?.gpuClass === 'integrated' || lead?.gpuClass === 'unknown');
  // Measuring is part of 'auto' only: an explicit list is tried exactly in its order.
  const plausible = !auto ? [] : req.measure === 'always' ? open() : req.measure === 'auto' && uncertain ? open().filter((b) => cap(b)?.kind !== 'software') : [];
  let measured = false;
  if (plausible.length >= 2) {
    const results = await measureCandidates(plausible, req.budgetMs, start, req.warmupInput, (e) => fatal(req.model, e) !== null).catch((e: unknown) => {
      throw fatal(req.model, e) ?? e;
    });
    const timed = results.filter((r) => r.status === 'measured').sort((a, b) => a.ms! - b.ms!);
    measured = timed.length > 0;
    const best = timed[0];
    for (const r of results) {
      const reason = r.status === 'measured' && r !== best ? `measured ${r.ms!.toFixed(1)} ms per image vs ${best!.ms!.toFixed(1)} ms on ${best!.backend}` : r.reason;
      Object.assign(table.get(r.backend)!, { status: r.status, ms: r.ms, reason });
      if (r !== best) await r.engine?.dispose().catch(() => undefined);
    }
    if (best) return finish(best.engine!, true, false);
  }

  // 3. First that works, in the original order; candidates abandoned while measuring get a
  // second chance there, with no deadline.
  const remaining = req.candidates.filter((b) => ['not-tried', 'abandoned'].includes(table.get(b)!.status));
  for (const backend of remaining) {
    const engine = await attempt(backend);
    if (engine) return finish(engine, measured, false);
  }
  const tried = [...table.values()].filter((c) => c.reason);
  const list = tried.map((f) => `${f.backend}: ${f.reason}`).join('; ');
  throw new ClassifierError('NO_BACKEND', `No backend could run ${req.model.id}. Tried ${req.candidates.join(', ')} — ${list}`, {
    details: { fallbacks: tried.map((c) => ({ backend: c.backend, reason: c.reason })) },
  });
}
