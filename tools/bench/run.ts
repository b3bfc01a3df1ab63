/**
 * Benchmarks measured side by side in one run (absolute numbers are noisy on
 * shared machines; ratios within a run are not). Orchestrates Chromium pages
 * (the in-page harness is tools/bench/page.ts) and onnxruntime-node:
 *   1. cold start per library configuration: fresh browser, model from the
 *      network, then after a reload from the Cache API;
 *   2. steady state: page A (ORT wasm 2 threads) runs every library, raw-engine
 *      and nsfwjs slot on each image; page B (ORT wasm 1 thread) its ORT slots,
 *      interleaved with page A image by image;
 *   3. batch throughput and cache hits (page A);
 *   4. main-thread responsiveness, with and without worker mode (fresh page,
 *      each classifying window traced for the main thread's longest task);
 *   5. onnxruntime-node, 1 and 2 threads, on the ORT tensors page A made.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright';
import type { BackendName, EngineName, LocalBackendName, LocalEngineName, StageTimings } from '../../src/types.js';
import { base64ToFloat32, bytesToBase64 } from '../browser/base64.js';
import { importInPage, openLibraryPage, reloadLibraryPage, startDevServer } from '../browser/harness.js';
import { ENGINES, GPU_BACKENDS } from '../browser/matrix.js';
import { benchNodeOrt } from './node-ort.js';
import type * as PageApi from './page.js';
import { type BenchReport, type BenchRun, type CacheHitStats, type Machine, type BulkStats, type Responsiveness, type UserTimingStats, computeRatios, configOf, evaluateTargets } from './report.js';
import { percentile } from './stats.js';
import { mainThreadTasks } from './trace.js';

type Slot = PageApi.SlotSpec & { threads: number | null; page: 'A' | 'B' | 'D' };

export interface BenchOptions {
  quick: boolean;
  /** Images on the emulated GPU backends (seconds each here). */
  gpuImages: number;
  log: (s: string) => void;
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const ORT_THREADS = 2;
const SETTLE_MS = 150;
/** How long a bench page may take to have the library ready. */
const READY_TIMEOUT_MS = 180_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The library's default ORT thread count on this machine (options.ts: the cores, at most 4). */
const DEFAULT_ORT_THREADS = Math.min(4, os.cpus().length);

/** Every slot of the steady-state pages. */
export function benchSlots(quick: boolean): Slot[] {
  const gpus: LocalBackendName[] = quick ? ['webgl'] : [...GPU_BACKENDS];
  const slots: Slot[] = [];
  const threads = (engine: LocalEngineName, backend: string, page: 'A' | 'B') => (backend === 'wasm' || backend === 'auto' ? (engine === 'tfjs' ? 1 : page === 'A' ? ORT_THREADS : 1) : null);
  const add = (kind: PageApi.SlotKind, engine: LocalEngineName, backend: LocalBackendName | 'auto', page: 'A' | 'B' = 'A') => {
    const t = threads(engine, backend, page);
    const config = `${engine}/${backend}${engine === 'ort' && backend === 'wasm' ? `-${t}t` : ''}`;
    slots.push({ id: `${kind} ${config}`, kind, engine, backend, threads: t, page });
  };
  for (const engine of ENGINES) {
    for (const backend of ['auto', 'wasm', ...gpus] as const) {
      // ORT 'auto' runs with the library's default threads: page B's 1 where that is the default.
      add('classify', engine, backend, engine === 'ort' && backend === 'auto' && DEFAULT_ORT_THREADS === 1 ? 'B' : 'A');
      if (backend !== 'auto') add('classifyTensor', engine, backend);
      if (backend !== 'auto') add('raw', engine, backend);
    }
  }
  for (const backend of ['wasm', ...gpus] as const) add('nsfwjs', 'tfjs', backend);
  for (const kind of ['classify', 'classifyTensor', 'raw'] as const) add(kind, 'ort', 'wasm', 'B');
  // What `createClassifier()` with no options runs (the main entry's default model, ONNX on ORT).
  // On a page of their own (D), as in an app that only calls createClassifier(), with its in-page
  // twin beside it: in page A, among a dozen other sessions, the worker measured 23 % slower than
  // the same options in the page, where one classifier at a time measured 4 % (docs/performance.md).
  slots.push({ id: 'classify default (no options)', kind: 'classifyDefault', engine: 'ort', backend: 'auto', threads: DEFAULT_ORT_THREADS, page: 'D' });
  slots.push({ id: 'classify default, worker: false', kind: 'classifyDefaultInPage', engine: 'ort', backend: 'auto', threads: DEFAULT_ORT_THREADS, page: 'D' });
  // The fast preprocessing path (one canvas drawImage instead of the antialiased filter), on WASM.
  add('classifyCanvas', 'tfjs', 'wasm');
  add('classifyCanvas', 'ort', 'wasm');
  add('classifyCanvas', 'ort', 'wasm', 'B');
  return slots;
}

