/**
 * The bench report: its shape, the ratios and targets computed from the runs
 * of one bench run, and its renderings (console table, docs/benchmarks.md).
 * Pure: no I/O, so test/bench-report.test.ts checks it on a fixed report.
 */
import type { EngineName, StageTimings } from '../../src/types.js';
import { ENGINES } from '../browser/matrix.js';
import type { ResponsivenessResult } from './page.js';

export type RunKind = 'classify' | 'classifyCanvas' | 'classifyDefault' | 'classifyDefaultInPage' | 'classifyTensor' | 'raw' | 'nsfwjs' | 'node' | 'batch' | 'sequential';

/** p50 of each of the library's stage timings. */
export type StageP50 = StageTimings;

export interface BenchRun {
  /** `<kind> <engine>/<backend>[-<n>t]`, e.g. `classify ort/wasm-2t`, `node ort/cpu-2t`, `batch ort/wasm-2t x8`. */
  name: string;
  kind: RunKind;
  engine: EngineName;
  /** Requested backend ('auto', 'wasm', 'webgl', 'webgpu'; 'cpu' for onnxruntime-node). */
  backend: string;
  /** What actually ran ('none' when the run could not load). */
  backendUsed: string;
  /** WASM / CPU threads; null on the GPU backends. */
  threads: number | null;
  batch: number;
  images: number;
  p50Ms: number;
  p95Ms: number;
  /** createClassifier() → first result in a fresh browser, model over the network. */
  coldStartMs?: number;
  /** The same after a reload: model from the Cache API (persistModel). */
  coldStartCachedMs?: number;
  throughputPerS?: number;
  /** p50 of the library's own stage timings (classify/classifyTensor runs). */
  stages?: StageP50;
  /** false: the section could not run in this build or on this machine; `note` says why. */
  available?: boolean;
  note?: string;
}

export interface CacheHitStats {
  engine: EngineName;
  images: number;
  /** A hit by content (equal bytes, a new Blob object). */
  hitP50Ms: number;
  hitP95Ms: number;
  /** A hit on the same Blob object again (its key remembered; nothing read). */
  sameObjectHitP50Ms?: number;
  missP50Ms: number;
  /** Where a hit's time goes (p50): reading the Blob, and SHA-256 of its bytes. */
  readP50Ms: number;
  hashP50Ms: number;
  fileKbP50: number;
}

/** What the page measured (tools/bench/page.ts), plus the trace's view of the same window. */
export interface Responsiveness extends ResponsivenessResult {
  /** From a performance trace of the window: the longest RunTask on the renderer main thread (all durations, not only over 50 ms). */
  traceLongestTaskMs?: number;
  traceTasksOver10Ms?: number;
  traceTasks?: number;
}

/** 'ort/wasm main', 'tfjs/wasm worker', or 'default' for the no-options call (its backend and placement are its own). */
export const responsivenessKey = (r: Pick<Responsiveness, 'engine' | 'mode'>) => (r.mode === 'default' ? 'default' : `${r.engine}/wasm ${r.mode}`);
/** The longest main-thread task: the trace's when there is one, else the longtask entry / timer gap (an upper bound). */
export const longestTask = (r: Responsiveness) => (r.traceLongestTaskMs !== undefined && r.traceLongestTaskMs !== null ? Math.max(r.traceLongestTaskMs, r.longTaskMs) : Math.max(r.longTaskMs, r.maxLagMs));

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  browser: string;
  gpu: string;
  crossOriginIsolated: boolean;
  onnxruntimeNode: string;
  date: string;
  quick: boolean;
}

export interface Ratios {
  /** library classifyTensor p50 ÷ raw engine p50, per engine/backend. Target ≤ 1.05. */
  overheadVsRaw: Record<string, number>;
  /** nsfwjs p50 ÷ library classify(blob) p50 (> 1: the library is faster), per tfjs backend; `best`: nsfwjs's best ÷ the library's best; `bestCanvasResampling`: the same with `resampling: 'canvas'`; `default`: nsfwjs's best ÷ `createClassifier()` with no options. Targets best ≥ 2, default ≥ 2.5. */
  vsNsfwjs: Record<string, number>;
  /** library classify(blob) p50 ÷ raw engine p50 on the same backend: the work around the model (decode, preprocessing, cache key, result). `default`: the no-options run ÷ raw ORT on its backend and threads. Target (best path) ≤ 1.25. */
  aroundModelVsRaw: Record<string, number>;
  /** onnxruntime-web p50 ÷ onnxruntime-node p50 at the same thread count (library classifyTensor, and raw). Target ort/wasm-2t ≤ 1.3. */
  vsNode: Record<string, number>;
  /** cache hit p50 ÷ miss p50 (the worse engine), equal bytes in a new Blob. Target ≤ 0.02. */
  cacheHitVsMiss: number;
  /** The same for the same Blob object classified again. Target ≤ 0.01. */
  cacheHitSameObjectVsMiss: number;
  /** Longest main-thread task while classifying (trace; without one, max(longtask entry, setTimeout(0) gap)), per engine and mode. Target (worker) ≤ 10. */
  longestTaskMs: Record<string, number | null>;
  /** Other ratios (auto vs best single backend, cold starts). */
  other: Record<string, number>;
}

