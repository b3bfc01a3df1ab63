/**
 * Bulk in Node against the page (issue 18 §3): `classifyFiles` (sharp decode,
 * the page's JS preprocessing, onnxruntime-node) and `classify` in Chromium
 * (the browser's decoder, the same preprocessing, ORT wasm) on every shared
 * photo, with the shipped ONNX model. The decoders differ (colour profiles,
 * IDCT rounding: docs/node.md), so the bar is top-1 agreement ≥ 95 %; the
 * same-tensor equality is test/classify-files.test.ts.
 */
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { classifyFiles, type FileResult, isClassified } from '../src/node/index.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';

const MODEL = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx');
const demo = useDemoSession();

test.skipIf(!hasSharedData)(`bulk Node classify agrees with the page's classify on ≥ 95 % of the photos (${hasSharedData ? 'shared photos' : SKIP_NO_DATA})`, async () => {
  const node: FileResult[] = [];
  await classifyFiles([join(SHARED_DATA, 'photos')], { model: MODEL, concurrency: 2, onResult: (r) => node.push(r) });
  const classified = node.filter(isClassified);
  expect(classified.length).toBeGreaterThanOrEqual(40);
  const names = classified.map((r) => relative(join(SHARED_DATA, 'photos'), r.file));
  const page = await demo().page.evaluate(async ({ names }) => {
    const clf = await window.inpageClassifier.createClassifier({ model: '/models/nsfw-mobilenet-v2-onnx/manifest.json', backends: ['wasm'], cache: false });
    const out: number[] = [];
    for (const name of names) out.push((await clf.classify(await (await fetch(`/shared-data/photos/${name}`)).blob())).top[0]!.index);
    await clf.dispose();
    return out;
  }, { names });
  const agree = classified.filter((r, i) => r.top[0]!.index === page[i]).length;
  const disagreeing = classified.filter((r, i) => r.top[0]!.index !== page[i]).map((r) => relative(SHARED_DATA, r.file));
  console.log(`bulk vs page top-1: ${agree}/${classified.length} agree${disagreeing.length ? `; differ: ${disagreeing.join(', ')}` : ''}`);
  expect(agree / classified.length).toBeGreaterThanOrEqual(0.95);
}, 180_000);
