/**
 * Runs IN THE PAGE: the bench's in-page harness, imported once per page by
 * tools/bench/run.ts (via Vite's dev server) and driven with page.evaluate.
 * Every measured thing is a "slot": the library's classify(blob) or
 * classifyTensor, the raw engine, or nsfwjs, on one engine x backend. Slots
 * are timed one after another on the same image (order alternating per
 * image), so all of them see the same images under the same machine load.
 */
import type { ClassifierOptions } from '../../src/options.js';
import type { LocalBackendName, LocalEngineName, StageTimings } from '../../src/types.js';
import { base64ToBytes, float32ToBase64 } from '../browser/base64.js';
import { DEFAULT_MODELS, ENGINES } from '../browser/matrix.js';
import { type PeerModel, loadNsfwjs } from './nsfwjs-page.js';
import { type RawModel, loadRawOrt, loadRawTfjs, useTfBackend } from './raw-page.js';
import { percentile } from './stats.js';

/** What createClassifier resolves to (in the page or, with `worker: true`, a worker proxy). */
type Classifier = Awaited<ReturnType<Window['inpageClassifier']['createClassifier']>>;

/**
 * classifyCanvas: classify(blob) with `resampling: 'canvas'`, the library's fast preprocessing path;
 * classifyDefault: classify(blob) on `createClassifier()` with no options at all (what a new user runs);
 * classifyDefaultInPage: the same with `worker: false`, beside it, to show what the worker costs.
 */
export type SlotKind = 'classify' | 'classifyCanvas' | 'classifyDefault' | 'classifyDefaultInPage' | 'classifyTensor' | 'raw' | 'nsfwjs';

export interface SlotSpec {
  id: string;
  kind: SlotKind;
  engine: LocalEngineName;
  backend: LocalBackendName | 'auto';
}

export interface SetupResult {
  slots: { id: string; backendUsed: string; error?: string }[];
  gpu: string;
  crossOriginIsolated: boolean;
}

export interface StepResult {
  ms: Record<string, number>;
  timings: Record<string, StageTimings>;
  /** The ORT tensor of this image (float32 bytes, base64), when asked for: onnxruntime-node runs the same input. */
  ortTensor?: string;
}

interface Loaded {
  spec: SlotSpec;
  backendUsed: string;
  clf?: Classifier;
  raw?: RawModel;
  peer?: PeerModel;
}

const state = { wasmThreads: 2, slots: [] as Loaded[], classifiers: new Map<string, Classifier>() };

const errorText = (e: unknown) => `${(e as { code?: string }).code ?? (e as Error).name ?? 'Error'}: ${(e as Error).message ?? String(e)}`.slice(0, 300);

/** How long an ORT thread pool keeps spinning after a run, with margin (run.ts waits as long between pages). */
const POOL_SETTLE_MS = 150;

/** A named configuration, in the page (`worker: false`) unless `extra` says otherwise: the no-options slot is the one that measures the default placement. */
export function libOptions(engine: LocalEngineName, backend: LocalBackendName | 'auto', extra: Record<string, unknown> = {}): ClassifierOptions {
  return { model: DEFAULT_MODELS[engine], backends: backend === 'auto' ? 'auto' : [backend], cache: false, rememberBackend: false, wasmThreads: state.wasmThreads, worker: false, ...extra };
}

async function libClassifier(engine: LocalEngineName, backend: LocalBackendName | 'auto', resampling: 'antialiased' | 'canvas' = 'antialiased'): Promise<Classifier> {
  const key = `${engine}/${backend}/${resampling}`;
  let clf = state.classifiers.get(key);
  if (!clf) {
    clf = await window.inpageClassifier.createClassifier(libOptions(engine, backend, { resampling }));
    state.classifiers.set(key, clf);
  }
  return clf;
}

async function modelFiles(engine: LocalEngineName): Promise<{ url: string; size: [number, number]; shape: number[] }> {
  const manifest = (await (await fetch(DEFAULT_MODELS[engine])).json()) as { files: { model: string }; input: { size: [number, number]; layout: 'NHWC' | 'NCHW' } };
  const [h, w] = manifest.input.size;
  return { url: new URL(manifest.files.model, new URL(DEFAULT_MODELS[engine], location.href)).pathname, size: [h, w], shape: manifest.input.layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3] };
}

