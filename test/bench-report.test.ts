import { describe, expect, it } from 'vitest';
import type { EngineName } from '../src/types.js';
import { renderChart } from '../tools/bench/chart.js';
import { mainThreadTasks } from '../tools/bench/trace.js';
import { type BenchReport, type BenchRun, type CacheHitStats, type Responsiveness, computeRatios, configOf, evaluateTargets, formatTable, renderMarkdown } from '../tools/bench/report.js';

const run = (name: string, kind: BenchRun['kind'], engine: EngineName, backend: string, threads: number | null, p50Ms: number, extra: Partial<BenchRun> = {}): BenchRun => ({
  name, kind, engine, backend, backendUsed: backend === 'auto' ? 'wasm' : backend, threads, batch: 1, images: 39, p50Ms, p95Ms: p50Ms * 1.5, ...extra,
});

const runs: BenchRun[] = [
  run('classify tfjs/auto', 'classify', 'tfjs', 'auto', 1, 90, { coldStartMs: 1600, coldStartCachedMs: 800 }),
  run('classify tfjs/wasm', 'classify', 'tfjs', 'wasm', 1, 95, { coldStartMs: 1500, coldStartCachedMs: 700, stages: { decodeMs: 4, preprocessMs: 8, inferenceMs: 80, totalMs: 94 } }),
  run('classifyTensor tfjs/wasm', 'classifyTensor', 'tfjs', 'wasm', 1, 84, { stages: { decodeMs: 0, preprocessMs: 0, inferenceMs: 82, totalMs: 83.5 } }),
  run('raw tfjs/wasm', 'raw', 'tfjs', 'wasm', 1, 80),
  run('classify tfjs/webgpu', 'classify', 'tfjs', 'webgpu', null, 4000, { images: 4, coldStartMs: 16000 }),
  run('classify ort/wasm-2t', 'classify', 'ort', 'wasm', 2, 50, { stages: { decodeMs: 4, preprocessMs: 8, inferenceMs: 37, totalMs: 49 } }),
  run('classifyTensor ort/wasm-2t', 'classifyTensor', 'ort', 'wasm', 2, 40, { stages: { decodeMs: 0, preprocessMs: 0, inferenceMs: 39.5, totalMs: 39.8 } }),
  run('raw ort/wasm-2t', 'raw', 'ort', 'wasm', 2, 39),
  run('classifyTensor ort/webgl', 'classifyTensor', 'ort', 'webgl', null, 1200, { images: 1 }),
  run('raw ort/webgl', 'raw', 'ort', 'webgl', null, 1000, { images: 1 }),
  run('nsfwjs tfjs/wasm', 'nsfwjs', 'tfjs', 'wasm', 1, 120),
  run('nsfwjs tfjs/webgpu', 'nsfwjs', 'tfjs', 'webgpu', null, 5000, { images: 4 }),
  run('node ort/cpu-2t', 'node', 'ort', 'cpu', 2, 20),
  run('node ort/cpu-1t', 'node', 'ort', 'cpu', 1, 35),
  run('classifyCanvas ort/wasm-2t', 'classifyCanvas', 'ort', 'wasm', 2, 40, { stages: { decodeMs: 4, preprocessMs: 1, inferenceMs: 34, totalMs: 39 } }),
  run('batch ort/wasm-2t x8', 'batch', 'ort', 'wasm', 2, 300, { batch: 8, images: 24, throughputPerS: 26.7 }),
  run('batch tfjs/wasm x8', 'batch', 'tfjs', 'wasm', 1, NaN, { batch: 8, images: 0, available: false, note: 'Classifier.classifyBatch not available in this build' }),
  run('classify default (no options)', 'classifyDefault', 'ort', 'auto', 2, 45, { stages: { decodeMs: 3, preprocessMs: 3, inferenceMs: 38, totalMs: 44 } }),
  run('classify default, worker: false', 'classifyDefaultInPage', 'ort', 'auto', 2, 43.2, { stages: { decodeMs: 3, preprocessMs: 3, inferenceMs: 37, totalMs: 43 } }),
];
const cacheHit: CacheHitStats[] = [
  { engine: 'tfjs', images: 20, hitP50Ms: 0.8, hitP95Ms: 1.1, sameObjectHitP50Ms: 0.2, missP50Ms: 95, readP50Ms: 0.6, hashP50Ms: 0.1, fileKbP50: 123 },
  { engine: 'ort', images: 20, hitP50Ms: 1.5, hitP95Ms: 2, sameObjectHitP50Ms: 0.3, missP50Ms: 50, readP50Ms: 1.2, hashP50Ms: 0.1, fileKbP50: 123 },
];
const responsiveness: Responsiveness[] = [
  { engine: 'ort', mode: 'main', available: true, images: 50, longTaskMs: 70, longTasks: 12, maxLagMs: 74, totalMs: 2600 },
  { engine: 'tfjs', mode: 'main', available: false, note: 'worker mode not available in this build', images: 0, longTaskMs: NaN, longTasks: 0, maxLagMs: NaN, totalMs: NaN },
  { engine: 'tfjs', mode: 'worker', available: true, images: 50, longTaskMs: 0, longTasks: 0, maxLagMs: 6, totalMs: 4000 },
  { engine: 'ort', mode: 'worker', available: true, images: 50, longTaskMs: 0, longTasks: 0, maxLagMs: 40, totalMs: 3000, traceLongestTaskMs: 12.5, traceTasksOver10Ms: 2, traceTasks: 900 },
  { engine: 'ort', mode: 'default', available: true, placement: { used: true, reason: "worker 'auto': in a Web Worker", backend: 'wasm' }, images: 50, longTaskMs: 0, longTasks: 0, maxLagMs: 30, totalMs: 3000, traceLongestTaskMs: 8.5, traceTasksOver10Ms: 0, traceTasks: 800 },
];

