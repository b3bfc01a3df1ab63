/**
 * npm run bench:bulk — `classify` throughput in Node (classifyFiles:
 * sharp decode, the page's JS preprocessing, onnxruntime-node CPU) over the
 * shared photos with the default packed ONNX model, at several concurrencies
 * and inference-session counts, runs interleaved (configurations alternate
 * within each repetition, so background load hits all of them alike).
 * Prints a Markdown table: images/s (median over the repetitions, model load
 * excluded) and the per-file stage medians (docs/node.md "Throughput").
 *   --concurrency=1,2,4  --sessions=1,2  --reps=3  --photos=<folder>
 */
import os from 'node:os';
import { join } from 'node:path';
import { type FileResult, isClassified, runClassify } from '../../src/node/classify-files.js';
import { SHARED_DATA, hasSharedData } from '../shared-data.js';
import { percentile } from './stats.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const numbers = (name: string, fallback: string) => arg(name, fallback).split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

const MODEL = join(import.meta.dirname, '..', '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx');
const photos = arg('photos', join(SHARED_DATA, 'photos'));
const concurrencies = numbers('concurrency', '1,2,4');
const sessionCounts = numbers('sessions', '1');
const reps = Number(arg('reps', '3'));

if (!hasSharedData && !process.argv.some((a) => a.startsWith('--photos='))) {
  console.error(`bench:bulk needs the shared photos (${SHARED_DATA}) or --photos=<folder>`);
  process.exit(2);
}

interface Sample {
  rate: number;
  ok: number;
  lines: FileResult[];
}

const configs = concurrencies.flatMap((concurrency) => sessionCounts.map((sessions) => ({ concurrency, sessions })));
const samples = new Map(configs.map((c) => [c, [] as Sample[]]));

// One untimed pass first: the OS file cache, sharp and V8 warmed up for everyone.
await runClassify([photos], { model: MODEL, concurrency: 1 }, 1);
for (let r = 0; r < reps; r++) {
  const order = r % 2 ? [...configs].reverse() : configs;
  for (const c of order) {
    const lines: FileResult[] = [];
    const s = await runClassify([photos], { model: MODEL, concurrency: c.concurrency, onResult: (l) => lines.push(l) }, c.sessions);
    samples.get(c)!.push({ rate: s.imagesPerSecond, ok: s.ok, lines });
    process.stderr.write(`bench:bulk rep ${r + 1}/${reps}: concurrency ${c.concurrency}, sessions ${c.sessions}: ${s.imagesPerSecond.toFixed(1)} images/s\n`);
  }
}

const cpus = os.cpus();
const ok = samples.get(configs[0]!)![0]!.ok;
console.log(`\nclassify throughput, ${ok} photos (${photos}), nsfw-mobilenet-v2-onnx, onnxruntime-node CPU; ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}; median of ${reps}\n`);
console.log('| concurrency | sessions | images/s | min–max | decode ms p50 | preprocess ms p50 | inference ms p50 |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const c of configs) {
  const list = samples.get(c)!;
  const rates = list.map((s) => s.rate);
  const stage = (key: 'decodeMs' | 'preprocessMs' | 'inferenceMs') => percentile(list.flatMap((s) => s.lines.filter(isClassified).map((l) => l.timings[key])), 50).toFixed(1);
  console.log(`| ${c.concurrency} | ${c.sessions} | ${percentile(rates, 50).toFixed(1)} | ${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)} | ${stage('decodeMs')} | ${stage('preprocessMs')} | ${stage('inferenceMs')} |`);
}
