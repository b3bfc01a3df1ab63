/**
 * The latency window and error counts behind stats() (src/metrics.ts):
 * nearest-rank percentiles over the latest N samples, stages only when a
 * call computed them, errors by code or name. The same numbers against real
 * calls in a browser: e2e/metrics.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { ClassifierError } from '../src/errors.js';
import { CallMetrics } from '../src/metrics.js';

describe('CallMetrics', () => {
  test('empty: zero counts, zero percentiles', () => {
    expect(new CallMetrics(10, false).latency().total).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  test('nearest-rank percentiles of 1..100 ms', () => {
    const m = new CallMetrics(1000, false);
    // Shuffled on purpose: the window is sorted for the summary, not kept sorted.
    const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    for (const v of values) m.result(v, { decodeMs: v / 10, preprocessMs: v / 5, inferenceMs: v / 2 });
    expect(m.latency().total).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(m.latency().inference).toEqual({ count: 100, p50: 25, p95: 47.5, p99: 49.5, max: 50 });
  });

  test('the window keeps the latest samples only', () => {
    const m = new CallMetrics(4, false);
    for (const v of [1000, 900, 1, 2, 3, 4]) m.result(v, null);
    expect(m.latency().total).toEqual({ count: 4, p50: 2, p95: 4, p99: 4, max: 4 });
  });

  test('a cache answer counts in total only; a tensor call in inference only', () => {
    const m = new CallMetrics(10, false);
    m.result(1, null);
    m.result(30, { inferenceMs: 20 });
    const l = m.latency();
    expect([l.total.count, l.decode.count, l.preprocess.count, l.inference.count]).toEqual([2, 0, 0, 1]);
  });

  test('errors by ClassifierError code, else by error name', () => {
    const m = new CallMetrics(10, false);
    m.error(new ClassifierError('DECODE_FAILED', 'x'));
    m.error(new ClassifierError('DECODE_FAILED', 'y'));
    m.error(new TypeError('bad option'));
    m.error('a string');
    expect(m.errors()).toEqual({ DECODE_FAILED: 2, TypeError: 1, Error: 1 });
  });
});