function report(): BenchReport {
  const ratios = computeRatios(runs, cacheHit, responsiveness);
  const samples = Object.fromEntries(runs.filter((r) => r.kind === 'raw').map((r) => [configOf(r), r.images]));
  return {
    machine: { cpus: 2, cpuModel: 'Test CPU <x86>', memoryGiB: 8, os: 'Debian 12', node: 'v20.20.2', browser: 'Chromium 140', gpu: 'webgpu: software (SwiftShader)', crossOriginIsolated: true, onnxruntimeNode: '1.30.0', date: '2025-01-01', quick: false },
    runs, cacheHit, responsiveness, ratios, targets: evaluateTargets(ratios, cacheHit, samples), notes: ['a note'],
  };
}

describe('bench report: ratios', () => {
  const r = computeRatios(runs, cacheHit, responsiveness);

  it('names configurations by engine, backend and (for ORT wasm and node) threads', () => {
    expect(configOf(runs[5]!)).toBe('ort/wasm-2t');
    expect(configOf(runs[1]!)).toBe('tfjs/wasm');
    expect(configOf(runs[12]!)).toBe('ort/cpu-2t');
  });

  it('overhead: classifyTensor ÷ raw on the same configuration', () => {
    expect(r.overheadVsRaw['tfjs/wasm']).toBeCloseTo(84 / 80, 6);
    expect(r.overheadVsRaw['ort/wasm-2t']).toBeCloseTo(40 / 39, 6);
    expect(r.overheadVsRaw['ort/webgl']).toBeCloseTo(1.2, 6);
  });

  it('peer: nsfwjs ÷ library per backend, and best ÷ best (the library may win on another engine)', () => {
    expect(r.vsNsfwjs['tfjs/wasm']).toBeCloseTo(120 / 95, 6);
    expect(r.vsNsfwjs['tfjs/webgpu']).toBeCloseTo(5000 / 4000, 6);
    expect(r.vsNsfwjs.best).toBeCloseTo(120 / 50, 6);
    // The fast preprocessing path is its own ratio: it never replaces the default path's.
    expect(r.vsNsfwjs.bestCanvasResampling).toBeCloseTo(120 / 40, 6);
  });

  it('the no-options run: nsfwjs best ÷ it, and the work around the model (classify ÷ raw on the backend it ran on)', () => {
    expect(r.vsNsfwjs.default).toBeCloseTo(120 / 45, 6);
    expect(r.aroundModelVsRaw.default).toBeCloseTo(45 / 39, 6);
    expect(r.aroundModelVsRaw['ort/wasm-2t']).toBeCloseTo(50 / 39, 6);
    expect(r.aroundModelVsRaw['tfjs/wasm']).toBeCloseTo(95 / 80, 6);
  });

  it('node: web ÷ node at the same thread count, library and raw', () => {
    expect(r.vsNode['ort/wasm-2t']).toBeCloseTo(2, 6);
    expect(r.vsNode['raw ort/wasm-2t']).toBeCloseTo(39 / 20, 6);
    expect(r.vsNode['ort/wasm-1t']).toBeUndefined();
  });

  it('cache hit ÷ miss takes the worse engine; longest task: the trace when there is one, else longtask/timer gap, null if unavailable', () => {
    expect(r.cacheHitVsMiss).toBeCloseTo(1.5 / 50, 6);
    expect(r.cacheHitSameObjectVsMiss).toBeCloseTo(0.3 / 50, 6);
    expect(r.longestTaskMs['ort/wasm main']).toBe(74);
    expect(r.longestTaskMs['tfjs/wasm main']).toBeNull();
    expect(r.longestTaskMs['tfjs/wasm worker']).toBe(6);
    expect(r.longestTaskMs['ort/wasm worker']).toBe(12.5);
    // The no-options call has its own row, whatever backend and placement it chose.
    expect(r.longestTaskMs.default).toBe(8.5);
  });

  it('the default placement is priced beside the same options in the page, and is not a nsfwjs ratio', () => {
    expect(r.other['default.workerVsPageP50']).toBeCloseTo(45 / 43.2, 6);
    expect(r.vsNsfwjs.defaultInPage).toBeCloseTo(120 / 43.2, 6);
    expect(r.vsNsfwjs.default).toBeCloseTo(120 / 45, 6);
  });

  it('other: auto vs best single backend, WebGPU first result vs auto, Cache API vs network', () => {
    expect(r.other['tfjs.autoVsBestSingleP50']).toBeCloseTo(90 / 95, 6);
    expect(r.other['tfjs.firstResultWebgpuVsAuto']).toBeCloseTo(10, 6);
    expect(r.other['tfjs.coldStartCacheApiVsNetwork']).toBeCloseTo(700 / 1500, 6);
  });
});