export interface Target {
  id: string;
  what: string;
  goal: string;
  value: number | null;
  /** null: not measured in this run. */
  met: boolean | null;
  /** By how much it is missed (or the margin), in words. */
  margin: string;
}

/** `metrics.userTiming` off vs on, side by side (ORT wasm, cache off). */
export interface UserTimingStats {
  images: number;
  offP50Ms: number;
  onP50Ms: number;
  /** on p50 ÷ off p50. */
  ratio: number;
  /** One performance.measure with a detail, alone; a computed call makes four. */
  perEntryUs: number;
}

/** `npx inpage-classifier classify` (classifyFiles, onnxruntime-node) over the bench's files, against the page's `await classify` loop. */
export interface BulkStats {
  images: number;
  rows: { concurrency: number; imagesPerSecond: number }[];
  /** The page's sequential `await classify()` loop on ORT wasm (batch 1), images/s, from this run's batch rows. */
  pageLoopPerS: number | null;
}

export interface BenchReport {
  machine: Machine;
  runs: BenchRun[];
  cacheHit: CacheHitStats[];
  /** Absent in reports from before it was measured. */
  userTiming?: UserTimingStats;
  /** Absent in reports from before it was measured. */
  bulk?: BulkStats;
  responsiveness: Responsiveness[];
  ratios: Ratios;
  targets: Target[];
  notes: string[];
}

/** `engine/backend[-Nt]`: the configuration part of a run's name. */
export const configOf = (r: Pick<BenchRun, 'engine' | 'backend' | 'threads'>) => `${r.engine}/${r.backend}${r.backend === 'wasm' && r.engine === 'ort' ? `-${r.threads}t` : r.backend === 'cpu' ? `-${r.threads}t` : ''}`;

const ok = (r: BenchRun | undefined): r is BenchRun => !!r && r.available !== false && Number.isFinite(r.p50Ms);

export function computeRatios(runs: BenchRun[], cacheHit: CacheHitStats[], resp: Responsiveness[]): Ratios {
  const find = (kind: RunKind, config: string) => runs.find((r) => r.kind === kind && configOf(r) === config && ok(r));
  const overheadVsRaw: Record<string, number> = {};
  for (const raw of runs.filter((r) => r.kind === 'raw' && ok(r))) {
    const lib = find('classifyTensor', configOf(raw));
    if (lib) overheadVsRaw[configOf(raw)] = lib.p50Ms / raw.p50Ms;
  }
  const vsNsfwjs: Record<string, number> = {};
  const peers = runs.filter((r) => r.kind === 'nsfwjs' && ok(r));
  for (const p of peers) {
    const lib = find('classify', configOf(p));
    if (lib) vsNsfwjs[configOf(p)] = p.p50Ms / lib.p50Ms;
  }
  const libs = runs.filter((r) => r.kind === 'classify' && ok(r));
  const bestOf = (list: BenchRun[]) => list.reduce<BenchRun | undefined>((b, r) => (!b || r.p50Ms < b.p50Ms ? r : b), undefined);
  const bestPeer = bestOf(peers);
  const bestLib = bestOf(libs);
  if (bestPeer && bestLib) vsNsfwjs.best = bestPeer.p50Ms / bestLib.p50Ms;
  // The same with the library's fast preprocessing path (resampling: 'canvas'), reported on its own.
  const bestCanvas = bestOf(runs.filter((r) => r.kind === 'classifyCanvas' && ok(r)));
  if (bestPeer && bestCanvas) vsNsfwjs.bestCanvasResampling = bestPeer.p50Ms / bestCanvas.p50Ms;
  const noOptions = runs.find((r) => r.kind === 'classifyDefault' && ok(r));
  if (bestPeer && noOptions) vsNsfwjs.default = bestPeer.p50Ms / noOptions.p50Ms;
  const inPage = runs.find((r) => r.kind === 'classifyDefaultInPage' && ok(r));
  if (bestPeer && inPage) vsNsfwjs.defaultInPage = bestPeer.p50Ms / inPage.p50Ms;
  const aroundModelVsRaw: Record<string, number> = {};
  for (const raw of runs.filter((r) => r.kind === 'raw' && ok(r))) {
    const lib = find('classify', configOf(raw));
    if (lib) aroundModelVsRaw[configOf(raw)] = lib.p50Ms / raw.p50Ms;
  }
  if (noOptions) {
    // The default run's backend as it ran: WASM at its threads, or a GPU.
    const used = noOptions.backendUsed === 'wasm' ? `ort/wasm-${noOptions.threads}t` : `ort/${noOptions.backendUsed}`;
    const raw = find('raw', used);
    if (raw) aroundModelVsRaw.default = noOptions.p50Ms / raw.p50Ms;
  }
  const vsNode: Record<string, number> = {};
  for (const node of runs.filter((r) => r.kind === 'node' && ok(r))) {
    const web = `ort/wasm-${node.threads}t`;
    const lib = find('classifyTensor', web);
    const raw = find('raw', web);
    if (lib) vsNode[web] = lib.p50Ms / node.p50Ms;
    if (raw) vsNode[`raw ${web}`] = raw.p50Ms / node.p50Ms;
  }
  const hitRatios = cacheHit.filter((c) => Number.isFinite(c.hitP50Ms) && c.missP50Ms > 0).map((c) => c.hitP50Ms / c.missP50Ms);
  const sameRatios = cacheHit.filter((c) => Number.isFinite(c.sameObjectHitP50Ms) && c.missP50Ms > 0).map((c) => c.sameObjectHitP50Ms! / c.missP50Ms);
  const longestTaskMs: Record<string, number | null> = {};
  for (const r of resp) longestTaskMs[responsivenessKey(r)] = r.available ? longestTask(r) : null;
  const other: Record<string, number> = {};
  // What the default placement (a worker) costs, measured beside the same options in the page.
  if (noOptions && inPage) other['default.workerVsPageP50'] = noOptions.p50Ms / inPage.p50Ms;
  for (const engine of ENGINES) {
    const mine = libs.filter((r) => r.engine === engine);
    const auto = mine.find((r) => r.backend === 'auto');
    const best = bestOf(mine.filter((r) => r.backend !== 'auto'));
    if (auto && best) other[`${engine}.autoVsBestSingleP50`] = auto.p50Ms / best.p50Ms;
    const webgpu = runs.find((r) => r.kind === 'classify' && r.engine === engine && r.backend === 'webgpu' && r.coldStartMs);
    const autoCold = runs.find((r) => r.kind === 'classify' && r.engine === engine && r.backend === 'auto' && r.coldStartMs);
    if (webgpu && autoCold) other[`${engine}.firstResultWebgpuVsAuto`] = webgpu.coldStartMs! / autoCold.coldStartMs!;
    const wasm = mine.find((r) => r.backend === 'wasm' && r.coldStartMs && r.coldStartCachedMs);
    if (wasm) other[`${engine}.coldStartCacheApiVsNetwork`] = wasm.coldStartCachedMs! / wasm.coldStartMs!;
  }
  return { overheadVsRaw, vsNsfwjs, aroundModelVsRaw, vsNode, cacheHitVsMiss: hitRatios.length ? Math.max(...hitRatios) : NaN, cacheHitSameObjectVsMiss: sameRatios.length ? Math.max(...sameRatios) : NaN, longestTaskMs, other };
}

