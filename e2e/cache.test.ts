/**
 * The LRU result cache: keyed by content (file bytes, or pixels for canvases),
 * a hit returns identical scores without inference, eviction is LRU, and
 * `cache: false` turns it off.
 */
import { describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, SKIP_NO_DATA } from './helpers/data.js';
import { createInPage } from './helpers/page-api.js';

const MODEL = '/models/nsfw-mobilenet-v2/manifest.json';

describe.skipIf(!hasSharedData)(`result cache (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  test('a repeated file is a hit: identical scores, cached: true, no extra inference', async () => {
    await createInPage(demo().page, { model: MODEL, backends: ['wasm'] });
    const out = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const get = async (p: string) => (await fetch(`/shared-data/photos/${p}`)).blob();
      const cat = await get('cat_chelsea.png');
      const first = await clf.classify(cat);
      // A different Blob object with the same bytes hits too: the key is the content.
      const second = await clf.classify(new Blob([await cat.arrayBuffer()]));
      const other = await clf.classify(await get('dog_samoyed.jpg'));
      return { first: Array.from(first.scores), second: Array.from(second.scores), cached: [first.cached, second.cached, other.cached], stats: clf.stats(), inference: second.timings.inferenceMs };
    });
    expect(out.cached).toEqual([false, true, false]);
    expect(out.second).toEqual(out.first);
    expect(out.inference).toBe(0);
    expect(out.stats.cache).toMatchObject({ hits: 1, misses: 2, size: 2 });
    expect(out.stats.runs).toBe(2);
  });

  test('canvas inputs are keyed by their pixels', async () => {
    await createInPage(demo().page, { model: MODEL, backends: ['wasm'] });
    const out = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const bitmap = await createImageBitmap(await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob());
      const canvas = Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height });
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const a = await clf.classify(canvas);
      const b = await clf.classify(canvas);
      canvas.getContext('2d')!.fillRect(0, 0, canvas.width / 2, canvas.height); // new content: a miss
      const c = await clf.classify(canvas);
      return [a.cached, b.cached, c.cached, a.top[0]!.label === b.top[0]!.label];
    });
    expect(out).toEqual([false, true, false, true]);
  });

  test('eviction is least-recently-used, and cache: false never caches', async () => {
    await createInPage(demo().page, { model: MODEL, backends: ['wasm'], cache: { maxEntries: 2 } });
    const lru = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const get = async (p: string) => (await fetch(`/shared-data/photos/${p}`)).blob();
      const [a, b, c] = await Promise.all(['apple_red.jpg', 'orange_fruit.jpg', 'house_finch.jpeg'].map(get));
      const seq = [a, b, a, c, a, b]; // c evicts b (least recently used), so b misses again at the end
      const cached: boolean[] = [];
      for (const img of seq) cached.push((await clf.classify(img!)).cached);
      return cached;
    });
    expect(lru).toEqual([false, false, true, false, true, false]);

    await createInPage(demo().page, { model: MODEL, backends: ['wasm'], cache: false });
    const off = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const img = await (await fetch('/shared-data/photos/apple_red.jpg')).blob();
      const r = [(await clf.classify(img)).cached, (await clf.classify(img)).cached];
      return { r, stats: clf.stats() };
    });
    expect(off.r).toEqual([false, false]);
    expect(off.stats.cache).toBeNull();
    expect(off.stats.runs).toBe(2);
  });
});