describe('bench report: targets', () => {
  const t = report().targets;
  const byId = (id: string) => t.find((x) => x.id === id)!;

  it('judges each target and says by how much it is missed', () => {
    expect(byId('overhead tfjs/wasm').met).toBe(true);
    expect(byId('overhead ort/webgl')).toMatchObject({ met: false });
    expect(byId('overhead ort/webgl').margin).toMatch(/missed by 14\.3 %.*1 image: indicative only/);
    expect(byId('vs nsfwjs')).toMatchObject({ met: true });
    expect(byId('vs nsfwjs default')).toMatchObject({ met: true, value: 120 / 45 });
    expect(byId('around the model')).toMatchObject({ met: true, value: 45 / 39 });
    expect(byId('vs node')).toMatchObject({ met: false, margin: 'missed by 54 % (2.00× the native floor)' });
    expect(byId('cache hit ms')).toMatchObject({ met: false, margin: 'missed by 0.50 ms (1.50 ms)' });
    expect(byId('cache hit ratio')).toMatchObject({ met: false });
    expect(byId('longest task ort/wasm worker')).toMatchObject({ met: false, margin: 'missed by 2.5 ms (12.5 ms)' });
    expect(byId('longest task tfjs/wasm worker')).toMatchObject({ met: true });
    expect(byId('longest task default')).toMatchObject({ met: true, goal: '≤ 50 ms', value: 8.5 });
  });

  it('the no-options call misses "no task over 50 ms" by its margin, and the docs say where it ran', () => {
    const slow = responsiveness.map((x) => (x.mode === 'default' ? { ...x, placement: { used: false, reason: 'options.worker is false', backend: 'wasm' }, traceLongestTaskMs: 61 } : x));
    const targets = evaluateTargets(computeRatios(runs, cacheHit, slow), cacheHit);
    expect(targets.find((x) => x.id === 'longest task default')).toMatchObject({ met: false, margin: 'missed by 11.0 ms (61.0 ms)' });
    const doc = renderMarkdown({ ...report(), responsiveness: slow, targets });
    expect(doc).toMatch(/The no-options call ran in the page \(`classifier.worker.reason`: options.worker is false\)/);
    expect(doc).toContain('| ort/wasm | default (in the page) | 50 |');
  });

  it('reports unmeasured targets as such', () => {
    const none = evaluateTargets(computeRatios([], [], []), []);
    expect(none.every((x) => x.met === null)).toBe(true);
    expect(none.map((x) => x.id)).toEqual(['overhead', 'vs nsfwjs', 'vs nsfwjs default', 'around the model', 'vs node', 'cache hit ms', 'cache hit ratio', 'cache hit same Blob', 'longest task default', 'worker longest task']);
  });
});