const pct = (x: number) => `${((x - 1) * 100).toFixed(1)} %`;

/** @param samples - images behind each raw-engine configuration (fewer than 8: the overhead is flagged as indicative). */
export function evaluateTargets(ratios: Ratios, cacheHit: CacheHitStats[], samples: Record<string, number> = {}): Target[] {
  const targets: Target[] = [];
  for (const [config, v] of Object.entries(ratios.overheadVsRaw)) {
    const n = samples[config] ?? 0;
    // A few seconds-long calls on an emulated GPU cannot resolve 5 %: say so next to the number.
    const caveat = n < 8 ? ` (${n} image${n === 1 ? '' : 's'}: indicative only)` : '';
    targets.push({ id: `overhead ${config}`, what: `library classifyTensor p50 ÷ raw engine p50, ${config}`, goal: '≤ 1.05', value: v, met: v <= 1.05, margin: (v <= 1.05 ? `${pct(v)} overhead` : `missed by ${((v / 1.05 - 1) * 100).toFixed(1)} % (overhead ${pct(v)})`) + caveat });
  }
  if (!Object.keys(ratios.overheadVsRaw).length) targets.push({ id: 'overhead', what: 'library classifyTensor ÷ raw engine', goal: '≤ 1.05', value: null, met: null, margin: 'not measured' });
  const best = ratios.vsNsfwjs.best;
  targets.push(best === undefined
    ? { id: 'vs nsfwjs', what: 'nsfwjs best p50 ÷ library best classify(blob) p50', goal: '≥ 2', value: null, met: null, margin: 'not measured' }
    : { id: 'vs nsfwjs', what: 'nsfwjs best p50 ÷ library best classify(blob) p50', goal: '≥ 2', value: best, met: best >= 2, margin: best >= 2 ? `${best.toFixed(2)}× faster` : `${best.toFixed(2)}× faster, ${((1 - best / 2) * 100).toFixed(0)} % short of 2×` });
  const fast = ratios.vsNsfwjs.bestCanvasResampling;
  if (fast !== undefined) {
    targets.push({ id: 'vs nsfwjs canvas', what: "nsfwjs best p50 ÷ library best classify(blob) p50, with `resampling: 'canvas'`", goal: '≥ 2', value: fast, met: fast >= 2, margin: fast >= 2 ? `${fast.toFixed(2)}× faster` : `${fast.toFixed(2)}× faster, ${((1 - fast / 2) * 100).toFixed(0)} % short of 2×` });
  }
  const noOptions = ratios.vsNsfwjs.default;
  targets.push(noOptions === undefined
    ? { id: 'vs nsfwjs default', what: 'nsfwjs best p50 ÷ `createClassifier()` (no options) classify(blob) p50', goal: '≥ 2.5', value: null, met: null, margin: 'not measured' }
    : { id: 'vs nsfwjs default', what: 'nsfwjs best p50 ÷ `createClassifier()` (no options) classify(blob) p50', goal: '≥ 2.5', value: noOptions, met: noOptions >= 2.5, margin: noOptions >= 2.5 ? `${noOptions.toFixed(2)}× faster` : `${noOptions.toFixed(2)}× faster, ${((1 - noOptions / 2.5) * 100).toFixed(0)} % short of 2.5×` });
  const around = ratios.aroundModelVsRaw.default;
  targets.push(around === undefined
    ? { id: 'around the model', what: 'no-options classify(blob) p50 ÷ raw engine p50 on the same backend', goal: '≤ 1.25', value: null, met: null, margin: 'not measured' }
    : { id: 'around the model', what: 'no-options classify(blob) p50 ÷ raw engine p50 on the same backend', goal: '≤ 1.25', value: around, met: around <= 1.25, margin: around <= 1.25 ? `${pct(around)} around the model` : `missed: ${pct(around)} around the model (goal 25 %)` });
  const node = ratios.vsNode['ort/wasm-2t'];
  targets.push(node === undefined
    ? { id: 'vs node', what: 'ORT wasm 2 threads (classifyTensor) p50 ÷ onnxruntime-node 2 threads p50', goal: '≤ 1.3', value: null, met: null, margin: 'not measured' }
    : { id: 'vs node', what: 'ORT wasm 2 threads (classifyTensor) p50 ÷ onnxruntime-node 2 threads p50', goal: '≤ 1.3', value: node, met: node <= 1.3, margin: node <= 1.3 ? `within (${node.toFixed(2)}×)` : `missed by ${((node / 1.3 - 1) * 100).toFixed(0)} % (${node.toFixed(2)}× the native floor)` });
  const hit = cacheHit.length ? Math.max(...cacheHit.map((c) => c.hitP50Ms)) : NaN;
  targets.push({ id: 'cache hit ms', what: 'cache hit p50 (worse engine)', goal: '≤ 1 ms', value: Number.isFinite(hit) ? hit : null, met: Number.isFinite(hit) ? hit <= 1 : null, margin: !Number.isFinite(hit) ? 'not measured' : hit <= 1 ? `${hit.toFixed(2)} ms` : `missed by ${(hit - 1).toFixed(2)} ms (${hit.toFixed(2)} ms)` });
  const r = ratios.cacheHitVsMiss;
  targets.push({ id: 'cache hit ratio', what: 'cache hit p50 ÷ miss p50 (worse engine)', goal: '≤ 0.02', value: Number.isFinite(r) ? r : null, met: Number.isFinite(r) ? r <= 0.02 : null, margin: !Number.isFinite(r) ? 'not measured' : r <= 0.02 ? `${(r * 100).toFixed(2)} % of a miss` : `missed: ${(r * 100).toFixed(2)} % of a miss` });
  const same = ratios.cacheHitSameObjectVsMiss;
  targets.push({ id: 'cache hit same Blob', what: 'cache hit p50 ÷ miss p50, the same Blob object again (worse engine)', goal: '≤ 0.01', value: Number.isFinite(same) ? same : null, met: Number.isFinite(same) ? same <= 0.01 : null, margin: !Number.isFinite(same) ? 'not measured' : same <= 0.01 ? `${(same * 100).toFixed(2)} % of a miss` : `missed: ${(same * 100).toFixed(2)} % of a miss` });
  const byDefault = ratios.longestTaskMs.default;
  targets.push(byDefault === undefined || byDefault === null
    ? { id: 'longest task default', what: 'longest main-thread task while classifying, `createClassifier()` with no options', goal: '≤ 50 ms', value: null, met: null, margin: 'not measured' }
    : { id: 'longest task default', what: 'longest main-thread task while classifying, `createClassifier()` with no options', goal: '≤ 50 ms', value: byDefault, met: byDefault <= 50, margin: byDefault <= 50 ? `${byDefault.toFixed(1)} ms` : `missed by ${(byDefault - 50).toFixed(1)} ms (${byDefault.toFixed(1)} ms)` });
  const workers = Object.entries(ratios.longestTaskMs).filter(([k]) => k.endsWith(' worker'));
  if (!workers.length) targets.push({ id: 'worker longest task', what: 'longest main-thread task while classifying, worker mode', goal: '≤ 10 ms', value: null, met: null, margin: 'not measured' });
  for (const [k, v] of workers) {
    targets.push({ id: `longest task ${k}`, what: `longest main-thread task while classifying, ${k}`, goal: '≤ 10 ms', value: v, met: v === null ? null : v <= 10, margin: v === null ? 'worker mode not available in this build' : v <= 10 ? `${v.toFixed(1)} ms` : `missed by ${(v - 10).toFixed(1)} ms (${v.toFixed(1)} ms)` });
  }
  return targets;
}