/** Loads every slot (a slot that cannot load is reported with its error, not thrown). */
export async function setup(slots: SlotSpec[], wasmThreads: number): Promise<SetupResult> {
  state.wasmThreads = wasmThreads;
  const out: SetupResult['slots'] = [];
  for (const spec of slots) {
    try {
      const loaded: Loaded = { spec, backendUsed: spec.backend };
      if (spec.kind === 'classifyDefault' || spec.kind === 'classifyDefaultInPage') {
        // No options at all: the default model, backends, cache, threads, selection and placement.
        loaded.clf = await window.inpageClassifier.createClassifier(spec.kind === 'classifyDefaultInPage' ? { worker: false } : undefined);
        loaded.backendUsed = loaded.clf.backend;
      } else if (spec.kind === 'classify' || spec.kind === 'classifyCanvas' || spec.kind === 'classifyTensor') {
        loaded.clf = await libClassifier(spec.engine, spec.backend, spec.kind === 'classifyCanvas' ? 'canvas' : 'antialiased');
        loaded.backendUsed = loaded.clf.backend;
      } else if (spec.backend === 'auto') {
        throw new Error('raw engines and nsfwjs run on one named backend');
      } else if (spec.kind === 'raw') {
        const m = await modelFiles(spec.engine);
        loaded.raw = spec.engine === 'tfjs' ? await loadRawTfjs(m.url, spec.backend, m.size) : await loadRawOrt(m.url, spec.backend, wasmThreads, m.shape);
      } else {
        loaded.peer = await loadNsfwjs((await modelFiles('tfjs')).url, spec.backend);
      }
      state.slots.push(loaded);
      out.push({ id: spec.id, backendUsed: loaded.backendUsed });
    } catch (e) {
      out.push({ id: spec.id, backendUsed: 'none', error: errorText(e) });
    }
  }
  const any = [...state.classifiers.values()][0];
  const gpu = any ? any.capabilities.filter((x) => x.backend !== 'wasm').map((x) => `${x.backend}: ${x.kind} (${x.description})`).join('; ') : '';
  return { slots: out, gpu, crossOriginIsolated };
}

/** A tensor per engine for this image, made by the library's own preprocessing (untimed). */
async function tensors(blob: Blob): Promise<Partial<Record<LocalEngineName, Float32Array>>> {
  const out: Partial<Record<LocalEngineName, Float32Array>> = {};
  for (const engine of ENGINES) {
    // Only where a slot runs on a tensor (or the ORT tensor is wanted for node): a page holding just
    // the no-options slot gets no in-page classifier of its own.
    if (state.slots.some((s) => s.spec.engine === engine && (s.spec.kind === 'classifyTensor' || s.spec.kind === 'raw'))) out[engine] = await (await libClassifier(engine, 'wasm')).preprocess(blob);
  }
  return out;
}

/** One image through every included slot, in order (reversed on odd images). */
export async function step(b64: string, include: string[], reverse: boolean, wantOrtTensor: boolean): Promise<StepResult> {
  const bytes = base64ToBytes(b64);
  const blob = new Blob([bytes]);
  const input = await tensors(blob);
  const order = state.slots.filter((s) => include.includes(s.spec.id));
  if (reverse) order.reverse();
  const result: StepResult = { ms: {}, timings: {} };
  for (const s of order) {
    const tensor = input[s.spec.engine]!;
    // tfjs has one active backend per page: switch it before the timer starts, for every tfjs user alike.
    if (s.spec.engine === 'tfjs' && s.backendUsed !== 'none') await useTfBackend(s.backendUsed as LocalBackendName);
    // A classifier in a worker has its own ORT thread pool, whose threads busy-wait after a run
    // like the page's: let the other pool go quiet before it runs, and its own before the next slot.
    const ownPool = s.clf?.worker.used === true;
    if (ownPool) await new Promise((r) => setTimeout(r, POOL_SETTLE_MS));
    const t0 = performance.now();
    if (s.spec.kind === 'classify' || s.spec.kind === 'classifyCanvas' || s.spec.kind === 'classifyDefault' || s.spec.kind === 'classifyDefaultInPage') result.timings[s.spec.id] = (await s.clf!.classify(blob)).timings;
    else if (s.spec.kind === 'classifyTensor') result.timings[s.spec.id] = (await s.clf!.classifyTensor(tensor)).timings;
    else if (s.raw) await s.raw.run(tensor);
    else await s.peer!.classify(blob);
    result.ms[s.spec.id] = performance.now() - t0;
    if (ownPool) await new Promise((r) => setTimeout(r, POOL_SETTLE_MS));
  }
  if (wantOrtTensor && input.ort) result.ortTensor = float32ToBase64(input.ort);
  return result;
}

