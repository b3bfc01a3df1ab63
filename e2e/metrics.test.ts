/**
 * The numbers an app watches (issue 19 §3), checked against a known run:
 * 50 calls (10 photos, each again 4 times from the cache) and three induced
 * errors. stats() percentiles equal nearest-rank percentiles of the calls'
 * own timings, errors are counted by code, the hit rate is hits / lookups,
 * the window is bounded; User Timing entries and `result` events arrive one
 * per computation / per result. In the page and in worker mode.
 */
import { describe, expect, test } from 'vitest';
import type { Classifier, ClassifierStats, LatencyStats } from '../src/index.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, photoNames, SKIP_NO_DATA } from './helpers/data.js';

interface Run {
  totals: number[];
  stages: { decodeMs: number; preprocessMs: number; inferenceMs: number; cached: boolean }[];
  stats: ClassifierStats;
  events: { call: string; totalMs: number }[];
  measures: { name: string; duration: number; detail: { backend?: string; model?: string; width?: number; height?: number; cached?: boolean } }[];
  errorCodes: (string | undefined)[];
}

/** Nearest-rank percentile, as monitoring systems report it (a value that was observed). */
function nearestRank(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function expectPercentiles(stats: LatencyStats, values: readonly number[]): void {
  expect(stats.count).toBe(values.length);
  expect(stats.p50).toBeCloseTo(nearestRank(values, 0.5), 9);
  expect(stats.p95).toBeCloseTo(nearestRank(values, 0.95), 9);
  expect(stats.p99).toBeCloseTo(nearestRank(values, 0.99), 9);
  expect(stats.max).toBeCloseTo(Math.max(...values), 9);
}

describe.skipIf(!hasSharedData)(`metrics (${hasSharedData ? 'real photos, ImageNet MobileNetV2 on ORT wasm' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();
  const photos = hasSharedData ? photoNames().slice(0, 10) : [];

  async function run(worker: boolean, window?: number): Promise<Run> {
    return demo().page.evaluate(async ({ manifest, worker, window, photos }) => {
      const measures: Run['measures'] = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.name.startsWith('inpage-classifier:')) measures.push({ name: e.name, duration: e.duration, detail: (e as PerformanceMeasure).detail as Run['measures'][number]['detail'] });
      });
      observer.observe({ type: 'measure', buffered: false });
      const clf: Classifier = await (globalThis as unknown as Window).inpageClassifier.createClassifier({
        model: manifest, backends: ['wasm'], baseUrl: '/shared-data/models/', worker, metrics: { userTiming: true, ...(window ? { window } : {}) },
      });
      try {
        const events: Run['events'] = [];
        clf.addEventListener('result', (e) => {
          const { call, result } = (e as CustomEvent<{ call: string; result: { timings: { totalMs: number } } }>).detail;
          events.push({ call, totalMs: result.timings.totalMs });
        });
        const blobs = await Promise.all(photos.map(async (n) => (await fetch(`/shared-data/photos/${n}`)).blob()));
        const totals: number[] = [];
        const stages: Run['stages'] = [];
        for (let round = 0; round < 5; round++) {
          for (const blob of blobs) {
            const r = await clf.classify(blob);
            totals.push(r.timings.totalMs);
            stages.push({ ...r.timings, cached: r.cached });
          }
        }
        const errorCodes: (string | undefined)[] = [];
        const aborted = new AbortController();
        aborted.abort();
        for (const call of [
          () => clf.classify(new Blob(['not an image'])),
          () => clf.classify(blobs[0]!, { region: { x: 0.9, y: 0, width: 0.5, height: 0.5 } }),
          () => clf.classify(blobs[1]!, { signal: aborted.signal }),
          () => clf.classifyBatch('not a list' as unknown as Blob[]),
        ]) {
          errorCodes.push(await call().then(() => 'RESOLVED', (e: { code?: string }) => e.code));
        }
        await new Promise((r) => setTimeout(r, 50)); // observers are called in a later task
        observer.disconnect();
        return { totals, stages, stats: clf.stats(), events, measures, errorCodes };
      } finally {
        await clf.dispose();
      }
    }, { manifest: imagenetManifest(), worker, window, photos });
  }

  test('in the page: percentiles, error counts, hit rate, User Timing and result events agree with the calls', async () => {
    const r = await run(false);
    expect(r.errorCodes).toEqual(['UNSUPPORTED_INPUT', 'INVALID_REGION', 'ABORTED', 'UNSUPPORTED_INPUT']);
    expect(r.stats.errors).toEqual({ UNSUPPORTED_INPUT: 2, INVALID_REGION: 1, ABORTED: 1 });
    expect(r.stats.results).toBe(50);
    const computed = r.stages.filter((s) => !s.cached);
    expect(computed).toHaveLength(10);
    expectPercentiles(r.stats.latency.total, r.totals);
    expectPercentiles(r.stats.latency.decode, computed.map((s) => s.decodeMs));
    expectPercentiles(r.stats.latency.preprocess, computed.map((s) => s.preprocessMs));
    expectPercentiles(r.stats.latency.inference, computed.map((s) => s.inferenceMs));
    const cache = r.stats.cache!;
    expect(cache.hits).toBe(40);
    expect(cache.hitRate).toBeCloseTo(cache.hits / (cache.hits + cache.misses), 12);
    // One result event per result, with the same timings the call returned.
    expect(r.events.map((e) => e.call)).toEqual(Array(50).fill('classify'));
    expect(r.events.map((e) => e.totalMs)).toEqual(r.totals);
    // User Timing: each stage once per computation, each call once; durations are the calls' own.
    const byName = (n: string) => r.measures.filter((m) => m.name === `inpage-classifier:${n}`);
    expect(byName('decode')).toHaveLength(10);
    expect(byName('preprocess')).toHaveLength(10);
    expect(byName('inference')).toHaveLength(10);
    expect(byName('classify')).toHaveLength(50);
    byName('inference').forEach((m, i) => expect(m.duration).toBeCloseTo(computed[i]!.inferenceMs, 3));
    expect(byName('classify').filter((m) => m.detail.cached).length).toBe(40);
    for (const m of byName('decode')) {
      expect(m.detail).toMatchObject({ backend: 'wasm', model: 'imagenet-mobilenetv2@12-fp32' });
      expect(m.detail.width).toBeGreaterThan(0);
      expect(m.detail.height).toBeGreaterThan(0);
    }
    expect(r.stats.backendChanges).toEqual([]);
  });

  test('the window keeps the latest calls only', async () => {
    const r = await run(false, 8);
    expectPercentiles(r.stats.latency.total, r.totals.slice(-8));
    expect(r.stats.results).toBe(50);
  });

  test('in worker mode: the worker counts its errors and latencies, the page adds its own refusals and fires the events', async () => {
    const r = await run(true);
    expect(r.errorCodes).toEqual(['UNSUPPORTED_INPUT', 'INVALID_REGION', 'ABORTED', 'UNSUPPORTED_INPUT']);
    // The region and the non-list are refused in the page; the bad bytes in the worker; the aborted call before it is posted.
    expect(r.stats.errors).toEqual({ UNSUPPORTED_INPUT: 2, INVALID_REGION: 1, ABORTED: 1 });
    expect(r.stats.results).toBe(50);
    expect(r.stats.latency.total.count).toBe(50);
    expect(r.stats.latency.inference.count).toBe(10);
    expect(r.events.map((e) => e.totalMs)).toEqual(r.totals);
    // Stages are measured in the worker's timeline; the page sees each call.
    expect(r.measures.filter((m) => m.name === 'inpage-classifier:classify')).toHaveLength(50);
    expect(r.measures.filter((m) => m.name === 'inpage-classifier:inference')).toHaveLength(0);
  });
});
