import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResultCache } from '../src/cache/result-cache.js';

const f32 = (...values: number[]) => Float32Array.from(values);

describe('ResultCache LRU', () => {
  it('evicts the least recently set entry when full (maxEntries 2)', () => {
    const cache = new ResultCache(2);
    cache.set('a', f32(1));
    cache.set('b', f32(2));
    cache.set('c', f32(3));
    expect(cache.get('a')).toBeUndefined();
    expect(Array.from(cache.get('b')!)).toEqual([2]);
    expect(Array.from(cache.get('c')!)).toEqual([3]);
    expect(cache.stats().size).toBe(2);
  });

  it('a get marks the entry as recently used, so the other one is evicted', () => {
    const cache = new ResultCache(2);
    cache.set('a', f32(1));
    cache.set('b', f32(2));
    expect(cache.get('a')).toBeDefined(); // touch a: b is now the oldest
    cache.set('c', f32(3));
    expect(cache.get('b')).toBeUndefined();
    expect(Array.from(cache.get('a')!)).toEqual([1]);
    expect(Array.from(cache.get('c')!)).toEqual([3]);
  });

  it('setting an existing key replaces its scores without growing', () => {
    const cache = new ResultCache(2);
    cache.set('a', f32(1));
    cache.set('a', f32(9, 8));
    expect(Array.from(cache.get('a')!)).toEqual([9, 8]);
    expect(cache.stats().size).toBe(1);
  });

  it('counts hits, misses and size', () => {
    const cache = new ResultCache(2);
    expect(cache.stats()).toEqual({ hits: 0, misses: 0, size: 0, maxEntries: 2 });
    cache.get('x'); // miss
    cache.set('a', f32(1));
    cache.get('a'); // hit
    cache.get('a'); // hit
    cache.get('b'); // miss
    cache.set('b', f32(2));
    cache.set('c', f32(3)); // evicts a, the least recently used
    expect(cache.stats()).toEqual({ hits: 2, misses: 2, size: 2, maxEntries: 2 });
  });

  it('clear empties the cache but keeps the counters', () => {
    const cache = new ResultCache(3);
    cache.set('a', f32(1));
    cache.get('a');
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, size: 0, maxEntries: 3 });
  });
});

describe('ResultCache copies', () => {
  it('get returns a copy: mutating it does not change the cache', () => {
    const cache = new ResultCache(2);
    cache.set('a', f32(0.25, 0.75));
    const first = cache.get('a')!;
    first[0] = 123;
    first.fill(-1);
    expect(Array.from(cache.get('a')!)).toEqual([0.25, 0.75]);
    expect(cache.get('a')).not.toBe(cache.get('a'));
  });

  it('set stores a copy: mutating the original later does not change the cache', () => {
    const cache = new ResultCache(2);
    const scores = f32(0.5, 0.5);
    cache.set('a', scores);
    scores[1] = 42;
    expect(Array.from(cache.get('a')!)).toEqual([0.5, 0.5]);
  });
});

describe('ResultCache.key', () => {
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('is the model id plus the SHA-256 of the content', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(await ResultCache.key('model@1', bytes)).toBe(`model@1:${sha(bytes)}`);
    expect(await ResultCache.key('m', new Uint8Array())).toBe('m:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('differs by model id', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(await ResultCache.key('a@1', bytes)).not.toBe(await ResultCache.key('a@2', bytes));
  });

  it('differs by content', async () => {
    expect(await ResultCache.key('m', new Uint8Array([1, 2, 3]))).not.toBe(await ResultCache.key('m', new Uint8Array([1, 2, 4])));
  });

  it('is equal for equal content in different buffers and typed array kinds', async () => {
    const a = await ResultCache.key('m', new Uint8Array([9, 8, 7]));
    expect(await ResultCache.key('m', new Uint8Array([9, 8, 7]))).toBe(a);
    expect(await ResultCache.key('m', new Uint8ClampedArray([9, 8, 7]))).toBe(a);
  });

  it('hashes only the bytes of a subarray view (byteOffset/byteLength respected)', async () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const view = whole.subarray(2, 5);
    expect(view.byteOffset).toBe(2);
    const expected = await ResultCache.key('m', new Uint8Array([2, 3, 4]));
    expect(await ResultCache.key('m', view)).toBe(expected);
    expect(await ResultCache.key('m', view)).toBe(`m:${sha(new Uint8Array([2, 3, 4]))}`);
    expect(await ResultCache.key('m', view)).not.toBe(await ResultCache.key('m', whole));
    const clampedView = new Uint8ClampedArray(whole.buffer, 2, 3);
    expect(await ResultCache.key('m', clampedView)).toBe(expected);
  });
});

describe('ResultCache ttl and stale reads', () => {
  afterEach(() => vi.useRealTimers());

  it('an entry older than ttlMs is a miss for get, still served (marked stale) by getStale, and renewed by set', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const cache = new ResultCache(2, 100);
    cache.set('a', f32(1));
    vi.advanceTimersByTime(60);
    expect(Array.from(cache.get('a')!)).toEqual([1]); // fresh; a get does not renew the age
    expect(cache.getStale('a')).toEqual({ scores: f32(1), stale: false });
    vi.advanceTimersByTime(40);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.getStale('a')).toEqual({ scores: f32(1), stale: true });
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, size: 1, maxEntries: 2 });
    cache.set('a', f32(2));
    expect(Array.from(cache.get('a')!)).toEqual([2]);
  });

  it('getStale neither counts nor changes recency', () => {
    const cache = new ResultCache(2);
    cache.set('a', f32(1));
    cache.set('b', f32(2));
    expect(cache.getStale('a')?.stale).toBe(false);
    cache.set('c', f32(3)); // a is still the least recently used
    expect(cache.getStale('a')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, size: 2 });
  });
});