export interface BatchResult {
  key: string;
  size: number;
  method: 'classifyBatch' | 'sequential';
  available: boolean;
  note?: string;
  callMs: number[];
}

/**
 * Throughput at several batch sizes on the library's wasm classifiers:
 * `classifyBatch(blobs)` when the Classifier has it, and a plain loop of
 * `await classify(blob)` over the same images as the reference.
 */
export async function batch(keys: { engine: LocalEngineName; backend: LocalBackendName }[], b64s: string[], sizes: number[], reps: number): Promise<BatchResult[]> {
  const blobs = b64s.map((b) => new Blob([base64ToBytes(b)]));
  const out: BatchResult[] = [];
  for (const { engine, backend } of keys) {
    const clf = await libClassifier(engine, backend);
    const key = `${engine}/${backend}`;
    for (const size of sizes) {
      const inputs = Array.from({ length: size }, (_, i) => blobs[i % blobs.length]!);
      if (engine === 'tfjs') await useTfBackend(backend);
      const seq: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        for (const b of inputs) await clf.classify(b);
        seq.push(performance.now() - t0);
      }
      out.push({ key, size, method: 'sequential', available: true, callMs: seq });
      const ms: number[] = [];
      try {
        for (let r = 0; r < reps; r++) {
          if (engine === 'tfjs') await useTfBackend(backend);
          const t0 = performance.now();
          const results = await clf.classifyBatch(inputs, { batchSize: size });
          ms.push(performance.now() - t0);
          if (results.length !== size) throw new Error(`classifyBatch returned ${results.length} results for ${size} inputs`);
        }
        out.push({ key, size, method: 'classifyBatch', available: true, callMs: ms });
      } catch (e) {
        out.push({ key, size, method: 'classifyBatch', available: false, note: errorText(e), callMs: [] });
      }
    }
  }
  return out;
}

export interface CacheHitResult {
  engine: LocalEngineName;
  missMs: number[];
  /** A hit by content: equal bytes in a new Blob object (read and hashed again). */
  hitMs: number[];
  /** A hit on the same Blob object again (a File picked twice): its key is remembered, nothing is read. */
  sameObjectHitMs: number[];
  /** Where a hit's time goes: reading the blob, and SHA-256 of its bytes (the cache key). */
  readMs: number[];
  hashMs: number[];
  kb: number[];
}

/** Cache on: each image once (miss), then three more times (hits; the median of those is its hit time). */
export async function cacheHit(engines: LocalEngineName[], b64s: string[]): Promise<CacheHitResult[]> {
  const out: CacheHitResult[] = [];
  for (const engine of engines) {
    const clf = await window.inpageClassifier.createClassifier({ ...libOptions(engine, 'wasm'), cache: { maxEntries: 500 } });
    const r: CacheHitResult = { engine, missMs: [], hitMs: [], sameObjectHitMs: [], readMs: [], hashMs: [], kb: [] };
    try {
      for (const b64 of b64s) {
        const bytes = base64ToBytes(b64);
        if (engine === 'tfjs') await useTfBackend('wasm');
        const first = new Blob([bytes]);
        let t0 = performance.now();
        await clf.classify(first);
        r.missMs.push(performance.now() - t0);
        const same: number[] = [];
        for (let k = 0; k < 3; k++) {
          t0 = performance.now();
          if (!(await clf.classify(first)).cached) throw new Error('expected a cache hit');
          same.push(performance.now() - t0);
        }
        r.sameObjectHitMs.push(percentile(same, 50));
        const hits: number[] = [];
        for (let k = 0; k < 3; k++) {
          const blob = new Blob([bytes]);
          t0 = performance.now();
          const res = await clf.classify(blob);
          hits.push(performance.now() - t0);
          if (!res.cached) throw new Error('expected a cache hit');
        }
        r.hitMs.push(percentile(hits, 50));
        t0 = performance.now();
        const buf = await new Blob([bytes]).arrayBuffer();
        const t1 = performance.now();
        await crypto.subtle.digest('SHA-256', buf);
        r.readMs.push(t1 - t0);
        r.hashMs.push(performance.now() - t1);
        r.kb.push(bytes.length / 1024);
      }
    } finally {
      await clf.dispose();
    }
    out.push(r);
  }
  return out;
}