const isGpu = (s: Slot) => s.backend === 'webgl' || s.backend === 'webgpu';

/** The in-page harness, as `window.bench`. */
const importBench = (page: Page) => importInPage(page, 'tools/bench/page.ts', 'bench');

async function openPage(serverUrl: string): Promise<{ page: Page; browser: Browser; close: () => Promise<void>; version: string }> {
  const b = await openLibraryPage(`${serverUrl}?autoload=0`, { readyTimeoutMs: READY_TIMEOUT_MS });
  await importBench(b.page);
  return { page: b.page, browser: b.browser, close: b.close, version: b.browser.version() };
}

/** Calls an export of tools/bench/page.ts in the page. */
function call<K extends keyof typeof PageApi>(page: Page, fn: K, ...args: Parameters<(typeof PageApi)[K]>): Promise<Awaited<ReturnType<(typeof PageApi)[K]>>> {
  return page.evaluate(({ fn, args }) => (window as unknown as { bench: Record<string, (...a: unknown[]) => unknown> }).bench[fn]!(...args), { fn, args: args as unknown[] }) as never;
}

function stageP50(timings: StageTimings[]) {
  if (!timings.length) return undefined;
  const p = (k: keyof (typeof timings)[number]) => percentile(timings.map((t) => t[k]), 50);
  return { decodeMs: p('decodeMs'), preprocessMs: p('preprocessMs'), inferenceMs: p('inferenceMs'), totalMs: p('totalMs') };
}

function machineInfo(browser: string, gpu: string, isolated: boolean, quick: boolean, ortNode: string): Machine {
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    // not Linux
  }
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU', memoryGiB: os.totalmem() / 2 ** 30, os: osName, node: process.version, browser, gpu, crossOriginIsolated: isolated, onnxruntimeNode: ortNode, date: new Date().toISOString().slice(0, 10), quick };
}

