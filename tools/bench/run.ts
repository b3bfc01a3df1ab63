/**
 * Benchmarks measured side by side in one run (absolute numbers are noisy on
 * shared machines; ratios within a run are not): per engine x backend
 * (and 'auto'), p50/p95 of classify(blob) with the result cache off, cache-hit
 * latency, and cold start (page load → first result) in a fresh browser each.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { createServer } from 'vite';
import { launchLocalBrowser } from '../browser/launch.js';
import { toBase64 } from '../parity/page.js';
import { percentile } from './stats.js';

export interface BenchConfig {
  name: string;
  engine: 'ort' | 'tfjs';
  model: string;
  backends: 'auto' | ['wasm'] | ['webgl'] | ['webgpu'];
}

export interface BenchRun {
  name: string;
  engine: 'ort' | 'tfjs';
  requested: string;
  backend: string;
  images: number;
  p50Ms: number;
  p95Ms: number;
  coldStartMs?: number;
}

export interface BenchReport {
  machine: { cpus: number; node: string; browser: string; gpu: string };
  runs: BenchRun[];
  cacheHitMs: number;
  ratios: Record<string, number>;
}

const slow = (c: BenchConfig) => c.backends !== 'auto' && c.backends[0] !== 'wasm';

async function openPage(port: number, webgpu = true): Promise<{ page: Page; close: () => Promise<void>; version: string }> {
  const b = await launchLocalBrowser(webgpu);
  const page = await b.context.newPage();
  await page.goto(`http://localhost:${port}/?autoload=0`);
  await page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function', null, { timeout: 180_000 });
  return { page, close: b.close, version: b.browser.version() };
}

/** Fresh browser: time from createClassifier() to the first result (model over the network, nothing cached). */
async function coldStart(port: number, config: BenchConfig, image: Uint8Array): Promise<{ ms: number; backend: string }> {
  const { page, close } = await openPage(port);
  try {
    return await page.evaluate(async ({ model, backends, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const t0 = performance.now();
      const clf = await window.inpageClassifier.createClassifier({ model, backends, rememberBackend: false });
      await clf.classify(new Blob([bytes]));
      const ms = performance.now() - t0;
      await clf.dispose();
      return { ms, backend: clf.backend };
    }, { model: config.model, backends: config.backends, b64: toBase64(image) });
  } finally {
    await close();
  }
}

export async function runBench(configs: BenchConfig[], images: string[], opts: { gpuImages: number; log: (s: string) => void }): Promise<BenchReport> {
  const vite = await createServer({ configFile: join(import.meta.dirname, '..', '..', 'vite.config.ts'), server: { port: 0, hmr: false, watch: null }, logLevel: 'error' });
  await vite.listen();
  const port = (vite.httpServer!.address() as { port: number }).port;
  const files = images.map((p) => new Uint8Array(readFileSync(p)));
  const runs: BenchRun[] = [];
  let browserVersion = '';
  let gpu = '';
  let cacheHitMs = NaN;
  try {
    for (const c of configs) {
      const cold = await coldStart(port, c, files[0]!);
      opts.log(`${c.name}: cold start ${cold.ms.toFixed(0)} ms on ${cold.backend}`);
      runs.push({ name: c.name, engine: c.engine, requested: String(c.backends), backend: cold.backend, images: 0, p50Ms: NaN, p95Ms: NaN, coldStartMs: cold.ms });
    }
    // Steady state: every configuration in ONE page, calls interleaved image by image, so
    // browser-launch noise (±15-25 % here) cancels out of the ratios.
    const { page, close, version } = await openPage(port);
    browserVersion = version;
    try {
      gpu = await page.evaluate(async (list) => {
        const w = window as unknown as { benchClassifiers: unknown[] };
        w.benchClassifiers = [];
        let gpuText = '';
        for (const c of list) {
          const clf = await window.inpageClassifier.createClassifier({ model: c.model, backends: c.backends, cache: false, rememberBackend: false });
          w.benchClassifiers.push(clf);
          gpuText = clf.capabilities.filter((x) => x.backend !== 'wasm').map((x) => `${x.backend}: ${x.kind} (${x.description})`).join('; ');
        }
        return gpuText;
      }, configs);
      const samples = configs.map(() => [] as number[]);
      const backends: string[] = [];
      for (const [i, file] of files.entries()) {
        const b64 = toBase64(file);
        const times = await page.evaluate(async ({ b64, includeSlow, reverse }) => {
          type Clf = import('../../src/classifier.js').Classifier;
          const list = (window as unknown as { benchClassifiers: Clf[] }).benchClassifiers;
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const out: (number | null)[] = list.map(() => null);
          // Alternate the order image by image: whoever runs first on an image pays for cold caches.
          const order = list.map((_, k) => k);
          if (reverse) order.reverse();
          for (const k of order) {
            if (!includeSlow[k]) continue;
            const t0 = performance.now();
            await list[k]!.classify(new Blob([bytes]));
            out[k] = performance.now() - t0;
          }
          return { out, backends: list.map((c) => c.backend) };
        }, { b64, includeSlow: configs.map((c) => !slow(c) || i < opts.gpuImages), reverse: i % 2 === 1 });
        times.out.forEach((t, k) => t !== null && samples[k]!.push(t));
        backends.splice(0, backends.length, ...times.backends);
      }
      configs.forEach((c, k) => {
        const run = runs.find((r) => r.name === c.name)!;
        Object.assign(run, { backend: backends[k], images: samples[k]!.length, p50Ms: percentile(samples[k]!, 50), p95Ms: percentile(samples[k]!, 95) });
        opts.log(`${c.name}: p50 ${run.p50Ms.toFixed(1)} ms, p95 ${run.p95Ms.toFixed(1)} ms over ${run.images} images`);
      });
      cacheHitMs = await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const clf = await window.inpageClassifier.createClassifier({ model: '/models/nsfw-mobilenet-v2/manifest.json', backends: ['wasm'], rememberBackend: false });
        await clf.classify(new Blob([bytes]));
        const t: number[] = [];
        for (let i = 0; i < 20; i++) {
          const t0 = performance.now();
          await clf.classify(new Blob([bytes]));
          t.push(performance.now() - t0);
        }
        return t.sort((a, b) => a - b)[10]!;
      }, toBase64(files[0]!));
    } finally {
      await close();
    }
  } finally {
    await vite.close();
  }
  const ratios: Record<string, number> = {};
  for (const engine of ['tfjs', 'ort'] as const) {
    const mine = runs.filter((r) => r.engine === engine);
    const auto = mine.find((r) => r.requested === 'auto');
    const singles = mine.filter((r) => r.requested !== 'auto' && r.images > 0);
    const best = singles.sort((a, b) => a.p50Ms - b.p50Ms)[0];
    if (auto && best) ratios[`${engine}.autoVsBestSingleP50`] = auto.p50Ms / best.p50Ms;
    const webgpu = mine.find((r) => r.requested === 'webgpu');
    if (auto?.coldStartMs && webgpu?.coldStartMs) ratios[`${engine}.firstResultWebgpuVsAuto`] = webgpu.coldStartMs / auto.coldStartMs;
  }
  const tfjsWasm = runs.find((r) => r.engine === 'tfjs' && r.requested === 'wasm');
  if (tfjsWasm) ratios.cacheHitVsMiss = cacheHitMs / tfjsWasm.p50Ms;
  return { machine: { cpus: (await import('node:os')).cpus().length, node: process.version, browser: `Chromium ${browserVersion}`, gpu }, runs, cacheHitMs, ratios };
}