export interface UserTimingResult {
  /** Per-call ms (cache off, ORT wasm), the two classifiers interleaved call by call on the same images. */
  offMs: number[];
  onMs: number[];
  /** One `performance.measure` with a detail object, on its own (µs, mean of many). */
  perEntryUs: number;
}

/** `metrics.userTiming` off vs on: the same images through two classifiers, alternating which goes first. */
export async function userTimingCost(b64s: string[], rounds: number): Promise<UserTimingResult> {
  const off = await window.inpageClassifier.createClassifier({ ...libOptions('ort', 'wasm'), cache: false });
  const on = await window.inpageClassifier.createClassifier({ ...libOptions('ort', 'wasm'), cache: false, metrics: { userTiming: true } });
  const r: UserTimingResult = { offMs: [], onMs: [], perEntryUs: NaN };
  try {
    const blobs = b64s.map((b) => new Blob([base64ToBytes(b)]));
    for (let round = 0; round < rounds; round++) {
      for (const [i, blob] of blobs.entries()) {
        const order = (i + round) % 2 === 0 ? [off, on] : [on, off];
        for (const clf of order) {
          const t0 = performance.now();
          await clf.classify(blob);
          (clf === on ? r.onMs : r.offMs).push(performance.now() - t0);
        }
      }
    }
    const n = 2000;
    const detail = { backend: 'wasm', model: 'bench@1', width: 640, height: 480 };
    const t0 = performance.now();
    for (let k = 0; k < n; k++) performance.measure('inpage-classifier-bench:entry', { start: t0, end: t0 + 1, detail });
    r.perEntryUs = ((performance.now() - t0) / n) * 1000;
    performance.clearMeasures('inpage-classifier-bench:entry');
  } finally {
    await off.dispose();
    await on.dispose();
  }
  return r;
}

export type ResponsivenessMode = 'main' | 'worker' | 'default';

export interface ResponsivenessResult {
  engine: LocalEngineName;
  /** 'main': `worker: false`; 'worker': `worker: true`; 'default': `createClassifier()` with no options, wherever it placed itself. */
  mode: ResponsivenessMode;
  available: boolean;
  note?: string;
  /** 'default' only: `classifier.worker` (where the no-options call ran, and why). */
  placement?: { used: boolean; reason: string; backend: string };
  images: number;
  /** Longest 'longtask' entry (only tasks over 50 ms are reported by the browser) in the classifying window; 0 if none. */
  longTaskMs: number;
  longTasks: number;
  /** Largest gap between setTimeout(0) callbacks in the window (includes the ~4 ms nested-timer clamp). */
  maxLagMs: number;
  totalMs: number;
}

async function probeWindow(clf: Classifier, blobs: Blob[], engine: LocalEngineName, mode: ResponsivenessMode): Promise<ResponsivenessResult> {
  const entries: { start: number; duration: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) entries.push({ start: e.startTime, duration: e.duration });
  });
  observer.observe({ type: 'longtask', buffered: true });
  const lag = { max: 0, last: performance.now(), running: true };
  const tick = () => {
    const t = performance.now();
    lag.max = Math.max(lag.max, t - lag.last);
    lag.last = t;
    if (lag.running) setTimeout(tick, 0);
  };
  if (engine === 'tfjs' && mode === 'main') await useTfBackend('wasm');
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  lag.last = t0;
  setTimeout(tick, 0);
  for (const b of blobs) await clf.classify(b);
  const t1 = performance.now();
  lag.running = false;
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  const inWindow = entries.filter((e) => e.start >= t0 && e.start <= t1);
  return { engine, mode, available: true, ...(mode === 'default' ? { placement: { ...clf.worker, backend: clf.backend } } : {}), images: blobs.length, longTaskMs: Math.max(0, ...inWindow.map((e) => e.duration)), longTasks: inWindow.length, maxLagMs: lag.max, totalMs: t1 - t0 };
}

