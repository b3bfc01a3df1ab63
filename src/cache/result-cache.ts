/**
 * LRU of classification scores, keyed by model id@version + SHA-256 of the
 * image content (encoded bytes for Blobs, preprocessed pixels otherwise).
 * Scores are stored, not results: topK is applied per call, so one entry
 * serves every topK. Backed by lru-cache (bounded, O(1), well tested).
 */
import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../manifest/fetch.js';
import type { CacheStats } from '../types.js';

export class ResultCache {
  readonly #lru: LRUCache<string, Float32Array>;
  readonly #max: number;
  #hits = 0;
  #misses = 0;

  /** @param ttlMs - entries older than this are stale: recomputed, but still served by getStale() */
  constructor(maxEntries: number, ttlMs?: number) {
    this.#max = maxEntries;
    this.#lru = new LRUCache({ max: maxEntries, ...(ttlMs ? { ttl: ttlMs, allowStale: false, noDeleteOnStaleGet: true } : {}) });
  }

  static async key(modelId: string, content: Uint8Array | Uint8ClampedArray): Promise<string> {
    return `${modelId}:${await sha256Hex(new Uint8Array(content.buffer, content.byteOffset, content.byteLength))}`;
  }

  /** A copy of the cached scores (callers may mutate theirs), counting hit/miss. */
  get(key: string): Float32Array | undefined {
    const scores = this.#lru.get(key);
    if (scores) this.#hits++;
    else this.#misses++;
    return scores && Float32Array.from(scores);
  }

  /** Fresh or stale scores, for degrading to a cached answer (not counted as a hit or miss). */
  getStale(key: string): { scores: Float32Array; stale: boolean } | undefined {
    const scores = this.#lru.get(key, { allowStale: true, noDeleteOnStaleGet: true, updateAgeOnGet: false });
    if (!scores) return undefined;
    const ttl = this.#lru.getRemainingTTL(key);
    return { scores: Float32Array.from(scores), stale: ttl !== Infinity && ttl <= 0 };
  }

  set(key: string, scores: Float32Array): void {
    this.#lru.set(key, Float32Array.from(scores));
  }

  clear(): void {
    this.#lru.clear();
  }

  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#lru.size, maxEntries: this.#max };
  }
}
