/**
 * npm run bench -- [--out bench.json] [--quick]
 * Library per engine x backend and 'auto', side by side in one run: p50/p95,
 * cold start (time to first result), cache hit; ratios printed and saved.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchConfig, type BenchReport, runBench } from './bench/run.js';
import { imageFiles, SHARED_DATA } from './shared-data.js';

const MODELS: Record<'tfjs' | 'ort', string> = { tfjs: '/models/nsfw-mobilenet-v2/manifest.json', ort: '/models/nsfw-mobilenet-v2-onnx/manifest.json' };

export function benchConfigs(): BenchConfig[] {
  return (['tfjs', 'ort'] as const).flatMap((engine) =>
    (['auto', ['wasm'], ['webgl'], ['webgpu']] as const).map((b) => ({ name: `${engine}/${b === 'auto' ? 'auto' : b[0]}`, engine, model: MODELS[engine], backends: b === 'auto' ? 'auto' : ([...b] as BenchConfig['backends']) })),
  );
}

export function formatBench(report: BenchReport): string {
  const head = ['run', 'backend used', 'images', 'p50 ms', 'p95 ms', 'cold start ms'];
  const rows = report.runs.map((r) => [r.name, r.backend, String(r.images), r.p50Ms.toFixed(1), r.p95Ms.toFixed(1), r.coldStartMs?.toFixed(0) ?? '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
  const ratios = Object.entries(report.ratios).map(([k, v]) => `  ${k}: ${v.toFixed(3)}`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `cache hit: ${report.cacheHitMs.toFixed(2)} ms`, 'ratios:', ...ratios].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, quick: { type: 'boolean', default: false } } });
  const dir = join(SHARED_DATA, 'photos');
  if (!existsSync(dir)) {
    console.error('bench: needs ../shared/data/photos');
    process.exit(2);
  }
  const images = imageFiles(dir).map((f) => join(dir, f)).slice(0, values.quick ? 8 : 39);
  const report = await runBench(benchConfigs(), images, { gpuImages: values.quick ? 2 : 4, log: (s) => console.error(`bench: ${s}`) });
  console.log(formatBench(report));
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
}
