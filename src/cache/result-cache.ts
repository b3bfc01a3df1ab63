/**
 * The cache stage: an LRU of classification scores keyed by model id@version
 * + SHA-256 of the image content (encoded bytes for Blobs, preprocessed
 * pixels otherwise), and the one place a classification is looked up,
 * shared while in flight, or answered stale — like lru-cache's `fetch()`.
 * `classify`, `classifyBatch` (and so the worker, which runs a page
 * classifier) all go through {@link ResultCache.fetch}.
 *
 * Scores are stored, not results: topK is applied per call, so one entry
 * serves every topK. Warnings are stored with them, so a hit says what the
 * first computation said (e.g. a truncated JPEG).
 *
 * A Map is the LRU: it iterates in insertion order, so re-inserting on use
 * keeps the least recently used entry first, and eviction takes that one
 * (O(1) both). Hand-written rather than lru-cache, which cost 6 KB gzip of
 * the 25 KB core budget for the few operations used here.
 */
import { throwIfAborted, withDeadline } from '../call-control.js';
import { sha256Hex } from '../manifest/fetch.js';
import type { CacheStats } from '../types.js';

/** What is cached for one image. */
export interface Scored {
  scores: Float32Array;
  warnings: readonly string[];
}

interface Entry extends Scored {
  /** performance.now() when set: the ttl counts from there (a get does not renew it). */
  at: number;
}

/** Where a fetched answer came from. */
export type FetchSource = 'computed' | 'shared' | 'cache' | 'stale';

export interface FetchOptions {
  signal?: AbortSignal | undefined;
  /** Deadline for this caller; the computation itself goes on and fills the cache. */
  timeoutMs?: number | undefined;
  /** On timeout, answer with a cached entry (fresh or expired) if there is one. */
  allowStale?: boolean | undefined;
}

/** An in-flight computation and the signals of every caller sharing it. */
interface Flight<T> {
  work: Promise<T>;
  signals: (AbortSignal | undefined)[];
}

export class ResultCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Flight<Scored>>();
  readonly #max: number;
  readonly #ttlMs: number;
  #hits = 0;
  #misses = 0;

  /**
   * @param maxEntries - 0 stores nothing (the cache is off) but still shares identical work in flight
   * @param ttlMs - entries older than this are stale: recomputed, but still served on timeout with `allowStale`
   */
  constructor(maxEntries: number, ttlMs?: number) {
    this.#max = maxEntries;
    this.#ttlMs = ttlMs ?? Number.POSITIVE_INFINITY;
  }

  static async key(modelId: string, content: Uint8Array | Uint8ClampedArray): Promise<string> {
    return `${modelId}:${await sha256Hex(new Uint8Array(content.buffer, content.byteOffset, content.byteLength))}`;
  }

  /** False when the cache stores nothing: pixel inputs then need no key at all. */
  get enabled(): boolean {
    return this.#max > 0;
  }

  #stale(entry: Entry): boolean {
    return performance.now() - entry.at >= this.#ttlMs;
  }

  /** True when `key` has a fresh entry (not counted, recency unchanged). */
  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && !this.#stale(entry);
  }

  /** A copy of the cached entry (callers may mutate theirs), counting hit/miss; a stale entry is a miss but stays for stale answers. */
  get(key: string): Scored | undefined {
    if (!this.enabled) return undefined;
    const entry = this.#entries.get(key);
    if (!entry || this.#stale(entry)) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(key); // most recently used: to the end
    this.#entries.set(key, entry);
    return { scores: Float32Array.from(entry.scores), warnings: [...entry.warnings] };
  }

  /** Fresh or expired, for degrading to a cached answer (not counted, recency unchanged). */
  #getStale(key: string): Scored | undefined {
    const entry = this.#entries.get(key);
    return entry && { scores: Float32Array.from(entry.scores), warnings: [...entry.warnings] };
  }

  set(key: string, value: Scored): void {
    if (!this.enabled) return;
    this.#entries.delete(key);
    this.#entries.set(key, { scores: Float32Array.from(value.scores), warnings: [...value.warnings], at: performance.now() });
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /**
   * The answer for `key`: a fresh entry, else the computation already in
   * flight for it, else `compute` (called synchronously, before this returns,
   * so a caller can tell at once whether it started work), whose result is
   * stored. Every path honours the caller's signal (ABORTED, also on a hit)
   * and deadline (TIMEOUT, or a stale entry with `allowStale`). `compute`
   * gets the signals of every caller sharing it: when all of them are aborted
   * before it starts, it may skip the work.
   * A null key (uncacheable input) always computes and shares nothing.
   */
  fetch<T extends Scored>(key: string | null, compute: (signals: readonly (AbortSignal | undefined)[]) => Promise<T>, options: FetchOptions = {}): Promise<{ value: T | Scored; source: FetchSource }> {
    const { signal, timeoutMs, allowStale } = options;
    try {
      throwIfAborted(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const fresh = key === null ? undefined : this.get(key);
    if (fresh) return Promise.resolve({ value: fresh, source: 'cache' });
    let flight = key === null ? undefined : (this.#inflight.get(key) as Flight<T> | undefined);
    const source: FetchSource = flight ? 'shared' : 'computed';
    if (flight) flight.signals.push(signal);
    else {
      const signals = [signal];
      const work = compute(signals);
      flight = { work, signals };
      if (key !== null) {
        this.#inflight.set(key, flight);
        const settle = () => this.#inflight.delete(key);
        void work.then((value) => {
          settle();
          this.set(key, value);
        }, settle);
      }
    }
    const stale = () => {
      const old = allowStale && key !== null ? this.#getStale(key) : undefined;
      return old && { value: old, source: 'stale' as const };
    };
    return withDeadline(flight.work.then((value) => ({ value, source })), { signal, timeoutMs }, stale);
  }

  clear(): void {
    this.#entries.clear();
  }

  stats(): CacheStats {
    const lookups = this.#hits + this.#misses;
    return { hits: this.#hits, misses: this.#misses, hitRate: lookups === 0 ? 0 : this.#hits / lookups, size: this.#entries.size, maxEntries: this.#max };
  }
}