const resp: { clf?: Classifier; blobs: Blob[]; engine: LocalEngineName; mode: ResponsivenessMode } = { blobs: [], engine: 'ort', mode: 'main' };

/**
 * Main-thread responsiveness, step 1: the classifier on the main thread, or with
 * `createClassifier({ worker: true })` if this build has worker mode (detected by the
 * Worker it constructs: unknown options are ignored), warmed up on one image.
 * Step 2 (`probeResponsive`) is timed separately so the bench can trace just that window.
 */
export async function prepareResponsive(engine: LocalEngineName, mode: ResponsivenessMode, b64s: string[], count: number, wasmThreads: number): Promise<{ available: boolean; note?: string }> {
  state.wasmThreads = wasmThreads;
  Object.assign(resp, { clf: undefined, engine, mode, blobs: Array.from({ length: count }, (_, i) => new Blob([base64ToBytes(b64s[i % b64s.length]!)])) });
  if (mode === 'main') {
    resp.clf = await libClassifier(engine, 'wasm');
  } else if (mode === 'default') {
    // Exactly what a new user writes (the default model is the ONNX one: engine is 'ort').
    try {
      resp.clf = await window.inpageClassifier.createClassifier();
    } catch (e) {
      return { available: false, note: `createClassifier() failed: ${errorText(e)}` };
    }
  } else {
    const Original = window.Worker;
    let created = 0;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        created++;
      }
    };
    let clf: Classifier;
    try {
      clf = await window.inpageClassifier.createClassifier(libOptions(engine, 'wasm', { worker: true }));
    } catch (e) {
      return { available: false, note: `createClassifier({ worker: true }) failed: ${errorText(e)}` };
    } finally {
      window.Worker = Original;
    }
    const marker = (clf as unknown as { worker?: unknown; mode?: unknown }).worker === true || (clf as unknown as { mode?: unknown }).mode === 'worker';
    if (created === 0 && !marker) {
      await clf.dispose();
      return { available: false, note: 'worker mode not available in this build (createClassifier ignored `worker: true`: no Worker was started)' };
    }
    resp.clf = clf;
  }
  try {
    if (engine === 'tfjs' && mode === 'main') await useTfBackend('wasm');
    await resp.clf.classify(resp.blobs[0]!);
    return { available: true };
  } catch (e) {
    return { available: false, note: `${mode} mode failed: ${errorText(e)}` };
  }
}

/** Step 2: classify the images one after another, watching the main thread. */
export async function probeResponsive(): Promise<ResponsivenessResult> {
  try {
    return await probeWindow(resp.clf!, resp.blobs, resp.engine, resp.mode);
  } finally {
    if (resp.mode !== 'main') await resp.clf?.dispose();
  }
}

export interface ColdStartResult {
  ms: number;
  backend: string;
  error?: string;
}

/** createClassifier() → first result, cache off (model from the network, or from the Cache API after a reload). */
export async function coldStart(engine: LocalEngineName, backend: LocalBackendName | 'auto', b64: string, wasmThreads: number): Promise<ColdStartResult> {
  state.wasmThreads = wasmThreads;
  const blob = new Blob([base64ToBytes(b64)]);
  try {
    const t0 = performance.now();
    const clf = await window.inpageClassifier.createClassifier({ ...libOptions(engine, backend), persistModel: true });
    await clf.classify(blob);
    const ms = performance.now() - t0;
    await clf.dispose();
    return { ms, backend: clf.backend };
  } catch (e) {
    return { ms: NaN, backend: 'none', error: errorText(e) };
  }
}