const f = (x: number | undefined | null, digits = 1) => (x === undefined || x === null || !Number.isFinite(x) ? '-' : x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
const RUN_HEAD = ['run', 'backend used', 'threads', 'batch', 'images', 'p50 ms', 'p95 ms', 'cold start ms (net / Cache API)', 'per s', 'decode / preprocess / inference p50 ms'];

function runCells(r: BenchRun): string[] {
  if (r.available === false) return [r.name, r.backendUsed, r.threads === null ? '-' : String(r.threads), String(r.batch), '-', 'n/a', 'n/a', '-', '-', `not available: ${r.note ?? ''}`];
  const cold = r.coldStartMs !== undefined ? `${f(r.coldStartMs, 0)} / ${f(r.coldStartCachedMs, 0)}` : '-';
  const stages = r.stages ? `${f(r.stages.decodeMs)} / ${f(r.stages.preprocessMs)} / ${f(r.stages.inferenceMs)}` : '-';
  return [r.name, r.backendUsed, r.threads === null ? '-' : String(r.threads), String(r.batch), String(r.images), f(r.p50Ms), f(r.p95Ms), cold, f(r.throughputPerS), stages];
}

/** The readable console table. */
export function formatTable(report: BenchReport): string {
  const rows = report.runs.map(runCells);
  const widths = RUN_HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(RUN_HEAD), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
  for (const c of report.cacheHit) out.push(`cache hit ${c.engine}/wasm: p50 ${f(c.hitP50Ms, 2)} ms, same Blob again ${f(c.sameObjectHitP50Ms, 2)} ms (miss ${f(c.missP50Ms)} ms; read ${f(c.readP50Ms, 2)} + sha256 ${f(c.hashP50Ms, 2)} ms of a ${f(c.fileKbP50, 0)} KB file)`);
  for (const r of report.responsiveness) out.push(`responsiveness ${responsivenessKey(r)}: ${r.available ? `longest main-thread task ${f(longestTask(r))} ms${r.traceTasks !== undefined ? ` (trace: ${r.traceTasksOver10Ms} of ${r.traceTasks} tasks over 10 ms)` : ''}, ${r.longTasks} long tasks over 50 ms, max setTimeout(0) gap ${f(r.maxLagMs)} ms over ${r.images} images` : `not available: ${r.note}`}`);
  out.push('', 'ratios:');
  const { other, ...main } = report.ratios;
  for (const [k, v] of Object.entries(main)) {
    if (typeof v === 'number') out.push(`  ${k}: ${f(v, 3)}`);
    else for (const [kk, vv] of Object.entries(v)) out.push(`  ${k}.${kk}: ${vv === null ? 'n/a' : f(vv, 3)}`);
  }
  for (const [k, v] of Object.entries(other)) out.push(`  ${k}: ${f(v, 3)}`);
  out.push('', 'targets:');
  for (const t of report.targets) out.push(`  ${t.met === null ? '  ?' : t.met ? ' ok' : 'MISS'}  ${t.what} ${t.goal}: ${t.margin}`);
  return out.join('\n');
}

const md = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

function why(t: Target, report: BenchReport): string {
  const run = (kind: RunKind, config: string) => report.runs.find((r) => r.kind === kind && configOf(r) === config && r.available !== false);
  if (t.id.startsWith('overhead ')) {
    const config = t.id.slice('overhead '.length);
    const lib = run('classifyTensor', config);
    const raw = run('raw', config);
    if (!lib || !raw) return '';
    const s = lib.stages;
    return `${config}: classifyTensor p50 ${f(lib.p50Ms)} ms vs raw ${f(raw.p50Ms)} ms (+${f(lib.p50Ms - raw.p50Ms, 2)} ms). Profile (library stage timings, p50): inference ${f(s?.inferenceMs, 2)} ms of ${f(s?.totalMs, 2)} ms total, so the engine call itself accounts for ${f((s?.inferenceMs ?? NaN) - raw.p50Ms, 2)} ms over raw and the queue + activation + top-K + result object for ${f((s?.totalMs ?? NaN) - (s?.inferenceMs ?? NaN), 2)} ms.${raw.backend === 'wasm' ? ' The engine call is the same session.run / predict as raw, so the part over raw is mostly run-to-run noise (the two alternate on the same images; ±5 % between runs here).' : ` On the emulated GPUs each call is seconds and p50 over ${raw.images} images moves more than 5 % between runs, so a GPU row here is noise-bound, not a measured overhead.`}`;
  }
  if (t.id === 'vs nsfwjs') {
    const libs = report.runs.filter((r) => r.kind === 'classify' && r.available !== false && Number.isFinite(r.p50Ms)).sort((a, b) => a.p50Ms - b.p50Ms);
    const peers = report.runs.filter((r) => r.kind === 'nsfwjs' && r.available !== false && Number.isFinite(r.p50Ms)).sort((a, b) => a.p50Ms - b.p50Ms);
    const l = libs[0];
    const p = peers[0];
    if (!l || !p) return '';
    const raw = run('raw', configOf(p));
    return `Best library run ${l.name} ${f(l.p50Ms)} ms (decode ${f(l.stages?.decodeMs)} + preprocess ${f(l.stages?.preprocessMs)} + inference ${f(l.stages?.inferenceMs)} ms) vs best nsfwjs ${p.name} ${f(p.p50Ms)} ms${raw ? ` (the raw model alone on that backend: ${f(raw.p50Ms)} ms)` : ''}. Both run the same MobileNetV2 weights, so on one backend the model time is the same for both (compare the raw row): the library can only win on the engine (its fastest here is ${l.name}) and on the work around the model, and that is not 2× on this CPU-only machine: inference is ${f(((l.stages?.inferenceMs ?? NaN) / l.p50Ms) * 100, 0)} % of the library's end-to-end time, and its antialiased resample (server parity) costs ${f(l.stages?.preprocessMs)} ms where nsfwjs does one bilinear resize on the backend.`;
  }
  if (t.id === 'vs nsfwjs default' || t.id === 'around the model') {
    const d = report.runs.find((r) => r.kind === 'classifyDefault' && r.available !== false && Number.isFinite(r.p50Ms));
    if (!d) return '';
    const used = d.backendUsed === 'wasm' ? `ort/wasm-${d.threads}t` : `ort/${d.backendUsed}`;
    const raw = run('raw', used);
    const inPage = report.runs.find((r) => r.kind === 'classifyDefaultInPage' && r.available !== false && Number.isFinite(r.p50Ms));
    const s = d.stages;
    const around = s ? d.p50Ms - (s.inferenceMs ?? 0) : NaN;
    return `\`createClassifier()\` with no options ran ${d.name} on ${d.backendUsed}: ${f(d.p50Ms)} ms (decode ${f(s?.decodeMs)} + preprocess ${f(s?.preprocessMs)} + inference ${f(s?.inferenceMs)} ms)${raw ? `, the raw engine on the same backend ${f(raw.p50Ms)} ms` : ''}. The work around the model is ${f(around)} ms: reading and hashing the Blob (the cache key), decoding, the full-size pixel read-back, the Pillow-exact antialiased resample${inPage ? `, and the hop to the default worker and back (the same options with \`worker: false\`, beside it on its page: ${f(inPage.p50Ms)} ms)` : ''}; inference is at the WASM SIMD floor (the raw row), so 2.5× nsfwjs would need the whole classification in ${f((report.runs.filter((r) => r.kind === 'nsfwjs' && Number.isFinite(r.p50Ms)).sort((a, b) => a.p50Ms - b.p50Ms)[0]?.p50Ms ?? NaN) / 2.5)} ms. docs/performance.md lists what was measured and what is left.`;
  }
  if (t.id === 'vs nsfwjs canvas') {
    const l = report.runs.filter((r) => r.kind === 'classifyCanvas' && r.available !== false && Number.isFinite(r.p50Ms)).sort((a, b) => a.p50Ms - b.p50Ms)[0];
    if (!l) return '';
    return `With one canvas drawImage instead of the antialiased filter (as nsfwjs resizes; it drifts from server preprocessing, docs/parity.md), the best library run is ${l.name} ${f(l.p50Ms)} ms (decode ${f(l.stages?.decodeMs)} + preprocess ${f(l.stages?.preprocessMs)} + inference ${f(l.stages?.inferenceMs)} ms): the model's own time bounds the ratio.`;
  }
  if (t.id === 'vs node') {
    const web = run('classifyTensor', 'ort/wasm-2t');
    const node = report.runs.find((r) => r.kind === 'node' && r.threads === 2);
    const raw = run('raw', 'ort/wasm-2t');
    const one = run('classifyTensor', 'ort/wasm-1t');
    const node1 = report.runs.find((r) => r.kind === 'node' && r.threads === 1);
    return `onnxruntime-web wasm, 2 threads: library ${f(web?.p50Ms)} ms, raw ${f(raw?.p50Ms)} ms; onnxruntime-node 2 threads ${f(node?.p50Ms)} ms on the same tensors. The raw engine shows the same gap, so it is the runtime, not the library: WASM SIMD is 128-bit (no AVX2/FMA, none of MLAS's native kernels), and the wasm threads are Web Workers sharing the machine's cores with the browser itself${one && node1 && web ? ` (1 wasm thread: ${f(one.p50Ms)} ms, ${f(one.p50Ms / node1.p50Ms, 2)}× node's 1 thread ${f(node1.p50Ms)} ms; ${one.p50Ms > web.p50Ms ? `the second thread makes wasm ${f(one.p50Ms / web.p50Ms, 2)}× faster, about as much as it helps node` : `the second thread buys nothing on ${report.machine.cpus} cores`})` : ''}. onnxruntime-node's own p50 is a few ms and moves ±50 % between runs on this shared machine, so the ratio is large and noisy; the gap itself is consistent.`;
  }
  if (t.id.startsWith('cache hit')) {
    return report.cacheHit.map((c) => `${c.engine}: hit p50 ${f(c.hitP50Ms, 2)} ms vs miss ${f(c.missP50Ms)} ms. Profile (p50, same files): reading the ${f(c.fileKbP50, 0)} KB Blob (\`blob.arrayBuffer()\`) ${f(c.readP50Ms, 2)} ms + SHA-256 of its bytes (the cache key) ${f(c.hashP50Ms, 2)} ms; the lookup itself is a Map get. ${c.readP50Ms > c.hashP50Ms ? `Reading the Blob dominates: an asynchronous round trip through the browser's blob storage that any content-keyed cache pays; the same Blob object classified again skips it (its key is remembered: ${f(c.sameObjectHitP50Ms, 2)} ms), equal bytes in a new object cannot.` : 'Hashing dominates: a hit hashes the whole file, so its cost grows with the file size, not with the model.'}`).join(' ');
  }
  if (t.id.startsWith('longest task') || t.id === 'worker longest task') {
    const main = report.responsiveness.filter((r) => r.mode === 'main' && r.available).map((r) => `${r.engine} on the main thread: longest task ${f(longestTask(r))} ms (${r.longTasks} long tasks over ${r.images} images)`).join('; ');
    if (t.met === null) return `Worker mode is not available in the build that was measured, so the target could not be checked. For reference, ${main}.`;
    const w = report.responsiveness.find((r) => `longest task ${responsivenessKey(r)}` === t.id);
    const profile = w?.traceTasks !== undefined ? `Profile (performance trace of the window, renderer main thread): ${w.traceTasksOver10Ms} of ${w.traceTasks} tasks over 10 ms, the longest ${f(w.traceLongestTaskMs)} ms; setTimeout(0) gap up to ${f(w.maxLagMs)} ms.` : `No trace: the value is the larger of the longest 'longtask' entry (${f(w?.longTaskMs)} ms) and the largest setTimeout(0) gap (${f(w?.maxLagMs)} ms), an upper bound that also counts time the OS did not schedule the main thread.`;
    const where = w?.placement ? ` The no-options call ran ${w.placement.used ? 'in a worker' : 'in the page'} (\`classifier.worker.reason\`: ${w.placement.reason}).` : '';
    return `${profile}${where} For comparison, ${main}. In worker mode the main thread posts the file and receives the scores; decoding and inference run in the worker.`;
  }
  return '';
}

/** docs/benchmarks.md, generated from one report. */
export function renderMarkdown(report: BenchReport, chartFile = 'benchmarks.svg'): string {
  const m = report.machine;
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench -- --docs` (tools/bench.ts); edit tools/bench/report.ts, not this file. -->',
    '',
    '`npm run bench -- --out bench.json [--quick] [--docs]` measures, **side by side in one run**, on the same',
    'images (absolute times move ±15–25 % between browser launches on a shared machine, so targets are',
    'ratios within one run):',
    '',
    '- **classify**: the library per engine × backend (and `auto`), `classify(blob)` end to end with the',
    '  result cache off, with its stage timings (decode / preprocess / inference, p50);',
    '- **classifyTensor**: the library on the same preprocessed tensor (no decode, no preprocessing);',
    '- **raw**: the engine alone on the same model files and tensors, no library (`tf.loadLayersModel` +',
    '  `model.predict`; `InferenceSession.run` of onnxruntime-web) → library overhead;',
    '- **nsfwjs** 4.4 on each tfjs backend, the same MobileNetV2 from our own served copy, its',
    '  `classify(img)` as its users call it (blob → `<img>` → classify) → peer ratio;',
    '- **node**: onnxruntime-node on the same ONNX model and tensors, 1 and 2 threads → the CPU floor;',
    '- cold start (fresh browser: `createClassifier()` → first result, model from the network; then after a',
    '  reload, model from the Cache API), cache-hit latency, throughput at batch 1/4/8/16, and the longest',
    '  main-thread task while classifying, with and without worker mode.',
    '',
    'All in-page measurements of one page run in one loop, image by image, the order alternating per image;',
    'tfjs has one active backend per page, so the bench switches it (untimed) before each tfjs call. ORT',
    'fixes its wasm thread count when its first session starts, so "wasm 1 thread" runs in a second page,',
    'interleaved with the first image by image. The tfjs wasm backend always runs one thread (the library',
    'ships its single-threaded SIMD build: the threaded one gains nothing, tensorflow/tfjs#8513).',
    '',
    'What these numbers changed in the library, and what was tried and dropped (decode at size,',
    'coalescing overlapping calls into batches): [performance.md](performance.md).',
    '',
    '## Machine',
    '',
    `${m.cpus} × ${m.cpuModel}, ${f(m.memoryGiB, 0)} GiB, ${m.os}; Node ${m.node}; ${m.browser} headless, cross-origin isolated: ${m.crossOriginIsolated ? 'yes' : 'no'};`,
    `onnxruntime-node ${m.onnxruntimeNode}. GPU backends: ${m.gpu || 'none'}. No hardware GPU: WebGPU and WebGL run on`,
    'SwiftShader (CPU emulation, seconds per image), so GPU rows use a few images and only show that the path works.',
    `Run ${m.date}${m.quick ? ' with `--quick` (fewer images, no WebGPU)' : ''}. Model: the default NSFW MobileNetV2 224 (tfjs) and its ONNX twin (ORT).`,
    '',
    `![p50 per run, log scale](${chartFile})`,
    '',
    '## Runs',
    '',
    md(RUN_HEAD),
    md(RUN_HEAD.map(() => '---')),
    ...report.runs.map((r) => md(runCells(r))),
    '',
    '## Targets',
    '',
    md(['target', 'goal', 'value', 'met', 'margin']),
    md(['---', '---', '---', '---', '---']),
    ...report.targets.map((t) => md([t.what, t.goal, t.value === null ? '-' : f(t.value, 3), t.met === null ? 'not measured' : t.met ? 'yes' : '**no**', t.margin])),
    '',
  ];
  const missed = report.targets.filter((t) => t.met !== true);
  if (missed.length) {
    lines.push('### Missed or unmeasured targets: by how much and why', '');
    const seen = new Set<string>();
    for (const t of missed) {
      const text = why(t, report);
      const key = t.id.startsWith('cache hit') ? 'cache' : t.id;
      if (!text || seen.has(key)) continue;
      seen.add(key);
      lines.push(`- **${t.what}** (${t.goal}): ${t.margin}. ${text}`);
    }
    lines.push('');
  }
  lines.push('## Ratios', '', md(['ratio', 'value']), md(['---', '---']));
  const { other, ...main } = report.ratios;
  for (const [k, v] of Object.entries(main)) {
    if (typeof v === 'number') lines.push(md([k, f(v, 3)]));
    else for (const [kk, vv] of Object.entries(v)) lines.push(md([`${k}.${kk}`, vv === null ? 'n/a' : f(vv, 3)]));
  }
  for (const [k, v] of Object.entries(other)) lines.push(md([k, f(v, 3)]));
  lines.push('', '## Cache hit', '', 'A hit by content is the same bytes in a new Blob object (read and hashed again); "same Blob" classifies the very object again, whose key the classifier remembers.', '', md(['engine', 'images', 'hit p50 ms', 'hit p95 ms', 'same Blob hit p50 ms', 'miss p50 ms', 'read Blob p50 ms', 'SHA-256 p50 ms', 'file p50 KB']), md(Array(9).fill('---')));
  for (const c of report.cacheHit) lines.push(md([`${c.engine}/wasm`, String(c.images), f(c.hitP50Ms, 2), f(c.hitP95Ms, 2), f(c.sameObjectHitP50Ms, 2), f(c.missP50Ms), f(c.readP50Ms, 2), f(c.hashP50Ms, 2), f(c.fileKbP50, 0)]));
  if (report.userTiming) {
    const u = report.userTiming;
    lines.push('', '## User Timing cost', '', '`metrics: { userTiming: true }` against the default (off): two ORT wasm classifiers, cache off, the same images interleaved call by call. A computed call makes four `performance.measure` entries.', '', md(['images', 'off p50 ms', 'on p50 ms', 'on ÷ off', 'one measure() µs']), md(Array(5).fill('---')));
    lines.push(md([String(u.images), f(u.offP50Ms, 2), f(u.onP50Ms, 2), f(u.ratio, 3), f(u.perEntryUs, 1)]));
  }
  if (report.bulk) {
    const b = report.bulk;
    lines.push('', '## Bulk classification in Node', '', `\`classifyFiles\` (sharp decode, the page's JS preprocessing, onnxruntime-node CPU, one session) over the same ${b.images} files, after one untimed pass; against the page's \`await classify()\` loop on ORT wasm (batch 1) in this run. See [node.md](node.md).`, '', md(['concurrency', 'images/s', 'vs the page loop']), md(['---', '---', '---']));
    for (const r of b.rows) lines.push(md([String(r.concurrency), f(r.imagesPerSecond), b.pageLoopPerS ? `${f(r.imagesPerSecond / b.pageLoopPerS, 2)}×` : '-']));
    if (b.pageLoopPerS) lines.push(md(['page loop', f(b.pageLoopPerS), '1×']));
  }
  lines.push('', '## Main-thread responsiveness', '', 'While classifying images one after another: the longest task on the renderer main thread from a performance trace of that window (`RunTask`, devtools.timeline), the longest `longtask` entry (the browser reports only tasks over 50 ms) and the largest gap between `setTimeout(0)` callbacks (includes the ~4 ms timer clamp and any time the OS did not schedule the main thread: an upper bound on input delay, not a task length).', '');
  lines.push(md(['engine', 'mode', 'images', 'longest task ms (trace)', 'tasks over 10 ms', 'long tasks (> 50 ms)', 'longest long task ms', 'max setTimeout gap ms', 'total ms']), md(Array(9).fill('---')));
  for (const r of report.responsiveness) lines.push(md(r.available ? [r.placement ? `${r.engine}/${r.placement.backend}` : `${r.engine}/wasm`, r.placement ? `default (${r.placement.used ? 'in a worker' : 'in the page'})` : r.mode, String(r.images), f(r.traceLongestTaskMs), r.traceTasks === undefined ? '-' : `${r.traceTasksOver10Ms} of ${r.traceTasks}`, String(r.longTasks), f(r.longTaskMs), f(r.maxLagMs), f(r.totalMs, 0)] : [`${r.engine}/wasm`, r.mode, '-', 'n/a', '-', '-', 'n/a', 'n/a', `not available: ${r.note ?? ''}`]));
  if (report.notes.length) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  lines.push('');
  return lines.join('\n');
}

