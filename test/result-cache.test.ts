import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResultCache, type Scored } from '../src/cache/result-cache.js';

const f32 = (...values: number[]) => Float32Array.from(values);
const entry = (...values: number[]) => ({ scores: f32(...values), warnings: [] as string[] });

describe('ResultCache LRU', () => {
  it('evicts the least recently set entry when full (maxEntries 2)', () => {
    const cache = new ResultCache(2);
    cache.set('a', entry(1));
    cache.set('b', entry(2));
    cache.set('c', entry(3));
    expect(cache.get('a')).toBeUndefined();
    expect(Array.from(cache.get('b')!.scores)).toEqual([2]);
    expect(Array.from(cache.get('c')!.scores)).toEqual([3]);
    expect(cache.stats().size).toBe(2);
  });

  it('a get marks the entry as recently used, so the other one is evicted', () => {
    const cache = new ResultCache(2);
    cache.set('a', entry(1));
    cache.set('b', entry(2));
    expect(cache.get('a')).toBeDefined(); // touch a: b is now the oldest
    cache.set('c', entry(3));
    expect(cache.get('b')).toBeUndefined();
    expect(Array.from(cache.get('a')!.scores)).toEqual([1]);
    expect(Array.from(cache.get('c')!.scores)).toEqual([3]);
  });

  it('setting an existing key replaces its scores without growing', () => {
    const cache = new ResultCache(2);
    cache.set('a', entry(1));
    cache.set('a', entry(9, 8));
    expect(Array.from(cache.get('a')!.scores)).toEqual([9, 8]);
    expect(cache.stats().size).toBe(1);
  });

  it('counts hits, misses and size', () => {
    const cache = new ResultCache(2);
    expect(cache.stats()).toEqual({ hits: 0, misses: 0, hitRate: 0, size: 0, maxEntries: 2 });
    cache.get('x'); // miss
    cache.set('a', entry(1));
    cache.get('a'); // hit
    cache.get('a'); // hit
    cache.get('b'); // miss
    cache.set('b', entry(2));
    cache.set('c', entry(3)); // evicts a, the least recently used
    expect(cache.stats()).toEqual({ hits: 2, misses: 2, hitRate: 0.5, size: 2, maxEntries: 2 });
  });

  it('clear empties the cache but keeps the counters', () => {
    const cache = new ResultCache(3);
    cache.set('a', entry(1));
    cache.get('a');
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, hitRate: 0.5, size: 0, maxEntries: 3 });
  });
});

