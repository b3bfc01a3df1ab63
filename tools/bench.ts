/**
 * npm run bench -- [--out bench.json] [--quick] [--docs]
 * Library per engine x backend (classify end to end, classifyTensor, stage
 * timings), the raw engines, nsfwjs, onnxruntime-node, cold start, cache hit,
 * batch throughput and main-thread responsiveness, side by side in one run
 * (tools/bench/run.ts). Prints a table; --out saves the JSON report; --docs
 * writes docs/benchmarks.md and docs/benchmarks.svg from it.
 * --quick (CI): 8 images, WebGL on 1 image, no WebGPU; no timing assertions.
 * --from bench.json: re-render the table (and --docs) from a saved report, measuring nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart } from './bench/chart.js';
import { type BenchReport, computeRatios, configOf, evaluateTargets, formatTable, renderMarkdown } from './bench/report.js';
import { runBench } from './bench/run.js';
import { imageFiles, SHARED_DATA } from './shared-data.js';

const DOCS = join(import.meta.dirname, '..', 'docs');

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, quick: { type: 'boolean', default: false }, docs: { type: 'boolean', default: false }, from: { type: 'string' } } });
  const dir = join(SHARED_DATA, 'photos');
  if (!values.from && !existsSync(dir)) {
    // Skipped, not failed: a checkout without ../shared (CI's .ci/run runs the quick bench) still passes.
    console.error(`bench: skipped — it measures the photos in ${dir}, which is absent here (clone the shared data beside this repo)`);
    process.exit(0);
  }
  const started = Date.now();
  const images = values.from ? [] : imageFiles(dir).map((f) => join(dir, f)).slice(0, values.quick ? 8 : 39);
  const report: BenchReport = values.from
    ? (JSON.parse(readFileSync(values.from, 'utf8')) as BenchReport)
    : await runBench(images, { quick: values.quick, gpuImages: values.quick ? 1 : 4, log: (s) => console.error(`bench: ${s}`) });
  if (values.from) {
    // Recomputed, so a changed report.ts applies to a saved run.
    report.ratios = computeRatios(report.runs, report.cacheHit, report.responsiveness);
    report.targets = evaluateTargets(report.ratios, report.cacheHit, Object.fromEntries(report.runs.filter((r) => r.kind === 'raw').map((r) => [configOf(r), r.images])));
  }
  console.log(formatTable(report));
  if (!values.from) console.error(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (values.out) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
  }
  if (values.docs) {
    writeFileSync(join(DOCS, 'benchmarks.md'), renderMarkdown(report));
    writeFileSync(join(DOCS, 'benchmarks.svg'), renderChart(report));
    console.error('bench: wrote docs/benchmarks.md and docs/benchmarks.svg');
  }
}
