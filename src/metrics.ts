/**
 * The numbers an app watches and ships to its monitoring (`stats().latency`,
 * `stats().errors`), and User Timing entries for the browser's performance
 * panel and real-user-monitoring tools. One recorder per classifier; it
 * never throws into a call, and costs a few array writes per result.
 */
import { isClassifierError } from './errors.js';
import type { LatencyStats, StageLatencies } from './types.js';

/** The prefix of every User Timing entry: `inpage-classifier:decode`, `…:preprocess`, `…:inference`, `…:classify`. */
export const USER_TIMING_PREFIX = 'inpage-classifier';

/** What `stats().errors` counts a failure under: its ClassifierError code, else its name (`TypeError`, …). */
export function errorKey(error: unknown): string {
  return isClassifierError(error) ? error.code : error instanceof Error ? error.name : 'Error';
}

export type Stage = 'decode' | 'preprocess' | 'inference' | 'total';
const STAGES: readonly Stage[] = ['decode', 'preprocess', 'inference', 'total'];

/** Entries of ours in the performance buffer before they are cleared (observers see every one; the buffer is not bounded by the browser). */
const MAX_BUFFERED_ENTRIES = 1000;

/** A fixed-size window of the latest samples. */
class Window {
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#values = new Float64Array(size);
  }

  add(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    this.#count = Math.min(this.#count + 1, this.#values.length);
  }

  /** Nearest-rank percentiles (p50 is a value that was observed, as monitoring systems report it). */
  summary(): LatencyStats {
    if (this.#count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    const sorted = this.#values.slice(0, this.#count).sort();
    const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
    return { count: this.#count, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted[sorted.length - 1]! };
  }
}

/** When each stage of one computation ran (performance.now() timestamps), for User Timing. */
export interface StageSpan {
  stage: Exclude<Stage, 'total'>;
  start: number;
  end: number;
}

/** What a User Timing entry's `detail` carries. */
export interface TimingDetail {
  backend: string;
  model: string;
  width?: number;
  height?: number;
}

export class CallMetrics {
  readonly #windows: Record<Stage, Window>;
  readonly #errors: Record<string, number> = {};
  readonly #userTiming: boolean;
  #buffered = 0;

  constructor(window: number, userTiming: boolean) {
    this.#windows = { decode: new Window(window), preprocess: new Window(window), inference: new Window(window), total: new Window(window) };
    this.#userTiming = userTiming && typeof performance !== 'undefined' && typeof performance.measure === 'function';
  }

  /** A settled call's result: its total always, its stages only when it computed them (a cache answer ran none). */
  result(totalMs: number, stages: { decodeMs?: number; preprocessMs?: number; inferenceMs?: number } | null): void {
    this.#windows.total.add(totalMs);
    if (stages?.decodeMs !== undefined) this.#windows.decode.add(stages.decodeMs);
    if (stages?.preprocessMs !== undefined) this.#windows.preprocess.add(stages.preprocessMs);
    if (stages?.inferenceMs !== undefined) this.#windows.inference.add(stages.inferenceMs);
  }

  /** A call that failed, counted under its code (`ClassifierError`) or its name (`TypeError`, …). */
  error(error: unknown): void {
    const key = errorKey(error);
    this.#errors[key] = (this.#errors[key] ?? 0) + 1;
  }

  /** User Timing measures for the stages of one computation, and the call (when enabled). */
  measure(spans: readonly StageSpan[], detail: TimingDetail): void {
    if (!this.#userTiming) return;
    try {
      for (const span of spans) performance.measure(`${USER_TIMING_PREFIX}:${span.stage}`, { start: span.start, end: Math.max(span.start, span.end), detail });
      this.#buffered += spans.length;
      if (this.#buffered > MAX_BUFFERED_ENTRIES) {
        // PerformanceObservers already got them; the page's buffer would otherwise grow for ever in a video loop.
        for (const stage of [...STAGES.slice(0, 3), 'classify']) performance.clearMeasures(`${USER_TIMING_PREFIX}:${stage}`);
        this.#buffered = 0;
      }
    } catch {
      // A browser without the options form of measure(): no entries, never a failed call.
    }
  }

  /** The whole call, from its start to its result (when enabled). */
  measureCall(start: number, end: number, detail: TimingDetail & { cached: boolean }): void {
    if (!this.#userTiming) return;
    try {
      performance.measure(`${USER_TIMING_PREFIX}:classify`, { start, end, detail });
      this.#buffered += 1;
    } catch {
      // as above
    }
  }

  latency(): StageLatencies {
    return { decode: this.#windows.decode.summary(), preprocess: this.#windows.preprocess.summary(), inference: this.#windows.inference.summary(), total: this.#windows.total.summary() };
  }

  errors(): Record<string, number> {
    return { ...this.#errors };
  }
}