export async function runBench(images: string[], opts: BenchOptions): Promise<BenchReport> {
  const vite = await startDevServer({
    // Own optimizer cache: the extra pre-bundled deps below must not re-optimize the e2e tests' cache.
    cacheDir: join(ROOT, 'node_modules', '.vite-bench'),
    // Known up front, so Vite never re-optimizes mid-run (that would load a second tfjs into the page).
    optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'nsfwjs/core'] },
  });
  const files = images.map((p) => bytesToBase64(readFileSync(p)));
  const slots = benchSlots(opts.quick);
  const runs: BenchRun[] = [];
  const notes: string[] = [];
  let browserVersion = '';
  let gpu = '';
  let isolated = false;
  let cacheHit: CacheHitStats[] = [];
  let userTiming: UserTimingStats | undefined;
  let responsiveness: Responsiveness[] = [];
  const ortTensors: Float32Array[] = [];
  try {
    // 1. Cold start, library classify configurations (GPU ones only in the full run: tens of seconds each).
    const cold = new Map<string, { net: number; cached: number; backend: string }>();
    for (const s of slots.filter((s) => s.kind === 'classify' && (!opts.quick || !isGpu(s)))) {
      const { page, close } = await openPage(vite.url);
      try {
        const args = [s.engine, s.backend, files[0]!, s.threads ?? ORT_THREADS] as const;
        const net = await call(page, 'coldStart', ...args);
        await reloadLibraryPage(page, READY_TIMEOUT_MS);
        await importBench(page);
        const cached = await call(page, 'coldStart', ...args);
        cold.set(s.id, { net: net.ms, cached: cached.ms, backend: net.backend });
        opts.log(`${s.id}: cold start ${net.ms.toFixed(0)} ms (network), ${cached.ms.toFixed(0)} ms (Cache API) on ${net.backend}${net.error ? ` — ${net.error}` : ''}`);
      } finally {
        await close();
      }
    }

    // 2. Steady state: pages A, B and D, every slot on every image (GPU slots on the first few).
    const pageA = await openPage(vite.url);
    const pageB = await openPage(vite.url);
    const pageD = await openPage(vite.url);
    browserVersion = pageA.version;
    try {
      const t0 = Date.now();
      const setA = await call(pageA.page, 'setup', slots.filter((s) => s.page === 'A').map(({ id, kind, engine, backend }) => ({ id, kind, engine, backend })), ORT_THREADS);
      const setB = await call(pageB.page, 'setup', slots.filter((s) => s.page === 'B').map(({ id, kind, engine, backend }) => ({ id, kind, engine, backend })), 1);
      const setD = await call(pageD.page, 'setup', slots.filter((s) => s.page === 'D').map(({ id, kind, engine, backend }) => ({ id, kind, engine, backend })), ORT_THREADS);
      opts.log(`pages set up in ${((Date.now() - t0) / 1000).toFixed(0)} s; cross-origin isolated: ${setA.crossOriginIsolated}`);
      gpu = setA.gpu;
      isolated = setA.crossOriginIsolated && setB.crossOriginIsolated && setD.crossOriginIsolated;
      const loaded = new Map([...setA.slots, ...setB.slots, ...setD.slots].map((s) => [s.id, s]));
      for (const s of loaded.values()) if (s.error) opts.log(`${s.id}: not available — ${s.error}`);
      const samples = new Map(slots.map((s) => [s.id, [] as number[]]));
      const timings = new Map(slots.map((s) => [s.id, [] as PageApi.StepResult['timings'][string][]]));
      await pageA.page.bringToFront();
      await sleep(SETTLE_MS);
      for (const [i, b64] of files.entries()) {
        const include = (page: Slot['page']) => slots.filter((s) => s.page === page && !loaded.get(s.id)?.error && (!isGpu(s) || i < opts.gpuImages)).map((s) => s.id);
        // Each page is brought to the front before its step, and given the settle time to redraw:
        // a page in the background runs slower (measured: raw ORT 1 thread on page B, 58.7 ms
        // behind page A vs 41.9 ms in front), which skewed every comparison across pages.
        const a = await call(pageA.page, 'step', b64, include('A'), i % 2 === 1, true);
        // The settle also lets page A's ORT thread pool stop spinning: its workers busy-wait after
        // a run and would otherwise take a core from page B's single thread (measured: 82 vs 34 ms).
        await pageB.page.bringToFront();
        await sleep(SETTLE_MS);
        const b = await call(pageB.page, 'step', b64, include('B'), i % 2 === 1, false);
        await pageD.page.bringToFront();
        await sleep(SETTLE_MS);
        const d = await call(pageD.page, 'step', b64, include('D'), i % 2 === 1, false);
        await pageA.page.bringToFront();
        await sleep(SETTLE_MS);
        for (const r of [a, b, d]) {
          for (const [id, ms] of Object.entries(r.ms)) samples.get(id)!.push(ms);
          for (const [id, t] of Object.entries(r.timings)) timings.get(id)!.push(t);
        }
        if (a.ortTensor) {
          ortTensors.push(base64ToFloat32(a.ortTensor));
        }
        if (i === 0 || (i + 1) % 10 === 0 || i === files.length - 1) opts.log(`steady state: ${i + 1}/${files.length} images`);
      }
      for (const s of slots) {
        const l = loaded.get(s.id);
        const ms = samples.get(s.id)!;
        const c = cold.get(s.id);
        const run: BenchRun = {
          name: s.id, kind: s.kind, engine: s.engine, backend: s.backend, backendUsed: l?.backendUsed ?? 'none',
          threads: s.threads !== null && l?.backendUsed !== 'wasm' && s.backend === 'auto' ? null : s.threads,
          batch: 1, images: ms.length, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95),
          ...(c ? { coldStartMs: c.net, coldStartCachedMs: c.cached } : {}),
          ...(s.kind === 'classify' || s.kind === 'classifyCanvas' || s.kind === 'classifyDefault' || s.kind === 'classifyDefaultInPage' || s.kind === 'classifyTensor' ? { stages: stageP50(timings.get(s.id)!) } : {}),
          ...(l?.error ? { available: false, note: l.error } : ms.length === 0 ? { available: false, note: 'no samples' } : {}),
        };
        if (!run.stages) delete run.stages;
        runs.push(run);
      }

      // 3. Batch throughput and cache hits, on page A's wasm classifiers.
      const sizes = opts.quick ? [1, 4, 8] : [1, 4, 8, 16];
      const reps = opts.quick ? 1 : 3;
      // ORT on both pages: whether batching pays depends on the thread count.
      const batches = [
        ...(await call(pageA.page, 'batch', [{ engine: 'tfjs', backend: 'wasm' }, { engine: 'ort', backend: 'wasm' }], files.slice(0, 16), sizes, reps)).map((r) => ({ ...r, page: 'A' as const })),
        ...(await call(pageB.page, 'batch', [{ engine: 'ort', backend: 'wasm' }], files.slice(0, 16), sizes, reps)).map((r) => ({ ...r, page: 'B' as const })),
      ];
      for (const r of batches) {
        const [engine] = r.key.split('/') as [EngineName];
        const threads = engine === 'ort' ? (r.page === 'A' ? ORT_THREADS : 1) : 1;
        const kind = r.method === 'classifyBatch' ? 'batch' : 'sequential';
        const name = `${kind === 'batch' ? 'batch' : 'classify loop'} ${engine}/wasm${engine === 'ort' ? `-${threads}t` : ''} x${r.size}`;
        const total = r.callMs.reduce((a, b) => a + b, 0);
        runs.push({
          name, kind, engine, backend: 'wasm', backendUsed: 'wasm', threads, batch: r.size, images: r.size * r.callMs.length,
          p50Ms: percentile(r.callMs, 50), p95Ms: percentile(r.callMs, 95),
          ...(r.available ? { throughputPerS: (r.size * r.callMs.length) / (total / 1000) } : { available: false, note: r.note ?? '' }),
        });
      }
      const hits = await call(pageA.page, 'cacheHit', [...ENGINES], files.slice(0, opts.quick ? 5 : 20));
      cacheHit = hits.map((h) => ({
        engine: h.engine, images: h.hitMs.length, hitP50Ms: percentile(h.hitMs, 50), hitP95Ms: percentile(h.hitMs, 95), sameObjectHitP50Ms: percentile(h.sameObjectHitMs, 50), missP50Ms: percentile(h.missMs, 50),
        readP50Ms: percentile(h.readMs, 50), hashP50Ms: percentile(h.hashMs, 50), fileKbP50: percentile(h.kb, 50),
      }));
      opts.log(`cache hit p50: ${cacheHit.map((c) => `${c.engine} ${c.hitP50Ms.toFixed(2)} ms`).join(', ')}`);
      const ut = await call(pageA.page, 'userTimingCost', files.slice(0, opts.quick ? 5 : 20), opts.quick ? 2 : 3);
      const offP50Ms = percentile(ut.offMs, 50);
      const onP50Ms = percentile(ut.onMs, 50);
      userTiming = { images: ut.onMs.length, offP50Ms, onP50Ms, ratio: onP50Ms / offP50Ms, perEntryUs: ut.perEntryUs };
      opts.log(`user timing: on ${onP50Ms.toFixed(2)} ms vs off ${offP50Ms.toFixed(2)} ms p50 (x${userTiming.ratio.toFixed(3)}); one measure() ${ut.perEntryUs.toFixed(1)} µs`);
    } finally {
      await pageA.close();
      await pageB.close();
      await pageD.close();
    }

    // 4. Main-thread responsiveness in a fresh page, each window traced (devtools.timeline).
    const pageC = await openPage(vite.url);
    try {
      // 'default' is the no-options call (issue 16 §4), so only the engine of the default model.
      for (const mode of ['main', 'worker', 'default'] as const) {
        for (const engine of mode === 'default' ? (['ort'] as const) : (['ort', 'tfjs'] as const)) {
          const prep = await call(pageC.page, 'prepareResponsive', engine, mode, files, opts.quick ? 10 : 50, ORT_THREADS);
          if (!prep.available) {
            responsiveness.push({ engine, mode, available: false, note: prep.note ?? '', images: 0, longTaskMs: NaN, longTasks: 0, maxLagMs: NaN, totalMs: NaN });
            opts.log(`responsiveness ${engine} ${mode}: ${prep.note}`);
            continue;
          }
          await pageC.browser.startTracing(pageC.page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
          const r = await call(pageC.page, 'probeResponsive');
          const trace = mainThreadTasks(await pageC.browser.stopTracing());
          responsiveness.push({ ...r, traceLongestTaskMs: trace.longestMs, traceTasksOver10Ms: trace.over10Ms, traceTasks: trace.tasks });
          opts.log(`responsiveness ${engine} ${mode}: longest main-thread task ${trace.longestMs.toFixed(1)} ms (trace; ${trace.over10Ms} of ${trace.tasks} tasks over 10 ms), long tasks ${r.longTasks}, max setTimeout gap ${r.maxLagMs.toFixed(0)} ms${r.placement ? `; ${r.placement.reason}` : ''}`);
        }
      }
    } finally {
      await pageC.close();
    }
  } finally {
    await vite.close();
  }

  // 5. onnxruntime-node on the same tensors (browser closed: it has the CPU to itself, as a server would).
  const node = await benchNodeOrt(ortTensors, [1, 2], opts.quick ? 1 : 3);
  for (const n of node) {
    runs.push({ name: `node ort/cpu-${n.threads}t`, kind: 'node', engine: 'ort', backend: 'cpu', backendUsed: 'cpu (onnxruntime-node)', threads: n.threads, batch: 1, images: n.samples.length, p50Ms: n.p50Ms, p95Ms: n.p95Ms });
  }
  // 6. Bulk in Node (npx inpage-classifier classify) on the same files, at 1/2/4 files in flight.
  let bulk: BulkStats | undefined;
  try {
    const { runClassify } = await import('../../src/node/classify-files.js');
    const model = join(ROOT, 'public', 'models', 'nsfw-mobilenet-v2-onnx');
    await runClassify(images, { model, concurrency: 1 }, 1);
    const rows = [];
    for (const concurrency of [1, 2, 4]) rows.push({ concurrency, imagesPerSecond: (await runClassify(images, { model, concurrency }, 1)).imagesPerSecond });
    const loop = runs.filter((r) => r.kind === 'sequential' && r.engine === 'ort' && r.threads === ORT_THREADS && r.throughputPerS).sort((a, b) => b.images - a.images)[0];
    bulk = { images: images.length, rows, pageLoopPerS: loop?.throughputPerS ?? null };
    opts.log(`bulk in Node: ${rows.map((r) => `${r.concurrency} in flight ${r.imagesPerSecond.toFixed(1)}/s`).join(', ')}; page loop ${loop?.throughputPerS?.toFixed(1) ?? '?'}/s`);
  } catch (error) {
    notes.push(`Bulk classification in Node was not measured: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isolated) notes.push('The page was not cross-origin isolated: ORT wasm ran single-threaded whatever the thread setting.');
  notes.push('tfjs wasm is single-threaded by design (the library ships the single-threaded SIMD build; tensorflow/tfjs#8513), so tfjs rows have 1 thread.');
  notes.push('Batch rows: p50/p95 are per call of `batch` images; throughput is images per second. "classify loop" is `await classify()` over the same images one by one, the reference for `classifyBatch`.');
  if (runs.some((r) => r.kind === 'batch' && r.available === false)) notes.push('`Classifier.classifyBatch` was not available in the measured build: batch rows are marked not available.');
  if (responsiveness.some((r) => r.mode === 'worker' && !r.available)) notes.push('Worker mode (`createClassifier({ worker: true })`) was not available in the measured build.');
  const ratios = computeRatios(runs, cacheHit, responsiveness);
  const machine = machineInfo(`Chromium ${browserVersion}`, gpu, isolated, opts.quick, node[0]?.version ?? '?');
  return { machine, runs, cacheHit, ...(userTiming ? { userTiming } : {}), ...(bulk ? { bulk } : {}), responsiveness, ratios, targets: evaluateTargets(ratios, cacheHit, Object.fromEntries(runs.filter((r) => r.kind === 'raw').map((r) => [configOf(r), r.images]))), notes };
}