describe('bench report: renderings', () => {
  it('prints an aligned table with cold starts, stages, unavailable sections and targets', () => {
    const text = formatTable(report());
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^run +backend used +threads +batch +images +p50 ms +p95 ms/);
    expect(lines[1]).toMatch(/^-+  -+/);
    expect(text).toContain('1,500 / 700');
    expect(text).toContain('4.0 / 8.0 / 80.0');
    expect(text).toMatch(/batch tfjs\/wasm x8 .*not available: Classifier\.classifyBatch not available/);
    expect(text).toContain('cache hit ort/wasm: p50 1.50 ms, same Blob again 0.30 ms (miss 50.0 ms; read 1.20 + sha256 0.10 ms of a 123 KB file)');
    expect(text).toContain('responsiveness tfjs/wasm main: not available: worker mode not available in this build');
    expect(text).toContain('responsiveness ort/wasm worker: longest main-thread task 12.5 ms (trace: 2 of 900 tasks over 10 ms), 0 long tasks over 50 ms, max setTimeout(0) gap 40.0 ms over 50 images');
    expect(text).toContain('overheadVsRaw.tfjs/wasm: 1.050');
    expect(text).toMatch(/MISS +ORT wasm 2 threads/);
  });

  it('writes the docs page: machine, chart, runs, targets, and why each missed target is missed', () => {
    const doc = renderMarkdown(report());
    expect(doc).toContain('2 × Test CPU <x86>, 8 GiB, Debian 12; Node v20.20.2; Chromium 140 headless, cross-origin isolated: yes');
    expect(doc).toContain('![p50 per run, log scale](benchmarks.svg)');
    expect(doc).toContain('| classify tfjs/wasm | wasm | 1 | 1 | 39 | 95.0 | 142.5 | 1,500 / 700 | - | 4.0 / 8.0 / 80.0 |');
    expect(doc).toContain('| ORT wasm 2 threads (classifyTensor) p50 ÷ onnxruntime-node 2 threads p50 | ≤ 1.3 | 2.000 | **no** | missed by 54 % (2.00× the native floor) |');
    expect(doc).toMatch(/### Missed or unmeasured targets/);
    expect(doc).toMatch(/onnxruntime-web wasm, 2 threads: library 40\.0 ms, raw 39\.0 ms; onnxruntime-node 2 threads 20\.0 ms/);
    expect(doc).toMatch(/ort: hit p50 1\.50 ms vs miss 50\.0 ms\. Profile .*Blob .* 1\.20 ms \+ SHA-256 .* 0\.10 ms/);
    expect(doc).toMatch(/missed by 2\.5 ms \(12\.5 ms\)\. Profile \(performance trace .*2 of 900 tasks over 10 ms, the longest 12\.5 ms.*ort on the main thread: longest task 74\.0 ms/);
    expect(doc).toContain('| ort/wasm | worker | 50 | 12.5 | 2 of 900 | 0 | 0.0 | 40.0 | 3,000 |');
    expect(doc).toContain('| tfjs/wasm | main | - | n/a | - | - | n/a | n/a | not available: worker mode not available in this build |');
    expect(doc).toContain('- a note');
  });

  it('draws one labelled log-scale bar per single-image run, escaped', () => {
    const svg = renderChart(report());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Test CPU &lt;x86&gt;');
    const single = runs.filter((r) => r.batch === 1 && r.available !== false);
    expect(svg.match(/<title>/g)).toHaveLength(single.length);
    const widthOf = (name: string) => Number(new RegExp(`<rect x="[\\d.]+" y="[\\d.]+" width="([\\d.]+)"[^>]*><title>${name.replace('/', '\\/')}:`).exec(svg)![1]);
    // Log scale: 20 → 40 → 80 ms are equal steps.
    const a = widthOf('node ort/cpu-2t');
    const b = widthOf('classifyTensor ort/wasm-2t');
    const c = widthOf('raw tfjs/wasm');
    expect(b - a).toBeCloseTo(c - b, 0);
    expect(svg).toMatch(/>10<\/text>/);
    expect(svg).toMatch(/>10,000<\/text>/);
  });
});

describe('bench trace: longest main-thread task', () => {
  it('takes RunTask durations on the busiest CrRendererMain thread, in ms', () => {
    const meta = (pid: number, tid: number, name: string) => ({ name: 'thread_name', ph: 'M', pid, tid, args: { name } });
    const task = (pid: number, tid: number, us: number) => ({ name: 'RunTask', ph: 'X', pid, tid, dur: us });
    const trace = { traceEvents: [
      meta(1, 1, 'CrRendererMain'), meta(1, 2, 'DedicatedWorker thread'), meta(2, 1, 'CrRendererMain'),
      task(1, 1, 3000), task(1, 1, 12_000), task(1, 1, 800), task(1, 2, 90_000), task(2, 1, 60_000),
      { name: 'FunctionCall', ph: 'X', pid: 1, tid: 1, dur: 99_000 },
    ] };
    expect(mainThreadTasks(JSON.stringify(trace))).toEqual({ longestMs: 12, tasks: 3, over10Ms: 1, over50Ms: 0 });
    expect(mainThreadTasks('[]')).toEqual({ longestMs: 0, tasks: 0, over10Ms: 0, over50Ms: 0 });
  });
});
