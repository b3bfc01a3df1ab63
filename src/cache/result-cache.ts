/**
 * LRU of classification scores, keyed by model id@version + SHA-256 of the
 * image content (encoded bytes for Blobs, preprocessed pixels otherwise).
 * Scores are stored, not results: topK is applied per call, so one entry
 * serves every topK.
 *
 * A Map is the LRU: it iterates in insertion order, so re-inserting on use
 * keeps the least recently used entry first, and eviction takes that one
 * (O(1) both). Hand-written rather than lru-cache, which cost 6 KB gzip of
 * the 25 KB core budget for the three operations used here.
 */
import { sha256Hex } from '../manifest/fetch.js';
import type { CacheStats } from '../types.js';

interface Entry {
  scores: Float32Array;
  /** performance.now() when set: the ttl counts from there (a get does not renew it). */
  at: number;
}

export class ResultCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #ttlMs: number;
  #hits = 0;
  #misses = 0;

  /** @param ttlMs - entries older than this are stale: recomputed, but still served by getStale() */
  constructor(maxEntries: number, ttlMs?: number) {
    this.#max = maxEntries;
    this.#ttlMs = ttlMs ?? Number.POSITIVE_INFINITY;
  }

  static async key(modelId: string, content: Uint8Array | Uint8ClampedArray): Promise<string> {
    return `${modelId}:${await sha256Hex(new Uint8Array(content.buffer, content.byteOffset, content.byteLength))}`;
  }

  #stale(entry: Entry): boolean {
    return performance.now() - entry.at >= this.#ttlMs;
  }

  /** A copy of the cached scores (callers may mutate theirs), counting hit/miss; a stale entry is a miss but stays for getStale(). */
  get(key: string): Float32Array | undefined {
    const entry = this.#entries.get(key);
    if (!entry || this.#stale(entry)) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(key); // most recently used: to the end
    this.#entries.set(key, entry);
    return Float32Array.from(entry.scores);
  }

  /** Fresh or stale scores, for degrading to a cached answer (not counted, recency unchanged). */
  getStale(key: string): { scores: Float32Array; stale: boolean } | undefined {
    const entry = this.#entries.get(key);
    return entry && { scores: Float32Array.from(entry.scores), stale: this.#stale(entry) };
  }

  set(key: string, scores: Float32Array): void {
    this.#entries.delete(key);
    this.#entries.set(key, { scores: Float32Array.from(scores), at: performance.now() });
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
  }

  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size, maxEntries: this.#max };
  }
}
