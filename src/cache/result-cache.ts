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

  constructor(maxEntries: number) {
    this.#max = maxEntries;
    this.#lru = new LRUCache({ max: maxEntries });
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