describe('ResultCache copies', () => {
  it('get returns a copy: mutating it does not change the cache', () => {
    const cache = new ResultCache(2);
    cache.set('a', entry(0.25, 0.75));
    const first = cache.get('a')!.scores;
    first[0] = 123;
    first.fill(-1);
    expect(Array.from(cache.get('a')!.scores)).toEqual([0.25, 0.75]);
    expect(cache.get('a')).not.toBe(cache.get('a'));
  });

  it('set stores a copy: mutating the original later does not change the cache', () => {
    const cache = new ResultCache(2);
    const scores = f32(0.5, 0.5);
    cache.set('a', { scores, warnings: [] });
    scores[1] = 42;
    expect(Array.from(cache.get('a')!.scores)).toEqual([0.5, 0.5]);
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

describe('ResultCache ttl and stale answers', () => {
  afterEach(() => vi.useRealTimers());

  it('an entry older than ttlMs is a miss for get, and renewed by set', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const cache = new ResultCache(2, 100);
    cache.set('a', entry(1));
    vi.advanceTimersByTime(60);
    expect(Array.from(cache.get('a')!.scores)).toEqual([1]); // fresh; a get does not renew the age
    vi.advanceTimersByTime(40);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, hitRate: 0.5, size: 1, maxEntries: 2 });
    cache.set('a', entry(2));
    expect(Array.from(cache.get('a')!.scores)).toEqual([2]);
  });

  it('on timeout with allowStale, an expired entry answers (source stale); without it, TIMEOUT', async () => {
    const cache = new ResultCache(2, 10);
    cache.set('a', entry(1));
    await new Promise((r) => setTimeout(r, 30));
    const never = () => new Promise<Scored>(() => {});
    const old = await cache.fetch('a', never, { timeoutMs: 5, allowStale: true });
    expect(old.source).toBe('stale');
    expect(Array.from(old.value.scores)).toEqual([1]);
    await expect(cache.fetch('a', never, { timeoutMs: 5 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(cache.fetch('b', never, { timeoutMs: 5, allowStale: true })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('ResultCache.fetch: the one cache stage', () => {
  const computed = (...values: number[]) => () => Promise.resolve(entry(...values));

  it('computes a miss once, stores it (with its warnings), and answers the next call from the cache', async () => {
    const cache = new ResultCache(2);
    const compute = vi.fn(() => Promise.resolve({ scores: f32(0.3, 0.7), warnings: ['truncated JPEG'] }));
    const first = await cache.fetch('k', compute);
    expect(first.source).toBe('computed');
    const second = await cache.fetch('k', compute);
    expect(second.source).toBe('cache');
    expect(compute).toHaveBeenCalledTimes(1);
    expect(Array.from(second.value.scores)).toEqual([Math.fround(0.3), Math.fround(0.7)]);
    // Warnings are cached with the scores: a hit says what the computation said.
    expect(second.value.warnings).toEqual(['truncated JPEG']);
  });

  it('identical keys in flight share one computation (source shared); compute is called synchronously', async () => {
    const cache = new ResultCache(2);
    let release!: (v: Scored) => void;
    const compute = vi.fn(() => new Promise<Scored>((r) => (release = r)));
    const a = cache.fetch('k', compute);
    expect(compute).toHaveBeenCalledTimes(1); // before fetch returned
    const b = cache.fetch('k', compute);
    expect(compute).toHaveBeenCalledTimes(1);
    release(entry(1));
    expect((await a).source).toBe('computed');
    expect((await b).source).toBe('shared');
  });

  it('an aborted signal rejects with ABORTED on a cache hit too', async () => {
    const cache = new ResultCache(2);
    cache.set('k', entry(1));
    const controller = new AbortController();
    controller.abort();
    await expect(cache.fetch('k', computed(2), { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    // the entry is untouched and still answers an unaborted call
    expect((await cache.fetch('k', computed(2))).source).toBe('cache');
  });

  it('abort while sharing in-flight work rejects that caller only; the work goes on for the others', async () => {
    const cache = new ResultCache(2);
    let release!: (v: Scored) => void;
    const seen: (readonly (AbortSignal | undefined)[])[] = [];
    const compute = (signals: readonly (AbortSignal | undefined)[]) => {
      seen.push(signals);
      return new Promise<Scored>((r) => (release = r));
    };
    const first = cache.fetch('k', compute);
    const controller = new AbortController();
    const shared = cache.fetch('k', compute, { signal: controller.signal });
    controller.abort();
    await expect(shared).rejects.toMatchObject({ code: 'ABORTED' });
    // compute sees every sharing caller's signal, so it can skip work all of them gave up on
    expect(seen[0]).toHaveLength(2);
    expect(seen[0]![1]!.aborted).toBe(true);
    release(entry(5));
    expect((await first).source).toBe('computed');
  });

  it('a failed computation is not cached and not shared with later calls', async () => {
    const cache = new ResultCache(2);
    await expect(cache.fetch('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.fetch('k', computed(1))).source).toBe('computed');
  });

  it('a null key always computes and stores nothing', async () => {
    const cache = new ResultCache(2);
    const compute = vi.fn(computed(1));
    await cache.fetch(null, compute);
    await cache.fetch(null, compute);
    expect(compute).toHaveBeenCalledTimes(2);
    expect(cache.stats().size).toBe(0);
  });

  it('maxEntries 0 (cache off) stores nothing but still shares work in flight', async () => {
    const cache = new ResultCache(0);
    expect(cache.enabled).toBe(false);
    let release!: (v: Scored) => void;
    const compute = vi.fn(() => new Promise<Scored>((r) => (release = r)));
    const a = cache.fetch('k', compute);
    const b = cache.fetch('k', compute);
    release(entry(1));
    expect([(await a).source, (await b).source]).toEqual(['computed', 'shared']);
    expect((await cache.fetch('k', computed(2))).source).toBe('computed');
    expect(cache.stats().size).toBe(0);
  });
});
